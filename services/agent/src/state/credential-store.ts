import { chmod, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AgentError } from '../agent-error';
import { isRecord } from '../model/settings';
import { writeFileAtomic } from './atomic-file';

/** What enrollment gave this firewall. The credential authenticates the stream; it is shown once by the service. */
export interface AgentCredential {
  firewallId: string;
  credential: string;
  streamUrl: string;
  serverUrl: string;
  serial: string;
  enrolledAt: string;
}

const FILE = 'credential.json';

export function credentialPath(stateDir: string): string {
  return join(stateDir, FILE);
}

/** Saves the credential readable by its owner only (0600), in a directory only its owner can enter. */
export async function saveCredential(stateDir: string, credential: AgentCredential): Promise<void> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  await writeFileAtomic(credentialPath(stateDir), JSON.stringify(credential, null, 2) + '\n', 0o600);
  await chmod(credentialPath(stateDir), 0o600);
}

export async function hasCredential(stateDir: string): Promise<boolean> {
  return (await loadCredential(stateDir).catch(() => null)) !== null;
}

/** The saved credential; NOT_ENROLLED when there is none, STATE_UNREADABLE when the file is damaged. */
export async function loadCredential(stateDir: string): Promise<AgentCredential> {
  let text: string;
  try {
    text = await readFile(credentialPath(stateDir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new AgentError(
        'NOT_ENROLLED',
        `${stateDir} holds no enrollment: run \`threatline-agent enroll --server URL --token T --state-dir ${stateDir}\` first`,
      );
    }
    throw new AgentError(
      'STATE_UNREADABLE',
      `cannot read ${credentialPath(stateDir)}: ${(error as Error).message}`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    raw = null;
  }
  const fields = ['firewallId', 'credential', 'streamUrl', 'serverUrl', 'serial', 'enrolledAt'] as const;
  if (!isRecord(raw) || fields.some((field) => typeof raw[field] !== 'string')) {
    throw new AgentError(
      'STATE_UNREADABLE',
      `${credentialPath(stateDir)} is damaged: enroll again with a new token (the old firewall can be deregistered)`,
    );
  }
  return raw as unknown as AgentCredential;
}
