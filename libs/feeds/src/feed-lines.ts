import type { IocType, ParsedIndicator, Rejection } from '@threatline/ioc';

/** One indicator of a feed as stored: normalized, duplicates of the request merged into it. */
export interface FeedIndicatorInput {
  type: IocType;
  value: string;
  description: string | null;
  /** Seconds to live from the push; null lives until the feed is revoked. */
  ttlSeconds: number | null;
}

/** A line that was not accepted, answered with its position so the analyst can fix it. */
export interface RejectedLine {
  /** Position in the request's `indicators` (or the imported text's lines), from 0. */
  index: number;
  /** The line as sent, cut at MAX_ECHOED_LENGTH characters. */
  value: string;
  /** What is wrong, for a human (the @threatline/ioc message). */
  reason: string;
  /** The stable @threatline/ioc rejection code. */
  code: string;
  /** What the line most likely meant, when there is one. */
  suggestion?: string;
}

export interface ReadLines {
  indicators: FeedIndicatorInput[];
  rejected: RejectedLine[];
}

/** Rejected lines echo at most this much of the line: the index locates it, the answer stays small. */
export const MAX_ECHOED_LENGTH = 256;

export interface LineOptions {
  description?: string | undefined;
  ttlSeconds?: number | undefined;
}

/**
 * Reads lines through `parse` and merges duplicates (the same normalized type and value) into one indicator:
 * it lives as long as its longest-lived line (no TTL beats any TTL) and keeps the first description given.
 * A rejected line never stops the others. `null` from `parse` is a line that names nothing (a comment).
 */
export function readLines<Line>(
  lines: readonly Line[],
  valueOf: (line: Line) => string,
  parse: (line: Line) => ParsedIndicator | Rejection | null,
  optionsOf: (line: Line) => LineOptions = () => ({}),
): ReadLines {
  const byKey = new Map<string, FeedIndicatorInput>();
  const rejected: RejectedLine[] = [];
  lines.forEach((line, index) => {
    const parsed = parse(line);
    if (parsed === null) return;
    if (!parsed.ok) {
      rejected.push(rejectedLine(index, valueOf(line), parsed));
      return;
    }
    const options = optionsOf(line);
    const key = `${parsed.type}:${parsed.normalized}`;
    const known = byKey.get(key);
    const ttlSeconds = options.ttlSeconds ?? null;
    const description = options.description || null;
    if (known === undefined) {
      byKey.set(key, { type: parsed.type, value: parsed.normalized, description, ttlSeconds });
      return;
    }
    known.ttlSeconds =
      known.ttlSeconds === null || ttlSeconds === null ? null : Math.max(known.ttlSeconds, ttlSeconds);
    known.description ??= description;
  });
  return { indicators: [...byKey.values()], rejected };
}

function rejectedLine(index: number, value: string, rejection: Rejection): RejectedLine {
  const line: RejectedLine = {
    index,
    value: value.length > MAX_ECHOED_LENGTH ? `${value.slice(0, MAX_ECHOED_LENGTH)}...` : value,
    reason: rejection.message,
    code: rejection.code,
  };
  if (rejection.suggestion !== undefined) line.suggestion = rejection.suggestion;
  return line;
}
