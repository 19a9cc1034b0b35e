// `npm run bench:ab -- <a.js> <b.js> [rounds] [--together]`: an A/B of two built Worker bundles in the
// benchmark's setup (workerd through miniflare@4 on core 0, live mode against the sandbox, wrk at 32
// connections). Prints the median of the per-round B/A throughput ratios and their quartiles.
// - By default, rounds of 2 s load A and B one after the other (the order flips every round).
// - With --together, A and B run in two workerd processes on the same core and each round loads both at
//   once: they share the core at the same moments, so the machine's drift between runs, which dominates
//   the default mode on a shared VM, cancels out. Its ratio is that of the two CPU costs per request.
//   On this VM it resolved differences of 1 to 3% (quartile spread about ±2%) where the default mode spread
//   ±10%. Also prints the ratio of workerd CPU per request (B/A), read from /proc.
// For judging one change at a time; `npm run bench` stays the record. Build a variant with
// `npx wrangler deploy --dry-run --outdir <dir>`, and run an A/A (the same file twice) to see the noise.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import * as L from './lib.mjs';

const args = process.argv.slice(2);
const together = args.includes('--together');
const [a, b, rounds = '21'] = args.filter((arg) => arg !== '--together');
const ROUNDS = Number(rounds);
const DURATION = 2;

async function main() {
  if (!a || !b || !existsSync(a) || !existsSync(b) || !(ROUNDS > 0)) {
    console.error('usage: npm run bench:ab -- <a.js> <b.js> [rounds] [--together]');
    return 2;
  }
  L.ensureWrk();
  L.selectWorkerd();
  L.log(`placement: ${L.pinDriver()}; mode: ${together ? 'together (both loaded at once)' : 'alternating'}`);
  const sandbox = await L.startSandbox();
  const bindings = L.workerBindings(sandbox.url);
  const json = { method: 'POST', headers: { 'content-type': 'application/json' }, body: L.SMS_JSON };
  const sides = [];
  for (const [name, file] of [
    ['a', a],
    ['b', b],
  ]) {
    const served = await L.serve({ name, scriptPath: resolve(file), bindings });
    await L.probe(name, `${served.url}${L.ROUTE}`, json, 200, '"callback":"success"');
    sides.push(served);
  }
  // One wrk thread per side when both are loaded at once, so the two wrk processes fit beside the sandbox.
  const load = (side) =>
    L.wrkWithCpu(side, {
      url: `${side.url}${L.ROUTE}`,
      body: L.SMS_JSON,
      contentType: 'application/json',
      connections: 32,
      threads: together ? 1 : 2,
      duration: DURATION,
    });
  const round = async (order) => {
    if (together) return Promise.all(sides.map(load));
    const runs = [];
    for (const i of order) runs[i] = await load(sides[i]);
    return runs;
  };
  await round([0, 1]); // warm-up
  const ratios = [];
  const cpuRatios = [];
  let errors = 0;
  for (let n = 0; n < ROUNDS; n++) {
    const runs = await round(n % 2 ? [1, 0] : [0, 1]);
    errors += runs.reduce((sum, r) => sum + r.non2xx + r.socketErrors, 0);
    ratios.push(runs[1].rps / runs[0].rps);
    cpuRatios.push(runs[1].cpuUs / runs[0].cpuUs);
    L.log(`round ${n + 1}: a ${runs[0].rps} req/s, b ${runs[1].rps} req/s, b/a ${ratios.at(-1).toFixed(3)}`);
  }
  const [q1, q3] = L.quartiles(ratios).map((x) => x.toFixed(3));
  console.log(
    `b/a throughput: median ${L.median(ratios).toFixed(3)}, quartiles ${q1}–${q3}; ` +
      `b/a workerd CPU per request: median ${L.median(cpuRatios).toFixed(3)}; ${ROUNDS} rounds, ${errors} errors`,
  );
  return errors > 0 ? 1 : 0;
}

L.run(main);
