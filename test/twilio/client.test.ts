import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createdResponse, htmlResponse, installFakeTwilio, twilioErrorResponse } from '../fake-twilio';
import { ACCOUNT, call, ENV_ACCOUNT, ENV_TOKEN, expectError, post, send, sms, TOKEN } from '../helpers';

beforeEach(() => {
  // No jitter: retries of a 429 then wait 0 ms, so the tests are quick and deterministic.
  vi.spyOn(Math, 'random').mockReturnValue(0);
});
afterEach(() => vi.restoreAllMocks());

// biome-ignore format: the issue's list, one line
const CALL_FIELDS = ['sid', 'dateCreated', 'dateUpdated', 'parentCallSid', 'accountSid', 'to', 'toFormatted', 'from', 'fromFormatted', 'phoneNumberSid', 'status', 'startTime', 'endTime', 'duration', 'price', 'direction', 'answeredBy', 'apiVersion', 'callerName', 'uri', 'priceUnit', 'subresourceUris'];
// biome-ignore format: the issue's list, one line
const MESSAGE_FIELDS = ['sid', 'body', 'dateCreated', 'dateUpdated', 'accountSid', 'to', 'from', 'messagingServiceSid', 'status', 'price', 'direction', 'apiVersion', 'uri', 'subresourceUris', 'priceUnit', 'dateSent', 'errorCode', 'errorMessage', 'numMedia', 'numSegments'];

const json = (body: unknown, status: number, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });

describe('201: the decoded resource', () => {
  it('a message: camelCase keys, ISO dates, every field of the original block', async () => {
    const { seen } = installFakeTwilio();
    const { status, json: body } = await post('sendSms', sms);
    expect(status).toBe(200);
    expect(Object.keys(body)).toEqual(['callback', 'contextWrites']);
    const to = body.contextWrites.to;
    for (const field of MESSAGE_FIELDS) expect(to, field).toHaveProperty(field);
    expect(Object.keys(to).every((k) => !k.includes('_'))).toBe(true);
    expect(to).toMatchObject({
      sid: 'SM00000000000000000000000000000001',
      accountSid: ACCOUNT,
      body: sms.body,
      from: sms.from,
      to: sms.to,
      status: 'queued',
      dateCreated: '2026-11-26T12:46:22.000Z',
      dateUpdated: '2026-11-26T12:46:22.000Z',
      dateSent: null,
      numSegments: '1',
      numMedia: '0',
      apiVersion: '2010-04-01',
      errorCode: null,
      subresourceUris: {
        media: `/2010-04-01/Accounts/${ACCOUNT}/Messages/SM00000000000000000000000000000001/Media.json`,
      },
    });
    expect(seen).toHaveLength(1);
  });
  it('a call: camelCase keys, ISO dates, every field of the original block', async () => {
    installFakeTwilio();
    const to = (await post('makeCall', call)).json.contextWrites.to;
    for (const field of CALL_FIELDS) expect(to, field).toHaveProperty(field);
    expect(Object.keys(to).every((k) => !k.includes('_'))).toBe(true);
    expect(to).toMatchObject({
      sid: 'CA00000000000000000000000000000002',
      accountSid: ACCOUNT,
      toFormatted: '(415) 555-0100',
      fromFormatted: '(500) 555-0006',
      dateCreated: '2026-11-26T12:46:22.000Z',
      startTime: null,
      queueTime: '0',
    });
  });
  it('fields Twilio leaves out are present as null; a set start time becomes ISO', async () => {
    installFakeTwilio(() =>
      json(
        {
          sid: 'CA0123456789abcdef0123456789abcdef',
          start_time: 'Fri, 27 Nov 2026 08:00:05 +0100',
          status: 'in-progress',
        },
        201,
      ),
    );
    const to = (await post('makeCall', call)).json.contextWrites.to;
    expect(Object.keys(to).sort()).toEqual([...CALL_FIELDS].sort());
    expect(to.startTime).toBe('2026-11-27T07:00:05.000Z');
    expect(to.endTime).toBeNull();
    expect(to.status).toBe('in-progress');
  });
  it('an MMS may get an MM sid', async () => {
    installFakeTwilio((seen) =>
      json({ ...JSON.parse('{}'), sid: `MM${'a'.repeat(32)}`, num_media: '1', body: seen.form.get('Body') }, 201),
    );
    const to = (await post('sendMms', { ...sms, mediaUrl: 'https://e.com/a.png' })).json.contextWrites.to;
    expect(to.sid).toBe(`MM${'a'.repeat(32)}`);
    expect(to.numMedia).toBe('1');
  });
});

