import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** What `DATA_DIR/demo-credentials.json` holds (contract section 3). */
export interface DemoCredentials {
  tenantId: string;
  groupId: string;
  adminApiKey: string;
  analystApiKey: string;
  operatorApiKey: string;
  enrollmentToken: string;
  apiUrl: string;
  streamUrl: string;
}

export function demoCredentialsPath(dataDir: string): string {
  return join(dataDir, 'demo-credentials.json');
}

/** Written atomically and readable by the owner only: it holds live secrets. */
export function writeDemoCredentials(dataDir: string, credentials: DemoCredentials): string {
  const path = demoCredentialsPath(dataDir);
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  const fd = openSync(temporary, 'w', 0o600);
  try {
    writeSync(fd, JSON.stringify(credentials, null, 2) + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
  return path;
}

export function readDemoCredentials(dataDir: string): DemoCredentials | null {
  try {
    return JSON.parse(readFileSync(demoCredentialsPath(dataDir), 'utf8')) as DemoCredentials;
  } catch {
    return null;
  }
}
