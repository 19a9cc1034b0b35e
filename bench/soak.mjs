// `npm run soak`: 60 s of load at saturation against the built Worker, in the benchmark's setup
// (workerd through miniflare@4, live mode against the sandbox on 127.0.0.1). Reports errors (non-2xx
// answers and socket errors; goal 0) and the workerd process's RSS at start, end and peak, writes
// bench/out/soak.json and appends a row to the soak table of docs/benchmarks.md.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as L from './lib.mjs';

const DURATION = Number(process.env.SOAK_DURATION ?? 60);
const CONNECTIONS = Number(process.env.SOAK_CONNECTIONS ?? 64);
const THREADS = Number(process.env.SOAK_THREADS ?? 2);
/** `worker` (this Worker, the default) or `bare` (the bare proxy: a baseline for the memory figures). */
const TARGET = process.env.SOAK_TARGET ?? 'worker';

async function main() {
  L.ensureWrk();
  const machine = L.machine();
  const bundles = L.buildBundles();
  machine.placement = L.pinDriver();
  const sandbox = await L.startSandbox();
  if (!(TARGET in bundles) || TARGET === 'stages') throw new Error(`SOAK_TARGET must be worker or bare`);
  const worker = await L.serve({ name: TARGET, scriptPath: bundles[TARGET], bindings: L.workerBindings(sandbox.url) });
  if (!worker.pid) throw new Error('could not find the workerd process');
  const url = `${worker.url}${L.ROUTE}`;
  const json = { method: 'POST', headers: { 'content-type': 'application/json' }, body: L.SMS_JSON };
  await L.probe('this Worker', url, json, 200, '"callback":"success"');

  const rssStart = L.rssMiB(worker.pid);
  let rssPeak = rssStart;
  const samples = [];
  const sampler = setInterval(() => {
    const rss = L.rssMiB(worker.pid);
    samples.push(rss);
    rssPeak = Math.max(rssPeak, rss);
  }, 1000);
  L.log(`soak: ${DURATION} s at ${CONNECTIONS} connections against ${url} (RSS at start ${rssStart} MiB)`);
  let load;
  try {
    load = await L.wrk({
      url,
      body: L.SMS_JSON,
      contentType: 'application/json',
      connections: CONNECTIONS,
      threads: THREADS,
      duration: DURATION,
    });
  } finally {
    clearInterval(sampler);
  }
  const rssEnd = L.rssMiB(worker.pid);
  rssPeak = Math.max(rssPeak, rssEnd);
  await L.probe('this Worker after the soak', url, json, 200, '"callback":"success"');

  const result = {
    date: machine.date,
    commit: L.git(['rev-parse', '--short', 'HEAD']),
    target: TARGET,
    machine,
    upstream: sandbox.kind,
    durationS: load.durationS,
    connections: CONNECTIONS,
    threads: THREADS,
    requests: load.requests,
    rps: load.rps,
    p50Ms: load.p50Ms,
    p99Ms: load.p99Ms,
    non2xx: load.non2xx,
    socketErrors: load.socketErrors,
    errors: load.errors,
    rssMiB: { start: rssStart, end: rssEnd, peak: rssPeak, samples },
    workerLogLines: worker.logs.lines,
  };
  writeFileSync(join(L.OUT, 'soak.json'), `${JSON.stringify(result, null, 2)}\n`);
  // Halfway and at the end: equal figures mean the heap found its size; a leak keeps climbing.
  const rssHalf = samples[Math.floor(samples.length / 2)] ?? rssEnd;
  const row = `| ${result.date.slice(0, 16).replace('T', ' ')} | \`${result.commit}\` | ${TARGET === 'worker' ? 'this Worker' : 'bare proxy'} | ${result.durationS} | ${CONNECTIONS} | ${result.requests.toLocaleString('en-US')} | ${result.rps.toLocaleString('en-US')} | ${result.non2xx} | ${result.socketErrors} | ${rssStart} | ${rssHalf} | ${rssEnd} | ${rssPeak} |`;
  const marker = '<!-- soak:rows -->';
  const doc = readFileSync(L.DOC, 'utf8');
  if (!doc.includes(marker)) throw new Error(`docs/benchmarks.md has no ${marker} marker`);
  writeFileSync(L.DOC, doc.replace(marker, `${row}\n${marker}`));
  L.log(`soak: ${result.requests} requests, ${result.rps} req/s, p99 ${result.p99Ms} ms`);
  L.log(
    `soak: errors: ${result.non2xx} non-2xx, ${result.socketErrors} socket; RSS ${rssStart} → ${rssEnd} MiB (peak ${rssPeak})`,
  );
  const errors = result.non2xx + result.socketErrors;
  if (errors > 0) L.log(`soak: FAIL: ${errors} errors (goal 0)`);
  return errors > 0 ? 1 : 0;
}

L.run(main);
