// Serves the Twilio emulator (src/sandbox) over HTTP, for the official SDKs, outside tools and the benchmark:
//   npm run sandbox -- --port 4010 [--host 127.0.0.1] [--callbacks] [--speed 60]
// It accepts exactly the credentials in its env, under the Worker's names: TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN,
// and optionally TWILIO_API_KEY_SID + TWILIO_API_KEY_SECRET; with none, the demo pair (printed at start).
// SANDBOX_SPEED (or --speed) runs its clock faster; SANDBOX_CALLBACKS=true (or --callbacks) sends status callbacks.
// Point the SDK at it with client.api.baseUrl = 'http://127.0.0.1:4010', and a Worker in live mode with
// --var TWILIO_API_BASE_URL:http://127.0.0.1:4010 plus a caller key or ALLOW_ANONYMOUS (docs/sandbox.md).
// The emulator is bundled with esbuild (the source the Worker runs), and the settings are decoded by the Worker's
// own decoder (src/config.ts).
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
    callbacks: { type: 'boolean', default: process.env.SANDBOX_CALLBACKS === 'true' },
    speed: { type: 'string', default: process.env.SANDBOX_SPEED || '1' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log('Usage: npm run sandbox -- [--port 4010] [--host 127.0.0.1] [--callbacks] [--speed 1]');
  process.exit(0);
}
const fail = (message) => {
  console.error(message);
  process.exit(2);
};
const port = Number(values.port);
if (!/^\d{1,5}$/.test(values.port) || port > 65535) fail(`Invalid --port: ${values.port}`);

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = await mkdtemp(join(tmpdir(), 'twilio-sandbox-'));
const outfile = join(dir, 'emulator.mjs');
await build({
  stdin: {
    contents: "export * from './src/sandbox/index.ts'; export { readConfig } from './src/config.ts';",
    resolveDir: root,
    loader: 'ts',
  },
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outfile,
  logLevel: 'warning',
});
const { emulator, emulatorBindings, readConfig } = await import(pathToFileURL(outfile).href);
await rm(dir, { recursive: true, force: true });

let bindings;
try {
  // The Worker's names, decoded as the Worker decodes them (a bad one is named, never shown).
  const settings = readConfig({
    TWILIO_MODE: 'sandbox',
    TWILIO_ACCOUNT_SID: process.env.TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN: process.env.TWILIO_AUTH_TOKEN,
    TWILIO_API_KEY_SID: process.env.TWILIO_API_KEY_SID,
    TWILIO_API_KEY_SECRET: process.env.TWILIO_API_KEY_SECRET,
    SANDBOX_SPEED: values.speed,
    // Listening on loopback, this is the developer's own machine: the demo pair, and callbacks to localhost. The
    // operator's --host says so, never a request.
    SANDBOX_LOCAL: String(['127.0.0.1', 'localhost', '::1'].includes(values.host)),
  });
  bindings = emulatorBindings(settings, {
    callbacks: values.callbacks,
    // Callback deliveries run after the answer; a failed one is ignored, as the emulator does in the Worker.
    waitUntil: (promise) => void promise.catch(() => {}),
  });
} catch (err) {
  fail(err.message);
}
// No Worker limit here: a record's callbacks follow its clock to the end.
bindings = { ...bindings, callbackWindowMs: Number.POSITIVE_INFINITY };

const server = serve({ fetch: (request) => emulator.fetch(request, bindings), port, hostname: values.host }, (info) => {
  const host = values.host.includes(':') ? `[${values.host}]` : values.host;
  console.log(`Twilio sandbox listening on http://${host}:${info.port}`);
  const { account } = bindings;
  if (account.demo) console.log(`Demo credentials: ${account.accountSid} / ${account.authToken}`);
  else console.log(`Account ${account.accountSid}${account.apiKey ? ` (and API key ${account.apiKey.sid})` : ''}`);
  console.log(`Clock speed ${bindings.speed}x; status callbacks ${values.callbacks ? 'on' : 'off'}`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
