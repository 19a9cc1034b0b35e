// The benchmark's fixed data, shared by the Node scripts and the workerd microbenchmark module:
// test credentials, a send the sandbox accepts, and the 201 body Twilio gives for it.

/** Twilio test credentials: a well-formed AC sid and any token. */
export const ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`;
export const AUTH_TOKEN = 'bench-test-token';

/** A send the sandbox accepts: the magic From that passes, and a normal To. */
export const SMS = { from: '+15005550006', to: '+14155550100', body: 'Hello from the benchmark' };

const sid = `SM${'fedcba9876543210'.repeat(2)}`;
const uri = `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/${sid}.json`;

/** What Twilio answers (201) to that send, as a stubbed upstream returns it. */
export const MESSAGE_201 = JSON.stringify({
  sid,
  body: SMS.body,
  date_created: 'Thu, 26 Nov 2026 12:46:22 +0000',
  date_updated: 'Thu, 26 Nov 2026 12:46:22 +0000',
  date_sent: null,
  account_sid: ACCOUNT_SID,
  to: SMS.to,
  from: SMS.from,
  messaging_service_sid: null,
  status: 'queued',
  num_segments: '1',
  num_media: '0',
  direction: 'outbound-api',
  api_version: '2010-04-01',
  price: null,
  price_unit: 'USD',
  error_code: null,
  error_message: null,
  uri,
  subresource_uris: { media: uri.replace('.json', '/Media.json') },
});

/** A `fetch` that reads the request and answers MESSAGE_201, counting calls. */
export function stubFetch() {
  const stub = async (input, init) => {
    // Read the body as a network fetch would, without copying a Request (the Worker passes one, the bare proxy a URL).
    await (input instanceof Request ? input.text() : new Response(init?.body ?? null).text());
    stub.calls++;
    return new Response(MESSAGE_201, { status: 201, headers: { 'content-type': 'application/json' } });
  };
  stub.calls = 0;
  return stub;
}