describe('Twilio error statuses', () => {
  it.each([
    [400, 21211, "The 'To' number +1 is not a valid phone number."],
    [401, 20003, 'Authenticate'],
    [403, 20008, 'Resource not accessible with Test Account Credentials'],
    [404, 20404, `The requested resource /2010-04-01/Accounts/${ACCOUNT}/Messages.json was not found`],
  ])('%i JSON: that status, Twilio’s message, one POST', async (status, code, message) => {
    const { seen } = installFakeTwilio(() => twilioErrorResponse(status, code, message));
    const answer = await post('sendSms', sms);
    expectError(answer, status, `[HTTP ${status}] Unable to create record: ${message}`, { code });
    expect(seen).toHaveLength(1);
  });
  it('401 with a detail field still maps on status and code', async () => {
    installFakeTwilio(() =>
      json(
        { code: 20003, message: 'Authenticate', detail: 'Your AccountSid or AuthToken was incorrect.', status: 401 },
        401,
      ),
    );
    expectError(await post('sendSms', sms), 401, '[HTTP 401] Unable to create record: Authenticate', { code: 20003 });
  });
  it.each([500, 503])('%i JSON: 502 with Twilio’s message, in doubt (not retryable), one POST', async (status) => {
    const { seen } = installFakeTwilio(() =>
      twilioErrorResponse(status, 20500, 'An internal server error has occurred'),
    );
    const answer = await post('makeCall', call);
    expectError(answer, 502, `[HTTP ${status}] Unable to create record: An internal server error has occurred`, {
      status,
      code: 20500,
      retryable: false,
    });
    expect(seen).toHaveLength(1);
  });
  it.each([500, 502, 503])('%i HTML (a proxy page): 502 with a clear string, one POST', async (status) => {
    const { seen } = installFakeTwilio(() => htmlResponse(status));
    const answer = await post('sendSms', sms);
    expectError(
      answer,
      502,
      `[HTTP ${status}] Unable to create record: Twilio answered HTTP ${status} with a body that is not JSON`,
      { status, retryable: false, source: 'twilio' },
    );
    expect(JSON.stringify(answer.json)).not.toContain('<html>');
    expect(seen).toHaveLength(1);
  });
  it('a 4xx HTML page keeps its status with a clear string', async () => {
    installFakeTwilio(() => htmlResponse(403));
    expectError(
      await post('sendSms', sms),
      403,
      '[HTTP 403] Unable to create record: Twilio answered HTTP 403 with a body that is not JSON',
      { source: 'twilio' },
    );
  });
  it.each([
    ['without a message', { error: 'nope' }],
    ['with a string code', { code: '21211', message: 'bad' }],
    ['that is an array', [{ code: 21211, message: 'bad' }]],
  ])('a JSON error body %s is said to be not Twilio’s', async (_, body) => {
    installFakeTwilio(() => json(body, 400));
    expectError(
      await post('sendSms', sms),
      400,
      '[HTTP 400] Unable to create record: Twilio answered HTTP 400 with a body that is not a Twilio error',
      { source: 'twilio' },
    );
  });
  it('credentials an upstream echoes are masked in the error passed on', async () => {
    installFakeTwilio((seen) =>
      json(
        {
          code: 20003,
          message: `bad ${TOKEN} / ${seen.headers.authorization}`,
          more_info: `https://x.test/${TOKEN}`,
          status: 401,
        },
        401,
      ),
    );
    const answer = await post('sendSms', sms);
    expectError(answer, 401, '[HTTP 401] Unable to create record: bad [redacted] / [redacted]', {
      code: 20003,
      moreInfo: 'https://x.test/[redacted]',
    });
    expect(answer.text).not.toContain(TOKEN);
  });
  it('an empty error body is not JSON: 502, one POST', async () => {
    const { seen } = installFakeTwilio(() => new Response(null, { status: 500 }));
    expectError(
      await post('makeCall', call),
      502,
      '[HTTP 500] Unable to create record: Twilio answered HTTP 500 with a body that is not JSON',
      { status: 500, retryable: false, source: 'twilio' },
    );
    expect(seen).toHaveLength(1);
  });
});

