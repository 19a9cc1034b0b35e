// Shared plumbing of `npm run bench`, `bench:check` and `soak`: the canned data, building the Worker, a canned
// Twilio on 127.0.0.1, workerd (miniflare@4), wrk, /proc readings, and stopping every process started.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const BENCH = join(ROOT, 'bench');
export const OUT = join(BENCH, 'out');
export const RESULTS = join(OUT, 'results.json');
export const DOC = join(ROOT, 'docs', 'benchmarks.md');
export const ROUTE = '/api/Twilio/sendSms';
const execFileAsync = promisify(execFile);
export const log = (...args) => console.error('[bench]', ...args);

// bench/canned.js derives Twilio's 201 from src/twilio/resources.ts, whose extensionless imports Node cannot load:
// esbuild bundles it once into bench/out/canned.js, which this process and the workerd microbenchmark both import.
export const CANNED = join(OUT, 'canned.js');
await build({ entryPoints: [join(BENCH, 'canned.js')], bundle: true, format: 'esm', outfile: CANNED });
export const { ACCOUNT_SID, API_KEY, AUTH_TOKEN, HEADERS, SMS, MESSAGE_201 } = await import(pathToFileURL(CANNED).href);
export const SMS_JSON = JSON.stringify(SMS);
const MESSAGES_PATH = `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`;

// Every child process (workerd, wrk) is killed when this process exits, whatever the reason; the canned upstream
// lives in this process.
const children = new Set();
process.on('exit', () => {
  for (const pid of children) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
});
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => process.exit(130));

/** Runs `main` and exits with its code (1 if it throws). */
export const run = (main) =>
  main().then(
    (code) => process.exit(code),
    (err) => {
      console.error(err?.stack ?? err);
      process.exit(1);
    },
  );

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
/** [min, first quartile, third quartile, max] (nearest rank). */
export function spread(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return [s[0], s[Math.floor(s.length / 4)], s[Math.min(s.length - 1, Math.floor((s.length * 3) / 4))], s.at(-1)];
}
export const round1 = (x) => Math.round(x * 10) / 10;

const require = createRequire(import.meta.url);
const pkgDir = (name, from = ROOT) => dirname(require.resolve(`${name}/package.json`, { paths: [from] }));
const pkgVersion = (name) => JSON.parse(readFileSync(join(pkgDir(name), 'package.json'), 'utf8')).version;

/** The machine and tool versions, for the report. */
export function machine() {
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  const wrk = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  return {
    date: new Date().toISOString(),
    cores: cpus().length,
    cpu: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? 'unknown',
    memoryGiB: round1(totalmem() / 2 ** 30),
    loadAverageAtStart: loadavg().map((x) => Math.round(x * 100) / 100),
    node: process.version,
    workerd: selectWorkerd(),
    miniflare: pkgVersion('miniflare'),
    wrangler: pkgVersion('wrangler'),
    wrk: /wrk\s+(\S+)/.exec(`${wrk.stdout}${wrk.stderr}`)?.[1] ?? 'not installed',
  };
}

/** A hash of everything that shapes the results: src/, bench/, the lock file and wrangler.toml. */
export function sourceHash() {
  const hash = createHash('sha256');
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (path !== OUT && entry.name !== '.wrangler') walk(path);
      } else hash.update(relative(ROOT, path)).update(readFileSync(path));
    }
  };
  walk(join(ROOT, 'src'));
  walk(BENCH);
  for (const file of ['package-lock.json', 'wrangler.toml']) hash.update(readFileSync(join(ROOT, file)));
  return hash.digest('hex').slice(0, 16);
}

// CPU placement: workerd runs a Worker's isolate on one thread; it gets core 0, and this driver (with the canned
// upstream) and wrk get the other cores, so that they never take turns with it.
const canPin = cpus().length >= 2 && spawnSync('taskset', ['-V']).error === undefined;
const taskset = (cores, pid) => execFileSync('taskset', ['-a', '-cp', cores, String(pid)], { stdio: 'ignore' });
export function pinDriver() {
  if (!canPin) return 'none (fewer than 2 cores or no taskset)';
  taskset(`1-${cpus().length - 1}`, process.pid);
  return `workerd on core 0; the driver, the canned upstream and wrk on cores 1-${cpus().length - 1} (taskset)`;
}

