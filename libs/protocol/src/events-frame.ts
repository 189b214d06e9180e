// An events frame of 1000 events is about 380 KB of text. Decoded into one string, it goes into a V8 page of its own
// (strings of 128 KiB or more do), mapped afresh and faulted in page by page: on the gateway's machine that cost
// ~1.4 ms a frame, more than parsing it. So the frame an agent writes is parsed in pieces of whole events, each
// decoded and parsed on its own, with the same result as JSON.parse of the whole text.

/** What the agent's JSON.stringify writes before the batch id: the keys in its order, no whitespace. */
const HEAD = Buffer.from('{"type":"events","v":1,"batchId":"');
const EVENTS_KEY = Buffer.from('","events":[');
/** Between two events as JSON.stringify writes them: where a piece may end. */
const BETWEEN_EVENTS = Buffer.from('},{');
const CLOSE_BRACKET = 0x5d;
const CLOSE_BRACE = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/** Well below the 128 KiB of a large string, in two-byte strings too. */
const PIECE_BYTES = 48 * 1024;

export interface EventsFrameValue {
  type: 'events';
  v: 1;
  batchId: string;
  events: unknown[];
}

/**
 * The value of an events frame written as the agent writes it (`{"type":"events","v":1,"batchId":"<id>","events":
 * [...]}`, no whitespace around the keys, a batch id without quotes, backslashes or control characters), parsed in
 * pieces cut between events (`},{`): equal to JSON.parse of the whole text. Null when the frame is not written so,
 * or when a piece does not parse on its own (a cut inside a string, or the frame is not JSON): the caller parses the
 * whole text then, which also says what is wrong with it.
 *
 * Why the pieces' result is the whole text's: each piece parsed as `[<piece>]` is a list of whole JSON values, every
 * piece but a lone first one starts with `{` or ends with `}` (so none is empty), and the text is the fixed head, the
 * pieces joined by the commas cut out, and `]}`: a valid JSON text whose events are the pieces' values in order.
 */
export function parseEventsFrame(frame: Buffer): EventsFrameValue | null {
  if (frame.length < HEAD.length + EVENTS_KEY.length + 2 || !startsWith(frame, HEAD)) return null;
  const idEnd = frame.indexOf(EVENTS_KEY, HEAD.length);
  if (idEnd < 0) return null;
  for (let i = HEAD.length; i < idEnd; i++) {
    const byte = frame[i]!;
    if (byte < 0x20 || byte === QUOTE || byte === BACKSLASH) return null;
  }
  const end = frame.length - 2;
  if (frame[end] !== CLOSE_BRACKET || frame[end + 1] !== CLOSE_BRACE) return null;
  const events: unknown[] = [];
  let from = idEnd + EVENTS_KEY.length;
  while (from < end) {
    const to = end - from > PIECE_BYTES ? pieceEnd(frame, from, end) : end;
    let piece: unknown;
    try {
      piece = JSON.parse(`[${frame.toString('utf8', from, to)}]`);
    } catch {
      return null;
    }
    for (const event of piece as unknown[]) events.push(event);
    // Past the comma between the pieces.
    from = to + 1;
  }
  return { type: 'events', v: 1, batchId: frame.toString('utf8', HEAD.length, idEnd), events };
}

/** Where the piece starting at `from` ends: after the last `}` of a `},{` within PIECE_BYTES, else the next one's. */
function pieceEnd(frame: Buffer, from: number, end: number): number {
  const before = frame.lastIndexOf(BETWEEN_EVENTS, from + PIECE_BYTES);
  if (before > from) return before + 1;
  const after = frame.indexOf(BETWEEN_EVENTS, from + PIECE_BYTES);
  return after < 0 || after >= end ? end : after + 1;
}

function startsWith(frame: Buffer, head: Buffer): boolean {
  return frame.compare(head, 0, head.length, 0, head.length) === 0;
}
