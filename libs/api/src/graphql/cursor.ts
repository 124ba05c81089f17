import { badUserInput } from '../errors';

/**
 * Opaque keyset cursors: the ordering they belong to, the sort key as PostgreSQL printed it (exact:
 * microsecond timestamps, shortest round-trip floats) and the tie-breaking id.
 */
export interface CursorPosition {
  order: string;
  key: string;
  id: string;
}

export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify([position.order, position.key, position.id])).toString('base64url');
}

export function decodeCursor(field: string, cursor: string, expectedOrder: string): CursorPosition {
  let parsed: unknown;
  try {
    if (cursor.length > 2048) throw new Error('too long');
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badUserInput(field, 'is not a cursor from this API');
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 3 ||
    !parsed.every((p) => typeof p === 'string' && !p.includes('\u0000'))
  ) {
    throw badUserInput(field, 'is not a cursor from this API');
  }
  const [order, key, id] = parsed as [string, string, string];
  if (order !== expectedOrder)
    throw badUserInput(field, `belongs to another ordering (${order}), not ${expectedOrder}`);
  return { order, key, id };
}
