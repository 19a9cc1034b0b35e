import { Hono } from 'hono';
import { vi } from 'vitest';

/** One request the fake Twilio received, decoded for assertions. */
export interface Seen {
  url: string;
  method: string;
  headers: Record<string, string>;
  form: URLSearchParams;
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
 */
export function installFakeTwilio(answer?: (seen: Seen, attempt: number) => Response | Promise<Response>) {
  const seen: Seen[] = [];
  const fake = new Hono();
  fake.post('/2010-04-01/Accounts/:sid/:resource', async (c) => {
    const form = new URLSearchParams(new TextDecoder().decode(await c.req.arrayBuffer()));
    const entry: Seen = {
      url: c.req.url,
      method: c.req.method,
      headers: Object.fromEntries(c.req.raw.headers),
      form,
    };
    seen.push(entry);
    if (answer) return answer(entry, seen.length);
    const sid = c.req.param('sid');
    const resource = c.req.param('resource') === 'Calls.json' ? callResource(form, sid) : messageResource(form, sid);
    return c.json(resource, 201, { 'Twilio-Request-Id': 'RQ00000000000000000000000000000001' });
  });
  const spy = vi
    .spyOn(globalThis, 'fetch')
    .mockImplementation((input: RequestInfo | URL, init?: RequestInit) =>
      Promise.resolve(fake.fetch(new Request(input, init))),
    );
  return { seen, spy };
}
