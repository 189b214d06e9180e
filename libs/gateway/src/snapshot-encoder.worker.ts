// A snapshot encoder thread (see snapshot-encoder.ts): runs one job at a time and hands the frame back by transfer,
// not by copy.
import { parentPort } from 'node:worker_threads';
import type { EncoderJob, EncoderReply } from './snapshot-encoder';
import { encodeIndicatorSnapshot, snapshotInFormat, type EncodedSnapshot } from './snapshot-encoding';

function run(job: EncoderJob): EncodedSnapshot {
  switch (job.kind) {
    case 'indicators':
      return encodeIndicatorSnapshot(job.streamId, job.position, job.count, job.text);
    case 'convert':
      return { format: job.format, frame: snapshotInFormat(job.streamId, job.frame, job.format) };
  }
}

/** The frame alone in its ArrayBuffer, so that transferring the buffer hands over exactly the frame. */
function ownBuffer(frame: Uint8Array): ArrayBuffer {
  const whole = frame.byteOffset === 0 && frame.byteLength === frame.buffer.byteLength;
  return (whole ? frame : frame.slice()).buffer as ArrayBuffer;
}

const port = parentPort!;
port.on('message', (job: EncoderJob) => {
  let reply: EncoderReply;
  try {
    const { format, frame } = run(job);
    reply = { ok: true, format, frame: ownBuffer(frame) };
  } catch (error) {
    port.postMessage({
      ok: false,
      message: error instanceof Error ? error.message : String(error),
    } satisfies EncoderReply);
    return;
  }
  port.postMessage(reply, [reply.frame]);
});
