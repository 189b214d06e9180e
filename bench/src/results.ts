import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** One benchmark figure, as `bench/results/latest.json` stores it. */
export interface BenchEntry {
  name: string;
  unit: string;
  value: number;
  p50?: number;
  p95?: number;
  p99?: number;
  /** A peer measured in the same process, so the ratio holds on a noisy machine. */
  baseline?: { name: string; value: number };
  /** value / baseline.value (for throughputs; for latencies, baseline / value). */
  ratio?: number;
  target?: string;
  note?: string;
}

const resultsFile = join(__dirname, '..', 'results', 'latest.json');

/** Merges entries into latest.json by name, so suites run separately add up to one file. */
export function recordResults(entries: BenchEntry[]): void {
  let existing: BenchEntry[] = [];
  try {
    existing = (JSON.parse(readFileSync(resultsFile, 'utf8')) as { entries: BenchEntry[] }).entries;
  } catch {
    existing = [];
  }
  const byName = new Map(existing.map((entry) => [entry.name, entry]));
  for (const entry of entries) byName.set(entry.name, entry);
  mkdirSync(dirname(resultsFile), { recursive: true });
  const all = [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  writeFileSync(
    resultsFile,
    JSON.stringify({ machine: machineLabel(), at: new Date().toISOString(), entries: all }, null, 2) + '\n',
  );
  printTable(entries);
}

function machineLabel(): string {
  return `${process.version} ${process.platform}/${process.arch}`;
}

function printTable(entries: BenchEntry[]): void {
  for (const e of entries) {
    const ratio = e.ratio === undefined ? '' : `  ${e.ratio.toFixed(1)}x vs ${e.baseline?.name ?? ''}`;
    const pct = e.p50 === undefined ? '' : `  p50=${e.p50} p95=${e.p95 ?? ''} p99=${e.p99 ?? ''}`;
    console.log(`${e.name.padEnd(40)} ${formatValue(e.value).padStart(14)} ${e.unit}${pct}${ratio}`);
  }
}

function formatValue(value: number): string {
  return value >= 1000 ? Math.round(value).toLocaleString('en-US') : value.toPrecision(4);
}
