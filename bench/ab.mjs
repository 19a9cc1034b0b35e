// `npm run bench:ab -- <a.js> <b.js> [rounds]`: an A/B of two built Worker bundles in the benchmark's
// setup (workerd through miniflare@4 on core 0, live mode against the sandbox, wrk at 32 connections).
// Rounds of 2 s alternate A and B (the order flips every round); prints the median of the B/A ratios of
// throughput and their quartiles. For judging one change at a time; `npm run bench` stays the record.
// Build a variant with `npx wrangler deploy --dry-run --outdir <dir>`. A/A (the same file twice) shows the
// machine's noise of the moment: on this VM single differences under 3 to 5% are often not resolvable.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import * as L from './lib.mjs';

const [a, b, rounds = '21'] = process.argv.slice(2);
const ROUNDS = Number(rounds);
const DURATION = 2;

async function main() {
  if (!a || !b || !existsSync(a) || !existsSync(b) || !(ROUNDS > 0)) {
    console.error('usage: npm run bench:ab -- <a.js> <b.js> [rounds]');
    return 2;
  }
  L.ensureWrk();
  L.selectWorkerd();
  L.log(`placement: ${L.pinDriver()}`);
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
  const load = (side) =>
    L.wrk({
      url: `${side.url}${L.ROUTE}`,
      body: L.SMS_JSON,
      contentType: 'application/json',
      connections: 32,
      threads: 2,
      duration: DURATION,
    });
  for (const side of sides) await load(side); // warm-up
  const ratios = [];
  let errors = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 ? [1, 0] : [0, 1];
    const runs = [];
    for (const i of order) runs[i] = await load(sides[i]);
    errors += runs.reduce((sum, r) => sum + r.non2xx + r.socketErrors, 0);
    ratios.push(runs[1].rps / runs[0].rps);
    L.log(`round ${round + 1}: a ${runs[0].rps} req/s, b ${runs[1].rps} req/s, b/a ${ratios.at(-1).toFixed(3)}`);
  }
  const [q1, q3] = L.quartiles(ratios).map((x) => x.toFixed(3));
  console.log(
    `b/a throughput: median ${L.median(ratios).toFixed(3)}, quartiles ${q1}–${q3}, ${ROUNDS} rounds, ${errors} errors`,
  );
  return errors > 0 ? 1 : 0;
}

L.run(main);