/** The compatibility date and flags of the project's wrangler.toml. */
export function compatibility() {
  const toml = readFileSync(join(ROOT, 'wrangler.toml'), 'utf8');
  const date = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(toml)?.[1];
  const flags = /^compatibility_flags\s*=\s*\[([^\]]*)\]/m.exec(toml)?.[1] ?? '';
  if (!date) throw new Error('wrangler.toml has no compatibility_date');
  return { date, flags: [...flags.matchAll(/"([^"]+)"/g)].map((m) => m[1]) };
}

/** Builds this Worker as `wrangler deploy` does (`--dry-run`: minified per wrangler.toml), with an esbuild metafile. */
export function buildWorker() {
  log('building the Worker bundle (wrangler deploy --dry-run)');
  const bin = join(pkgDir('wrangler'), 'bin', 'wrangler.js');
  const outdir = join(OUT, 'worker');
  const args = ['deploy', '--dry-run', '--outdir', outdir, '--metafile', join(OUT, 'worker-meta.json')];
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: '1' },
  });
  if (result.status !== 0) throw new Error(`wrangler ${args.join(' ')} failed:\n${result.stdout}\n${result.stderr}`);
  return join(outdir, 'index.js');
}

/** wrk on PATH, installed with apt-get when missing and we are root. */
export function ensureWrk() {
  if (spawnSync('wrk', ['--version']).error === undefined) return;
  if (process.getuid?.() !== 0) throw new Error('wrk is missing: install it with `sudo apt-get install -y wrk`');
  log('wrk is missing: installing it with apt-get');
  const apt = 'apt-get install -y -qq wrk || (apt-get update -qq && apt-get install -y -qq wrk)';
  if (spawnSync('sh', ['-c', apt], { stdio: 'inherit' }).status !== 0) throw new Error('apt-get install wrk failed');
}

/** One wrk run posting the send as JSON: req/s, latency percentiles (ms), errors (non-2xx and socket errors). */
export async function wrk({ url, connections, threads, duration }) {
  const args = ['-t', threads, '-c', connections, '-d', `${duration}s`, '--timeout', '10s'].map(String);
  const running = execFileAsync('wrk', [...args, '-s', join(BENCH, 'wrk-post.lua'), url], {
    env: { ...process.env, BENCH_BODY: SMS_JSON, BENCH_AUTH: HEADERS.authorization },
  });
  children.add(running.child.pid);
  const { stdout } = await running.finally(() => children.delete(running.child.pid));
  const line = /^BENCH_JSON (.+)$/m.exec(stdout)?.[1];
  if (!line) throw new Error(`wrk printed no summary:\n${stdout}`);
  const { requests, durationUs, p50Us, p99Us, errors: e } = JSON.parse(line);
  return {
    durationS: Math.round(durationUs / 1e4) / 100,
    requests,
    rps: Math.round((requests / durationUs) * 1e6),
    p50Ms: Math.round(p50Us / 100) / 10,
    p99Ms: Math.round(p99Us / 100) / 10,
    errors: e.status + e.connect + e.read + e.write + e.timeout,
  };
}

