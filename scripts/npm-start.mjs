// `npm start` as a user runs it (package.json's own command line), on free ports and with a fresh local state,
// for the scripts and tests that need the real wrangler dev: the browser test, the README's runnable blocks and
// the playground screenshot.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root. */
export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** A TCP port nobody listens on right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts `npm start`'s command line with `--port 8787` replaced by a free port, `extra` flags appended and local
 * state in a fresh --persist-to directory. Resolves once the Worker answers, with its origin, its output so far
 * and stop(), which ends the process group and removes the state.
 */
export async function startWorker(extra = '') {
  const { scripts } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  if (!/wrangler dev .*--port 8787/.test(scripts.start)) {
    throw new Error(`npm start is expected to run "wrangler dev ... --port 8787", not: ${scripts.start}`);
  }
  const port = await freePort();
  const inspector = await freePort();
  const state = mkdtempSync(join(tmpdir(), 'npm-start-'));
  const command = `${scripts.start.replace('--port 8787', `--port ${port}`)} --ip 127.0.0.1 --inspector-port ${inspector} --persist-to ${state}${extra}`;
  let log = '';
  const child = spawn('sh', ['-c', command], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      PATH: `${join(root, 'node_modules', '.bin')}:${process.env.PATH}`,
      WRANGLER_SEND_METRICS: 'false',
      CI: 'true',
    },
  });
  child.stdout.on('data', (chunk) => {
    log += chunk;
  });
  child.stderr.on('data', (chunk) => {
    log += chunk;
  });
  const origin = `http://127.0.0.1:${port}`;
  const stop = () => {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {}
    rmSync(state, { recursive: true, force: true });
  };
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited (${child.exitCode}):\n${log}`);
    try {
      const res = await fetch(`${origin}/openapi.json`);
      if (res.ok) return { origin, port, stop, log: () => log };
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  stop();
  throw new Error(`wrangler dev did not answer on ${origin} within 90 s:\n${log}`);
}
