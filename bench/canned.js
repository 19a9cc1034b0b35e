// The benchmark's fixed data: test credentials, a send Twilio accepts, and the 201 body Twilio gives for it. Bundled
// by esbuild into bench/out/canned.js (lib.mjs), which the Node scripts and the workerd microbenchmark import.
import { messageResource } from '../src/twilio/resources.ts';

/** Twilio test credentials: a well-formed AC sid and any token. */
export const ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`;
export const AUTH_TOKEN = 'bench-test-token';
/** The caller's key (API_KEYS): a deployed Worker lets only a caller with a key spend its stored credentials. */
export const API_KEY = 'bench-caller-key-0123456789';
/** The headers of every send to a Worker: JSON, and the caller's key. */
export const HEADERS = { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` };

/** A send Twilio's test credentials accept: the magic From that passes, and a normal To. */
export const SMS = { from: '+15005550006', to: '+14155550100', body: 'Hello from the benchmark' };

/** What Twilio answers (201) to that send, as a stubbed upstream returns it: the shared resource shape. */
export const MESSAGE_201 = JSON.stringify(
  messageResource({
    accountSid: ACCOUNT_SID,
    sid: `SM${'fedcba9876543210'.repeat(2)}`,
    ...SMS,
    mediaUrls: [],
    now: new Date('2026-11-26T12:46:22Z'),
  }),
);

const MESSAGE_LENGTH = new TextEncoder().encode(MESSAGE_201).byteLength;

/** A `fetch` that reads the request and answers MESSAGE_201, counting calls. */
export function stubFetch() {
  const stub = async (input, init) => {
    // Read the body as a network fetch would, without copying a Request (the Worker passes one, the bare proxy a URL).
    await (input instanceof Request ? input.text() : new Response(init?.body ?? null).text());
    stub.calls++;
    // With its Content-Length, as Twilio answers.
    return new Response(MESSAGE_201, {
      status: 201,
      headers: { 'content-type': 'application/json', 'content-length': String(MESSAGE_LENGTH) },
    });
  };
  stub.calls = 0;
  return stub;
}
