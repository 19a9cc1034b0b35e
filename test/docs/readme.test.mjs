// The README's runnable blocks, run in order as a newcomer pastes them, against `npm start` (wrangler dev in
// sandbox mode, on a free port, fresh state): a fenced block whose info string is `sh runnable` runs in one bash
// session (its shell variables carry over to the next block), in a scratch directory, with `localhost:8787`
// replaced by the Worker's address. `status=200,401` lists the HTTP status of each curl in the block, in order;
// the `json output` or `text output` block after it (prose may come between) is what it prints, compared with what it really printed:
// every key shown must be there with the same value, SIDs and timestamps aside (a `"...": "..."` key stands for
// the keys left out). A `restart` block is followed by a restart of npm start, reading the .dev.vars the block
// wrote. Run by `npm test` (node --test), outside vitest: it needs wrangler dev.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { root, startWorker } from '../../scripts/npm-start.mjs';

/** Each fenced block of a Markdown text: its info string's words, its text, and the lines it starts and ends on. */
function fencedBlocks(markdown) {
  const lines = markdown.split('\n');
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(.*)$/.exec(lines[i]);
    if (!open) continue;
    const start = i;
    const body = [];
    for (i++; i < lines.length && lines[i] !== '```'; i++) body.push(lines[i]);
    blocks.push({ info: open[1].trim().split(/\s+/), text: body.join('\n'), start, end: i });
  }
  return blocks;
}

/** The runnable blocks, each with the statuses it expects and the output block that follows it, if any. */
function runnableBlocks(markdown) {
  const blocks = fencedBlocks(markdown);
  return blocks.flatMap((block, index) => {
    if (block.info[0] !== 'sh' || !block.info.includes('runnable')) return [];
    const next = blocks[index + 1];
    const output = next?.info.includes('output') ? next : undefined;
    const status = block.info.find((word) => word.startsWith('status='));
    return [
      {
        line: block.start + 1,
        text: block.text,
        statuses: status ? status.slice('status='.length).split(',').map(Number) : [],
        restart: block.info.includes('restart'),
        output: output && { kind: output.info[0], text: output.text },
      },
    ];
  });
}

/** A value with what changes from run to run (SIDs, timestamps) replaced by a placeholder. */
const stable = (text) =>
  text
    .replace(/\b(SM|MM|CA)[0-9a-f]{32}\b/g, '$1<sid>')
    .replace(/\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z\b/g, '<time>');

/** Asserts that every key the README shows is in the real answer, with the same (stable) value. */
function assertShown(shown, real, path = '') {
  if (Array.isArray(shown)) {
    assert.ok(Array.isArray(real), `${path}: not a list in the real answer`);
    for (const [i, item] of shown.entries()) assertShown(item, real[i], `${path}[${i}]`);
    return;
  }
  if (shown !== null && typeof shown === 'object') {
    assert.ok(real !== null && typeof real === 'object', `${path}: not an object in the real answer`);
    for (const [key, value] of Object.entries(shown)) {
      if (key === '...') continue;
      assert.ok(key in real, `${path}.${key}: shown in the README, missing from the real answer`);
      assertShown(value, real[key], `${path}.${key}`);
    }
    return;
  }
  const show = (value) => (typeof value === 'string' ? stable(value) : value);
  assert.deepEqual(show(real), show(shown), `${path}: the README shows ${JSON.stringify(shown)}`);
}

/** One bash for all the blocks, as one terminal: run() answers a block's stdout, stderr and exit code. */
function shell(cwd, env) {
  const bash = spawn('bash', ['--noprofile', '--norc'], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
  const streams = { out: '', err: '' };
  let waiting;
  const check = () => {
    const done = /\n__DONE__(\d+)\n$/.exec(streams.out);
    if (waiting && done && streams.err.endsWith('__DONE__\n')) {
      const result = {
        stdout: streams.out.slice(0, done.index),
        stderr: streams.err.slice(0, -'__DONE__\n'.length),
        code: Number(done[1]),
      };
      streams.out = '';
      streams.err = '';
      const resolve = waiting;
      waiting = undefined;
      resolve(result);
    }
  };
  bash.stdout.on('data', (chunk) => {
    streams.out += chunk;
    check();
  });
  bash.stderr.on('data', (chunk) => {
    streams.err += chunk;
    check();
  });
  return {
    run: (script) =>
      new Promise((resolve) => {
        waiting = resolve;
        bash.stdin.write(`${script}\nprintf '\\n__DONE__%s\\n' "$?"; printf '__DONE__\\n' >&2\n`);
      }),
    close: () => bash.stdin.end(),
  };
}

const blocks = runnableBlocks(readFileSync(join(root, 'README.md'), 'utf8'));
const scratch = mkdtempSync(join(tmpdir(), 'readme-'));
// curl's status goes to stderr, so that what a block prints (and pipes) is exactly what a user sees.
writeFileSync(join(scratch, '.curlrc'), 'write-out = "%{stderr}HTTP %{http_code}\\n"\n');
let worker;
let terminal;

before(async () => {
  worker = await startWorker();
  terminal = shell(scratch, { ...process.env, CURL_HOME: scratch });
});

after(() => {
  terminal?.close();
  worker?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

test('The README has runnable blocks: the quick start, the walkthrough, the errors and the recipe', () => {
  assert.ok(blocks.length >= 7, `only ${blocks.length} runnable blocks`);
  assert.ok(blocks.some((block) => block.restart));
  for (const block of blocks) {
    assert.ok(block.restart || block.output, `README.md:${block.line}: a runnable block shows no output`);
  }
});

test('npm start prints neither a stale-types warning nor a second bindings table', () => {
  const log = worker.log();
  assert.doesNotMatch(log, /types might be out of date/);
  assert.equal(log.match(/has access to the following bindings/g)?.length, 1, log);
});

for (const block of blocks) {
  test(`README.md:${block.line} runs as written and answers what the README shows`, async () => {
    const script = block.text.replaceAll('localhost:8787', `127.0.0.1:${worker.port}`);
    const { stdout, stderr, code } = await terminal.run(script);
    const context = `README.md:${block.line}\nstdout: ${stdout}\nstderr: ${stderr}\nlog: ${worker.log().slice(-2000)}`;
    assert.equal(code, 0, context);
    const statuses = [...stderr.matchAll(/^HTTP (\d{3})$/gm)].map((match) => Number(match[1]));
    assert.deepEqual(statuses, block.statuses, context);
    if (block.output?.kind === 'json') assertShown(JSON.parse(block.output.text), JSON.parse(stdout), 'answer');
    if (block.output?.kind === 'text') assert.equal(stable(stdout.trim()), stable(block.output.text.trim()), context);
    if (block.restart) {
      worker.stop();
      worker = await startWorker(` --env-file ${join(scratch, '.dev.vars')}`);
    }
  });
}
