import { afterEach, describe, expect, it, vi } from 'vitest';
import pkg from '../../package.json';
import { sendMms } from '../../src/blocks/messages';
import { MAX_BODY_BYTES } from '../../src/limits/body';
import { type EmulatorBindings, emulator, emulatorBindings } from '../../src/sandbox';
import { readForm } from '../../src/sandbox/params';
import { MAX_RECORDS } from '../../src/sandbox/records';
import { newSid } from '../../src/twilio/api';
import { isValidTwilioSignature } from '../../src/twilio/signature';
import { errorText, post } from '../helpers';

const T0 = Date.parse('2026-11-30T12:00:00Z');
const FROM = '+15005550006';
const TO = '+14155550100';
const VOICE = 'http://demo.twilio.com/docs/voice.xml';
const HOOK = 'https://hooks.example.com/status?tenant=7';

interface Setup {
  bindings: EmulatorBindings;
  /** Moves the driven clock to T0 + ms. */
  at: (ms: number) => void;
  pending: Promise<unknown>[];
}

/** An emulator with an account of its own (lists see only its records) and a clock the test drives. */
function setup(options: { speed?: number; callbacks?: boolean; apiKey?: boolean; realClock?: boolean } = {}): Setup {
  let clock = T0;
  const pending: Promise<unknown>[] = [];
  const base = emulatorBindings(
    {
      TWILIO_ACCOUNT_SID: newSid('AC'),
      TWILIO_AUTH_TOKEN: `token-${crypto.randomUUID()}`,
      ...(options.apiKey ? { TWILIO_API_KEY_SID: newSid('SK'), TWILIO_API_KEY_SECRET: 'the-key-secret' } : {}),
      SANDBOX_SPEED: options.speed ?? 1,
    },
    { callbacks: options.callbacks ?? false, waitUntil: (p) => void pending.push(p) },
  );
  const bindings = options.realClock ? base : { ...base, now: () => clock };
  const at = (ms: number) => {
    clock = T0 + ms;
  };
  return { bindings, at, pending };
}

interface Answer {
  status: number;
  json: Record<string, any>;
}

/** A request to the emulator as the SDK sends it: Basic auth, a form body or a query. */
async function twilio(
  s: Setup,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  params?: Record<string, string | string[]>,
  auth?: { user: string; password: string },
): Promise<Answer> {
  const { account } = s.bindings;
  const user = auth?.user ?? account.accountSid;
  const password = auth?.password ?? account.authToken;
  const headers: Record<string, string> = { Authorization: `Basic ${btoa(`${user}:${password}`)}` };
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(params ?? {})) for (const v of [value].flat()) form.append(key, v);
  let url = path.startsWith('/') ? path : `/2010-04-01/Accounts/${account.accountSid}/${path}`;
  let body: string | null = null;
  if (method === 'GET' && params) url += `?${form}`;
  else if (params) {
    body = form.toString();
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
  }
  const res = await emulator.request(url, { method, headers, body }, s.bindings);
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

const sms = (s: Setup, extra: Record<string, string | string[]> = {}) =>
  twilio(s, 'POST', 'Messages.json', { From: FROM, To: TO, Body: 'hi', ...extra });
const dial = (s: Setup, extra: Record<string, string | string[]> = {}) =>
  twilio(s, 'POST', 'Calls.json', { From: FROM, To: TO, Url: VOICE, ...extra });
const fetchRecord = (s: Setup, kind: 'Messages' | 'Calls', sid: string) => twilio(s, 'GET', `${kind}/${sid}.json`);

/** Asserts Twilio's error body. */
function expectTwilioError(answer: Answer, status: number, code: number, message?: string) {
  expect(answer.status).toBe(status);
  expect(answer.json).toMatchObject({ code, status, more_info: `https://www.twilio.com/docs/errors/${code}` });
  if (message !== undefined) expect(answer.json.message).toBe(message);
}

const rfc = (ms: number) => new Date(T0 + ms).toUTCString().replace(/GMT$/, '+0000');

afterEach(() => vi.restoreAllMocks());

