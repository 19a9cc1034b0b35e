// `npm run bench`: builds this Worker as `wrangler deploy` does, then measures
// 1. the bundle's gzip size (gated);
// 2. in workerd, the CPU per send of this Worker's `fetch` over the bare proxy's, with fetch to Twilio stubbed by the
//    canned 201 (bench/micro-worker.js; gated), and the bare proxy against itself (A/A);
// 3. cold start: the active CPU of this Worker's startup over a bare Hono Worker's of one route, by
//    `wrangler check startup`, runs of each taken in turn (gated);
// 4. under wrk, the throughput and p99 of both side by side against a canned Twilio on 127.0.0.1 (reported).
// Writes bench/out/results.json and the run's section of docs/benchmarks.md.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as L from './lib.mjs';

const num = (name, fallback) => Number(process.env[name] ?? fallback);
// Batches long enough (1 to 2 s) to hold several of V8's major GCs (about 80 ms each here), so that a batch's share
// of them does not depend on where they fall.
const MICRO_N = num('BENCH_MICRO_N', 20000);
const MICRO_ROUNDS = num('BENCH_MICRO_ROUNDS', 9);
// A batch is sent as several requests to the micro Worker: in production a request makes one send, and workerd
// bounds what one request may hold (10,000 active timeouts, say), so one request of 20,000 sends is no request a
// Worker meets.
const SENDS_PER_REQUEST = 1000;
const CONNECTIONS = num('BENCH_CONNECTIONS', 32);
const DURATION = num('BENCH_DURATION', 3);
const LOAD_ROUNDS = num('BENCH_ROUNDS', 5);
const STARTUP_RUNS = num('BENCH_STARTUP_RUNS', 3);
const BARE = join(L.BENCH, 'bare-worker.js');
const GZIP_LIMIT = 48_000;
// Ratios, not µs: this VM's speed drifts by about 1.5× within an hour, and both sides drift together.
const CPU_RATIO_LIMIT = 1.7;
const STARTUP_RATIO_LIMIT = 1.5;

/** The bundle's size as uploaded and gzipped (zlib level 9), and its largest inputs (esbuild metafile). */
function bundleSize(file) {
  const code = readFileSync(file);
  const meta = JSON.parse(readFileSync(join(L.OUT, 'worker-meta.json'), 'utf8'));
  const inputs = Object.values(meta.outputs).find((o) => o.entryPoint)?.inputs ?? {};
  const groups = new Map();
  for (const [path, { bytesInOutput }] of Object.entries(inputs)) {
    const key = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? path.replace(/^.*?(src\/)/, '$1');
    groups.set(key, (groups.get(key) ?? 0) + bytesInOutput);
  }
  const largest = [...groups].sort((a, b) => b[1] - a[1]).slice(0, 5);
  return { bytes: code.length, gzipBytes: gzipSync(code, { level: 9 }).length, largest };
}

/**
 * CPU µs per send in one workerd: rounds of three batches of N sends, bare / Worker / bare, so that the VM's drift
 * within a round weighs on both sides. Overhead of a round: Worker minus the mean of its two bare batches; A/A of a
 * round: the second bare batch minus the first.
 */
