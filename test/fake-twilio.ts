import { Hono } from 'hono';
import { vi } from 'vitest';
import { moreInfoUrl } from '../src/errors';
import { pageResource, callResource as twilioCall, messageResource as twilioMessage } from '../src/twilio/resources';

/** One request the fake Twilio received, decoded for assertions. */
export interface Seen {
  url: string;
  method: string;
  headers: Record<string, string>;
  form: URLSearchParams;
  /** The URL's query (a list's filters and paging). */
  query: URLSearchParams;
  /** The raw form body, exactly as sent. */
  body: string;
}

const hex = (n: number) => n.toString(16).padStart(32, '0');
/** The fixed creation time of the fake's resources: `Thu, 26 Nov 2026 12:46:22 +0000`. */
const CREATED = new Date('2026-11-26T12:46:22Z');

/** A Message resource as Twilio returns it (the shared shape), for the form the fake received. */
export function messageResource(form: URLSearchParams, accountSid: string) {
  return twilioMessage({
    accountSid,
    sid: `SM${hex(1)}`,
    to: form.get('To') ?? '',
    from: form.get('From'),
    body: form.get('Body'),
    mediaUrls: form.getAll('MediaUrl'),
    messagingServiceSid: form.get('MessagingServiceSid'),
    now: CREATED,
  });
}

/** A Call resource as Twilio returns it (the shared shape). */
export function callResource(form: URLSearchParams, accountSid: string) {
  return twilioCall({
    accountSid,
    sid: `CA${hex(2)}`,
    to: form.get('To') ?? '',
    from: form.get('From') ?? '',
    now: CREATED,
  });
}

/**
 * A tiny fake Twilio (a Hono app) installed as the Worker's outbound `fetch`. By default it answers 201
 * with a realistic resource; `answer` overrides that per test. Every request is recorded in `seen`.
 * If `answer` throws, the outbound `fetch` rejects with that error, as it does when the network fails.
 */
export function installFakeTwilio(answer?: (seen: Seen, attempt: number) => Response | Promise<Response>) {
  const seen: Seen[] = [];
  const fake = new Hono();
  // Any path prefix, so a TWILIO_API_BASE_URL with a path is served too; a collection or one of its records.
  const paths = [
    '/2010-04-01/Accounts/:sid/:resource',
    '/2010-04-01/Accounts/:sid/:resource/:record',
    '/:prefix{.+}/2010-04-01/Accounts/:sid/:resource',
    '/:prefix{.+}/2010-04-01/Accounts/:sid/:resource/:record',
  ];
  fake.on(['POST', 'GET', 'DELETE'], paths, async (c) => {
    const body = new TextDecoder().decode(await c.req.arrayBuffer());
    const form = new URLSearchParams(body);
    const entry: Seen = {
      url: c.req.url,
      method: c.req.method,
      headers: Object.fromEntries(c.req.raw.headers),
      form,
      query: new URL(c.req.url).searchParams,
      body,
    };
    seen.push(entry);
    if (answer) return answer(entry, seen.length);
    return defaultResponse(entry, { 'Twilio-Request-Id': 'RQ00000000000000000000000000000001' });
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
  return new Response(JSON.stringify({ code, message, more_info: moreInfoUrl(code), status }), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });
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

const json = (body: unknown, status: number, headers: Record<string, string>) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });

/** A record of the collection a path names, with that SID, as Twilio stores it (the fake's fixed time). */
function recordOf(accountSid: string, resource: string, sid: string) {
  return resource === 'Calls'
    ? twilioCall({ accountSid, sid, to: '+14155550100', from: '+15005550006', now: CREATED })
    : twilioMessage({
        accountSid,
        sid,
        to: '+14155550100',
        from: '+15005550006',
        body: 'Hello from the gateway',
        mediaUrls: [],
        now: CREATED,
      });
}

/**
 * The fake's default answer to any request: a create's 201 (createdResponse); a record's 200 (fetched, or
 * updated with the form's Status and Body); a delete's 204; a list's 200, Twilio's page (pageResource) of one
 * record with the query's filters and paging, and a next page when PageSize is 1.
 */
export function defaultResponse(seen: Seen, headers: Record<string, string> = {}) {
  const path = new URL(seen.url).pathname;
  const [, account = '', resource = '', record] =
    /\/Accounts\/([^/]+)\/(Messages|Calls)(?:\/([^/]+))?\.json$/.exec(path) ?? [];
  if (record === undefined && seen.method === 'POST') return createdResponse(seen, headers);
  if (record !== undefined) {
    if (seen.method === 'DELETE') return new Response(null, { status: 204, headers });
    const found: Record<string, unknown> = { ...recordOf(account, resource, record) };
    const status = seen.form.get('Status');
    if (status !== null) found.status = status;
    if (seen.form.has('Body')) found.body = seen.form.get('Body');
    return json(found, 200, headers);
  }
  const filters = [...seen.query].filter(([key]) => !['PageSize', 'Page', 'PageToken'].includes(key));
  const pageSize = Number(seen.query.get('PageSize') ?? 50);
  const page = Number(seen.query.get('Page') ?? 0);
  const prefix = resource === 'Calls' ? 'CA' : 'SM';
  const body = pageResource({
    accountSid: account,
    resource: resource as 'Messages' | 'Calls',
    records: [recordOf(account, resource, `${prefix}${hex(16 + page)}`)],
    filters,
    page,
    pageSize,
    pageToken: seen.query.get('PageToken'),
    nextPageToken: pageSize === 1 && page < 2 ? `PA${prefix}${hex(17 + page)}` : null,
    previousPageToken: page > 0 ? `PB${prefix}${hex(15 + page)}` : null,
  });
  return json(body, 200, headers);
}
