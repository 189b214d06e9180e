import { resolve } from 'node:path';
import { AgentError } from '../../agent-error';
import { decisionJson, DecisionService } from '../../decision/decision-service';
import { parseCheckRequest } from '../../decision/traffic-input';
import { StateStore } from '../../state/state-store';
import { required, type Command } from '../command';

export const checkCommand: Command = {
  name: 'check',
  summary: 'decide on one traffic tuple from the saved state, offline',
  help: `Usage: threatline-agent check --state-dir DIR [--direction D] [--src-ip A] [--dst-ip A]
                              [--domain N] [--url U] [--host H] [--user U] [--process P]
       threatline-agent check --state-dir DIR --json '{"direction":"outbound","srcIp":...}'

Prints the decision the running agent would take, from the state saved under DIR, without the service
and without producing events: {"action":"allow"|"log"|"drop","matches":[...],"excludedBy"?}.

Options:
  --state-dir DIR   the agent's state directory
  --direction D     outbound (default), inbound or system
  --src-ip A        source IPv4 address (default 0.0.0.0)
  --dst-ip A        destination IPv4 address (default 0.0.0.0)
  --domain N        the domain (DNS query, SNI, Host)
  --url U           the URL
  --host H, --user U, --process P   the endpoint, when known
  --json REQUEST    the whole request as the decision API takes it
  -h, --help        this text

Exit status: 0 decided; 2 usage; 7 no saved state, or a damaged one.`,
  options: {
    'state-dir': { type: 'string' },
    direction: { type: 'string' },
    'src-ip': { type: 'string' },
    'dst-ip': { type: 'string' },
    domain: { type: 'string' },
    url: { type: 'string' },
    host: { type: 'string' },
    user: { type: 'string' },
    process: { type: 'string' },
    json: { type: 'string' },
  },
  async run(values, io) {
    const stateDir = resolve(required('check', values, 'state-dir'));
    const request = parseCheckRequest(requestOf(values));
    if (typeof request === 'string') throw new AgentError('USAGE', `check: ${request}`);
    const head = await new StateStore(stateDir).loadHead();
    if (head.status === 'none') {
      throw new AgentError(
        'STATE_UNREADABLE',
        `check: ${stateDir} holds no saved state yet: run the agent once to receive it`,
      );
    }
    if (head.status === 'corrupt') {
      throw new AgentError(
        'STATE_UNREADABLE',
        `check: the saved state is damaged (${head.reason}); the running agent replaces it`,
      );
    }
    const decisions = new DecisionService(() => ({
      matcher: head.matcher,
      settings: head.manifest.settings,
    }));
    io.out(decisionJson(decisions.check(request)) + '\n');
    return 0;
  },
};

function requestOf(values: Record<string, string | boolean | undefined>): unknown {
  if (typeof values.json === 'string') {
    try {
      return JSON.parse(values.json) as unknown;
    } catch {
      throw new AgentError('USAGE', 'check: --json is not JSON');
    }
  }
  const text = (name: string) => (typeof values[name] === 'string' ? values[name] : undefined);
  const endpoint = { host: text('host'), user: text('user'), process: text('process') };
  const hasEndpoint = Object.values(endpoint).some((value) => value !== undefined);
  return {
    direction: text('direction') ?? 'outbound',
    srcIp: text('src-ip') ?? '0.0.0.0',
    dstIp: text('dst-ip') ?? '0.0.0.0',
    ...(text('domain') === undefined ? {} : { domain: text('domain') }),
    ...(text('url') === undefined ? {} : { url: text('url') }),
    ...(hasEndpoint ? { endpoint: JSON.parse(JSON.stringify(endpoint)) as unknown } : {}),
  };
}