describe('credentials: exactly the ones it was given', () => {
  it('with none given, the demo pair (the one npm start uses)', async () => {
    const bindings = emulatorBindings({}, { callbacks: false, waitUntil: () => {} });
    expect(bindings.account).toMatchObject({
      accountSid: 'AC00000000000000000000000000000000',
      authToken: 'sandbox-demo-token',
      demo: true,
    });
    const s = { bindings, at: () => {}, pending: [] };
    expect((await sms(s)).status).toBe(201);
    const refused = await twilio(
      s,
      'POST',
      'Messages.json',
      { From: FROM, To: TO, Body: 'x' },
      {
        user: 'AC00000000000000000000000000000000',
        password: 'not-the-demo-token',
      },
    );
    expectTwilioError(refused, 401, 20003, 'Authenticate');
  });

  it('a wrong token, an unknown account, another key or a key secret as the token: 401 Authenticate', async () => {
    const s = setup({ apiKey: true });
    const { accountSid, authToken, apiKey } = s.bindings.account;
    const pairs = [
      { user: accountSid, password: 'wrong' },
      { user: newSid('AC'), password: authToken },
      { user: newSid('SK'), password: 'the-key-secret' },
      { user: accountSid, password: 'the-key-secret' },
      { user: apiKey?.sid ?? '', password: authToken },
    ];
    for (const auth of pairs) {
      for (const [method, path] of [
        ['POST', 'Messages.json'],
        ['GET', 'Messages.json'],
        ['GET', `Calls/${newSid('CA')}.json`],
        ['DELETE', `Messages/${newSid('SM')}.json`],
      ] as const) {
        const answer = await twilio(
          s,
          method,
          path,
          method === 'POST' ? { From: FROM, To: TO, Body: 'x' } : undefined,
          auth,
        );
        expect(answer.json).toEqual({
          code: 20003,
          message: 'Authenticate',
          more_info: 'https://www.twilio.com/docs/errors/20003',
          status: 401,
          detail: 'Your AccountSid or AuthToken was incorrect.',
        });
      }
    }
  });

  it('the API key works on the account path, for every operation', async () => {
    const s = setup({ apiKey: true, speed: 1_000_000 });
    const key = { user: s.bindings.account.apiKey?.sid ?? '', password: 'the-key-secret' };
    const created = await twilio(s, 'POST', 'Messages.json', { From: FROM, To: TO, Body: 'k' }, key);
    expect(created.status).toBe(201);
    s.at(60_000);
    expect((await twilio(s, 'GET', `Messages/${created.json.sid}.json`, undefined, key)).json.status).toBe('delivered');
    expect((await twilio(s, 'GET', 'Messages.json', undefined, key)).json.messages).toHaveLength(1);
    expect((await twilio(s, 'DELETE', `Messages/${created.json.sid}.json`, undefined, key)).status).toBe(204);
  });

  it('refuses settings with a malformed account SID', () => {
    expect(() => emulatorBindings({ TWILIO_ACCOUNT_SID: 'AC123' }, { callbacks: false, waitUntil: () => {} })).toThrow(
      /TWILIO_ACCOUNT_SID/,
    );
  });
});

/** The vars `npm start` gives wrangler dev (`--var NAME:VALUE`), read from package.json's start script. */
const startVars: Record<string, string> = Object.fromEntries(
  [...pkg.scripts.start.matchAll(/--var[ =]([A-Z_]+):(\S+)/g)].map(([, name, value]) => [name, value]),
);

describe('through the Worker as npm start runs it (demo pair, no API_KEYS)', () => {
  // npm start's own vars over the suite's env, less the suite's API_KEYS (unless npm start sets some).
  const start: Record<string, string> = { API_KEYS: '', ...startVars };
  const body = { from: FROM, to: TO, body: 'hi' };

  it("npm start's script runs the sandbox with an account and its token (the vars below are read from it)", () => {
    expect(startVars).toMatchObject({
      TWILIO_MODE: 'sandbox',
      TWILIO_ACCOUNT_SID: expect.stringMatching(/^AC[0-9a-f]{32}$/),
      TWILIO_AUTH_TOKEN: expect.any(String),
    });
  });

  it("a wrong accountToken shows the block doc's 401", async () => {
    const own = { ...body, accountSid: start.TWILIO_ACCOUNT_SID, accountToken: 'a-wrong-token' };
    const answer = await post('sendSms', own, start);
    expect(answer.status).toBe(401);
    expect(errorText(answer.json)).toBe('[HTTP 401] Unable to create record: Authenticate');
    const other = await post(
      'makeCall',
      { from: FROM, to: TO, url: VOICE, accountSid: newSid('AC'), accountToken: 'x' },
      start,
    );
    expect(errorText(other.json)).toBe('[HTTP 401] Unable to create record: Authenticate');
  });

  it('the stored pair, or the same pair in the request, is accepted', async () => {
    expect((await post('sendSms', body, start)).json.callback).toBe('success');
    const own = { ...body, accountSid: start.TWILIO_ACCOUNT_SID, accountToken: start.TWILIO_AUTH_TOKEN };
    expect((await post('sendSms', own, start)).json.callback).toBe('success');
  });

  it('a bad SANDBOX_SPEED is a configuration error', async () => {
    for (const speed of ['0', '0.5', 'fast', '2000000']) {
      const answer = await post('sendSms', body, { ...start, SANDBOX_SPEED: speed });
      expect(answer.status).toBe(500);
      expect(errorText(answer.json)).toContain('SANDBOX_SPEED');
    }
  });
});

describe('memory: what it created can be fetched, listed and deleted', () => {
  it('fetch answers the record as created, under its SID; an unknown SID is 404 20404', async () => {
    const s = setup();
    const created = await sms(s);
    const fetched = await fetchRecord(s, 'Messages', created.json.sid);
    expect(fetched.status).toBe(200);
    expect(fetched.json).toEqual(created.json);
    const unknown = `SM${'a'.repeat(32)}`;
    const path = `/2010-04-01/Accounts/${s.bindings.account.accountSid}/Messages/${unknown}.json`;
    expectTwilioError(
      await fetchRecord(s, 'Messages', unknown),
      404,
      20404,
      `The requested resource ${path} was not found`,
    );
    // A message SID under Calls, and a SID of the wrong shape, are not found either.
    expect((await fetchRecord(s, 'Calls', created.json.sid)).status).toBe(404);
    expect((await fetchRecord(s, 'Messages', 'SM123')).status).toBe(404);
  });

  it('another account does not see the records', async () => {
    const a = setup();
    const b = setup();
    const created = await sms(a);
    expect((await fetchRecord(b, 'Messages', created.json.sid)).status).toBe(404);
    expect((await twilio(b, 'GET', 'Messages.json')).json.messages).toEqual([]);
  });

  it(`keeps at most ${MAX_RECORDS} records, forgetting the oldest first`, async () => {
    const s = setup();
    const first = await sms(s, { Body: 'first' });
    const second = await sms(s, { Body: 'second' });
    for (let i = 0; i < MAX_RECORDS - 1; i++) await dial(s);
    expect((await fetchRecord(s, 'Messages', first.json.sid)).status).toBe(404);
    expect((await fetchRecord(s, 'Messages', second.json.sid)).json.body).toBe('second');
  });
});