describe('answers that are not Twilio’s', () => {
  it.each([
    [
      'XML',
      'sendSms',
      sms,
      () => new Response('<Response/>', { status: 201, headers: { 'Content-Type': 'text/xml' } }),
      'Twilio answered 201 with a body that is not a Message resource',
    ],
    [
      'HTML (a captive portal or misrouted base URL)',
      'makeCall',
      call,
      () => htmlResponse(200),
      'Twilio answered 200 with a body that is not a Call resource',
    ],
  ])('non-JSON 2xx, %s: 502, one POST', async (_, block, body, answer, message) => {
    const { seen } = installFakeTwilio(answer);
    expectError(await post(block, body), 502, `[HTTP 502] Unable to create record: ${message}`);
    expect(seen).toHaveLength(1);
  });
  it('JSON 2xx that is not a resource: 502', async () => {
    installFakeTwilio(() => json({ sid: 'not-a-sid' }, 200));
    expectError(
      await post('makeCall', call),
      502,
      '[HTTP 502] Unable to create record: Twilio answered 200 with a body that is not a Call resource',
    );
  });
  it('a message sid for a call is not a Call resource', async () => {
    installFakeTwilio(() => json({ sid: `SM${'0'.repeat(32)}` }, 201));
    expect((await post('makeCall', call)).status).toBe(502);
  });
  it('a network error thrown by fetch: 502, one POST', async () => {
    const { seen } = installFakeTwilio(() => {
      throw new TypeError('Network connection lost.');
    });
    const answer = await post('sendSms', sms);
    // The POST may have gone out before the connection failed: in doubt, not retryable.
    expectError(answer, 502, '[HTTP 502] Unable to create record: Twilio could not be reached');
    expect(JSON.stringify(answer.json)).not.toContain('Network connection lost');
    expect(seen).toHaveLength(1);
  });
  it('a timeout: 504 with TWILIO_TIMEOUT_MS, one POST, not retryable', async () => {
    const { seen } = installFakeTwilio(() => new Promise((resolve) => setTimeout(() => resolve(json({}, 201)), 1000)));
    const answer = await post('sendSms', sms, { TWILIO_TIMEOUT_MS: '50' });
    expectError(answer, 504, '[HTTP 504] Unable to create record: Twilio did not answer within 50 ms');
    expect(seen).toHaveLength(1);
  });
  it('a body that never ends also times out', async () => {
    installFakeTwilio(() => {
      const stream = new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('{"sid":'));
        },
      });
      return new Response(stream, { status: 201, headers: { 'Content-Type': 'application/json' } });
    });
    expectError(
      await post('makeCall', call, { TWILIO_TIMEOUT_MS: '50' }),
      504,
      '[HTTP 504] Unable to create record: Twilio did not answer within 50 ms',
    );
  });
});

describe('429', () => {
  it('429 then 201: retried, two POSTs, success', async () => {
    const { seen } = installFakeTwilio((s, attempt) =>
      attempt === 1 ? twilioErrorResponse(429, 20429, 'Too many requests', { 'Retry-After': '0' }) : createdResponse(s),
    );
    const answer = await post('sendSms', sms);
    expect(answer.json.callback).toBe('success');
    expect(answer.status).toBe(200);
    expect(seen).toHaveLength(2);
    expect(seen[1]!.body).toBe(seen[0]!.body);
  });
  it('429 twice then 201: three POSTs', async () => {
    const { seen } = installFakeTwilio((s, attempt) =>
      attempt <= 2 ? twilioErrorResponse(429, 20429, 'Too many requests') : createdResponse(s),
    );
    expect((await post('makeCall', call)).status).toBe(200);
    expect(seen).toHaveLength(3);
  });
  it('429 exhausted: the 429 envelope after 1 + 3 POSTs', async () => {
    const { seen } = installFakeTwilio(() => twilioErrorResponse(429, 20429, 'Too many requests'));
    const answer = await post('sendSms', sms);
    expectError(answer, 429, '[HTTP 429] Unable to create record: Too many requests', { code: 20429, retryable: true });
    expect(seen).toHaveLength(4);
  });
  it('a Retry-After beyond the time budget is not waited for: 429 at once, one POST', async () => {
    const { seen } = installFakeTwilio(() =>
      twilioErrorResponse(429, 20429, 'Too many requests', { 'Retry-After': '60' }),
    );
    const started = Date.now();
    const answer = await post('sendSms', sms, { TWILIO_TIMEOUT_MS: '2000' });
    // Not the 60 s asked, nor the budget: at once.
    expect(Date.now() - started).toBeLessThan(2000);
    expectError(answer, 429, '[HTTP 429] Unable to create record: Too many requests', { code: 20429, retryable: true });
    expect(seen).toHaveLength(1);
  });
});

