// `npm run deploy`: creates the Cloudflare Queues wrangler.toml binds (the sends queue and its dead-letter queue)
// when they are missing, then runs `wrangler deploy` with the arguments given. Safe to run twice: a queue that
// exists is left alone. The KV namespace and the Durable Objects need nothing: wrangler deploy provisions them.
//   npm run deploy                 # first deploy, and every one after
//   npm run deploy -- --dry-run    # builds the bundle and checks the config; creates and uploads nothing
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './npm-start.mjs';

/**
 * The queue names wrangler.toml binds, each once: a producer's or consumer's `queue` and a consumer's
 * `dead_letter_queue`. Commented-out lines do not count.
 */
function queuesOf(toml) {
  const names = [...toml.matchAll(/^\s*(?:queue|dead_letter_queue)\s*=\s*"([^"]+)"/gm)].map((match) => match[1]);
  return [...new Set(names)];
}

/** Runs wrangler with the arguments; its output is shown and also returned, for the "already exists" check. */
function wrangler(args, { quiet = false } = {}) {
  const run = spawnSync('wrangler', args, { cwd: root, encoding: 'utf8', env: process.env });
  if (run.error) throw new Error(`wrangler could not be started: ${run.error.message} (run npm ci first)`);
  if (!quiet) {
    process.stdout.write(run.stdout);
    process.stderr.write(run.stderr);
  }
  return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
}

/** Creates the queue unless `wrangler queues info` finds it. Another deploy may create it in between: fine. */
function ensureQueue(name) {
  if (wrangler(['queues', 'info', name], { quiet: true }).ok) {
    console.log(`queue ${name}: exists`);
    return;
  }
  const created = wrangler(['queues', 'create', name]);
  if (created.ok) {
    console.log(`queue ${name}: created`);
    return;
  }
  if (/already exists|already taken/i.test(created.output)) {
    console.log(`queue ${name}: exists`);
    return;
  }
  throw new Error(`could not create the queue ${name}; wrangler's answer is above`);
}

function main(args) {
  if (!args.includes('--dry-run')) {
    for (const name of queuesOf(readFileSync(join(root, 'wrangler.toml'), 'utf8'))) ensureQueue(name);
  }
  if (!wrangler(['deploy', ...args]).ok) throw new Error('wrangler deploy failed; its answer is above');
}

try {
  main(process.argv.slice(2));
} catch (error) {
  console.error(`npm run deploy: ${error.message}`);
  process.exit(1);
}