describe('the clock: where a record stands is computed when read', () => {
  it('a message goes queued → sending → sent → delivered, with dates from its clock', async () => {
    const s = setup();
    const { json } = await sms(s);
    expect(json).toMatchObject({ status: 'queued', date_created: rfc(0), date_updated: rfc(0), date_sent: null });
    const expected: [number, string, string, string | null][] = [
      [999, 'queued', rfc(0), null],
      [1000, 'sending', rfc(1000), rfc(1000)],
      [2500, 'sent', rfc(2000), rfc(1000)],
      [4000, 'delivered', rfc(4000), rfc(1000)],
      [3_600_000, 'delivered', rfc(4000), rfc(1000)],
    ];
    for (const [ms, status, updated, sent] of expected) {
      s.at(ms);
      const read = (await fetchRecord(s, 'Messages', json.sid)).json;
      expect(read).toMatchObject({ status, date_updated: updated, date_sent: sent, date_created: rfc(0) });
    }
  });

  it('SANDBOX_SPEED scales it: at 100x a message is delivered 40 ms after it was created', async () => {
    const s = setup({ speed: 100 });
    const { json } = await sms(s);
    s.at(39);
    expect((await fetchRecord(s, 'Messages', json.sid)).json.status).toBe('sent');
    s.at(40);
    const read = (await fetchRecord(s, 'Messages', json.sid)).json;
    expect(read).toMatchObject({ status: 'delivered', date_updated: rfc(4000) });
  });

  it.each([
    ['+15005553001', 'failed', 30001],
    ['+15005553003', 'undelivered', 30003],
    ['+15005553008', 'undelivered', 30008],
  ])('a message to %s ends %s with error_code %i', async (to, status, code) => {
    const s = setup();
    const { json } = await sms(s, { To: to });
    s.at(60_000);
    expect((await fetchRecord(s, 'Messages', json.sid)).json).toMatchObject({ status, error_code: code });
  });

  it('a call rings, is answered, and completes after 7 s: start_time, end_time and duration agree', async () => {
    const s = setup();
    const { json } = await dial(s);
    const moments: [number, string, string | null, string | null, string | null][] = [
      [0, 'queued', null, null, null],
      [1500, 'ringing', null, null, null],
      [4500, 'in-progress', rfc(4500), null, null],
      [11_499, 'in-progress', rfc(4500), null, null],
      [11_500, 'completed', rfc(4500), rfc(11_500), '7'],
    ];
    for (const [ms, status, start, end, duration] of moments) {
      s.at(ms);
      const read = (await fetchRecord(s, 'Calls', json.sid)).json;
      expect(read).toMatchObject({ status, start_time: start, end_time: end, duration });
    }
  });
});

describe("call endings beyond Twilio's magic numbers: busy, no-answer, failed", () => {
  const endings = [
    // To, status, the moments it passes through (ms, status), its end
    ['+15005550020', 'busy', [[1499, 'queued']], 1500],
    [
      '+15005550021',
      'no-answer',
      [
        [1500, 'ringing'],
        [61_499, 'ringing'],
      ],
      61_500,
    ],
    ['+15005550022', 'failed', [[999, 'queued']], 1000],
  ] as const;
  it.each(endings)(
    'a call to %s ends %s, never answered: no start_time, duration 0',
    async (to, status, before, end) => {
      const s = setup();
      const { status: created, json } = await dial(s, { To: to });
      expect(created).toBe(201);
      for (const [ms, was] of before) {
        s.at(ms);
        expect((await fetchRecord(s, 'Calls', json.sid)).json).toMatchObject({ status: was, end_time: null });
      }
      s.at(end);
      const read = (await fetchRecord(s, 'Calls', json.sid)).json;
      expect(read).toMatchObject({ status, start_time: null, end_time: rfc(end), duration: '0' });
      // An ended call takes no update, and may be deleted.
      expectTwilioError(await twilio(s, 'POST', `Calls/${json.sid}.json`, { Status: 'completed' }), 400, 21220);
      expect((await twilio(s, 'DELETE', `Calls/${json.sid}.json`)).status).toBe(204);
    },
  );

  it("no-answer rings for the request's Timeout, Twilio's default 60 s without one", async () => {
    const s = setup();
    const { json } = await dial(s, { To: '+15005550021', Timeout: '15' });
    s.at(16_499);
    expect((await fetchRecord(s, 'Calls', json.sid)).json.status).toBe('ringing');
    s.at(16_500);
    expect((await fetchRecord(s, 'Calls', json.sid)).json).toMatchObject({ status: 'no-answer', duration: '0' });
  });

  it('a list filtered by Status finds each ending', async () => {
    const s = setup();
    for (const to of ['+15005550020', '+15005550021', '+15005550022', TO]) await dial(s, { To: to });
    s.at(120_000);
    for (const status of ['busy', 'no-answer', 'failed', 'completed']) {
      const page = (await twilio(s, 'GET', 'Calls.json', { Status: status })).json;
      expect(page.calls).toHaveLength(1);
      expect(page.calls[0].status).toBe(status);
    }
  });
});

