// `npm run soak`: 60 s of load at saturation against the built Worker in workerd (miniflare@4), live mode against
// the canned Twilio on 127.0.0.1. Reports errors (non-2xx answers and socket errors; goal 0) and the workerd
// process's RSS at start, halfway, end and peak; writes bench/out/soak.json and adds a row to docs/benchmarks.md.
// SOAK_TARGET=bare soaks the bare proxy instead (the baseline for memory); SOAK_DURATION, SOAK_CONNECTIONS.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as L from './lib.mjs';

const DURATION = Number(process.env.SOAK_DURATION ?? 60);
const CONNECTIONS = Number(process.env.SOAK_CONNECTIONS ?? 64);
const TARGET = process.env.SOAK_TARGET ?? 'worker';

async function main() {
  if (TARGET !== 'worker' && TARGET !== 'bare') throw new Error('SOAK_TARGET must be worker or bare');
  L.ensureWrk();
  L.selectWorkerd();
  const scriptPath = TARGET === 'worker' ? L.buildWorker() : join(L.BENCH, 'bare-worker.js');
  L.pinDriver();
  const served = await L.serve({ name: TARGET, scriptPath, bindings: L.workerBindings(await L.startUpstream()) });
  await L.probe(TARGET, served.url);

  const samples = [L.rssMiB(served.pid)];
  const sampler = setInterval(() => samples.push(L.rssMiB(served.pid)), 1000);
  L.log(`soak: ${DURATION} s at ${CONNECTIONS} connections against ${TARGET} (RSS at start ${samples[0]} MiB)`);
  const url = `${served.url}${L.ROUTE}`;
  const load = await L.wrk({ url, connections: CONNECTIONS, threads: 2, duration: DURATION }).finally(() =>
    clearInterval(sampler),
  );
  samples.push(L.rssMiB(served.pid));
  await L.probe(`${TARGET} after the soak`, served.url);

  // Halfway and at the end: equal figures mean the heap found its size; a leak keeps climbing.
  const [start, half, end, peak] = [samples[0], samples[samples.length >> 1], samples.at(-1), Math.max(...samples)];
  const result = { date: new Date().toISOString(), commit: L.git('rev-parse', '--short', 'HEAD'), target: TARGET };
  Object.assign(result, { connections: CONNECTIONS, ...load, rssMiB: { start, half, end, peak }, samples });
  writeFileSync(join(L.OUT, 'soak.json'), `${JSON.stringify(result, null, 2)}\n`);
  const when = result.date.slice(0, 16).replace('T', ' ');
  const counts = [load.requests, load.rps].map((n) => n.toLocaleString('en-US')).join(' | ');
  const row = `| ${when} | \`${result.commit}\` | ${TARGET} | ${load.durationS} | ${CONNECTIONS} | ${counts} | ${load.p99Ms} | ${load.errors} | ${start} | ${half} | ${end} | ${peak} |`;
  const marker = '<!-- soak:rows -->';
  const doc = readFileSync(L.DOC, 'utf8');
  if (!doc.includes(marker)) throw new Error(`docs/benchmarks.md has no ${marker} marker`);
  writeFileSync(L.DOC, doc.replace(marker, `${row}\n${marker}`));
  L.log(`soak: ${load.requests} requests, ${load.rps} req/s, p99 ${load.p99Ms} ms, ${load.errors} errors`);
  L.log(`soak: RSS ${start} → ${half} → ${end} MiB (peak ${peak})`);
  if (load.errors > 0) L.log(`soak: FAIL: ${load.errors} errors (goal 0)`);
  return load.errors > 0 ? 1 : 0;
}

L.run(main);
