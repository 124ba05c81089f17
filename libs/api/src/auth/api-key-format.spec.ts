import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateApiKey, keyFromAuthorization, parseApiKey, secretMatches } from './api-key-format';

describe('API key format', () => {
  it('generates keys whose hash is sha256 of the secret part, and parses them back', () => {
    const { key, id, secretHash } = generateApiKey();
    const parsed = parseApiKey(key)!;
    expect(parsed.id).toBe(id);
    expect(createHash('sha256').update(parsed.secret).digest('hex')).toBe(secretHash);
    expect(secretMatches(parsed.secret, secretHash)).toBe(true);
    expect(secretMatches(`${parsed.secret.slice(0, -1)}A`, secretHash)).toBe(parsed.secret.endsWith('A'));
  });

  it('rejects malformed keys and reads Bearer headers', () => {
    expect(parseApiKey('dmn_abc_def')).toBeUndefined();
    expect(parseApiKey("dmn_0123456789ab_' OR 1=1 --")).toBeUndefined();
    expect(keyFromAuthorization('Bearer abc')).toBe('abc');
    expect(keyFromAuthorization('bearer  abc ')).toBe('abc');
    expect(keyFromAuthorization(undefined)).toBeUndefined();
  });
});
