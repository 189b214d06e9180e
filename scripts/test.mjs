// `npm test`: the whole suite, in order, stopping at the first failing step:
// build, typecheck (tests and benches included, which the build leaves out), lint, format check, unit tests,
// integration tests (real PostgreSQL and Redis).
// Ends with one plain line, `N passed, N failed`, summed over the Vitest runs.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';

// npm scripts put node_modules/.bin (and Node 24 from the `node` package) first on PATH;
// doing the same here keeps `node scripts/test.mjs` equivalent.
const env = { ...process.env, PATH: [resolve('node_modules/.bin'), process.env.PATH].join(delimiter) };
const reports = mkdtempSync(join(tmpdir(), 'threatline-test-'));
const totals = { passed: 0, failed: 0 };

const steps = [
  { name: 'build', command: ['tsc', '-b', 'tsconfig.build.json'] },
  { name: 'typecheck', command: ['npm', 'run', '--silent', 'typecheck'] },
  { name: 'lint', command: ['npm', 'run', '--silent', 'lint'] },
  { name: 'format check', command: ['npm', 'run', '--silent', 'format:check'] },
  { name: 'unit tests', vitest: 'unit' },
  { name: 'integration tests', vitest: 'integration' },
];

try {
  for (const step of steps) {
    const started = Date.now();
    console.log(`\n> ${step.name}`);
    const status = step.vitest ? runVitest(step.vitest) : run(step.command);
    if (status !== 0) {
      if (step.vitest) printTotals();
      console.error(`\nnpm test: ${step.name} failed (exit code ${status}); later steps did not run.`);
      process.exitCode = 1;
      break;
    }
    console.log(`  ${step.name} passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  if (process.exitCode !== 1) printTotals();
} finally {
  rmSync(reports, { recursive: true, force: true });
}

function run([command, ...args]) {
  const result = spawnSync(command, args, { stdio: 'inherit', env });
  if (result.error) console.error(`could not run ${command}: ${result.error.message}`);
  return result.status ?? 1;
}

function runVitest(project) {
  const report = join(reports, `${project}.json`);
  const status = run([
    'vitest',
    'run',
    '--project',
    project,
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${report}`,
  ]);
  try {
    const { numPassedTests, numFailedTests } = JSON.parse(readFileSync(report, 'utf8'));
    totals.passed += numPassedTests;
    totals.failed += numFailedTests;
  } catch {
    // No report: Vitest failed before running tests; its own output says why.
  }
  return status;
}

function printTotals() {
  console.log(`\n${totals.passed} passed, ${totals.failed} failed`);
}
