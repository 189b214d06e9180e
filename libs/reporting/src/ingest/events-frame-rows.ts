import {
  INDICATOR_TYPES,
  MATCHED_FIELDS,
  MAX_CLIENT_FRAME_BYTES,
  MAX_EVENTS_PER_BATCH,
  MODULE_ACTIONS,
  THREAT_EVENT_ACTIONS,
  THREAT_EVENT_MODULES,
  THREAT_EVENT_SOURCES,
  THREAT_EVENT_TEXT_LIMITS as LIMITS,
  TRAFFIC_DIRECTIONS,
} from '@threatline/protocol';
import { z } from 'zod';
import { batchDigest, type EncodedBatch } from './encoded-batch';
import { FIELD_DELIMITER, ROWS_PIECE_CHARS } from './encoded-events';

// The gateway's hot path for event upload. An events frame as agents write it (JSON.stringify of the message, the
// event keys in the agent's order, printable ASCII text) goes straight from its bytes to the COPY rows of
// encodeEvents: no object per event, no string per field. Anything else (another key order, an unknown key,
// whitespace, an escape, a character outside printable ASCII, an occurredAt not in the canonical form, a value the
// schema refuses) makes it answer null, and the caller takes the general path (parse, check, encodeEvents), which
// accepts or refuses with zod's words. So wherever this answers, the general path answers the same batch, down to
// the bytes of the rows and the job id (a property test holds them together): a batch and its resend may take
// different paths.

const bytes = (text: string) => Buffer.from(text, 'latin1');

const HEAD = bytes('{"type":"events","v":1,"batchId":"');
const EVENTS_KEY = bytes('","events":[');
const ID = bytes('{"id":"');
const OCCURRED_AT = bytes('","occurredAt":"');
const AUDIT_ID = bytes('","auditId":"');
const SOURCE = bytes('","source":"');
const MODULE = bytes('","module":"');
const ACTION = bytes('","action":"');
const DRY_RUN = bytes('","dryRun":');
const TRUE = bytes('true');
const FALSE = bytes('false');
const MODULE_ACTION = bytes(',"moduleAction":"');
const DIRECTION = bytes('","direction":"');
const FIELD = bytes('","field":"');
const INDICATOR = bytes('","indicator":"');
const INDICATOR_TYPE = bytes('","indicatorType":"');
const SRC_IP = bytes('","srcIp":"');
const DST_IP = bytes('","dstIp":"');
const DOMAIN = bytes(',"domain":"');
const URL = bytes(',"url":"');
const ENDPOINT = bytes(',"endpoint":{');
const HOST = bytes('"host":"');
const USER = bytes('"user":"');
const PROCESS = bytes('"process":"');

const QUOTE = 0x22;
const COMMA = 0x2c;
const BACKSLASH = 0x5c;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const NEWLINE = 0x0a;
const DELIMITER = FIELD_DELIMITER.charCodeAt(0);
const NULL_FIELD = bytes('\\N');
const ENDPOINT_FIELDS = [
  [HOST, LIMITS.host],
  [USER, LIMITS.user],
  [PROCESS, LIMITS.process],
] as const;

/** An enumeration's values as bytes, to compare a value in the frame with. */
const choices = (values: readonly string[]) => values.map(bytes);
const SOURCES = choices(THREAT_EVENT_SOURCES);
const MODULES = choices(THREAT_EVENT_MODULES);
const ACTIONS = choices(THREAT_EVENT_ACTIONS);
const DROP = THREAT_EVENT_ACTIONS.indexOf('drop');
const MODULE_ACTION_VALUES = choices(MODULE_ACTIONS);
const DIRECTIONS = choices(TRAFFIC_DIRECTIONS);
const FIELDS = choices(MATCHED_FIELDS);
const TYPES = choices(INDICATOR_TYPES);

/** The date part of occurredAt, as the schema's `z.iso.datetime` checks it (leap years included). */
const isoDate = z.iso.date();

/** The batch of an events frame written as agents write it, or null: the caller then takes the general path. */
export function encodeEventsFrame(frame: Buffer): EncodedBatch | null {
  // Every frame an agent sends comes here first (acks: thousands a second): nothing is allocated for one that does
  // not start as an events frame. A 37 KB buffer per ack took a gateway holding 19,800 agents from 9.4 to 13.8 KB of
  // resident memory per agent (stream.memory_per_agent).
  if (frame.length > MAX_CLIENT_FRAME_BYTES || frame.length < HEAD.length) return null;
  if (frame.compare(HEAD, 0, HEAD.length, 0, HEAD.length) !== 0) return null;
  return new FrameRows(frame).read();
}

