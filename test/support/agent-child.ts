// One AgentClient in its own process, so a test can stop it (SIGSTOP) like a stalled firewall and let it go on
// (SIGCONT). Reports its state as a JSON line on stdout every 100 ms. Run by Node directly (types stripped); it
// loads the built libraries (npm run build).
import { AgentClient } from '@threatline/agent-client';

const [url, credential] = process.argv.slice(2);
if (url === undefined || credential === undefined) throw new Error('usage: agent-child <url> <credential>');
const client = new AgentClient({ url, credential, backoff: { baseMs: 50, capMs: 500 } });
client.start();
setInterval(() => {
  const streams = client.state.streams().map((state) => ({
    stream: state.streamId,
    epoch: state.epoch,
    seq: state.seq,
    checksum: state.checksum,
  }));
  process.stdout.write(`${JSON.stringify({ streams, stats: client.stats })}\n`);
}, 100);
