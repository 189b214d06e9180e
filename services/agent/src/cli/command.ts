import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { AgentError } from '../agent-error';

/** What a command prints goes to `out`; diagnostics to `err`. */
export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

export interface Command {
  name: string;
  summary: string;
  /** The full `--help` text. */
  help: string;
  options: ParseArgsOptionsConfig;
  /** Runs with the parsed options; resolves to the exit status. */
  run(values: Record<string, string | boolean | undefined>, io: CliIo): Promise<number>;
}

/** Parses a command's options strictly: an unknown option or a missing value is a usage error naming it. */
export function parseOptions(command: Command, args: string[]): Record<string, string | boolean | undefined> {
  try {
    return parseArgs({ args, options: command.options, strict: true, allowPositionals: false })
      .values as Record<string, string | boolean | undefined>;
  } catch (error) {
    throw new AgentError(
      'USAGE',
      `${command.name}: ${(error as Error).message} (see \`threatline-agent ${command.name} --help\`)`,
    );
  }
}

export function required(command: string, values: Record<string, unknown>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value.trim() === '') {
    throw new AgentError(
      'USAGE',
      `${command}: --${name} is required (see \`threatline-agent ${command} --help\`)`,
    );
  }
  return value;
}
