// Shared plumbing of `npm run bench`, `bench:check` and `soak`: building the bundles, starting the
// sandbox and workerd (miniflare@4), driving wrk, and killing every process started, even on failure.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { Miniflare } from 'miniflare';
import { ACCOUNT_SID, AUTH_TOKEN, SMS } from './canned.js';

export { ACCOUNT_SID, AUTH_TOKEN, SMS };

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const BENCH = join(ROOT, 'bench');
export const OUT = join(BENCH, 'out');
export const RESULTS = join(OUT, 'results.json');
export const DOC = join(ROOT, 'docs', 'benchmarks.md');

export const SMS_JSON = JSON.stringify(SMS);
export const SMS_FORM = new URLSearchParams({ To: SMS.to, From: SMS.from, Body: SMS.body }).toString();
export const BASIC = `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`;
export const ROUTE = '/api/Twilio/sendSms';
export const MESSAGES_PATH = `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`;

export const log = (...args) => console.error('[bench]', ...args);

// ---------------------------------------------------------------------------------------------------
// Cleanup: every process started is registered here and killed on exit, on a signal or on a crash.

const children = new Map(); // pid -> whether it leads its own process group (spawned detached)
const disposers = [];

function killGroups() {
  for (const [pid, group] of children) {
    try {
      process.kill(group ? -pid : pid, 'SIGKILL');
    } catch {}
  }
  children.clear();
}

/** Registers an async disposer (run in reverse order by `cleanup`). */
export const onCleanup = (fn) => disposers.push(fn);

/** Stops everything this process started. Safe to call twice. */
export async function cleanup() {
  while (disposers.length > 0) {
    const fn = disposers.pop();
    try {
      await fn();
    } catch (err) {
      log('cleanup step failed:', err?.message ?? err);
    }
  }
  killGroups();
}

process.on('exit', killGroups);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    log(`${signal}: stopping`);
    cleanup().finally(() => process.exit(130));
  });
}

/** Runs `main` and exits with its code; everything started is stopped first, whatever happens. */
export function run(main) {
  main()
    .then(async (code) => {
      await cleanup();
      process.exit(code ?? 0);
    })
    .catch(async (err) => {
      console.error(err?.stack ?? err);
      await cleanup();
      process.exit(1);
    });
}

// ---------------------------------------------------------------------------------------------------
// Small helpers.

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** The first and third quartiles (nearest rank), to show how far per-round ratios spread. */
export function quartiles(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return [at(0.25), at(0.75)];
}
export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const require = createRequire(import.meta.url);
const pkgVersion = (name, from = ROOT) => {
  const path = require.resolve(`${name}/package.json`, { paths: [from] });
  return JSON.parse(readFileSync(path, 'utf8')).version;
};

/** The machine and tool versions, for the report. */
export function machine() {
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? 'unknown';
  const wrkVersion = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  return {
    date: new Date().toISOString(),
    cores: cpus().length,
    cpu: model,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    loadAverageAtStart: loadavg().map((x) => Math.round(x * 100) / 100),
    node: process.version,
    workerd: selectWorkerd(),
    miniflare: pkgVersion('miniflare'),
    wrangler: pkgVersion('wrangler'),
    wrk: /wrk\s+(\S+)/.exec(`${wrkVersion.stdout}${wrkVersion.stderr}`)?.[1] ?? 'unknown',
  };
}

/** A hash of everything that shapes the results: sources, lock file, configs and the bench itself. */
export function sourceHash() {
  const hash = createHash('sha256');
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'out') walk(path);
      } else {
        hash.update(relative(ROOT, path));
        hash.update(readFileSync(path));
      }
    }
  };
  walk(join(ROOT, 'src'));
  walk(BENCH);
  for (const file of ['package-lock.json', 'wrangler.toml']) hash.update(readFileSync(join(ROOT, file)));
  return hash.digest('hex').slice(0, 16);
}

// ---------------------------------------------------------------------------------------------------
// CPU placement: workerd runs its isolates on one thread, so under load it is the bottleneck; the load
// tool, the sandbox and this driver run on the other cores, so that they never take turns with it.

