// Serves the Twilio emulator (src/sandbox) over HTTP, for the benchmark and outside tools:
//   npm run sandbox -- --port 4010 [--host 127.0.0.1] [--callbacks]
// Point the Worker at it in live mode with TWILIO_API_BASE_URL=http://127.0.0.1:4010.
// The emulator is bundled with esbuild (the same source the Worker runs) and served by @hono/node-server.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { serve } from '@hono/node-server';
import { build } from 'esbuild';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '4010' },
    host: { type: 'string', default: '127.0.0.1' },
    callbacks: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log('Usage: npm run sandbox -- [--port 4010] [--host 127.0.0.1] [--callbacks]');
  process.exit(0);
}
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`Invalid --port: ${values.port}`);
  process.exit(2);
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = await mkdtemp(join(tmpdir(), 'twilio-sandbox-'));
const outfile = join(dir, 'emulator.mjs');
await build({
  entryPoints: [join(root, 'src/sandbox/app.ts')],
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outfile,
  logLevel: 'warning',
});
const { emulator } = await import(pathToFileURL(outfile).href);
await rm(dir, { recursive: true, force: true });

const bindings = {
  callbacks: values.callbacks,
  // Callback deliveries run after the answer; a failed one is ignored, as the emulator does in the Worker.
  waitUntil: (promise) => void promise.catch(() => {}),
};

const server = serve({ fetch: (request) => emulator.fetch(request, bindings), port, hostname: values.host }, (info) => {
  const host = values.host.includes(':') ? `[${values.host}]` : values.host;
  console.log(`Twilio sandbox listening on http://${host}:${info.port}`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