describe('the request Twilio sees', () => {
  it('POST, form body, Basic auth, Accept JSON and a User-Agent naming the project', async () => {
    const { seen } = installFakeTwilio();
    await post('sendSms', sms);
    const [request] = seen;
    expect(request!.method).toBe('POST');
    expect(request!.url).toBe(`https://api.twilio.com/2010-04-01/Accounts/${ACCOUNT}/Messages.json`);
    expect(request!.headers.authorization).toBe(`Basic ${btoa(`${ACCOUNT}:${TOKEN}`)}`);
    expect(request!.headers.accept).toBe('application/json');
    expect(request!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request!.headers['user-agent']).toMatch(/^twilio-edge-gateway\/\d/);
  });
  it('a non-Latin-1 token is sent as UTF-8 in Basic auth', async () => {
    const { seen } = installFakeTwilio();
    await post('sendSms', { ...sms, accountToken: 'tök€n' });
    const decoded = atob(seen[0]!.headers.authorization!.replace(/^Basic /, ''));
    const bytes = Uint8Array.from(decoded, (c) => c.charCodeAt(0));
    expect(new TextDecoder().decode(bytes)).toBe(`${ACCOUNT}:tök€n`);
  });
  it('the env account is used when the request has no credentials', async () => {
    const { seen } = installFakeTwilio();
    await post('makeCall', { ...call, accountSid: undefined, accountToken: undefined });
    expect(seen[0]!.url).toBe(`https://api.twilio.com/2010-04-01/Accounts/${ENV_ACCOUNT}/Calls.json`);
    expect(seen[0]!.headers.authorization).toBe(`Basic ${btoa(`${ENV_ACCOUNT}:${ENV_TOKEN}`)}`);
  });
});

describe('base URL', () => {
  it.each([
    [{}, 'https://api.twilio.com'],
    [{ TWILIO_API_BASE_URL: 'http://127.0.0.1:8788' }, 'http://127.0.0.1:8788'],
    [{ TWILIO_API_BASE_URL: 'http://localhost:9999/twilio/' }, 'http://localhost:9999/twilio'],
    [{ TWILIO_REGION: 'ie1', TWILIO_EDGE: 'dublin' }, 'https://api.dublin.ie1.twilio.com'],
    [{ TWILIO_REGION: 'au1', TWILIO_EDGE: 'sydney' }, 'https://api.sydney.au1.twilio.com'],
    [{ TWILIO_EDGE: 'ashburn' }, 'https://api.ashburn.us1.twilio.com'],
    [{ TWILIO_REGION: 'ie1' }, 'https://api.ie1.twilio.com'],
    [
      { TWILIO_API_BASE_URL: 'http://127.0.0.1:8788', TWILIO_REGION: 'ie1', TWILIO_EDGE: 'dublin' },
      'http://127.0.0.1:8788',
    ],
    [{ TWILIO_EDGE: 'auto' }, 'https://api.twilio.com'],
  ])('%j → %s', async (overrides, baseUrl) => {
    const { seen } = installFakeTwilio();
    const answer = await post('sendSms', sms, overrides);
    expect(answer.status).toBe(200);
    expect(seen[0]!.url).toBe(`${baseUrl}/2010-04-01/Accounts/${ACCOUNT}/Messages.json`);
  });
  it.each([
    ['EU', 'https://api.dublin.us1.twilio.com'],
    ['OC', 'https://api.sydney.us1.twilio.com'],
  ])('TWILIO_EDGE=auto picks the edge from request.cf (%s)', async (continent, baseUrl) => {
    const { seen } = installFakeTwilio();
    const init = {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(sms),
      cf: { continent },
    } as RequestInit;
    const answer = await send('/api/Twilio/sendSms', init, { TWILIO_EDGE: 'auto' });
    expect(answer.status).toBe(200);
    expect(seen[0]!.url).toBe(`${baseUrl}/2010-04-01/Accounts/${ACCOUNT}/Messages.json`);
  });
});