let pinnable;
/** Two cores or more and taskset on PATH; asked once. */
const canPin = () => {
  pinnable ??= cpus().length >= 2 && spawnSync('taskset', ['-V']).error === undefined;
  return pinnable;
};

/** Pins this process (and so every child it starts from now on: the sandbox, wrk) to cores 1…n-1. */
export function pinDriver() {
  if (!canPin()) return 'none (fewer than 2 cores or no taskset)';
  execFileSync('taskset', ['-a', '-cp', `1-${cpus().length - 1}`, String(process.pid)], { stdio: 'ignore' });
  return `workerd on core 0; this driver, the sandbox and wrk on cores 1-${cpus().length - 1} (taskset)`;
}

/** Pins every thread of a workerd process to core 0. */
function pinWorkerd(pid) {
  if (canPin()) execFileSync('taskset', ['-a', '-cp', '0', String(pid)], { stdio: 'ignore' });
}

// ---------------------------------------------------------------------------------------------------
// Building.

/** The compatibility date and flags of the project's wrangler.toml. */
export function compatibility() {
  const toml = readFileSync(join(ROOT, 'wrangler.toml'), 'utf8');
  const date = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(toml)?.[1];
  const flags = /^compatibility_flags\s*=\s*\[([^\]]*)\]/m.exec(toml)?.[1] ?? '';
  if (!date) throw new Error('wrangler.toml has no compatibility_date');
  return { date, flags: [...flags.matchAll(/"([^"]+)"/g)].map((m) => m[1]) };
}

function wrangler(args) {
  const bin = join(dirname(require.resolve('wrangler/package.json', { paths: [ROOT] })), 'bin', 'wrangler.js');
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: '1' },
  });
  if (result.status !== 0) {
    throw new Error(`wrangler ${args.join(' ')} failed:\n${result.stdout}\n${result.stderr}`);
  }
}

/**
 * Builds, with `wrangler deploy --dry-run`, this Worker (with an esbuild metafile), the bare proxy and
 * the stage breakdown Worker; returns their entry files.
 */
export function buildBundles() {
  const worker = join(OUT, 'worker');
  log('building the Worker bundle (wrangler deploy --dry-run)');
  wrangler(['deploy', '--dry-run', '--outdir', worker, '--metafile', join(OUT, 'worker-meta.json')]);
  const { date, flags } = compatibility();
  const own = (entry, outdir) => {
    log(`building ${entry}`);
    wrangler([
      'deploy',
      join(BENCH, entry),
      '--dry-run',
      '--config',
      join(BENCH, 'bench-wrangler.toml'),
      '--compatibility-date',
      date,
      ...(flags.length ? ['--compatibility-flags', ...flags] : []),
      '--outdir',
      join(OUT, outdir),
    ]);
    return join(OUT, outdir, entry);
  };
  const built = {
    worker: join(worker, 'index.js'),
    bare: own('bare-worker.js', 'bare'),
    stages: own('stages-worker.js', 'stages'),
  };
  for (const file of Object.values(built)) if (!existsSync(file)) throw new Error(`no bundle at ${file}`);
  return built;
}

/** The size of a bundle as uploaded (minified per wrangler.toml), and its gzip size (zlib, level 9). */
export function bundleSizeOf(file) {
  const code = readFileSync(file);
  return { bytes: code.length, gzipBytes: gzipSync(code, { level: 9 }).length };
}

// ---------------------------------------------------------------------------------------------------
// The load tool.

/** wrk on PATH, installed from apt when missing and we are root. */
export function ensureWrk() {
  if (spawnSync('wrk', ['--version']).error === undefined) return;
  if (process.getuid?.() !== 0) throw new Error('wrk is missing: install it with `sudo apt-get install -y wrk`');
  log('wrk is missing: installing it with apt-get');
  const install = () => spawnSync('apt-get', ['install', '-y', '-qq', 'wrk'], { stdio: 'inherit' }).status === 0;
  if (!install()) {
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    if (!install()) throw new Error('apt-get install wrk failed');
  }
}

/**
 * One wrk run: POST `body` to `url` for `duration` seconds with `connections` connections. Returns
 * requests per second, latency percentiles (ms) and errors (non-2xx/3xx answers and socket errors).
 */
