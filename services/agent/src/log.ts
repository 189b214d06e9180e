/** The agent's own log: one line per message on stderr, so stdout stays for command output. */
export interface AgentLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export function stderrLog(): AgentLog {
  const line = (level: string, message: string) =>
    process.stderr.write(`${new Date().toISOString()} ${level} ${message}\n`);
  return {
    info: (message) => line('info', message),
    warn: (message) => line('warn', message),
    error: (message) => line('error', message),
  };
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
