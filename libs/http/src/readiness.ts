export type CheckStatus = 'up' | 'down';

export interface ReadinessReport {
  checks: Record<string, CheckStatus>;
  /** Names of the dependencies that failed, in the order given. */
  down: string[];
  failures: Record<string, string>;
}

/** A probe must answer within its timeout: a dependency that hangs counts as down. */
export const CHECK_TIMEOUT_MS = 3000;

/** Runs every check at once; each fails when it rejects or takes longer than `timeoutMs`. */
export async function checkDependencies(
  checks: Record<string, () => Promise<void>>,
  timeoutMs = CHECK_TIMEOUT_MS,
): Promise<ReadinessReport> {
  const names = Object.keys(checks);
  const results = await Promise.allSettled(names.map((name) => withTimeout(checks[name]!(), timeoutMs)));
  const report: ReadinessReport = { checks: {}, down: [], failures: {} };
  results.forEach((result, index) => {
    const name = names[index]!;
    report.checks[name] = result.status === 'fulfilled' ? 'up' : 'down';
    if (result.status === 'rejected') {
      report.down.push(name);
      report.failures[name] = result.reason instanceof Error ? result.reason.message : String(result.reason);
    }
  });
  return report;
}

async function withTimeout(check: Promise<void>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([check, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
