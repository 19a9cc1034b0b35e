// `npm run bench:check`: one line per gated budget, exit 1 if one fails. It reuses bench/out/results.json when it
// is under an hour old and was measured on the same sources (src/, bench/, wrangler.toml, package-lock.json);
// otherwise, or with --fresh, it runs `npm run bench` first.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as L from './lib.mjs';

const read = () => JSON.parse(readFileSync(L.RESULTS, 'utf8'));
let results = !process.argv.includes('--fresh') && existsSync(L.RESULTS) ? read() : undefined;
if (results && results.sourceHash === L.sourceHash() && Date.now() - statSync(L.RESULTS).mtimeMs < 60 * 60 * 1000) {
  L.log(`using the results of ${results.machine.date} (same sources, under an hour old)`);
} else {
  L.log('no fresh results: running the benchmark');
  const bench = spawnSync(process.execPath, [join(L.BENCH, 'bench.mjs')], { stdio: 'inherit' });
  if (bench.status !== 0) {
    console.error(`bench:check: the benchmark itself failed (exit ${bench.status ?? bench.signal})`);
    process.exit(1);
  }
  results = read();
}

const failed = results.budgets.filter((b) => !b.pass);
for (const b of results.budgets) {
  if (b.pass) console.log(`ok    ${b.name}: ${b.measured} (${b.limit})`);
  else console.error(`FAIL  ${b.name}: ${b.failure}`);
}
if (failed.length > 0) {
  console.error(`bench:check: ${failed.length} budget(s) failed; see docs/benchmarks.md`);
  process.exit(1);
}
console.log('bench:check: all budgets pass');