describe('updates and deletes: what each state allows, with Twilio’s errors', () => {
  it('hang up: an answered call ends completed now; a second hang-up or a redirect is 21220', async () => {
    const s = setup();
    const { json } = await dial(s);
    s.at(6500);
    const hung = await twilio(s, 'POST', `Calls/${json.sid}.json`, { Status: 'completed' });
    expect(hung.status).toBe(200);
    expect(hung.json).toMatchObject({
      status: 'completed',
      end_time: rfc(6500),
      duration: '2',
      date_updated: rfc(6500),
    });
    s.at(20_000);
    expect((await fetchRecord(s, 'Calls', json.sid)).json).toMatchObject({ status: 'completed', end_time: rfc(6500) });
    const again = await twilio(s, 'POST', `Calls/${json.sid}.json`, { Status: 'completed' });
    expectTwilioError(again, 400, 21220, 'Call is not in-progress. Cannot redirect.');
    expectTwilioError(await twilio(s, 'POST', `Calls/${json.sid}.json`, { Url: VOICE }), 400, 21220);
  });

  it('Status=canceled ends a ringing call but leaves an answered one alone; completed on a ringing call cancels it', async () => {
    const s = setup();
    const ringing = (await dial(s)).json.sid;
    const answered = (await dial(s)).json.sid;
    const other = (await dial(s)).json.sid;
    s.at(2000);
    expect((await twilio(s, 'POST', `Calls/${ringing}.json`, { Status: 'canceled' })).json).toMatchObject({
      status: 'canceled',
      start_time: null,
      end_time: rfc(2000),
      duration: '0',
    });
    expect((await twilio(s, 'POST', `Calls/${other}.json`, { Status: 'completed' })).json.status).toBe('canceled');
    s.at(5000);
    const left = await twilio(s, 'POST', `Calls/${answered}.json`, { Status: 'canceled' });
    expect(left.json.status).toBe('in-progress');
    expectTwilioError(await twilio(s, 'POST', `Calls/${answered}.json`, { Status: 'busy' }), 400, 20001);
  });

  it('a live call takes a redirect (Url or Twiml): date_updated moves, the status does not', async () => {
    const s = setup();
    const { json } = await dial(s);
    s.at(5000);
    const moved = await twilio(s, 'POST', `Calls/${json.sid}.json`, { Twiml: '<Response><Say>Bye</Say></Response>' });
    expect(moved.json).toMatchObject({ status: 'in-progress', date_updated: rfc(5000) });
    expectTwilioError(await twilio(s, 'POST', `Calls/${json.sid}.json`, { Url: 'not a url' }), 400, 21205);
  });

  it("parameters are checked with the block tables: the create's and UpdateCall's codes", async () => {
    const s = setup();
    expectTwilioError(await sms(s, { StatusCallback: 'https://bad_host.example.com/s' }), 400, 21609);
    expectTwilioError(await sms(s, { StatusCallback: `https://e.com/${'x'.repeat(4000)}` }), 400, 21609);
    expectTwilioError(await dial(s, { StatusCallback: HOOK, StatusCallbackEvent: ['ringing', 'bogus'] }), 400, 21626);
    const { json } = await dial(s);
    const update = (params: Record<string, string>) => twilio(s, 'POST', `Calls/${json.sid}.json`, params);
    expectTwilioError(await update({ Url: 'ftp://e.com/x' }), 400, 21205);
    expectTwilioError(await update({ Method: 'PUT', Url: VOICE }), 400, 21209);
    expectTwilioError(await update({ StatusCallback: 'not a url' }), 400, 21609);
    expectTwilioError(await update({ Twiml: 'x'.repeat(4001) }), 400, 20001);
    expect((await update({ StatusCallback: HOOK, StatusCallbackMethod: 'get' })).status).toBe(200);
  });

  it('delete: a call in progress or a message still sending is 20009; once over, 204 and gone', async () => {
    const s = setup();
    const call = (await dial(s)).json.sid;
    const message = (await sms(s)).json.sid;
    s.at(5000);
    expectTwilioError(await twilio(s, 'DELETE', `Calls/${call}.json`), 409, 20009);
    s.at(1500);
    expectTwilioError(await twilio(s, 'DELETE', `Messages/${message}.json`), 409, 20009);
    s.at(12_000);
    const gone = await twilio(s, 'DELETE', `Calls/${call}.json`);
    expect(gone).toEqual({ status: 204, json: null });
    expect((await fetchRecord(s, 'Calls', call)).status).toBe(404);
    expect((await twilio(s, 'DELETE', `Messages/${message}.json`)).status).toBe(204);
    expect((await twilio(s, 'DELETE', `Messages/${message}.json`)).status).toBe(404);
    expect((await twilio(s, 'GET', 'Messages.json')).json.messages).toEqual([]);
  });

  it('redact: Body="" empties the body; another Body, another Status, both or neither are 30400', async () => {
    const s = setup();
    const { json } = await sms(s, { Body: 'my secret code 1234' });
    s.at(10_000);
    const redacted = await twilio(s, 'POST', `Messages/${json.sid}.json`, { Body: '' });
    expect(redacted.json).toMatchObject({ body: '', status: 'delivered', date_updated: rfc(10_000) });
    expect((await fetchRecord(s, 'Messages', json.sid)).json.body).toBe('');
    const update = (params: Record<string, string>) => twilio(s, 'POST', `Messages/${json.sid}.json`, params);
    for (const params of [{ Body: 'new text' }, { Status: 'sent' }, { Body: '', Status: 'canceled' }, {}]) {
      expectTwilioError(await update(params), 400, 30400, 'Parameters are not valid');
    }
  });

  it('cancel: only a scheduled message (Messaging Service, SendAt 5 min to 35 days ahead); else 30409', async () => {
    const s = setup();
    const service = `MG${'1'.repeat(32)}`;
    const sendAt = new Date(T0 + 3_600_000).toISOString();
    const scheduled = await twilio(s, 'POST', 'Messages.json', {
      To: TO,
      MessagingServiceSid: service,
      Body: 'later',
      ScheduleType: 'fixed',
      SendAt: sendAt,
    });
    expect(scheduled.json).toMatchObject({ status: 'scheduled', messaging_service_sid: service });
    expectTwilioError(await twilio(s, 'DELETE', `Messages/${scheduled.json.sid}.json`), 409, 20009);
    s.at(60_000);
    const canceled = await twilio(s, 'POST', `Messages/${scheduled.json.sid}.json`, { Status: 'canceled' });
    expect(canceled.json).toMatchObject({ status: 'canceled', date_updated: rfc(60_000) });
    s.at(7_200_000);
    expect((await fetchRecord(s, 'Messages', scheduled.json.sid)).json.status).toBe('canceled');
    const again = await twilio(s, 'POST', `Messages/${scheduled.json.sid}.json`, { Status: 'canceled' });
    expectTwilioError(again, 400, 30409, 'This message cannot be canceled');
    const plain = (await sms(s)).json.sid;
    expectTwilioError(await twilio(s, 'POST', `Messages/${plain}.json`, { Status: 'canceled' }), 400, 30409);
  });

  it('a scheduled message is sent at SendAt on its clock', async () => {
    const s = setup();
    const sendAt = new Date(T0 + 600_000).toISOString();
    const base = { To: TO, MessagingServiceSid: `MG${'2'.repeat(32)}`, Body: 'x', ScheduleType: 'fixed' };
    const { json } = await twilio(s, 'POST', 'Messages.json', { ...base, SendAt: sendAt });
    s.at(599_999);
    expect((await fetchRecord(s, 'Messages', json.sid)).json.status).toBe('scheduled');
    s.at(604_000);
    expect((await fetchRecord(s, 'Messages', json.sid)).json).toMatchObject({
      status: 'delivered',
      date_sent: rfc(601_000),
    });
    expectTwilioError(await twilio(s, 'POST', 'Messages.json', base), 400, 35111);
    const soon = new Date(T0 + 604_000 + 60_000).toISOString();
    expectTwilioError(await twilio(s, 'POST', 'Messages.json', { ...base, SendAt: soon }), 400, 35114);
    const noService = { From: FROM, To: TO, Body: 'x', ScheduleType: 'fixed', SendAt: sendAt };
    expectTwilioError(await twilio(s, 'POST', 'Messages.json', noService), 400, 35118);
  });
});

