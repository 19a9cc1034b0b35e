// `npm run bench:idempotency`: the latency the exactly-once path adds to a send (one Durable Object round trip and
// its SQLite writes). Builds the Worker as `wrangler deploy` does, serves it in workerd (miniflare) in live mode with
// the IDEMPOTENCY Durable Object and a canned Twilio 201 as its outbound, then times sequential sends over HTTP,
// alternating a plain send and one with a fresh Idempotency-Key. Prints medians and 90th percentiles in ms.
import * as L from '../bench/lib.mjs';

const N = Number(process.env.N ?? 1000);

L.selectWorkerd();
const served = await L.serveWithCannedTwilio({
  name: 'idempotency',
  scriptPath: L.buildWorker(),
  durableObjects: { IDEMPOTENCY: { className: 'IdempotencyStore', useSQLite: true } },
});
const { url } = served;
const body = JSON.stringify({ from: '+15005550006', to: '+14155550100', body: 'hi' });
async function send(idempotencyKey) {
  const headers = { 'content-type': 'application/json', 'x-api-key': L.API_KEY };
  if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
  const started = performance.now();
  const res = await fetch(new URL('/api/Twilio/sendSms', url), { method: 'POST', headers, body });
  await res.text();
  if (res.status !== 200) throw new Error(`send answered ${res.status}`);
  return performance.now() - started;
}
const at = (xs, p) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * p)];
for (let i = 0; i < 200; i++) await Promise.all([send(), send(`warm-${i}`)]);
const plain = [];
const once = [];
for (let i = 0; i < N; i++) {
  plain.push(await send());
  once.push(await send(`key-${i}`));
}
await served.stop();
const ms = (x) => Math.round(x * 100) / 100;
console.log(
  JSON.stringify({
    sends: N,
    plain: { medianMs: ms(at(plain, 0.5)), p90Ms: ms(at(plain, 0.9)) },
    idempotent: { medianMs: ms(at(once, 0.5)), p90Ms: ms(at(once, 0.9)) },
    addedMedianMs: ms(at(once, 0.5) - at(plain, 0.5)),
  }),
);
