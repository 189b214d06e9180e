import { Bloom } from './bloom';
import {
  HASH_SEED,
  hashStep,
  urlHashOfBytes,
  urlHashOfString,
  urlHostHashOfBytes,
  urlHostHashOfString,
} from './hash';
import type { HitBuffer, HitKind } from './hit-buffer';
import { StringTable } from './string-table';

/** Safe Browsing: the exact host plus up to 4 suffixes of 5..2 labels; the exact path with and without query
 *  plus up to 4 directory prefixes from "/". */
const MAX_HOST_SUFFIXES = 4;
const MAX_PATH_PREFIXES = 4;

/**
 * URL keys (`host/path?query`, canonical, no scheme) in a StringTable. A lookup takes a canonical URL as positions
 * in a string (the raw URL itself when it is already canonical, so nothing is allocated), hashes the host suffixes
 * right to left and the path prefixes left to right, and probes each host x path combination: the Safe Browsing
 * expressions, in the document's order, each once. A second Bloom filter, over the hosts of the keys, skips every
 * path of a host suffix no key has: most traffic URLs then cost a probe per host suffix, not one per expression.
 */
export class UrlIndex {
  /** Start offsets of the host suffixes to try (exact host first). */
  private readonly hostStarts = new Int32Array(MAX_HOST_SUFFIXES + 1);
  private readonly hostStates = new Int32Array(MAX_HOST_SUFFIXES + 1);
  /** Lengths of the path variants to try, from pathStart. */
  private readonly pathLengths = new Int32Array(MAX_PATH_PREFIXES + 2);
  private readonly pathStates = new Int32Array(MAX_PATH_PREFIXES + 2);
  private readonly prefixLengths = new Int32Array(MAX_PATH_PREFIXES);
  private readonly prefixStates = new Int32Array(MAX_PATH_PREFIXES);

  /** How many host suffixes the last passingHosts kept (the first entries of hostStarts/hostStates). */
  private passing = 0;

  /** Keys removed since the host filter was built; their hosts' bits are still set. */
  private staleHosts = 0;

  constructor(
    readonly table: StringTable,
    public hostBloom: Bloom = Bloom.forKeys(table.size),
  ) {}

  static empty(): UrlIndex {
    return new UrlIndex(new StringTable(urlHashOfBytes));
  }

  static forCount(count: number, arenaWords: number): UrlIndex {
    return new UrlIndex(StringTable.forCount(urlHashOfBytes, count, arenaWords), Bloom.forKeys(count));
  }

  find(url: string): number {
    return this.table.find(urlHashOfString(url), url, 0, url.length);
  }

  insert(url: string): number {
    const slot = this.table.insert(urlHashOfString(url), url);
    if (this.table.size > this.hostBloom.sizedFor) this.rebuildHostBloom();
    else this.hostBloom.add(urlHostHashOfString(url));
    return slot;
  }

  removeAt(slot: number): void {
    this.table.removeAt(slot);
    if (++this.staleHosts * 2 > this.table.size + 64) this.rebuildHostBloom();
  }

  /**
   * Pushes a hit for every key equal to one of the expressions of the canonical URL whose host is
   * text[hostStart, hostEnd) and whose path (with query, without fragment) is text[pathStart, end); returns how many.
   */
  lookup(
    text: string,
    hostStart: number,
    hostEnd: number,
    pathStart: number,
    end: number,
    hostIsIpv4: boolean,
    hits: HitBuffer,
    kind: HitKind,
  ): number {
    if (this.passingHosts(text, hostStart, hostEnd, hostIsIpv4) === 0) return 0;
    return this.probePaths(text, hostEnd, text, pathStart, end, hits, kind);
  }

  /**
   * The first half of lookup: the host suffixes of the canonical host text[hostStart, hostEnd) that the host
   * filter lets through (kept, in order, for probePaths); returns how many. 0 means no key has any of them, so no
   * expression of the URL matches whatever its path is.
   */
  passingHosts(text: string, hostStart: number, hostEnd: number, hostIsIpv4: boolean): number {
    if (this.table.size === 0) return 0;
    const hostCount = this.hostSuffixes(text, hostStart, hostEnd, hostIsIpv4);
    const hostWords = this.hostBloom.words;
    const hostLength = hostWords.length;
    let kept = 0;
    for (let h = 0; h < hostCount; h++) {
      // finishHash and the host filter's test, inline.
      const hostState = this.hostStates[h]!;
      let hostHash = hostState ^ (hostState >>> 16);
      hostHash = Math.imul(hostHash, 0x85ebca6b);
      hostHash ^= hostHash >>> 13;
      hostHash = Math.imul(hostHash, 0xc2b2ae35);
      hostHash ^= hostHash >>> 16;
      const hostMixed = Math.imul(hostHash ^ (hostHash >>> 15), 0x2c1b3c6d);
      const hostSpread = Math.imul(hostMixed, 0x9e3779b1);
      const hostBits =
        (1 << (hostSpread & 31)) | (1 << ((hostSpread >>> 5) & 31)) | (1 << ((hostSpread >>> 10) & 31));
      if ((hostWords[(((hostMixed >>> 8) * hostLength) / 16777216) | 0]! & hostBits) !== hostBits) continue;
      this.hostStarts[kept] = this.hostStarts[h]!;
      this.hostStates[kept++] = hostState;
    }
    this.passing = kept;
    return kept;
  }