/** A canned Twilio on 127.0.0.1 (in this process): 201 with MESSAGE_201 to a POST on the Messages path, else 404. */
export async function startUpstream() {
  const server = createServer((req, res) => {
    req.resume().on('end', () => {
      const ok = req.method === 'POST' && req.url === MESSAGES_PATH;
      res.writeHead(ok ? 201 : 404, { 'content-type': 'application/json' }).end(ok ? MESSAGE_201 : '{}');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${server.address().port}`;
}

/**
 * The workerd binary: miniflare@4's own when it supports wrangler.toml's compatibility date, else the newer one
 * wrangler ships (what `wrangler dev` runs), through MINIFLARE_WORKERD_PATH.
 */
export function selectWorkerd() {
  const { date } = compatibility();
  for (const from of [pkgDir('miniflare'), pkgDir('wrangler')]) {
    const dir = pkgDir('workerd', from);
    const workerd = createRequire(join(dir, 'package.json'))(dir);
    if (workerd.compatibilityDate >= date) {
      process.env.MINIFLARE_WORKERD_PATH = workerd.default;
      return { version: workerd.version, from: relative(ROOT, from) };
    }
  }
  throw new Error(`no installed workerd supports compatibility_date ${date}`);
}

/** Pids of the workerd processes that are children of this process. */
function workerdPids() {
  return readdirSync('/proc').filter((entry) => {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      return stat.slice(0, close).includes('workerd') && Number(stat.slice(close + 2).split(' ')[1]) === process.pid;
    } catch {
      return false;
    }
  });
}

/** Resident memory of a process, in MiB. */
export const rssMiB = (pid) =>
  round1(Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024);

/** CPU time of a process's threads (all, or those whose name matches `only`), in ns (schedstat: exact, not ticks). */
export function cpuNs(pid, only) {
  let total = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      if (only && !only.test(readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8'))) continue;
      total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {}
  }
  return total;
}

/**
 * The Worker's bindings: live mode against `baseUrl`, the canned credentials and caller key, the deployed defaults
 * otherwise. No RATE_LIMITER binding: its 100 sends a minute per caller would refuse the load.
 */
export const workerBindings = (baseUrl) => ({
  API_KEYS: API_KEY,
  TWILIO_MODE: 'live',
  TWILIO_API_BASE_URL: baseUrl,
  TWILIO_ACCOUNT_SID: ACCOUNT_SID,
  TWILIO_AUTH_TOKEN: AUTH_TOKEN,
});

/**
 * Serves a module Worker in its own workerd (miniflare@4), pinned to core 0; returns its URL, pid and `stop`. Other
 * Miniflare options (durableObjects, outboundService) are passed on.
 */
export async function serve({ name, scriptPath, modulesRoot = dirname(scriptPath), modules, bindings, ...options }) {
  const { date, flags } = compatibility();
  const before = new Set(workerdPids());
  const mf = new Miniflare({
    name,
    ...(modules ? { modules } : { modules: true, scriptPath }),
    modulesRoot,
    compatibilityDate: date,
    compatibilityFlags: flags,
    bindings,
    ...options,
    host: '127.0.0.1',
    port: 0,
    handleRuntimeStdio(stdout, stderr) {
      stdout.resume(); // the Worker's log lines, drained
      stderr.resume();
    },
  });
  const url = (await mf.ready).toString().replace(/\/$/, '');
  const pid = Number(workerdPids().find((p) => !before.has(p)));
  if (!pid) throw new Error(`could not find the workerd process of ${name}`);
  children.add(pid);
  if (canPin) taskset('0', pid);
  return { url, pid, stop: () => mf.dispose() };
}

/**
 * The built Worker served in live mode (workerBindings' credentials and caller key) with Twilio's canned 201 as its
 * outbound, plus `bindings` and `durableObjects`: what the latency scripts time a path of.
 */
export function serveWithCannedTwilio({ name, scriptPath, bindings = {}, durableObjects }) {
  const headers = { 'content-type': 'application/json', 'content-length': `${MESSAGE_201.length}` };
  return serve({
    name,
    scriptPath,
    bindings: { ...workerBindings('http://twilio.stub'), ...bindings },
    durableObjects,
    outboundService: () => new Response(MESSAGE_201, { status: 201, headers }),
  });
}

/** One send to a served Worker must succeed before any load. */
export async function probe(label, url) {
  const response = await fetch(`${url}${ROUTE}`, { method: 'POST', headers: HEADERS, body: SMS_JSON });
  const text = await response.text();
  if (response.status !== 200 || !text.includes('"callback":"success"')) {
    throw new Error(`${label}: expected 200 with a success, got ${response.status}: ${text.slice(0, 500)}`);
  }
}

export const git = (...args) => {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
};

/** Runs wrangler (the project's) with `args`; throws with its output when it fails. */
function wrangler(args, config) {
  const bin = join(pkgDir('wrangler'), 'bin', 'wrangler.js');
  const result = spawnSync(process.execPath, [bin, ...args, ...(config ? ['-c', config] : [])], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: '1', NO_COLOR: '1' },
  });
  if (result.status !== 0) throw new Error(`wrangler ${args.join(' ')} failed:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** A Worker's upload bundle, built as `wrangler deploy` builds it (for `wrangler check startup`). */
export function uploadBundle(name, config) {
  const bundle = join(OUT, `${name}.bundle`);
  wrangler(['deploy', '--dry-run', '--outfile', bundle], config);
  return bundle;
}

/** One `wrangler check startup` of a built bundle: the active (non-idle) CPU of its startup profile, in ms. */
export function startupMs(bundle, config) {
  const out = wrangler(['check', 'startup', '--worker', bundle, '--outfile', `${bundle}.cpuprofile`], config);
  const active = /Active:\s*([\d.]+)\s*ms/.exec(out)?.[1];
  if (!active) throw new Error(`wrangler check startup printed no active time:\n${out}`);
  return Number(active);
}