class FrameRows {
  private pos = 0;
  private readonly end: number;
  private readonly out: Buffer;
  private o = 0;
  private readonly pieces: Buffer[] = [];
  private pieceStart = 0;
  private readonly ids: Buffer;
  private idsLength = 0;
  /** Where the last occurredAt whose date was checked, and the last one whose hour was listed, start. */
  private lastDate = -1;
  private lastHour = -1;
  private readonly hours: string[] = [];

  constructor(private readonly frame: Buffer) {
    // `]}` closes the frame: the events end before it.
    this.end = frame.length - 2;
    // Rows are shorter than the JSON they come from (no keys, no quotes; about 0.65 of it), unless values are full of
    // escaped `|`: a batch whose rows do not fit takes the general path. Every large buffer here counts towards V8's
    // old generation (ArrayBuffer bytes): twice the frame made the gateway's major GCs measurably more frequent.
    this.out = Buffer.allocUnsafe(frame.length);
    // `\n` and an id per event; an event in the agent's form takes at least 279 bytes of the frame (checked below).
    this.ids = Buffer.allocUnsafe(37 * Math.min(MAX_EVENTS_PER_BATCH, Math.ceil(frame.length / 200)));
  }

  read(): EncodedBatch | null {
    const { frame } = this;
    if (this.end < HEAD.length || frame[this.end] !== CLOSE_BRACKET || frame[this.end + 1] !== CLOSE_BRACE) {
      return null;
    }
    if (!this.literal(HEAD)) return null;
    const idStart = this.pos;
    if (!this.skipText(128, 1)) return null;
    const batchId = frame.toString('latin1', idStart, this.pos - 1);
    this.pos--;
    if (!this.literal(EVENTS_KEY)) return null;
    let count = 0;
    for (;;) {
      if (count === MAX_EVENTS_PER_BATCH || !this.event()) return null;
      count++;
      if (this.pos === this.end) break;
      if (frame[this.pos] !== COMMA) return null;
      this.pos++;
    }
    if (this.o > this.pieceStart) this.pieces.push(this.out.subarray(this.pieceStart, this.o));
    const days = [...new Set(this.hours.map((hour) => hour.slice(0, 10)))];
    const digest = batchDigest(batchId, this.ids.subarray(0, this.idsLength));
    return {
      batchId,
      digest,
      events: { rows: this.pieces, delimiter: FIELD_DELIMITER, days, hours: this.hours, count },
    };
  }

  /** One event, from its `{` to after its `}`, as one row; false when it is not in the agent's form or invalid. */
  private event(): boolean {
    const rowStart = this.o;
    if (!this.literal(ID)) return false;
    // occurredAt is the row's first field and the frame's second: read it, then the id before it.
    const idStart = this.pos;
    const occurredAtStart = idStart + 36 + OCCURRED_AT.length;
    if (!this.occurredAt(occurredAtStart) || !this.uuid(idStart)) return false;
    this.copy(idStart, idStart + 36);
    this.byte(DELIMITER);
    if (this.idsLength + 37 > this.ids.length) return false;
    this.ids[this.idsLength++] = NEWLINE;
    this.frame.copy(this.ids, this.idsLength, idStart, idStart + 36);
    this.idsLength += 36;
    this.pos = occurredAtStart + 24;
    if (!this.text(AUDIT_ID, LIMITS.auditId, 1)) return false;
    if (this.choice(SOURCE, SOURCES) < 0 || this.choice(MODULE, MODULES) < 0) return false;
    const action = this.choice(ACTION, ACTIONS);
    if (action < 0 || !this.literal(DRY_RUN)) return false;
    // A dry run never drops: the schema refuses a dry-run drop.
    if (this.literal(FALSE)) this.byte(0x66);
    else if (action !== DROP && this.literal(TRUE)) this.byte(0x74);
    else return false;
    this.byte(DELIMITER);
    if (this.choice(MODULE_ACTION, MODULE_ACTION_VALUES) < 0 || this.choice(DIRECTION, DIRECTIONS) < 0)
      return false;
    if (this.choice(FIELD, FIELDS) < 0 || !this.text(INDICATOR, LIMITS.indicator, 1)) return false;
    if (this.choice(INDICATOR_TYPE, TYPES) < 0) return false;
    if (!this.text(SRC_IP, LIMITS.srcIp, 0) || !this.text(DST_IP, LIMITS.dstIp, 0)) return false;
    // Past dstIp's closing quote: domain, url and endpoint, each optional, in that order.
    this.pos++;
    if (!this.optionalText(DOMAIN, LIMITS.domain) || !this.optionalText(URL, LIMITS.url)) return false;
    if (this.literal(ENDPOINT)) {
      if (!this.endpoint()) return false;
    } else {
      this.nulls(3);
    }
    if (this.frame[this.pos] !== CLOSE_BRACE) return false;
    this.pos++;
    // Writes past the end of `out` were dropped: the batch goes the general way.
    if (this.o > this.out.length) return false;
    // The last field's delimiter ends the row.
    this.out[this.o - 1] = NEWLINE;
    this.cutPiece(rowStart);
    return true;
  }

