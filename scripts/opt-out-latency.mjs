// `npm run bench:opt-outs`: the latency the opt-out check adds to a send (one call to the sender's OptOutStore
// Durable Object, a SQLite read). Builds the Worker as `wrangler deploy` does and serves it twice in workerd
// (miniflare) in live mode with a canned Twilio 201 as its outbound: once with OPT_OUTS=off (the send path never
// reads the list), once with OPT_OUTS=on. Times sequential sends over HTTP, alternating: off; on, a pair with no
// opt-out; off again (the A/A: what the same case differs from itself); on, a pair with one (refused with 21610
// before Twilio); then 200 changes (addOptOut, removeOptOut: the home store and the nine regional replicas).
// Prints medians and 90th percentiles in ms.
import * as L from '../bench/lib.mjs';

const N = Number(process.env.N ?? 1000);
const FROM = '+15005550006';

L.selectWorkerd();
const scriptPath = L.buildWorker();
const serve = (name, OPT_OUTS) =>
  L.serveWithCannedTwilio({
    name,
    scriptPath,
    bindings: { OPT_OUTS },
    durableObjects: { OPT_OUT_STORE: { className: 'OptOutStore', useSQLite: true } },
  });
const off = await serve('opt-outs-off', 'off');
const on = await serve('opt-outs-on', 'on');

async function post(base, block, input, status = 200) {
  const headers = { 'content-type': 'application/json', 'x-api-key': L.API_KEY };
  const started = performance.now();
  const res = await fetch(new URL(`/api/Twilio/${block}`, base), {
    method: 'POST',
    headers,
    body: JSON.stringify(input),
  });
  await res.text();
  if (res.status !== status) throw new Error(`${block} answered ${res.status}`);
  return performance.now() - started;
}
const sms = (to) => ({ from: FROM, to, body: 'hi' });
await post(on.url, 'addOptOut', { from: FROM, to: '+14155550199' });
// Each request goes to the other Worker than the one before it: a request to the same one again was measured
// faster, which would favour whichever case followed its twin.
const runs = {
  off: () => post(off.url, 'sendSms', sms('+14155550100')),
  noOptOut: () => post(on.url, 'sendSms', sms('+14155550100')),
  offAgain: () => post(off.url, 'sendSms', sms('+14155550100')),
  optedOut: () => post(on.url, 'sendSms', sms('+14155550199'), 400),
};
for (let i = 0; i < 200; i++) for (const run of Object.values(runs)) await run();
const times = { off: [], offAgain: [], noOptOut: [], optedOut: [] };
for (let i = 0; i < N; i++) for (const [name, run] of Object.entries(runs)) times[name].push(await run());
// The rare side: a change written to the home store and the nine regional replicas (addOptOut, removeOptOut).
const writes = [];
for (let i = 0; i < 200; i++) {
  const change = i % 2 === 0 ? 'addOptOut' : 'removeOptOut';
  const started = performance.now();
  const res = await fetch(new URL(`/api/Twilio/${change}`, on.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': L.API_KEY },
    body: JSON.stringify({ from: FROM, to: '+14155550198' }),
  });
  await res.text();
  if (res.status !== 200) throw new Error(`${change} answered ${res.status}`);
  if (i >= 20) writes.push(performance.now() - started);
}
await off.stop();
await on.stop();
const at = (xs, p) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * p)];
const ms = (x) => Math.round(x * 100) / 100;
const summary = (xs) => ({ medianMs: ms(at(xs, 0.5)), p90Ms: ms(at(xs, 0.9)) });
console.log(
  JSON.stringify({
    sends: N,
    off: summary(times.off),
    offAgain: summary(times.offAgain),
    noOptOut: summary(times.noOptOut),
    optedOut: summary(times.optedOut),
    change: summary(writes),
    addedMedianMs: ms(at(times.noOptOut, 0.5) - at(times.off, 0.5)),
    aaMedianMs: ms(at(times.offAgain, 0.5) - at(times.off, 0.5)),
  }),
);
