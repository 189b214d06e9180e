import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { AgentError } from '../../agent-error';
import { enroll } from '../../enrollment/enrollment-client';
import { credentialPath, hasCredential, saveCredential } from '../../state/credential-store';
import { AGENT_VERSION } from '../../version';
import { required, type Command } from '../command';

export const enrollCommand: Command = {
  name: 'enroll',
  summary: 'enroll this firewall with an enrollment token',
  help: `Usage: threatline-agent enroll --server URL --token T --state-dir DIR [--serial S] [--hostname H]

Enrolls this firewall with the Threatline service and saves its credential in DIR/credential.json
(readable by its owner only). The credential is shown once by the service; keep DIR safe.

Options:
  --server URL     the service's base URL, e.g. https://threatline.example.com
  --token T        an enrollment token from a fleet admin
  --state-dir DIR  where the agent keeps its credential and state
  --serial S       this firewall's serial (default: /etc/machine-id, else the host name)
  --hostname H     the name shown to admins (default: the host name)
  -h, --help       this text

Exit status: 0 enrolled; 2 usage; 3 DIR already holds an enrollment; 4 the service refused the token
(invalid, expired, used up, revoked) or the serial; 5 the service is unreachable or not a Threatline service.`,
  options: {
    server: { type: 'string' },
    token: { type: 'string' },
    'state-dir': { type: 'string' },
    serial: { type: 'string' },
    hostname: { type: 'string' },
  },
  async run(values, io) {
    const serverUrl = required('enroll', values, 'server');
    const token = required('enroll', values, 'token');
    const stateDir = resolve(required('enroll', values, 'state-dir'));
    let url: URL;
    try {
      url = new URL(serverUrl);
    } catch {
      throw new AgentError(
        'USAGE',
        `enroll: --server ${serverUrl} is not a URL (like https://threatline.example.com)`,
      );
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new AgentError('USAGE', `enroll: --server must be an http or https URL, not ${url.protocol}`);
    }
    if (await hasCredential(stateDir)) {
      throw new AgentError(
        'ALREADY_ENROLLED',
        `${credentialPath(stateDir)} already holds an enrollment: use another --state-dir, or remove it to enroll again`,
      );
    }
    const serial = (values.serial as string | undefined) ?? (await defaultSerial());
    const name = (values.hostname as string | undefined) ?? hostname();
    const enrollment = await enroll({ serverUrl, token, serial, hostname: name, version: AGENT_VERSION });
    await saveCredential(stateDir, {
      ...enrollment,
      serverUrl,
      serial,
      enrolledAt: new Date().toISOString(),
    });
    io.out(
      `enrolled as firewall ${enrollment.firewallId} (serial ${serial}); credential saved to ${credentialPath(stateDir)}\n` +
        `start the agent with: threatline-agent run --state-dir ${stateDir}\n`,
    );
    return 0;
  },
};

async function defaultSerial(): Promise<string> {
  const machineId = await readFile('/etc/machine-id', 'utf8').catch(() => '');
  return machineId.trim() || hostname();
}