export function wrk({ url, body, contentType, auth = '', connections, threads, duration }) {
  const args = [
    '-t',
    String(Math.min(threads, connections)),
    '-c',
    String(connections),
    '-d',
    `${duration}s`,
    '--timeout',
    '10s',
    '-s',
    join(BENCH, 'wrk-post.lua'),
    url,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', args, {
      env: { ...process.env, BENCH_BODY: body, BENCH_CONTENT_TYPE: contentType, BENCH_AUTH: auth },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    children.set(child.pid, true);
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    const guard = setTimeout(() => child.kill('SIGKILL'), (duration + 30) * 1000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(guard);
      children.delete(child.pid);
      const line = /^BENCH_JSON (.+)$/m.exec(out)?.[1];
      if (code !== 0 || !line) return reject(new Error(`wrk failed (exit ${code}):\n${out}`));
      const r = JSON.parse(line);
      const socketErrors = r.errors.connect + r.errors.read + r.errors.write + r.errors.timeout;
      resolve({
        connections,
        threads: Math.min(threads, connections),
        durationS: Math.round(r.durationUs / 1e4) / 100,
        requests: r.requests,
        rps: Math.round((r.requests / r.durationUs) * 1e6),
        p50Ms: r.latencyUs.p50 / 1000,
        p90Ms: r.latencyUs.p90 / 1000,
        p99Ms: r.latencyUs.p99 / 1000,
        maxMs: r.latencyUs.max / 1000,
        non2xx: r.errors.status,
        socketErrors,
        errors: r.errors,
      });
    });
  });
}

/** One wrk run against a Worker served by `serve`, with the workerd CPU µs per request it cost (from /proc). */
export async function wrkWithCpu(served, options) {
  const before = cpuNs(served.pid);
  const run = await wrk(options);
  return { ...run, cpuUs: (cpuNs(served.pid) - before) / 1000 / Math.max(1, run.requests) };
}

// ---------------------------------------------------------------------------------------------------
// The upstream: the project's sandbox served over HTTP (issue #3, `npm run sandbox -- --port N`).

/** Starts the sandbox on a free port; returns its URL once a valid send gets a 201. */
export async function startSandbox() {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  if (!pkg.scripts?.sandbox)
    throw new Error('package.json has no `sandbox` script (issue #3): nothing to measure against');
  const port = await freePort();
  const npm = process.env.npm_execpath;
  const args = ['run', '--silent', 'sandbox', '--', '--port', String(port)];
  const [cmd, argv] = npm ? [process.execPath, [npm, ...args]] : ['npm', args];
  const kind = 'project sandbox (npm run sandbox)';
  log(`starting the upstream: ${kind} on port ${port}`);
  const child = spawn(cmd, argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  children.set(child.pid, true);
  onCleanup(() => {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {}
    children.delete(child.pid);
  });
  let seen = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the sandbox printed no URL within 60 s:\n${seen}`)), 60_000);
    const look = (d) => {
      seen += d;
      const m = /http:\/\/127\.0\.0\.1:(\d+)/.exec(seen);
      if (m) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${m[1]}`);
      }
    };
    child.stdout.on('data', look);
    child.stderr.on('data', look);
    child.on('exit', (code) => reject(new Error(`the sandbox exited (${code}) before printing its URL:\n${seen}`)));
  });
  // Keep draining its output so that it never blocks on a full pipe.
  child.stdout.resume();
  child.stderr.resume();
  const response = await fetch(`${url}${MESSAGES_PATH}`, {
    method: 'POST',
    headers: { authorization: BASIC, 'content-type': 'application/x-www-form-urlencoded' },
    body: SMS_FORM,
  });
  const text = await response.text();
  if (response.status !== 201) throw new Error(`the sandbox answered ${response.status} to a valid send: ${text}`);
  return { url, kind, pid: child.pid };
}

// ---------------------------------------------------------------------------------------------------
// workerd through miniflare@4.

/**
 * The workerd binary to run: miniflare@4's own when it supports the project's compatibility date, else
 * the newer one wrangler ships (the runtime `wrangler dev` uses), passed through MINIFLARE_WORKERD_PATH.
 * Returns its version and path; sets the variable for the Miniflare instances of this process.
 */