async function micro(workerFile) {
  const mod = (path, source) => ({ type: 'ESModule', path: join(L.OUT, path), contents: readFileSync(source, 'utf8') });
  const served = await L.serve({
    name: 'micro',
    modulesRoot: L.OUT,
    modules: [
      mod('micro.js', join(L.BENCH, 'micro-worker.js')),
      mod('canned.js', L.CANNED),
      mod('bare.js', BARE),
      mod('worker/index.js', workerFile),
    ],
    bindings: L.workerBindings('http://twilio.stub.invalid'),
  });
  const helperNs = { bare: 0, worker: 0 }; // CPU of V8's helper threads (concurrent GC, compilation)
  const batch = async (target) => {
    const [all, v8] = [L.cpuNs(served.pid), L.cpuNs(served.pid, /^V8/)];
    for (let done = 0; done < MICRO_N; done += SENDS_PER_REQUEST) {
      const n = Math.min(SENDS_PER_REQUEST, MICRO_N - done);
      const result = await (await fetch(`${served.url}/?target=${target}&n=${n}`)).json();
      if (result.ok !== n || result.upstreamCalls !== n) {
        throw new Error(`micro ${target}: ${result.ok}/${n} successes, ${result.upstreamCalls} upstream calls`);
      }
    }
    helperNs[target] += L.cpuNs(served.pid, /^V8/) - v8;
    return (L.cpuNs(served.pid) - all) / MICRO_N / 1000;
  };
  await batch('bare'); // warm-up: the JIT and the heap settle over the first ~10k sends
  await batch('worker');
  Object.assign(helperNs, { bare: 0, worker: 0 });
  const rounds = [];
  for (let i = 0; i < MICRO_ROUNDS; i++) {
    const [bare, worker, bare2] = [await batch('bare'), await batch('worker'), await batch('bare')];
    rounds.push({ bare: L.round1(bare), worker: L.round1(worker), bare2: L.round1(bare2) });
    L.log(`  micro round ${i + 1} (bare / Worker / bare): ${Object.values(rounds.at(-1)).join(' / ')} µs`);
  }
  await served.stop();
  const overheads = rounds.map((r) => L.round1(r.worker - (r.bare + r.bare2) / 2));
  const aa = rounds.map((r) => L.round1(r.bare2 - r.bare));
  const sends = MICRO_ROUNDS * MICRO_N; // per target (bare: twice)
  const bareUs = L.median(rounds.flatMap((r) => [r.bare, r.bare2]));
  const workerUs = L.median(rounds.map((r) => r.worker));
  return {
    sendsPerBatch: MICRO_N,
    bareUs: L.round1(bareUs),
    workerUs: L.round1(workerUs),
    ratio: Math.round((workerUs / bareUs) * 100) / 100,
    overheadUs: L.round1(L.median(overheads)),
    overheadSpread: L.spread(overheads),
    aaUs: L.round1(L.median(aa)),
    aaSpread: L.spread(aa),
    helperUs: { bare: L.round1(helperNs.bare / 2 / sends / 1000), worker: L.round1(helperNs.worker / sends / 1000) },
    rounds,
  };
}

/**
 * Cold start: `wrangler check startup` of a bare Hono Worker of one route (bench/bare-hono.js) and of this Worker,
 * taken in turn so that the machine's load weighs on both; the ratio of their medians is gated.
 */
function startup() {
  const bare = [];
  const worker = [];
  // A profile with no active sample (0 ms) caught no startup at all: it is taken again, up to 3 times.
  const once = (bundle, config) => {
    let ms = 0;
    for (let tries = 0; ms === 0 && tries < 3; tries++) ms = L.startupMs(bundle, config);
    return ms;
  };
  const bareConfig = join(L.BENCH, 'bare-hono.toml');
  const [bareBundle, workerBundle] = [L.uploadBundle('bare-hono', bareConfig), L.uploadBundle('worker')];
  for (let i = 0; i < STARTUP_RUNS; i++) {
    bare.push(once(bareBundle, bareConfig));
    worker.push(once(workerBundle, undefined));
    L.log(`  startup run ${i + 1} (bare Hono / Worker): ${bare.at(-1)} / ${worker.at(-1)} ms`);
  }
  const [bareMs, workerMs] = [L.median(bare), L.median(worker)];
  return { bare, worker, bareMs, workerMs, ratio: Math.round((workerMs / bareMs) * 100) / 100 };
}

/** The bare proxy and this Worker loaded at the same moments (one wrk each), both workerd processes on core 0. */
async function sideBySide(upstream) {
  const bindings = L.workerBindings(upstream);
  const sides = [
    await L.serve({ name: 'bare', scriptPath: BARE, bindings }),
    await L.serve({ name: 'worker', scriptPath: join(L.OUT, 'worker', 'index.js'), bindings }),
  ];
  for (const [i, side] of sides.entries()) await L.probe(['bare proxy', 'this Worker'][i], side.url);
  const load = async (side, duration) => {
    const before = L.cpuNs(side.pid);
    const r = await L.wrk({ url: `${side.url}${L.ROUTE}`, connections: CONNECTIONS, threads: 1, duration });
    return { ...r, cpuUs: L.round1((L.cpuNs(side.pid) - before) / 1000 / Math.max(1, r.requests)) };
  };
  await Promise.all(sides.map((side) => load(side, DURATION))); // warm-up
  const rounds = [];
  for (let i = 0; i < LOAD_ROUNDS; i++) {
    const [bare, worker] = await Promise.all(sides.map((side) => load(side, DURATION)));
    rounds.push({ bare, worker });
    L.log(`  load round ${i + 1}: bare ${bare.rps} req/s, Worker ${worker.rps} req/s`);
  }
  const ratios = rounds.map((r) => Math.round((r.worker.rps / r.bare.rps) * 1000) / 1000);
  const of = (side) => ({
    rps: L.median(rounds.map((r) => r[side].rps)),
    p99Ms: L.round1(L.median(rounds.map((r) => r[side].p99Ms))),
    cpuUs: L.median(rounds.map((r) => r[side].cpuUs)),
  });
  return {
    ratio: L.median(ratios),
    ratioSpread: L.spread(ratios),
    bare: of('bare'),
    worker: of('worker'),
    errors: rounds.reduce((sum, r) => sum + r.bare.errors + r.worker.errors, 0),
    rounds: rounds.map((r) => ({ bare: r.bare.rps, worker: r.worker.rps })),
  };
}

