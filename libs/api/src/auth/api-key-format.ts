import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const PREFIX = 'dmn';
const KEY_PATTERN = /^dmn_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export interface ParsedApiKey {
  id: string;
  secret: string;
}

/** A new key `dmn_<12 hex id>_<32 random bytes, base64url>`: 256 bits of secret. */
export function generateApiKey(): { key: string; id: string; secretHash: string } {
  const id = randomBytes(6).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { key: `${PREFIX}_${id}_${secret}`, id, secretHash: hashSecret(secret) };
}

export function parseApiKey(key: string): ParsedApiKey | undefined {
  const match = KEY_PATTERN.exec(key.trim());
  return match ? { id: match[1], secret: match[2] } : undefined;
}

/** sha256 suffices: the secret is random with 256 bits, so there is nothing to brute-force slowly. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function secretMatches(secret: string, storedHash: string): boolean {
  const actual = Buffer.from(hashSecret(secret), 'hex');
  const expected = Buffer.from(storedHash, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** The key from `Authorization: Bearer <key>` (or a bare key), else undefined. */
export function keyFromAuthorization(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : header.trim() || undefined;
}