describe('lists: Twilio’s page shape, filters and paging as the SDK sends them', () => {
  it('newest first, PageSize, and next/previous pages by their URIs', async () => {
    const s = setup();
    const sids: string[] = [];
    for (let i = 0; i < 5; i++) sids.push((await sms(s, { Body: `n${i}` })).json.sid);
    const newest = [...sids].reverse();
    const account = s.bindings.account.accountSid;
    const path = `/2010-04-01/Accounts/${account}/Messages.json`;
    const first = await twilio(s, 'GET', 'Messages.json', { PageSize: '2' });
    expect(first.status).toBe(200);
    expect(first.json.messages.map((m: { sid: string }) => m.sid)).toEqual(newest.slice(0, 2));
    expect(first.json).toMatchObject({
      page: 0,
      page_size: 2,
      start: 0,
      end: 1,
      uri: `${path}?PageSize=2&Page=0`,
      first_page_uri: `${path}?PageSize=2&Page=0`,
      previous_page_uri: null,
    });
    const second = await twilio(s, 'GET', first.json.next_page_uri);
    expect(second.json.messages.map((m: { sid: string }) => m.sid)).toEqual(newest.slice(2, 4));
    expect(second.json).toMatchObject({ page: 1, start: 2, end: 3 });
    const third = await twilio(s, 'GET', second.json.next_page_uri);
    expect(third.json.messages.map((m: { sid: string }) => m.sid)).toEqual(newest.slice(4));
    expect(third.json.next_page_uri).toBeNull();
    const back = await twilio(s, 'GET', third.json.previous_page_uri);
    expect(back.json.messages.map((m: { sid: string }) => m.sid)).toEqual(newest.slice(2, 4));
    // Page alone (no token) counts from the start, as Twilio's legacy paging does.
    const byPage = await twilio(s, 'GET', 'Messages.json', { PageSize: '2', Page: '1' });
    expect(byPage.json.messages.map((m: { sid: string }) => m.sid)).toEqual(newest.slice(2, 4));
    const all = await twilio(s, 'GET', 'Messages.json');
    expect(all.json).toMatchObject({ page_size: 50, end: 4, next_page_uri: null });
  });

  it('a deleted record does not break the next page', async () => {
    const s = setup();
    const sids: string[] = [];
    for (let i = 0; i < 4; i++) sids.push((await sms(s)).json.sid);
    const first = await twilio(s, 'GET', 'Messages.json', { PageSize: '2' });
    s.at(60_000);
    await twilio(s, 'DELETE', `Messages/${sids[2]}.json`);
    const next = await twilio(s, 'GET', first.json.next_page_uri);
    expect(next.json.messages.map((m: { sid: string }) => m.sid)).toEqual([sids[1], sids[0]]);
  });

  it('messages by To, From and DateSent (a day, or before/after an instant), kept in the page URIs', async () => {
    const s = setup();
    const a = (await sms(s, { To: '+14155550101' })).json.sid;
    s.at(10_000);
    const b = (await sms(s, { To: '+14155550102' })).json.sid;
    const c = (await sms(s, { To: '+14155550102', From: 'whatsapp:+15005550006', Body: 'w' })).json.sid;
    s.at(100_000);
    const sidsOf = async (params: Record<string, string>) =>
      ((await twilio(s, 'GET', 'Messages.json', params)).json.messages as { sid: string }[]).map((m) => m.sid);
    expect(await sidsOf({ To: '+14155550102' })).toEqual([c, b]);
    expect(await sidsOf({ From: FROM })).toEqual([b, a]);
    expect(await sidsOf({ DateSent: '2026-11-30' })).toEqual([c, b, a]);
    expect(await sidsOf({ DateSent: '2026-12-01' })).toEqual([]);
    // a was sent at T0 + 1 s, b and c at T0 + 11 s (the SDK sends instants as ISO 8601).
    expect(await sidsOf({ 'DateSent<': new Date(T0 + 5000).toISOString() })).toEqual([a]);
    expect(await sidsOf({ 'DateSent>': new Date(T0 + 5000).toISOString() })).toEqual([c, b]);
    const filtered = await twilio(s, 'GET', 'Messages.json', { To: '+14155550102', PageSize: '1' });
    expect(filtered.json.next_page_uri).toMatch(/\?To=%2B14155550102&PageSize=1&Page=1&PageToken=PA\d+$/);
    expect((await twilio(s, 'GET', filtered.json.next_page_uri)).json.messages[0].sid).toBe(b);
  });

  it('calls by Status, To, StartTime and EndTime, as they stand now', async () => {
    const s = setup();
    const early = (await dial(s)).json.sid;
    s.at(8000);
    const late = (await dial(s, { To: '+14155550199' })).json.sid;
    s.at(13_000);
    const sidsOf = async (params: Record<string, string>) =>
      ((await twilio(s, 'GET', 'Calls.json', params)).json.calls as { sid: string }[]).map((m) => m.sid);
    expect(await sidsOf({ Status: 'completed' })).toEqual([early]);
    expect(await sidsOf({ Status: 'in-progress' })).toEqual([late]);
    expect(await sidsOf({ To: '+14155550199' })).toEqual([late]);
    expect(await sidsOf({ 'StartTime>': new Date(T0 + 10_000).toISOString() })).toEqual([late]);
    expect(await sidsOf({ 'EndTime<': new Date(T0 + 12_000).toISOString() })).toEqual([early]);
    expect(await sidsOf({ ParentCallSid: newSid('CA') })).toEqual([]);
  });

  it.each([
    ['PageSize', '0'],
    ['PageSize', '1001'],
    ['Page', '-1'],
    ['PageToken', 'garbage'],
    ['DateSent>', 'yesterday'],
  ])('%s=%s is refused with 400', async (key, value) => {
    const s = setup();
    expectTwilioError(await twilio(s, 'GET', 'Messages.json', { [key]: value }), 400, 20001);
  });
});

