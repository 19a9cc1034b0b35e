// `node scripts/status-bench.mjs`: the status receiver's answers per second. Builds the Worker as `wrangler deploy`
// does, serves it in workerd (miniflare) with the StatusStore Durable Object (SQLite), and posts Twilio-signed
// status callbacks over HTTP with CONCURRENCY requests in flight: SIDS messages, each reported sent then delivered
// (a burst spread over many Durable Objects), then the same with every update forwarded to a caller URL (the
// outbound answers 204 at once), then HOT callbacks all for one SID (one object: its ceiling). Prints answers per
// second and latency percentiles as JSON. One machine, client and workerd on the same cores: a relative figure.
import { createHmac, randomUUID } from 'node:crypto';
import * as L from '../bench/lib.mjs';

const SIDS = Number(process.env.SIDS ?? 2000);
const HOT = Number(process.env.HOT ?? 2000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 32);
const ACCOUNT = `AC${'0'.repeat(32)}`;
const TOKEN = 'bench-auth-token';
const PUBLIC = 'https://gateway.bench';

L.selectWorkerd();
let forwarded = 0;
const served = await L.serve({
  name: 'status',
  scriptPath: L.buildWorker(),
  bindings: {
    TWILIO_MODE: 'live',
    TWILIO_ACCOUNT_SID: ACCOUNT,
    TWILIO_AUTH_TOKEN: TOKEN,
    PUBLIC_URL: PUBLIC,
    WEBHOOK_SECRETS: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  },
  durableObjects: { STATUS: { className: 'StatusStore', useSQLite: true } },
  outboundService: () => {
    forwarded++;
    return new Response(null, { status: 204 });
  },
});
const local = served.url;

/** X-Twilio-Signature: HMAC-SHA1 over the URL and the parameters sorted by name, base64. */
const sign = (url, params) =>
  createHmac('sha1', TOKEN)
    .update(
      url +
        [...params]
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([k, v]) => k + v)
          .join(''),
    )
    .digest('base64');

/** One callback as Twilio posts it; the receiver sees PUBLIC_URL (the proxy case), so that is what is signed. */
function callback(sid, status, query = '') {
  const params = new URLSearchParams({
    AccountSid: ACCOUNT,
    ApiVersion: '2010-04-01',
    From: '+15005550006',
    MessageSid: sid,
    MessageStatus: status,
    SmsSid: sid,
    SmsStatus: status,
    To: '+14155550100',
  });
  const path = `/twilio/status${query}`;
  return {
    url: new URL(path, local),
    init: {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': sign(PUBLIC + path, params),
        'i-twilio-idempotency-token': randomUUID(),
      },
      body: params.toString(),
    },
  };
}

/** Posts every callback with CONCURRENCY in flight; answers per second and latency percentiles (ms). */
async function run(name, callbacks) {
  const times = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < callbacks.length) {
        const { url, init } = callbacks[next++];
        const at = performance.now();
        const res = await fetch(url, init);
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`${name}: the receiver answered ${res.status}`);
        times.push(performance.now() - at);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  times.sort((a, b) => a - b);
  const at = (p) => Math.round(times[Math.floor(times.length * p)] * 10) / 10;
  return {
    name,
    callbacks: callbacks.length,
    perSecond: Math.round(callbacks.length / seconds),
    p50Ms: at(0.5),
    p90Ms: at(0.9),
    p99Ms: at(0.99),
  };
}

const sid = () => `SM${randomUUID().replaceAll('-', '')}`;
/** SIDS messages, sent then delivered: each burst's pairs interleaved as Twilio's would be. */
const burst = (query) => {
  const sids = Array.from({ length: SIDS }, sid);
  return [...sids.map((s) => callback(s, 'sent', query)), ...sids.map((s) => callback(s, 'delivered', query))];
};
await run('warm-up', burst('').slice(0, 400));
const results = [
  await run('many SIDs, recorded', burst('')),
  await run(
    'many SIDs, recorded and forwarded',
    burst(`?cid=bench&forward=${encodeURIComponent('https://caller.bench/hook')}`),
  ),
  await run(
    'one SID, recorded',
    Array.from({ length: HOT }, (_, i) => callback(`SM${'b'.repeat(32)}`, i % 2 ? 'delivered' : 'sent')),
  ),
];
// Let the last forwards finish before counting them.
await new Promise((resolve) => setTimeout(resolve, 1000));
await served.stop();
console.log(JSON.stringify({ concurrency: CONCURRENCY, results, forwarded }, null, 1));
