import { SNAPSHOT_BODY_FORMATS } from '@threatline/protocol';
import WebSocket from 'ws';

/**
 * The raw snapshot frame of `stream` a fresh agent gets, read on a plain socket that says hello as AgentClient does
 * (naming the body formats: without them the gateway sends the older entries-v1 body). For the benches' step
 * breakdowns, which time the frame's arrival apart from decoding and applying it.
 */
export async function firstSnapshotFrame(url: string, credential: string, stream: string): Promise<Buffer> {
  const socket = new WebSocket(url, { headers: { Authorization: `Bearer ${credential}` } });
  try {
    return await new Promise<Buffer>((resolve, reject) => {
      socket.on('open', () =>
        socket.send(
          JSON.stringify({
            type: 'hello',
            v: 1,
            agent: { version: 'bench' },
            streams: [],
            snapshotFormats: [...SNAPSHOT_BODY_FORMATS],
          }),
        ),
      );
      socket.on('error', reject);
      socket.on('message', (data: Buffer, isBinary) => {
        if (isBinary && data.includes(Buffer.from(stream))) resolve(data);
      });
    });
  } finally {
    socket.terminate();
  }
}
