import { AgentError } from '../agent-error';
import { AGENT_VERSION } from '../version';
import { parseOptions, type CliIo, type Command } from './command';
import { checkCommand } from './commands/check-command';
import { enrollCommand } from './commands/enroll-command';
import { runCommand } from './commands/run-command';
import { statusCommand } from './commands/status-command';

const COMMANDS: readonly Command[] = [enrollCommand, runCommand, checkCommand, statusCommand];

const USAGE = `Usage: threatline-agent <command> [options]

The Threatline firewall agent.

Commands:
${COMMANDS.map((command) => `  ${command.name.padEnd(8)} ${command.summary}`).join('\n')}

Run \`threatline-agent <command> --help\` for a command's options.
  --version   the agent's version`;

/** Runs the CLI; resolves to the process's exit status. Errors are printed, never thrown. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(USAGE + '\n');
    return name === undefined ? 2 : 0;
  }
  if (name === '--version') {
    io.out(`${AGENT_VERSION}\n`);
    return 0;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (command === undefined) {
    io.err(`threatline-agent: unknown command "${name}"\n\n${USAGE}\n`);
    return 2;
  }
  if (args.includes('--help') || args.includes('-h')) {
    io.out(command.help + '\n');
    return 0;
  }
  try {
    return await command.run(parseOptions(command, args), io);
  } catch (error) {
    if (error instanceof AgentError) {
      io.err(`threatline-agent ${command.name}: ${error.message}\n`);
      return error.exitStatus;
    }
    io.err(
      `threatline-agent ${command.name}: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return 1;
  }
}