interface Captured {
  url: string;
  method: string;
  headers: Headers;
  params: URLSearchParams;
  /** The real time it was sent. */
  sentAt: number;
}

function captureCallbacks(): Captured[] {
  const captured: Captured[] = [];
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const body = new TextDecoder().decode(await request.arrayBuffer());
    const params = new URLSearchParams(body);
    captured.push({ url: request.url, method: request.method, headers: request.headers, params, sentAt: Date.now() });
    return new Response(null, { status: 204 });
  });
  return captured;
}

describe('callbacks follow the clock, as Twilio sends them', () => {
  it('a message: sending, sent, delivered, each when its clock reached it; RawDlrDoneDate on the final one', async () => {
    const captured = captureCallbacks();
    const s = setup({ speed: 1000, callbacks: true, realClock: true });
    const created = Date.now();
    const { json } = await sms(s, { StatusCallback: HOOK });
    await Promise.all(s.pending);
    expect(captured.map((c) => c.params.get('MessageStatus'))).toEqual(['sending', 'sent', 'delivered']);
    // Never before the record's clock reached the moment (1, 2 and 4 simulated seconds at 1000x).
    for (const [i, c] of captured.entries()) expect(c.sentAt).toBeGreaterThanOrEqual(created + [1, 2, 4][i]!);
    const last = captured[2]!.params;
    expect(last.get('RawDlrDoneDate')).toMatch(/^\d{10}$/);
    expect(captured[0]!.params.has('RawDlrDoneDate')).toBe(false);
    expect(Object.fromEntries(last)).toMatchObject({ MessageSid: json.sid, SmsSid: json.sid, From: FROM, To: TO });
    for (const c of captured) {
      const signature = c.headers.get('X-Twilio-Signature') ?? '';
      expect(await isValidTwilioSignature(s.bindings.account.authToken, signature, c.url, c.params)).toBe(true);
    }
  });

  it('sent with the API key: signed with the account’s auth token, never the key secret', async () => {
    const captured = captureCallbacks();
    const s = setup({ speed: 1_000_000, callbacks: true, apiKey: true, realClock: true });
    const key = { user: s.bindings.account.apiKey?.sid ?? '', password: 'the-key-secret' };
    await twilio(s, 'POST', 'Messages.json', { From: FROM, To: TO, Body: 'k', StatusCallback: HOOK }, key);
    await Promise.all(s.pending);
    expect(captured).toHaveLength(3);
    for (const c of captured) {
      const signature = c.headers.get('X-Twilio-Signature') ?? '';
      expect(await isValidTwilioSignature(s.bindings.account.authToken, signature, c.url, c.params)).toBe(true);
      expect(await isValidTwilioSignature('the-key-secret', signature, c.url, c.params)).toBe(false);
    }
  });

  it('WhatsApp: channel fields, and a read receipt after delivered', async () => {
    const captured = captureCallbacks();
    const s = setup({ speed: 1_000_000, callbacks: true, realClock: true });
    await sms(s, { From: `whatsapp:${FROM}`, To: `whatsapp:${TO}`, StatusCallback: HOOK });
    await Promise.all(s.pending);
    expect(captured.map((c) => c.params.get('MessageStatus'))).toEqual(['sending', 'sent', 'delivered', 'read']);
    for (const c of captured) {
      expect(Object.fromEntries(c.params)).toMatchObject({ ChannelPrefix: 'whatsapp', ChannelToAddress: TO });
      expect(c.params.get('ChannelInstallSid')).toMatch(/^XE[0-9a-f]{32}$/);
      expect(c.params.has('RawDlrDoneDate')).toBe(false);
    }
    expect(captured[3]!.params.get('EventType')).toBe('READ');
  });

  it('a call: each event asked for, in order, with Timestamps on its clock, Called/Caller and CallDuration', async () => {
    const captured = captureCallbacks();
    const s = setup({ callbacks: true });
    const events = ['initiated', 'ringing', 'answered', 'completed'];
    const { json } = await dial(s, { StatusCallback: HOOK, StatusCallbackEvent: events });
    // The driven clock stands still: the loop waits until the test moves it past the hang-up.
    s.at(6500);
    expect((await twilio(s, 'POST', `Calls/${json.sid}.json`, { Status: 'completed' })).json.status).toBe('completed');
    await Promise.all(s.pending);
    expect(captured.map((c) => c.params.get('CallStatus'))).toEqual([
      'initiated',
      'ringing',
      'in-progress',
      'completed',
    ]);
    expect(captured.map((c) => c.params.get('SequenceNumber'))).toEqual(['0', '1', '2', '3']);
    expect(captured.map((c) => c.params.get('Timestamp'))).toEqual([rfc(500), rfc(1500), rfc(4500), rfc(6500)]);
    for (const c of captured) {
      expect(Object.fromEntries(c.params)).toMatchObject({
        CallSid: json.sid,
        Called: TO,
        Caller: FROM,
        To: TO,
        From: FROM,
        Direction: 'outbound-api',
        CallbackSource: 'call-progress-events',
      });
    }
    expect(Object.fromEntries(captured[3]!.params)).toMatchObject({
      CallDuration: '2',
      Duration: '1',
      SipResponseCode: '200',
    });
    expect(captured[2]!.params.has('CallDuration')).toBe(false);
  });

  it('a call canceled while ringing reports completed with CallStatus canceled, and nothing after', async () => {
    const captured = captureCallbacks();
    const s = setup({ callbacks: true });
    const { json } = await dial(s, { StatusCallback: HOOK, StatusCallbackEvent: ['ringing', 'answered', 'completed'] });
    s.at(2000);
    await twilio(s, 'POST', `Calls/${json.sid}.json`, { Status: 'canceled' });
    await Promise.all(s.pending);
    expect(captured.map((c) => c.params.get('CallStatus'))).toEqual(['ringing', 'canceled']);
    expect(Object.fromEntries(captured[1]!.params)).toMatchObject({ CallDuration: '0', SipResponseCode: '487' });
  });

  const endings = [
    ['+15005550020', 'busy', ['initiated', 'busy'], '486'],
    ['+15005550021', 'no-answer', ['initiated', 'ringing', 'no-answer'], '487'],
    ['+15005550022', 'failed', ['initiated', 'failed'], '500'],
  ] as const;
  it.each(endings)(
    'a call to %s reports %s as its completed event, with SipResponseCode and duration 0',
    async (to, _, statuses, sip) => {
      const captured = captureCallbacks();
      const s = setup({ speed: 1_000_000, callbacks: true, realClock: true });
      const events = ['initiated', 'ringing', 'answered', 'completed'];
      await dial(s, { To: to, StatusCallback: HOOK, StatusCallbackEvent: events });
      await Promise.all(s.pending);
      expect(captured.map((c) => c.params.get('CallStatus'))).toEqual(statuses);
      expect(captured.map((c) => c.params.get('SequenceNumber'))).toEqual(statuses.map((_, i) => String(i)));
      expect(Object.fromEntries(captured.at(-1)!.params)).toMatchObject({
        CallDuration: '0',
        Duration: '0',
        SipResponseCode: sip,
        To: to,
      });
      // Only the last event is an ending: the others carry no duration or SIP code.
      for (const c of captured.slice(0, -1)) expect(c.params.has('SipResponseCode')).toBe(false);
    },
  );

  it('an ending is sent to a request that asked only for completed (the default), and only it', async () => {
    const captured = captureCallbacks();
    const s = setup({ speed: 1_000_000, callbacks: true, realClock: true });
    await dial(s, { To: '+15005550020', StatusCallback: HOOK });
    await Promise.all(s.pending);
    expect(captured.map((c) => c.params.get('CallStatus'))).toEqual(['busy']);
  });

  it('a loop stops at once when the next moment is past its window (a scheduled message); an update starts another', async () => {
    const captured = captureCallbacks();
    const s = setup({ callbacks: true });
    const scheduled = {
      To: TO,
      MessagingServiceSid: `MG${'4'.repeat(32)}`,
      Body: 'later',
      ScheduleType: 'fixed',
      SendAt: new Date(T0 + 3_600_000).toISOString(),
      StatusCallback: HOOK,
    };
    const { json } = await twilio(s, 'POST', 'Messages.json', scheduled);
    // The driven clock stands still: a loop that waited for SendAt would never end.
    await Promise.all(s.pending);
    expect(captured).toHaveLength(0);
    s.at(60_000);
    await twilio(s, 'POST', `Messages/${json.sid}.json`, { Status: 'canceled' });
    await Promise.all(s.pending);
    expect(captured.map((c) => c.params.get('MessageStatus'))).toEqual(['canceled']);
  });

  it('none when callbacks are off, and none after the record is deleted', async () => {
    const captured = captureCallbacks();
    const off = setup({ speed: 1_000_000, realClock: true });
    await sms(off, { StatusCallback: HOOK });
    expect(off.pending).toHaveLength(0);
    const s = setup({ callbacks: true });
    const { json } = await sms(s, { StatusCallback: HOOK });
    s.at(60_000);
    await twilio(s, 'DELETE', `Messages/${json.sid}.json`);
    await Promise.all(s.pending);
    expect(captured).toHaveLength(0);
  });
});