  /**
   * The second half of lookup, after passingHosts: pushes a hit for every key equal to a kept host suffix (its
   * characters in hostText, ending at hostEnd) joined with a path variant of the canonical path
   * pathText[pathStart, end); returns how many. The host and the path may come from different strings: the raw
   * URL's host and the canonicalized path.
   */
  probePaths(
    hostText: string,
    hostEnd: number,
    pathText: string,
    pathStart: number,
    end: number,
    hits: HitBuffer,
    kind: HitKind,
  ): number {
    const table = this.table;
    const bloomWords = table.bloom.words;
    const bloomLength = bloomWords.length;
    const first = hits.count;
    const pathCount = this.pathVariants(pathText, pathStart, end);
    for (let h = 0; h < this.passing; h++) {
      const hostState = Math.imul(this.hostStates[h]!, 0x9e3779b1);
      const suffixStart = this.hostStarts[h]!;
      for (let p = 0; p < pathCount; p++) {
        // combineUrlHash and the Bloom test, inline: most expressions stop here.
        const state = hostState ^ this.pathStates[p]!;
        let hash = state ^ (state >>> 16);
        hash = Math.imul(hash, 0x85ebca6b);
        hash ^= hash >>> 13;
        hash = Math.imul(hash, 0xc2b2ae35);
        hash ^= hash >>> 16;
        const mixed = Math.imul(hash ^ (hash >>> 15), 0x2c1b3c6d);
        const spread = Math.imul(mixed, 0x9e3779b1);
        const bits = (1 << (spread & 31)) | (1 << ((spread >>> 5) & 31)) | (1 << ((spread >>> 10) & 31));
        if ((bloomWords[(((mixed >>> 8) * bloomLength) / 16777216) | 0]! & bits) !== bits) continue;
        const pathEnd = pathStart + this.pathLengths[p]!;
        const slot = table.findJoined(hash, hostText, suffixStart, hostEnd, pathText, pathStart, pathEnd);
        if (slot >= 0) hits.push(kind, slot);
      }
    }
    return hits.count - first;
  }

  private rebuildHostBloom(): void {
    this.hostBloom = Bloom.forKeys(this.table.size);
    this.table.forEachKey((bytes, start, end) => this.hostBloom.add(urlHostHashOfBytes(bytes, start, end)));
    this.staleHosts = 0;
  }

  /** Fills hostStarts/hostStates: the exact host, then (unless an IPv4 host) the suffixes of 5..2 labels that
   *  are shorter than it. */
  private hostSuffixes(text: string, start: number, end: number, hostIsIpv4: boolean): number {
    // Right to left, the d-th dot from the end starts the suffix of d labels; keep d = 2..5.
    let state = HASH_SEED;
    let dots = 0;
    let count = 1;
    for (let i = end - 1; i >= start; i--) {
      const code = text.charCodeAt(i);
      if (code === 0x2e && !hostIsIpv4) {
        dots++;
        if (dots >= 2 && dots <= MAX_HOST_SUFFIXES + 1) {
          this.hostStarts[count] = i + 1;
          this.hostStates[count++] = state;
        }
      }
      state = hashStep(state, code);
    }
    this.hostStarts[0] = start;
    this.hostStates[0] = state;
    // Collected shortest first; the document lists them longest first.
    for (let i = 1, j = count - 1; i < j; i++, j--) {
      const s = this.hostStarts[i]!;
      this.hostStarts[i] = this.hostStarts[j]!;
      this.hostStarts[j] = s;
      const t = this.hostStates[i]!;
      this.hostStates[i] = this.hostStates[j]!;
      this.hostStates[j] = t;
    }
    return count;
  }

  /** Fills pathLengths/pathStates: path with query, path without query, then "/", "/a/", "/a/b/", "/a/b/c/";
   *  each length once. */
  private pathVariants(text: string, start: number, end: number): number {
    let state = HASH_SEED;
    let prefixes = 0;
    let queryAt = -1;
    let noQueryState = 0;
    for (let i = start; i < end; i++) {
      const code = text.charCodeAt(i);
      if (code === 0x3f) {
        queryAt = i;
        noQueryState = state;
        // A query is in no prefix: hash the rest without looking for slashes.
        for (; i < end; i++) state = hashStep(state, text.charCodeAt(i));
        break;
      }
      state = hashStep(state, code);
      if (code === 0x2f && prefixes < MAX_PATH_PREFIXES) {
        this.prefixLengths[prefixes] = i + 1 - start;
        this.prefixStates[prefixes++] = state;
      }
    }
    let count = this.addPath(0, end - start, state);
    if (queryAt >= 0) count = this.addPath(count, queryAt - start, noQueryState);
    for (let k = 0; k < prefixes; k++)
      count = this.addPath(count, this.prefixLengths[k]!, this.prefixStates[k]!);
    return count;
  }

  /** Appends a path variant unless one of the same length (the same string: all are prefixes) is there. */
  private addPath(count: number, length: number, pathState: number): number {
    for (let k = 0; k < count; k++) if (this.pathLengths[k] === length) return count;
    this.pathLengths[count] = length;
    this.pathStates[count] = pathState;
    return count + 1;
  }
}