const kb = (bytes) => `${(bytes / 1000).toFixed(1)} KB`;
const spreadText = ([min, q1, q3, max], unit = ' µs') =>
  `quartiles ${q1} to ${q3}${unit}, extremes ${min} to ${max}${unit}`;

/** The gated budgets, evaluated on one run's results; `npm run bench:check` prints them. */
function budgets(r) {
  const gz = r.bundle.gzipBytes;
  const us = r.micro.overheadUs;
  return [
    {
      name: 'bundle gzip',
      measured: kb(gz),
      limit: `≤ ${GZIP_LIMIT / 1000} KB`,
      pass: gz <= GZIP_LIMIT,
      failure: `the bundle is ${kb(gz)} gzip, over ${GZIP_LIMIT / 1000} KB; largest inputs: ${r.bundle.largest.map(([k, b]) => `${k} ${kb(b)}`).join(', ')}`,
    },
    {
      name: 'CPU per send, Worker over the bare handler (workerd, in process)',
      measured: `${r.micro.ratio}× (${r.micro.workerUs} µs / ${r.micro.bareUs} µs; overhead ${us} µs)`,
      limit: `≤ ${CPU_RATIO_LIMIT}×`,
      pass: r.micro.ratio <= CPU_RATIO_LIMIT,
      failure: `the Worker costs ${r.micro.ratio}× the bare proxy's CPU per send (${r.micro.workerUs} µs / ${r.micro.bareUs} µs, medians of ${r.micro.rounds.length} rounds; overhead ${us} µs, ${spreadText(r.micro.overheadSpread)}; A/A ${r.micro.aaUs} µs, ${spreadText(r.micro.aaSpread)}); budget ${CPU_RATIO_LIMIT}×`,
    },
    {
      name: 'cold start, Worker over a bare Hono Worker (wrangler check startup)',
      measured: `${r.startup.ratio}× (${r.startup.workerMs} ms / ${r.startup.bareMs} ms)`,
      limit: `≤ ${STARTUP_RATIO_LIMIT}×`,
      pass: r.startup.ratio <= STARTUP_RATIO_LIMIT,
      failure: `the Worker's startup costs ${r.startup.ratio}× a bare Hono Worker's (active CPU, medians of ${r.startup.worker.length} runs: ${r.startup.worker.join(', ')} ms against ${r.startup.bare.join(', ')} ms); budget ${STARTUP_RATIO_LIMIT}×`,
    },
  ];
}

