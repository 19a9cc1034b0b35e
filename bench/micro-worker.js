// The in-process microbenchmark, run inside workerd: loops N sends through a Worker's `fetch` (this Worker's built
// bundle or the bare proxy's) with `fetch` to Twilio stubbed by the canned 201. workerd freezes its clocks during
// pure CPU work, so nothing is timed here: the Node driver reads the workerd process's CPU time around each loop.
import bare from './bare.js';
import { HEADERS, SMS, stubFetch } from './canned.js';
import worker from './worker/index.js';

const upstream = stubFetch();
globalThis.fetch = upstream;

const handlers = { worker, bare };
const BODY = JSON.stringify(SMS);
// As a send arrives over HTTP: with its Content-Length (without one, a body limit has to stream the body to count it).
const INIT = { method: 'POST', headers: { ...HEADERS, 'content-length': String(BODY.length) }, body: BODY };

export default {
  async fetch(request, env, ctx) {
    const params = new URL(request.url).searchParams;
    const handler = handlers[params.get('target') ?? ''];
    const n = Number(params.get('n') ?? '1000');
    if (!handler) return new Response('unknown target', { status: 400 });
    const before = upstream.calls;
    let ok = 0;
    for (let i = 0; i < n; i++) {
      const response = await handler.fetch(new Request('http://gateway.bench/api/Twilio/sendSms', INIT), env, ctx);
      const text = await response.text();
      if (response.status === 200 && text.includes('"callback":"success"')) ok++;
    }
    return Response.json({ n, ok, upstreamCalls: upstream.calls - before });
  },
};
