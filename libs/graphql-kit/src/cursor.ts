import { ValidationException } from '@threatline/errors';

/**
 * Opaque cursors: the sort key of the last row seen, base64url-encoded JSON. Clients must
 * not build them; a cursor that does not decode is bad input, never a server error.
 */
export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, arity: number): (string | number)[] {
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(key) &&
      key.length === arity &&
      key.every((part) => typeof part === 'string' || typeof part === 'number')
    ) {
      return key;
    }
  } catch {
    // falls through to the error below
  }
  throw new ValidationException('The cursor `after` is not one this API issued.', { field: 'after' });
}