describe("the emulator's form reader (sandbox/params.ts)", () => {
  it('gathers a list key repeated 5,000 times in one pass, without copying the list at each repeat', () => {
    const form = new URLSearchParams({ To: TO, From: FROM, Body: 'hi' });
    for (let i = 0; i < 5000; i++) form.append('MediaUrl', `https://example.com/${i}.png`);
    // Each copy of the list (`[...list, value]`) iterates over it: the arrays' lengths iterated are counted while
    // the form is read (each form entry, a pair, and the schema's own passes over the list count too).
    const iterate = Array.prototype[Symbol.iterator];
    let elements = 0;
    // A plain function, not vi.spyOn: the spy's own bookkeeping iterates arrays too.
    Array.prototype[Symbol.iterator] = function (this: unknown[]) {
      elements += this.length;
      return iterate.call(this);
    } as typeof iterate;
    let read: ReturnType<typeof readForm>;
    try {
      read = readForm(sendMms, form);
    } finally {
      Array.prototype[Symbol.iterator] = iterate;
    }
    // Twilio's own refusal of more than 10 media, as before.
    expect('refusal' in read && read.refusal.code).toBe(21623);
    // In one pass, a few times the 5,000 URLs; copied at each repeat it was 5,000²/2, 12.5 million.
    expect(elements).toBeLessThan(100_000);
  });
});

