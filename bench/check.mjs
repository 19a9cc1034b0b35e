// `npm run bench:check`: fails (exit 1) with one message per broken budget. It reuses
// bench/out/results.json when it is under an hour old and was measured on the same sources (src/,
// bench/, wrangler.toml, package-lock.json); otherwise, or with --fresh, it runs the benchmark first.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as L from './lib.mjs';

const MAX_AGE_MS = 60 * 60 * 1000;

function fresh() {
  if (process.argv.includes('--fresh') || !existsSync(L.RESULTS)) return undefined;
  const results = JSON.parse(readFileSync(L.RESULTS, 'utf8'));
  if (results.sourceHash !== L.sourceHash()) return undefined;
  return L.fileAge(L.RESULTS) < MAX_AGE_MS ? results : undefined;
}

let results = fresh();
if (results) {
  L.log(`using the results of ${results.machine.date} (same sources, under an hour old)`);
} else {
  L.log('no fresh results: running the benchmark');
  const bench = spawnSync(process.execPath, [join(L.BENCH, 'bench.mjs')], { stdio: 'inherit' });
  if (bench.status !== 0) {
    console.error(`bench:check: the benchmark itself failed (exit ${bench.status ?? bench.signal})`);
    process.exit(1);
  }
  results = JSON.parse(readFileSync(L.RESULTS, 'utf8'));
}

let failed = 0;
for (const budget of results.budgets) {
  if (budget.pass) {
    console.log(`ok    ${budget.name}: ${budget.measured} (${budget.limit})`);
  } else {
    failed++;
    console.error(`FAIL  ${budget.name}: ${budget.failure}`);
  }
}
if (failed > 0) {
  console.error(`bench:check: ${failed} budget(s) failed; see docs/benchmarks.md`);
  process.exit(1);
}
console.log('bench:check: all budgets pass');
