/** Why a command stopped; the CLI prints the message and exits with the code's status. */
export type AgentErrorCode =
  | 'USAGE'
  | 'NOT_ENROLLED'
  | 'ALREADY_ENROLLED'
  | 'ENROLLMENT_REFUSED'
  | 'SERVER_UNREACHABLE'
  | 'SERVER_ERROR'
  | 'CREDENTIAL_REVOKED'
  | 'STATE_UNREADABLE'
  | 'LISTEN_FAILED';

const EXIT_STATUS: Record<AgentErrorCode, number> = {
  USAGE: 2,
  NOT_ENROLLED: 3,
  ALREADY_ENROLLED: 3,
  ENROLLMENT_REFUSED: 4,
  SERVER_UNREACHABLE: 5,
  SERVER_ERROR: 5,
  CREDENTIAL_REVOKED: 6,
  STATE_UNREADABLE: 7,
  LISTEN_FAILED: 8,
};

export class AgentError extends Error {
  override readonly name = 'AgentError';

  constructor(
    readonly code: AgentErrorCode,
    message: string,
  ) {
    super(message);
  }

  get exitStatus(): number {
    return EXIT_STATUS[this.code];
  }
}