  /** After the endpoint's `{`: host, user and process, each optional, in that order, then `}`. */
  private endpoint(): boolean {
    let present = 0;
    for (const [key, max] of ENDPOINT_FIELDS) {
      const at = present === 0 ? this.pos : this.pos + 1;
      if ((present === 0 || this.frame[this.pos] === COMMA) && this.literalAt(at, key)) {
        this.pos = at + key.length;
        if (!this.skipAndCopyText(max, 0)) return false;
        this.pos++;
        present++;
      } else {
        this.nulls(1);
      }
    }
    if (this.frame[this.pos] !== CLOSE_BRACE) return false;
    this.pos++;
    return true;
  }

  /**
   * occurredAt in the canonical form (`YYYY-MM-DDTHH:mm:ss.sssZ`, what agents send; anything else is rewritten by the
   * general path) and valid as the schema's `z.iso.datetime` says, copied as the row's first field. Read before the
   * id, which comes first in the frame but second in the row.
   */
  private occurredAt(at: number): boolean {
    const f = this.frame;
    if (at + 25 > this.end || f[at + 24] !== QUOTE) return false;
    if (!this.literalAt(at - OCCURRED_AT.length, OCCURRED_AT)) return false;
    if (f[at + 10] !== 0x54 || f[at + 13] !== 0x3a || f[at + 16] !== 0x3a || f[at + 19] !== 0x2e)
      return false;
    if (f[at + 23] !== 0x5a) return false;
    const hour = (f[at + 11]! - 0x30) * 10 + (f[at + 12]! - 0x30);
    if (!digits(f, at + 11, 2) || hour > 23) return false;
    if (!digits(f, at + 14, 2) || f[at + 14]! > 0x35 || !digits(f, at + 17, 2) || f[at + 17]! > 0x35)
      return false;
    if (!digits(f, at + 20, 3)) return false;
    if (!this.sameBytes(at, this.lastDate, 10)) {
      if (!isoDate.safeParse(f.toString('latin1', at, at + 10)).success) return false;
      this.lastDate = at;
    }
    if (!this.sameBytes(at, this.lastHour, 13)) {
      const hour = f.toString('latin1', at, at + 13);
      if (!this.hours.includes(hour)) this.hours.push(hour);
      this.lastHour = at;
    }
    this.copy(at, at + 24);
    this.byte(DELIMITER);
    return true;
  }

  /** Whether the `length` bytes at `a` and at `b` are equal; false when `b` is -1 (none yet). */
  private sameBytes(a: number, b: number, length: number): boolean {
    if (b < 0) return false;
    const f = this.frame;
    for (let i = 0; i < length; i++) if (f[a + i] !== f[b + i]) return false;
    return true;
  }

  /** A lowercase UUID at `at`, followed by its closing quote. */
  private uuid(at: number): boolean {
    const f = this.frame;
    if (at + 36 > this.end || f[at + 36] !== QUOTE) return false;
    for (let i = 0; i < 36; i++) {
      const b = f[at + i]!;
      if (i === 8 || i === 13 || i === 18 || i === 23) {
        if (b !== 0x2d) return false;
      } else if (!((b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x66))) return false;
    }
    return true;
  }