/** The run, as markdown between `<!-- bench:start -->` and `<!-- bench:end -->` in docs/benchmarks.md. */
function markdown(r) {
  const m = r.machine;
  const { micro: u, load: l } = r;
  const list = (xs) => xs.join(', ');
  return [
    `Run of ${m.date} at commit \`${r.commit}\`${r.dirty ? ' (with uncommitted changes in src/ or bench/)' : ''}.`,
    `Machine: ${m.cores} cores, ${m.cpu}, ${m.memoryGiB} GiB, load average at start ${m.loadAverageAtStart.join(' / ')};`,
    `Node ${m.node}, workerd ${m.workerd.version} (from ${m.workerd.from}) through miniflare ${m.miniflare}, wrangler`,
    `${m.wrangler}, wrk ${m.wrk}. Placement under load: ${m.placement}.`,
    '',
    '| budget | measured | limit | result |',
    '|---|---:|---:|---|',
    ...r.budgets.map((b) => `| ${b.name} | ${b.measured} | ${b.limit} | ${b.pass ? 'pass' : '**FAIL**'} |`),
    '',
    `Bundle: ${kb(r.bundle.bytes)} minified, ${kb(r.bundle.gzipBytes)} gzip. Largest inputs (minified):`,
    `${list(r.bundle.largest.map(([k, b]) => `${k} ${kb(b)}`))}.`,
    '',
    `CPU per send in workerd, ${u.rounds.length} rounds of bare / Worker / bare batches of ${u.sendsPerBatch.toLocaleString('en-US')}`,
    `sends, after one warm-up batch each: bare proxy ${u.bareUs} µs, this Worker ${u.workerUs} µs: **${u.ratio}×** (the gate).`,
    `Overhead (Worker minus the mean of its round's two bare batches): median **${u.overheadUs} µs**,`,
    `${spreadText(u.overheadSpread)}. A/A (second bare batch minus first): median ${u.aaUs} µs, ${spreadText(u.aaSpread)}.`,
    `Of these, on V8's helper threads (concurrent GC, compilation; mean over the rounds): bare ${u.helperUs.bare} µs, Worker ${u.helperUs.worker} µs;`,
    `so on the isolate's own thread alone the overhead is about ${L.round1(u.overheadUs - (u.helperUs.worker - u.helperUs.bare))} µs (not gated).`,
    `Rounds (bare, Worker, bare µs): ${list(u.rounds.map((x) => `${x.bare}/${x.worker}/${x.bare2}`))}.`,
    '',
    `Cold start (\`wrangler check startup\`, active CPU of the profile, ${r.startup.worker.length} runs each, in turn): bare Hono`,
    `Worker of one route ${list(r.startup.bare)} ms (median ${r.startup.bareMs}), this Worker ${list(r.startup.worker)} ms`,
    `(median ${r.startup.workerMs}): **${r.startup.ratio}×** (the gate).`,
    '',
    `Throughput side by side (reported, not gated): ${l.rounds.length} rounds of ${DURATION} s, one wrk each at`,
    `${CONNECTIONS} connections, after one warm-up round. This Worker served **${l.ratio.toFixed(2)}×** the bare proxy's`,
    `requests (rounds from ${l.ratioSpread[0]} to ${l.ratioSpread[3]}); errors ${l.errors}.`,
    '',
    '| target | req/s | p99 ms | workerd CPU µs per request |',
    '|---|---:|---:|---:|',
    `| bare proxy | ${l.bare.rps} | ${l.bare.p99Ms} | ${l.bare.cpuUs} |`,
    `| this Worker | ${l.worker.rps} | ${l.worker.p99Ms} | ${l.worker.cpuUs} |`,
  ].join('\n');
}

async function main() {
  L.ensureWrk();
  const machine = L.machine();
  const worker = L.buildWorker();
  const bundle = bundleSize(worker);
  L.log(`bundle: ${kb(bundle.bytes)} minified, ${kb(bundle.gzipBytes)} gzip`);
  L.log('CPU per send in workerd (stubbed upstream)');
  const microResult = await micro(worker);
  L.log(`  ${microResult.ratio}× (overhead ${microResult.overheadUs} µs, A/A ${microResult.aaUs} µs)`);
  // BENCH_MICRO_ONLY=1: just this reading, for judging one change; nothing is written.
  if (process.env.BENCH_MICRO_ONLY) return 0;
  L.log('cold start (wrangler check startup)');
  const startupResult = startup();
  L.log(`  ${startupResult.ratio}× (${startupResult.workerMs} ms / ${startupResult.bareMs} ms)`);
  machine.placement = L.pinDriver();
  L.log(`throughput side by side at ${CONNECTIONS} connections`);
  const load = await sideBySide(await L.startUpstream());
  const results = {
    commit: L.git('rev-parse', '--short', 'HEAD'),
    dirty: L.git('status', '--porcelain', '--', 'src', 'bench') !== '',
    sourceHash: L.sourceHash(),
    machine,
    bundle,
    micro: microResult,
    startup: startupResult,
    load,
  };
  results.budgets = budgets(results);
  writeFileSync(L.RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  const doc = readFileSync(L.DOC, 'utf8');
  const [start, end] = [doc.indexOf('<!-- bench:start -->'), doc.indexOf('<!-- bench:end -->')];
  if (start < 0 || end < start) throw new Error('docs/benchmarks.md has no <!-- bench:start/end --> markers');
  writeFileSync(L.DOC, `${doc.slice(0, start)}<!-- bench:start -->\n${markdown(results)}\n${doc.slice(end)}`);
  L.log(`wrote ${L.RESULTS} and docs/benchmarks.md`);
  for (const b of results.budgets) L.log(`budget ${b.name}: ${b.measured} (${b.limit}) ${b.pass ? 'pass' : 'FAIL'}`);
  return 0;
}

L.run(main);