describe("the emulator's body limit: the gateway's 64 KB", () => {
  const s = setup();
  const post = (body: BodyInit, length?: number) =>
    emulator.request(
      `/2010-04-01/Accounts/${s.bindings.account.accountSid}/Messages.json`,
      {
        method: 'POST',
        headers: {
          Authorization: `Basic ${btoa(`${s.bindings.account.accountSid}:${s.bindings.account.authToken}`)}`,
          'Content-Type': 'application/x-www-form-urlencoded',
          ...(length === undefined ? {} : { 'Content-Length': String(length) }),
        },
        body,
        duplex: 'half',
      } as RequestInit,
      s.bindings,
    );
  const form = (bytes: number) => {
    const head = `To=${encodeURIComponent(TO)}&From=${encodeURIComponent(FROM)}&Body=`;
    return head + 'x'.repeat(bytes - head.length);
  };
  const TOO_LARGE = {
    code: 20001,
    message: 'The request body is over 64 KB',
    more_info: 'https://www.twilio.com/docs/errors/20001',
    status: 413,
  };

  it("over 64 KB is a 413 in Twilio's error shape, with a Content-Length or streamed without one", async () => {
    const big = form(MAX_BODY_BYTES + 1);
    const declared = await post(big, big.length);
    expect(declared.status).toBe(413);
    expect(await declared.json()).toEqual(TOO_LARGE);
    const streamed = await post(new Blob([big]).stream());
    expect(streamed.status).toBe(413);
    expect(await streamed.json()).toEqual(TOO_LARGE);
  });

  it('64 KB exactly is read: the create is refused for its Body (over 1,600 characters), not for its size', async () => {
    const res = await post(form(MAX_BODY_BYTES));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: number }).code).toBe(21617);
  });
});