  /** `key` (ending in the value's opening quote), then free text copied as a field. */
  private text(key: Buffer, max: number, min: number): boolean {
    return this.literal(key) && this.skipAndCopyText(max, min);
  }

  /** An optional text field (`key` starts with its comma): the value, or `\N`. Leaves pos after the closing quote. */
  private optionalText(key: Buffer, max: number): boolean {
    if (!this.literal(key)) {
      this.nulls(1);
      return true;
    }
    if (!this.skipAndCopyText(max, 0)) return false;
    this.pos++;
    return true;
  }

  /** `key`, then one of `values` copied as a field: its index, or -1. */
  private choice(key: Buffer, values: readonly Buffer[]): number {
    if (!this.literal(key)) return -1;
    const f = this.frame;
    const start = this.pos;
    for (let v = 0; v < values.length; v++) {
      const value = values[v]!;
      if (f[start + value.length] !== QUOTE) continue;
      let i = 0;
      while (i < value.length && f[start + i] === value[i]) i++;
      if (i === value.length) {
        this.copy(start, start + value.length);
        this.byte(DELIMITER);
        this.pos = start + value.length;
        return v;
      }
    }
    return -1;
  }

  /**
   * Free text from pos to its closing quote (pos ends on it), copied with `|` escaped, then the delimiter: printable
   * ASCII only (no escape, so no backslash), `min` to `max` characters; false otherwise.
   */
  private skipAndCopyText(max: number, min: number): boolean {
    const f = this.frame;
    const out = this.out;
    const start = this.pos;
    const end = Math.min(this.end, start + max + 1);
    let o = this.o;
    let pos = start;
    for (; pos < end; pos++) {
      const b = f[pos]!;
      if (b === QUOTE) break;
      if (b < 0x20 || b > 0x7e || b === BACKSLASH) return false;
      if (b === DELIMITER) out[o++] = BACKSLASH;
      out[o++] = b;
    }
    if (f[pos] !== QUOTE || pos - start < min || pos - start > max) return false;
    out[o++] = DELIMITER;
    this.o = o;
    this.pos = pos;
    return true;
  }

  /** Text without a field (the batch id): pos ends after its closing quote. */
  private skipText(max: number, min: number): boolean {
    const f = this.frame;
    const start = this.pos;
    const end = Math.min(this.end, start + max + 1);
    let pos = start;
    for (; pos < end; pos++) {
      const b = f[pos]!;
      if (b === QUOTE) break;
      if (b < 0x20 || b > 0x7e || b === BACKSLASH) return false;
    }
    if (f[pos] !== QUOTE || pos - start < min || pos - start > max) return false;
    this.pos = pos + 1;
    return true;
  }

  /** `text` at pos: advances past it, or leaves pos and answers false. */
  private literal(text: Buffer): boolean {
    if (!this.literalAt(this.pos, text)) return false;
    this.pos += text.length;
    return true;
  }

  private literalAt(at: number, text: Buffer): boolean {
    const f = this.frame;
    if (at + text.length > this.end) return false;
    for (let i = 0; i < text.length; i++) if (f[at + i] !== text[i]) return false;
    return true;
  }

  private copy(from: number, to: number): void {
    const f = this.frame;
    const out = this.out;
    let o = this.o;
    for (let i = from; i < to; i++) out[o++] = f[i]!;
    this.o = o;
  }

  private byte(b: number): void {
    this.out[this.o++] = b;
  }

  private nulls(fields: number): void {
    for (let i = 0; i < fields; i++) {
      this.out[this.o++] = NULL_FIELD[0]!;
      this.out[this.o++] = NULL_FIELD[1]!;
      this.out[this.o++] = DELIMITER;
    }
  }

  /** Pieces of whole rows of at most ROWS_PIECE_CHARS bytes (a longer row is a piece of its own), as encodeEvents. */
  private cutPiece(rowStart: number): void {
    if (this.o - this.pieceStart <= ROWS_PIECE_CHARS || rowStart === this.pieceStart) return;
    this.pieces.push(this.out.subarray(this.pieceStart, rowStart));
    this.pieceStart = rowStart;
  }
}

function digits(f: Buffer, at: number, count: number): boolean {
  for (let i = 0; i < count; i++) {
    const b = f[at + i]!;
    if (b < 0x30 || b > 0x39) return false;
  }
  return true;
}
