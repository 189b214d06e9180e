// 32-bit string hashing for the lookup tables. A key's hash is built from FNV-1a steps over its char codes and a
// murmur3 finalizer, so a lookup can hash many candidate keys (every label suffix of a name, every Safe Browsing
// expression of a URL) incrementally, without building them as strings. Stored keys are hashed by the same steps
// over their arena bytes; the two must always agree (hash.spec checks it).

export const HASH_SEED = 0x811c9dc5 | 0;

/** One FNV-1a step. */
export function hashStep(state: number, charCode: number): number {
  return Math.imul(state ^ charCode, 0x01000193);
}

/** murmur3's fmix32: spreads the FNV state over all 32 bits. */
export function finishHash(state: number): number {
  let h = state ^ (state >>> 16);
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** Domains are hashed right to left, so every label suffix's state appears on the way. */
export function domainHashOfString(text: string, start: number, end: number): number {
  let state = HASH_SEED;
  for (let i = end - 1; i >= start; i--) state = hashStep(state, text.charCodeAt(i));
  return finishHash(state);
}

export function domainHashOfBytes(bytes: Uint8Array, start: number, end: number): number {
  let state = HASH_SEED;
  for (let i = end - 1; i >= start; i--) state = hashStep(state, bytes[i]!);
  return finishHash(state);
}

/** A URL key `host/path?query` is the host hashed right to left (host suffixes) combined with the path hashed left
 *  to right (path prefixes), so all host-suffix x path-prefix expressions come from two short scans. */
export function combineUrlHash(hostState: number, pathState: number): number {
  return finishHash(Math.imul(hostState, 0x9e3779b1) ^ pathState);
}

/** The host part of a URL key (up to the first '/') hashed alone, as the URL host filter keys it. */
export function urlHostHashOfBytes(bytes: Uint8Array, start: number, end: number): number {
  let host = HASH_SEED;
  let slash = start;
  while (slash < end && bytes[slash] !== 0x2f) slash++;
  for (let i = slash - 1; i >= start; i--) host = hashStep(host, bytes[i]!);
  return finishHash(host);
}

export function urlHostHashOfString(text: string): number {
  const slash = text.indexOf('/');
  let host = HASH_SEED;
  for (let i = (slash < 0 ? text.length : slash) - 1; i >= 0; i--) host = hashStep(host, text.charCodeAt(i));
  return finishHash(host);
}

export function urlHashOfBytes(bytes: Uint8Array, start: number, end: number): number {
  let slash = start;
  while (slash < end && bytes[slash] !== 0x2f) slash++;
  let host = HASH_SEED;
  for (let i = slash - 1; i >= start; i--) host = hashStep(host, bytes[i]!);
  let path = HASH_SEED;
  for (let i = slash; i < end; i++) path = hashStep(path, bytes[i]!);
  return combineUrlHash(host, path);
}

export function urlHashOfString(text: string): number {
  const slash = text.indexOf('/');
  const hostEnd = slash < 0 ? text.length : slash;
  let host = HASH_SEED;
  for (let i = hostEnd - 1; i >= 0; i--) host = hashStep(host, text.charCodeAt(i));
  let path = HASH_SEED;
  for (let i = hostEnd; i < text.length; i++) path = hashStep(path, text.charCodeAt(i));
  return combineUrlHash(host, path);
}

/** Hash of a uint32 key (IPv4 tables): one multiply, the caller takes the high bits (Fibonacci hashing), so
 *  consecutive addresses land far apart. */
export function u32Hash(key: number): number {
  return Math.imul(key, 0x9e3779b1);
}

/** The next state of Marsaglia's 32-bit xorshift generator (never 0 from a state that is not 0). */
export function xorshift32(state: number): number {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return state;
}
