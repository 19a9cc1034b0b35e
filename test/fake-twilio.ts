import { Hono } from 'hono';
import { vi } from 'vitest';

/** One request the fake Twilio received, decoded for assertions. */
export interface Seen {
  url: string;
  method: string;
  headers: Record<string, string>;
  form: URLSearchParams;
  /** The raw form body, exactly as sent. */
  body: string;
}

const hex = (n: number) => n.toString(16).padStart(32, '0');

/** A realistic Message resource as Twilio returns it (snake_case, RFC 2822 dates). */
export function messageResource(form: URLSearchParams, accountSid: string) {
  return {
    sid: `SM${hex(1)}`,
    account_sid: accountSid,
    body: form.get('Body'),
    date_created: 'Thu, 26 Nov 2026 12:46:22 +0000',
    date_updated: 'Thu, 26 Nov 2026 12:46:22 +0000',
    date_sent: null,
    to: form.get('To'),
    from: form.get('From'),
    messaging_service_sid: form.get('MessagingServiceSid'),
    status: 'queued',
    price: null,
    price_unit: 'USD',
    direction: 'outbound-api',
    api_version: '2010-04-01',
    error_code: null,
    error_message: null,
    num_media: String(form.getAll('MediaUrl').length),
    num_segments: '1',
    uri: `/2010-04-01/Accounts/${accountSid}/Messages/SM${hex(1)}.json`,
    subresource_uris: { media: `/2010-04-01/Accounts/${accountSid}/Messages/SM${hex(1)}/Media.json` },
  };
}

/** A realistic Call resource as Twilio returns it. */
export function callResource(form: URLSearchParams, accountSid: string) {
  return {
    sid: `CA${hex(2)}`,
    account_sid: accountSid,
    date_created: 'Thu, 26 Nov 2026 12:46:22 +0000',
    date_updated: 'Thu, 26 Nov 2026 12:46:22 +0000',
    parent_call_sid: null,
    to: form.get('To'),
    to_formatted: form.get('To'),
    from: form.get('From'),
    from_formatted: form.get('From'),
    phone_number_sid: null,
    status: 'queued',
    start_time: null,
    end_time: null,
    duration: null,
    price: null,
    price_unit: 'USD',
    direction: 'outbound-api',
    answered_by: null,
    api_version: '2010-04-01',
    caller_name: null,
    forwarded_from: null,
    group_sid: null,
    queue_time: '0',
    trunk_sid: null,
    uri: `/2010-04-01/Accounts/${accountSid}/Calls/CA${hex(2)}.json`,
    subresource_uris: { notifications: `/2010-04-01/Accounts/${accountSid}/Calls/CA${hex(2)}/Notifications.json` },
  };
}

/**
 * A tiny fake Twilio (a Hono app) installed as the Worker's outbound `fetch`. By default it answers 201
 * with a realistic resource; `answer` overrides that per test. Every request is recorded in `seen`.
 * If `answer` throws, the outbound `fetch` rejects with that error, as it does when the network fails.
 */
export function installFakeTwilio(answer?: (seen: Seen, attempt: number) => Response | Promise<Response>) {
  const seen: Seen[] = [];
  const fake = new Hono();
  // Any path prefix, so a TWILIO_API_BASE_URL with a path is served too.
  const paths = ['/2010-04-01/Accounts/:sid/:resource', '/:prefix{.+}/2010-04-01/Accounts/:sid/:resource'];
  fake.on('POST', paths, async (c) => {
    const body = new TextDecoder().decode(await c.req.arrayBuffer());
    const form = new URLSearchParams(body);
    const entry: Seen = {
      url: c.req.url,
      method: c.req.method,
      headers: Object.fromEntries(c.req.raw.headers),
      form,
      body,
    };
    seen.push(entry);
    if (answer) return answer(entry, seen.length);
    return createdResponse(entry, { 'Twilio-Request-Id': 'RQ00000000000000000000000000000001' });
  });
  fake.onError((err) => {
    throw err;
  });
  const spy = vi.spyOn(globalThis, 'fetch').mockImplementation((input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    return abortable(Promise.resolve(fake.fetch(request)), init?.signal ?? request.signal);
  });
  return { seen, spy };
}

/**
 * What `fetch` does with its signal, for answers made in-process: once it aborts, a pending answer rejects
 * with the signal's reason, and a body still being read errors with it.
 */
function abortable(answer: Promise<Response>, signal: AbortSignal | null | undefined): Promise<Response> {
  if (!signal) return answer;
  return new Promise<Response>((resolve, reject) => {
    const abort = () => reject(signal.reason);
    if (signal.aborted) return abort();
    signal.addEventListener('abort', abort, { once: true });
    answer.then((response) => {
      signal.removeEventListener('abort', abort);
      if (!response.body) return resolve(response);
      const reader = response.body.getReader();
      const aborted = new Promise<never>((_, fail) => signal.addEventListener('abort', () => fail(signal.reason)));
      aborted.catch(() => {});
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          try {
            const chunk = await Promise.race([reader.read(), aborted]);
            if (chunk.done) controller.close();
            else controller.enqueue(chunk.value);
          } catch (err) {
            controller.error(err);
            reader.cancel(err).catch(() => {});
          }
        },
      });
      resolve(new Response(body, response));
    }, reject);
  });
}

/** Twilio's JSON error body `{code, message, more_info, status}` with that HTTP status. */
export function twilioErrorResponse(
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
) {
  return new Response(
    JSON.stringify({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }),
    { status, headers: { 'Content-Type': 'application/json', ...headers } },
  );
}

/** A proxy's HTML page, as a load balancer in front of Twilio may answer. */
export function htmlResponse(status: number) {
  return new Response('<html><body><h1>Service Unavailable</h1></body></html>', {
    status,
    headers: { 'Content-Type': 'text/html' },
  });
}

/** The default 201 answer for a request the fake saw: a realistic Message or Call resource. */
export function createdResponse(seen: Seen, headers: Record<string, string> = {}) {
  const [, sid = '', resource = ''] = /\/Accounts\/([^/]+)\/([^/]+)$/.exec(new URL(seen.url).pathname) ?? [];
  const body = resource === 'Calls.json' ? callResource(seen.form, sid) : messageResource(seen.form, sid);
  return new Response(JSON.stringify(body), {
    status: 201,
    headers: { 'Content-Type': 'application/json', ...headers },
  });
}
