import { AgentError } from '../agent-error';
import { isRecord } from '../model/settings';

export interface EnrollmentRequest {
  serverUrl: string;
  token: string;
  serial: string;
  hostname?: string;
  version?: string;
}

export interface Enrollment {
  firewallId: string;
  credential: string;
  streamUrl: string;
}

const TOKEN_PROBLEMS: Record<string, string> = {
  ENROLLMENT_TOKEN_INVALID:
    'the enrollment token is not valid (check that it was copied whole, from this service)',
  ENROLLMENT_TOKEN_EXPIRED: 'the enrollment token has expired: ask a fleet admin for a new one',
  ENROLLMENT_TOKEN_EXHAUSTED:
    'the enrollment token has been used as many times as it allows: ask for a new one',
  ENROLLMENT_TOKEN_REVOKED: 'the enrollment token was revoked: ask a fleet admin for a new one',
  FIREWALL_SERIAL_TAKEN:
    'a live firewall already has this serial: deregister it first, or pass another --serial',
};

/** `POST /api/v1/enrollments`; every failure is an AgentError that says what the operator should do. */
export async function enroll(request: EnrollmentRequest, timeoutMs = 15_000): Promise<Enrollment> {
  const url = new URL(
    'api/v1/enrollments',
    request.serverUrl.endsWith('/') ? request.serverUrl : `${request.serverUrl}/`,
  );
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({
        token: request.token,
        serial: request.serial,
        ...(request.hostname === undefined ? {} : { hostname: request.hostname }),
        ...(request.version === undefined ? {} : { version: request.version }),
      }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new AgentError('SERVER_UNREACHABLE', `cannot reach ${url.origin}: ${networkProblem(error)}`);
  }
  const body: unknown = await response.json().catch(() => null);
  if (response.status === 201) {
    if (
      isRecord(body) &&
      typeof body.firewallId === 'string' &&
      typeof body.credential === 'string' &&
      typeof body.streamUrl === 'string'
    ) {
      return { firewallId: body.firewallId, credential: body.credential, streamUrl: body.streamUrl };
    }
    throw notThreatline(url, response.status);
  }
  const error = isRecord(body) && isRecord(body.error) ? body.error : null;
  if (error === null || typeof error.code !== 'string' || response.status === 404) {
    throw notThreatline(url, response.status);
  }
  const problem = TOKEN_PROBLEMS[error.code];
  if (problem !== undefined) throw new AgentError('ENROLLMENT_REFUSED', `enrollment refused: ${problem}`);
  const message = typeof error.message === 'string' ? error.message : error.code;
  if (response.status >= 500) {
    throw new AgentError(
      'SERVER_ERROR',
      `${url.origin} failed (HTTP ${response.status}, ${error.code}): try again later`,
    );
  }
  throw new AgentError(
    'ENROLLMENT_REFUSED',
    `enrollment refused (HTTP ${response.status}, ${error.code}): ${message}`,
  );
}

function notThreatline(url: URL, status: number): AgentError {
  return new AgentError(
    'SERVER_ERROR',
    `${url.origin} does not answer like a Threatline service (HTTP ${status} on ${url.pathname}): check --server`,
  );
}

function networkProblem(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return 'no answer in time';
  const cause = error instanceof Error ? (error.cause as NodeJS.ErrnoException | undefined) : undefined;
  const code = cause?.code ?? '';
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused (is the service running on that port?)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the host name does not resolve (${code})`;
    case 'ECONNRESET':
      return 'the connection was reset';
    case 'ETIMEDOUT':
    case 'ENETUNREACH':
    case 'EHOSTUNREACH':
      return `the network is unreachable (${code})`;
    default:
      return cause?.message ?? (error instanceof Error ? error.message : String(error));
  }
}
