// `npm run deploy` (scripts/deploy.mjs) against a fake `wrangler` first on PATH, which records every call and
// keeps the queues of a pretend account in a file: what it creates, in which order, and that a second run
// creates nothing. Run by `npm test` (node --test), outside vitest: it spawns processes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { root } from '../../scripts/npm-start.mjs';

const SENDS = 'twilio-gateway-sends';
const DLQ = 'twilio-gateway-sends-dlq';

// The fake: `queues info` succeeds for a queue in the account, `queues create` adds one (or answers as the
// Cloudflare API does when it exists, or fails as FAIL_CREATE says), `deploy` succeeds.
const FAKE = `#!/usr/bin/env node
const fs = require('node:fs');
const dir = process.env.FAKE_WRANGLER_DIR;
const args = process.argv.slice(2);
fs.appendFileSync(dir + '/calls', JSON.stringify(args) + '\\n');
const file = dir + '/queues';
const queues = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\\n').filter(Boolean) : [];
if (args[0] === 'queues' && args[1] === 'info') process.exit(queues.includes(args[2]) ? 0 : 1);
if (args[0] === 'queues' && args[1] === 'create') {
  if (process.env.FAIL_CREATE) { console.error(process.env.FAIL_CREATE); process.exit(1); }
  if (queues.includes(args[2])) { console.error('A queue with this name already exists [code: 11009]'); process.exit(1); }
  fs.appendFileSync(file, args[2] + '\\n');
  process.exit(0);
}
if (args[0] === 'deploy') process.exit(0);
process.exit(2);
`;

let dir;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fake-wrangler-'));
  writeFileSync(join(dir, 'wrangler'), FAKE);
  chmodSync(join(dir, 'wrangler'), 0o755);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the deploy script with the fake wrangler; answers its exit code and the calls the fake recorded. */
function deploy(args = [], env = {}) {
  writeFileSync(join(dir, 'calls'), '');
  const run = spawnSync(process.execPath, [join(root, 'scripts', 'deploy.mjs'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, FAKE_WRANGLER_DIR: dir, ...env },
  });
  const calls = readFileSync(join(dir, 'calls'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
  return { status: run.status, calls, output: `${run.stdout}${run.stderr}` };
}

const accountQueues = () => readFileSync(join(dir, 'queues'), 'utf8').split('\n').filter(Boolean);

test('A first deploy creates the sends queue and its dead-letter queue, then deploys', () => {
  const run = deploy();
  assert.equal(run.status, 0, run.output);
  assert.deepEqual(run.calls, [
    ['queues', 'info', SENDS],
    ['queues', 'create', SENDS],
    ['queues', 'info', DLQ],
    ['queues', 'create', DLQ],
    ['deploy'],
  ]);
  assert.deepEqual(accountQueues(), [SENDS, DLQ]);
});

test('A second deploy finds both queues and creates nothing', () => {
  assert.equal(deploy().status, 0);
  const again = deploy();
  assert.equal(again.status, 0, again.output);
  assert.deepEqual(again.calls, [['queues', 'info', SENDS], ['queues', 'info', DLQ], ['deploy']]);
  assert.deepEqual(accountQueues(), [SENDS, DLQ]);
  assert.match(again.output, /queue twilio-gateway-sends: exists/);
});

test('A queue created by someone else between info and create counts as there, and the deploy goes on', () => {
  writeFileSync(join(dir, 'queues'), `${SENDS}\n`);
  // The dead-letter queue: info finds nothing, then create answers that it already exists.
  const run = deploy([], { FAIL_CREATE: 'A queue with this name already exists [code: 11009]' });
  assert.equal(run.status, 0, run.output);
  assert.deepEqual(run.calls, [
    ['queues', 'info', SENDS],
    ['queues', 'info', DLQ],
    ['queues', 'create', DLQ],
    ['deploy'],
  ]);
});

test('A queue that cannot be created stops the script before it deploys, and says which', () => {
  const run = deploy([], { FAIL_CREATE: 'Authentication error [code: 10000]' });
  assert.equal(run.status, 1);
  assert.deepEqual(run.calls, [
    ['queues', 'info', SENDS],
    ['queues', 'create', SENDS],
  ]);
  assert.match(run.output, /could not create the queue twilio-gateway-sends/);
});

test('A dry run creates no queue and passes its arguments to wrangler deploy', () => {
  const run = deploy(['--dry-run', '--outdir', 'dist']);
  assert.equal(run.status, 0, run.output);
  assert.deepEqual(run.calls, [['deploy', '--dry-run', '--outdir', 'dist']]);
});