export function selectWorkerd() {
  const { date } = compatibility();
  const candidates = [
    dirname(require.resolve('miniflare/package.json', { paths: [ROOT] })),
    dirname(require.resolve('wrangler/package.json', { paths: [ROOT] })),
  ];
  for (const from of candidates) {
    const workerdDir = dirname(require.resolve('workerd/package.json', { paths: [from] }));
    const workerd = createRequire(join(workerdDir, 'package.json'))(workerdDir);
    if (workerd.compatibilityDate >= date) {
      process.env.MINIFLARE_WORKERD_PATH = workerd.default;
      return { version: workerd.version, supportsUpTo: workerd.compatibilityDate, from: relative(ROOT, from) };
    }
  }
  throw new Error(`no installed workerd supports compatibility_date ${date}`);
}

/** Pids of workerd processes that are children of this Node process. */
function workerdPids() {
  const pids = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const ppid = Number(stat.slice(close + 2).split(' ')[1]);
      if (ppid === process.pid && comm.includes('workerd')) pids.push(Number(entry));
    } catch {}
  }
  return pids;
}

/** Resident memory of a process, in MiB. */
export function rssMiB(pid) {
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Math.round((Number(kb) / 1024) * 10) / 10;
}

/** CPU time of all threads of a process, in nanoseconds (schedstat: exact, not clock ticks). */
export function cpuNs(pid) {
  let total = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {}
  }
  return total;
}

/** The bindings the Worker gets: live mode against `baseUrl`, test credentials. */
export const workerBindings = (baseUrl) => ({
  TWILIO_MODE: 'live',
  TWILIO_API_BASE_URL: baseUrl,
  TWILIO_TIMEOUT_MS: '10000',
  ERROR_STATUS: 'mirror',
  TWILIO_ACCOUNT_SID: ACCOUNT_SID,
  TWILIO_AUTH_TOKEN: AUTH_TOKEN,
});

/**
 * Serves a module Worker in workerd (miniflare@4) on a free port of 127.0.0.1. Its stdout/stderr (the
 * Worker's log lines) are drained and counted. Returns the URL, the workerd pid and the log counter.
 */
export async function serve({ name, scriptPath, modulesRoot = dirname(scriptPath), modules, bindings }) {
  const { date, flags } = compatibility();
  const port = await freePort();
  const before = new Set(workerdPids());
  const logs = { lines: 0, stderr: '' };
  const mf = new Miniflare({
    name,
    modules: modules ?? true,
    ...(modules ? {} : { scriptPath }),
    modulesRoot,
    compatibilityDate: date,
    compatibilityFlags: flags,
    bindings,
    host: '127.0.0.1',
    port,
    handleRuntimeStdio(stdout, stderr) {
      stdout.on('data', (d) => {
        for (const c of d) if (c === 10) logs.lines++;
      });
      stderr.on('data', (d) => {
        if (logs.stderr.length < 4000) logs.stderr += d;
      });
    },
  });
  let stopped;
  const stop = () => {
    stopped ??= mf.dispose().finally(() => children.delete(pid));
    return stopped;
  };
  onCleanup(stop);
  const url = (await mf.ready).toString().replace(/\/$/, '');
  const pid = workerdPids().find((p) => !before.has(p));
  if (pid) {
    children.set(pid, false); // killed on exit if dispose did not get to run
    pinWorkerd(pid);
  }
  return { url, pid, logs, stop };
}

/** Checks that one request to a target gets the answer a successful send gets, before any load. */
export async function probe(label, url, init, expectStatus, expectText) {
  const response = await fetch(url, init);
  const text = await response.text();
  if (response.status !== expectStatus || !text.includes(expectText)) {
    throw new Error(
      `${label}: expected ${expectStatus} with ${expectText}, got ${response.status}: ${text.slice(0, 500)}`,
    );
  }
}

export const fileAge = (path) => (existsSync(path) ? Date.now() - statSync(path).mtimeMs : Number.POSITIVE_INFINITY);
export const git = (args) => {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
};
