// `npm run bench`: builds, then runs every bench/dist/*.bench.js in its own process (so one
// suite's heap does not skew the next) and leaves the merged figures in bench/results/latest.json.
// `npm run bench -- <name>` runs the suites whose file name contains <name>.
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';

const build = spawnSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
const only = process.argv[2];
// A full run starts a new file; a named suite merges its figures into the last one.
if (!only) rmSync('bench/results/latest.json', { force: true });
const suites = readdirSync('bench/dist').filter(
  (f) => f.endsWith('.bench.js') && (!only || f.includes(only)),
);
for (const suite of suites) {
  console.log(`\n# ${suite}`);
  const run = spawnSync(process.execPath, ['--expose-gc', `bench/dist/${suite}`], { stdio: 'inherit' });
  if (run.status !== 0) process.exit(run.status ?? 1);
}
console.log('\nresults: bench/results/latest.json');
