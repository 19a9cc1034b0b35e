import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { emulator } from '../../src/sandbox';
import { ACCOUNT, call, errorText, mms, post, sms, TOKEN } from '../helpers';

const OTHER_ACCOUNT = 'ACffffffffffffffffffffffffffffffff';
const API_KEY = 'SK0123456789abcdef0123456789abcdef';
const RFC_2822 = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000$/;
/** The emulator serves the helpers' account (and one API key), on a real clock, without callbacks. */
const bindings = {
  account: { accountSid: ACCOUNT, authToken: TOKEN, apiKey: { sid: API_KEY, secret: 'key-secret' }, demo: false },
  speed: 1,
  callbacks: false,
  waitUntil: () => {},
};

interface Direct {
  account?: string;
  user?: string;
  password?: string;
  authorization?: string | null;
  path?: string;
}

/** POSTs a form straight to the emulator, as the Twilio client (or twilio-node) would. */
async function twilio(resource: 'Messages' | 'Calls', params: Record<string, string | string[]>, o: Direct = {}) {
  const account = o.account ?? ACCOUNT;
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) for (const v of [value].flat()) form.append(key, v);
  const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded' };
  const authorization =
    o.authorization === undefined ? `Basic ${btoa(`${o.user ?? account}:${o.password ?? TOKEN}`)}` : o.authorization;
  if (authorization !== null) headers.Authorization = authorization;
  const res = await emulator.request(
    o.path ?? `/2010-04-01/Accounts/${account}/${resource}.json`,
    { method: 'POST', headers, body: form.toString() },
    bindings,
  );
  return { status: res.status, json: (await res.json()) as Record<string, any>, res };
}

const sendable = { From: '+15005550006', To: '+14155550100', Body: 'hi' };
const callable = { From: '+15005550006', To: '+14155550100', Url: 'http://demo.twilio.com/docs/voice.xml' };

/** Asserts Twilio's error body exactly. */
function expectTwilioError(
  answer: { status: number; json: Record<string, any> },
  status: number,
  code: number,
  message: string,
) {
  expect(answer.json).toEqual({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });
  expect(answer.status).toBe(status);
}

describe('emulator: authentication and the account path', () => {
  const unauthenticated = [
    ['no Authorization header', null],
    ['a Bearer token', 'Bearer abc'],
    ['Basic with garbage', 'Basic !!!not-base64'],
    ['Basic without a password', `Basic ${btoa(`${ACCOUNT}:`)}`],
    ['Basic without a colon', `Basic ${btoa(ACCOUNT)}`],
    ['a user that is neither an account nor an API key', `Basic ${btoa('someone:secret')}`],
    ['the account with a wrong token', `Basic ${btoa(`${ACCOUNT}:wrong-token`)}`],
    ['an unknown account', `Basic ${btoa(`${OTHER_ACCOUNT}:${TOKEN}`)}`],
    ['the API key with a wrong secret', `Basic ${btoa(`${API_KEY}:${TOKEN}`)}`],
    ['another API key', `Basic ${btoa(`SK${'f'.repeat(32)}:key-secret`)}`],
  ] as const;
  it.each(unauthenticated)('answers 401 Authenticate for %s', async (_, authorization) => {
    const answer = await twilio('Messages', sendable, { authorization });
    expect(answer.status).toBe(401);
    expect(answer.json).toEqual({
      code: 20003,
      message: 'Authenticate',
      more_info: 'https://www.twilio.com/docs/errors/20003',
      status: 401,
      detail: 'Your AccountSid or AuthToken was incorrect.',
    });
    expect(answer.res.headers.get('WWW-Authenticate')).toBe('Basic realm="Twilio API"');
  });

  it('answers 404 20404 when the path account is not AC + 32 hex', async () => {
    const answer = await twilio('Messages', sendable, { account: 'AC5f37acb25ffaeb498a78', user: ACCOUNT });
    expectTwilioError(
      answer,
      404,
      20404,
      'The requested resource /2010-04-01/Accounts/AC5f37acb25ffaeb498a78/Messages.json was not found',
    );
  });

  it('answers 404 when the path account is not the Basic-auth account', async () => {
    const answer = await twilio('Calls', callable, { account: OTHER_ACCOUNT, user: ACCOUNT });
    expectTwilioError(
      answer,
      404,
      20404,
      `The requested resource /2010-04-01/Accounts/${OTHER_ACCOUNT}/Calls.json was not found`,
    );
  });

  it('accepts its API key (SK…) on its own account, and no other account', async () => {
    const answer = await twilio('Messages', sendable, { user: API_KEY, password: 'key-secret' });
    expect(answer.status).toBe(201);
    expect(answer.json.account_sid).toBe(ACCOUNT);
    const other = await twilio('Messages', sendable, { account: OTHER_ACCOUNT, user: API_KEY, password: 'key-secret' });
    expect(other.status).toBe(404);
  });

  it('answers 404 for any other resource, after authentication', async () => {
    const path = `/2010-04-01/Accounts/${ACCOUNT}/Recordings.json`;
    expectTwilioError(
      await twilio('Messages', sendable, { path }),
      404,
      20404,
      `The requested resource ${path} was not found`,
    );
    expect((await twilio('Messages', sendable, { path, authorization: null })).status).toBe(401);
  });

  it('sends a Twilio-Request-Id on every answer', async () => {
    for (const answer of [
      await twilio('Messages', sendable),
      await twilio('Messages', {}),
      await twilio('Messages', sendable, { authorization: null }),
    ]) {
      expect(answer.res.headers.get('Twilio-Request-Id')).toMatch(/^RQ[0-9a-f]{32}$/);
    }
  });
});

describe('emulator: validation derived from the block tables', () => {
  const messages: [string, Record<string, string | string[]>, number, string][] = [
    ['no To', { From: '+15005550006', Body: 'hi' }, 21604, "A 'To' phone number is required."],
    ['no From', { To: '+14155550100', Body: 'hi' }, 21603, "A 'From' phone number is required."],
    ['no Body/MediaUrl/ContentSid', { From: '+15005550006', To: '+14155550100' }, 21602, 'Message body is required.'],
    ['an empty Body', { ...sendable, Body: '' }, 21602, 'Message body is required.'],
    [
      'a Body over 1600',
      { ...sendable, Body: 'x'.repeat(1601) },
      21617,
      'The concatenated message body exceeds the 1600 character limit.',
    ],
    [
      '11 MediaUrl',
      { ...sendable, MediaUrl: Array.from({ length: 11 }, (_, i) => `https://e.com/${i}.png`) },
      21623,
      'Too many media urls. The maximum is 10.',
    ],
    [
      'a relative MediaUrl',
      { ...sendable, MediaUrl: ['https://e.com/a.png', '/b.png'] },
      21620,
      'Media urls: /b.png are invalid. Please use absolute urls.',
    ],
  ];
  it.each(messages)('Messages: %s', async (_, params, code, message) => {
    expectTwilioError(await twilio('Messages', params), 400, code, message);
  });

  const calls: [string, Record<string, string | string[]>, number, string][] = [
    ['no To', { From: '+15005550006', Url: callable.Url }, 21201, "No 'To' number is specified"],
    ['no From', { To: '+14155550100', Url: callable.Url }, 21213, "No 'From' number is specified"],
    [
      'no Url/Twiml/ApplicationSid',
      { From: '+15005550006', To: '+14155550100' },
      21205,
      'Url parameter is required. For more information, see http://www.twilio.com/docs/api/twiml',
    ],
    ['a bad Url', { ...callable, Url: 'demo.twilio.com/x' }, 21205, 'Url is not a valid URL: demo.twilio.com/x'],
    ['Method test', { ...callable, Method: 'test' }, 21209, 'Method is not valid: TEST'],
    [
      'StatusCallbackMethod put',
      { ...callable, StatusCallbackMethod: 'put' },
      21209,
      'StatusCallbackMethod is not valid: PUT',
    ],
    ['SendDigits with letters', { ...callable, SendDigits: '12x' }, 21206, 'SendDigits is not valid: 12x'],
    [
      'SendDigits over 32',
      { ...callable, SendDigits: '1'.repeat(33) },
      21206,
      `SendDigits is not valid: ${'1'.repeat(33)}`,
    ],
    ['Timeout 601', { ...callable, Timeout: '601' }, 21208, 'Timeout is not valid: 601'],
    ['Timeout 0', { ...callable, Timeout: '0' }, 21208, 'Timeout is not valid: 0'],
  ];
  it.each(calls)('Calls: %s', async (_, params, code, message) => {
    expectTwilioError(await twilio('Calls', params), 400, code, message);
  });

  it('checks SID patterns with Twilio generic invalid-parameter code', async () => {
    const bad = await twilio('Calls', { ...callable, Url: '', ApplicationSid: 'AP123' });
    expect(bad.status).toBe(400);
    expect(bad.json.code).toBe(20001);
    expect(bad.json.message).toContain("'ApplicationSid'");
    expect((await twilio('Messages', { ...sendable, ContentSid: 'HXnot-hex' })).json.code).toBe(20001);
    const ok = await twilio('Calls', {
      From: '+15005550006',
      To: '+14155550100',
      ApplicationSid: `AP${'a'.repeat(32)}`,
    });
    expect(ok.status).toBe(201);
  });

  it('takes booleans as twilio-node (true/false) and older helpers (True/False) send them, and nothing else', async () => {
    for (const value of ['true', 'false', 'True', 'False']) {
      expect((await twilio('Calls', { ...callable, Record: value })).status).toBe(201);
      expect((await twilio('Messages', { ...sendable, SmartEncoded: value, SendAsMms: value })).status).toBe(201);
    }
    for (const value of ['TRUE', 'yes', '1']) {
      const refused = await twilio('Calls', { ...callable, Record: value });
      expect(refused.status).toBe(400);
      expect(refused.json.message).toContain("'Record'");
    }
  });

  it('accepts lower-case methods, as Twilio upper-cases them', async () => {
    expect((await twilio('Calls', { ...callable, Method: 'get' })).status).toBe(201);
  });

  it('ignores unknown form keys and credential names, as Twilio does', async () => {
    const answer = await twilio('Messages', { ...sendable, Foo: 'bar', accountToken: 'x', body: 'lowercase key' });
    expect(answer.status).toBe(201);
    expect(answer.json.body).toBe('hi');
  });

  it('accepts a Messaging Service: the message starts accepted, with no From', async () => {
    const answer = await twilio('Messages', {
      To: '+14155550100',
      MessagingServiceSid: `MG${'0'.repeat(32)}`,
      Body: 'x',
    });
    expect(answer.status).toBe(201);
    expect(answer.json).toMatchObject({ status: 'accepted', from: null, messaging_service_sid: `MG${'0'.repeat(32)}` });
  });

  it('reads nothing from a body that is not a form', async () => {
    const res = await emulator.request(
      `/2010-04-01/Accounts/${ACCOUNT}/Messages.json`,
      {
        method: 'POST',
        headers: { Authorization: `Basic ${btoa(`${ACCOUNT}:${TOKEN}`)}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(sendable),
      },
      bindings,
    );
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: number }).code).toBe(21604);
  });
});

describe('emulator: addresses (what only Twilio checks)', () => {
  it.each(['abc', '4155550100', '+0123', '+1415555010012345', 'whatsapp:4155550100', 'fax:+14155550100'])(
    'Messages To %s is 21211',
    async (to) => {
      expectTwilioError(
        await twilio('Messages', { ...sendable, To: to }),
        400,
        21211,
        `The 'To' number ${to} is not a valid phone number.`,
      );
    },
  );
  it.each(['not a number!', 'ABCDEFGHIJKL', '+1-415', 'whatsapp:abc'])('Messages From %s is 21212', async (from) => {
    expectTwilioError(
      await twilio('Messages', { ...sendable, From: from }),
      400,
      21212,
      `The 'From' number ${from} is not a valid phone number, shortcode, or alphanumeric sender ID.`,
    );
  });
  it.each(['whatsapp:+14155550100', 'messenger:123456789', 'sms:+447700900123', '+447700900123'])(
    'Messages To %s passes',
    async (to) => {
      const answer = await twilio('Messages', { ...sendable, To: to });
      expect(answer.status).toBe(201);
      expect(answer.json.to).toBe(to);
    },
  );
  it('a whatsapp: From on the magic number passes', async () => {
    const answer = await twilio('Messages', {
      ...sendable,
      From: 'whatsapp:+15005550006',
      To: 'whatsapp:+14155550100',
    });
    expect(answer.status).toBe(201);
    expect(answer.json.from).toBe('whatsapp:+15005550006');
  });
  it.each(['MyBrand', '12345', '+14155550199', 'whatsapp:+14155550199'])(
    'a well-formed From that is not the magic number (%s) is 21606',
    async (from) => {
      expectTwilioError(
        await twilio('Messages', { ...sendable, From: from }),
        400,
        21606,
        `The From phone number ${from} is not a valid, SMS-capable inbound phone number or short code for your account.`,
      );
    },
  );
  it.each(['client:alice', 'sip:alice@example.com', '+447700900123'])('Calls To %s passes', async (to) => {
    expect((await twilio('Calls', { ...callable, To: to })).status).toBe(201);
  });
  it('Calls To and From shapes', async () => {
    expectTwilioError(
      await twilio('Calls', { ...callable, To: 'alice' }),
      400,
      21211,
      "The 'To' number alice is not a valid phone number.",
    );
    expect((await twilio('Calls', { ...callable, From: 'sip:x@y.z' })).json.code).toBe(21212);
    expect((await twilio('Calls', { ...callable, From: 'client:alice' })).json.code).toBe(21210);
  });
});

const MAGIC_SMS_FROM: [string, number, string][] = [
  [
    '+15005550001',
    21212,
    "The 'From' number +15005550001 is not a valid phone number, shortcode, or alphanumeric sender ID.",
  ],
  [
    '+15005550007',
    21606,
    'The From phone number +15005550007 is not a valid, SMS-capable inbound phone number or short code for your account.',
  ],
  ['+15005550008', 21611, "This 'From' number has exceeded the maximum number of queued messages"],
  [
    '+15005550005',
    21606,
    'The From phone number +15005550005 is not a valid, SMS-capable inbound phone number or short code for your account.',
  ],
];
const MAGIC_SMS_TO: [string, number, string][] = [
  ['+15005550001', 21211, "The 'To' number +15005550001 is not a valid phone number."],
  [
    '+15005550002',
    21612,
    "The 'To' phone number: +15005550002, is not currently reachable using the 'From' phone number: +15005550006 via SMS.",
  ],
  [
    '+15005550003',
    21408,
    "Permission to send an SMS has not been enabled for the region indicated by the 'To' number: +15005550003.",
  ],
  ['+15005550004', 21610, 'Attempt to send to unsubscribed recipient'],
  ['+15005550009', 21614, "'To' number is not a valid mobile number"],
];
const MAGIC_CALL_FROM: [string, number, string][] = [
  [
    '+15005550001',
    21212,
    "The 'From' number +15005550001 is not a valid phone number, shortcode, or alphanumeric sender ID.",
  ],
  [
    '+15005550007',
    21210,
    "The source phone number provided, +15005550007, is not yet verified for your account. You may only make calls from phone numbers that you've verified or purchased from Twilio.",
  ],
];
const MAGIC_CALL_TO: [string, number, string][] = [
  ['+15005550001', 21217, 'Phone number does not appear to be valid'],
  ['+15005550002', 21214, "'To' phone number cannot be reached"],
  [
    '+15005550003',
    21215,
    'Account not authorized to call +15005550003. Perhaps you need to enable some international permissions: https://www.twilio.com/console/voice/calls/geo-permissions/low-risk',
  ],
  ['+15005550004', 21216, 'Account not allowed to call +15005550004'],
];

describe('magic numbers, directly against the emulator', () => {
  it.each(MAGIC_SMS_FROM)('Messages From %s → %i', async (from, code, message) => {
    expectTwilioError(await twilio('Messages', { ...sendable, From: from }), 400, code, message);
  });
  it.each(MAGIC_SMS_TO)('Messages To %s → %i', async (to, code, message) => {
    expectTwilioError(await twilio('Messages', { ...sendable, To: to }), 400, code, message);
  });
  it.each(MAGIC_CALL_FROM)('Calls From %s → %i', async (from, code, message) => {
    expectTwilioError(await twilio('Calls', { ...callable, From: from }), 400, code, message);
  });
  it.each(MAGIC_CALL_TO)('Calls To %s → %i', async (to, code, message) => {
    expectTwilioError(await twilio('Calls', { ...callable, To: to }), 400, code, message);
  });
  it('From +15005550006 passes for both', async () => {
    expect((await twilio('Messages', sendable)).status).toBe(201);
    expect((await twilio('Calls', callable)).status).toBe(201);
  });
});

describe('emulator: realistic resources', () => {
  it('a Message: SM sid, queued, RFC 2822 dates, price null, uri and subresource_uris', async () => {
    const before = Date.now();
    const { status, json } = await twilio('Messages', sendable);
    expect(status).toBe(201);
    expect(json.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(json).toMatchObject({
      account_sid: ACCOUNT,
      api_version: '2010-04-01',
      body: 'hi',
      from: '+15005550006',
      to: '+14155550100',
      status: 'queued',
      direction: 'outbound-api',
      price: null,
      price_unit: 'USD',
      date_sent: null,
      error_code: null,
      error_message: null,
      messaging_service_sid: null,
      num_media: '0',
      num_segments: '1',
      uri: `/2010-04-01/Accounts/${ACCOUNT}/Messages/${json.sid}.json`,
      subresource_uris: {
        media: `/2010-04-01/Accounts/${ACCOUNT}/Messages/${json.sid}/Media.json`,
        feedback: `/2010-04-01/Accounts/${ACCOUNT}/Messages/${json.sid}/Feedback.json`,
      },
    });
    expect(json.date_created).toMatch(RFC_2822);
    expect(json.date_updated).toBe(json.date_created);
    expect(Date.parse(json.date_created)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(Date.parse(json.date_created)).toBeLessThanOrEqual(Date.now());
  });

  it('a media message gets an MM sid and num_media', async () => {
    const { json } = await twilio('Messages', {
      ...sendable,
      Body: '',
      MediaUrl: ['https://e.com/a.png', 'https://e.com/b.png'],
    });
    expect(json.sid).toMatch(/^MM[0-9a-f]{32}$/);
    expect(json.num_media).toBe('2');
    expect(json.body).toBe('');
  });

  it('sids are unique', async () => {
    const sids = new Set();
    for (let i = 0; i < 20; i++) sids.add((await twilio('Messages', sendable)).json.sid);
    expect(sids.size).toBe(20);
  });

  it('a Call: CA sid, queued, formatted numbers', async () => {
    const { status, json } = await twilio('Calls', callable);
    expect(status).toBe(201);
    expect(json.sid).toMatch(/^CA[0-9a-f]{32}$/);
    expect(json).toMatchObject({
      account_sid: ACCOUNT,
      api_version: '2010-04-01',
      status: 'queued',
      from: '+15005550006',
      from_formatted: '(500) 555-0006',
      to: '+14155550100',
      to_formatted: '(415) 555-0100',
      price: null,
      duration: null,
      start_time: null,
      end_time: null,
      direction: 'outbound-api',
      uri: `/2010-04-01/Accounts/${ACCOUNT}/Calls/${json.sid}.json`,
    });
    expect(json.subresource_uris.recordings).toBe(`/2010-04-01/Accounts/${ACCOUNT}/Calls/${json.sid}/Recordings.json`);
    expect(json.date_created).toMatch(RFC_2822);
    const intl = await twilio('Calls', { ...callable, To: '+447700900123' });
    expect(intl.json.to_formatted).toBe('+447700900123');
  });
});

describe('num_segments: GSM-7 (160/153) versus UCS-2 (70/67)', () => {
  const cases: [string, string, string][] = [
    ['160 GSM-7 characters', 'a'.repeat(160), '1'],
    ['161 GSM-7 characters', 'a'.repeat(161), '2'],
    ['306 GSM-7 characters', 'a'.repeat(306), '2'],
    ['307 GSM-7 characters', 'a'.repeat(307), '3'],
    ['GSM-7 accents (é, ñ, Ä) count one', 'é'.repeat(160), '1'],
    ['159 + one extension character (€ = 2 septets)', `${'a'.repeat(159)}€`, '2'],
    ['158 + one extension character', `${'a'.repeat(158)}€`, '1'],
    ['an escape pair is never split across parts', `${'a'.repeat(152)}€${'a'.repeat(152)}`, '3'],
    ['70 UCS-2 characters', 'ж'.repeat(70), '1'],
    ['71 UCS-2 characters', 'ж'.repeat(71), '2'],
    ['134 UCS-2 characters', 'ж'.repeat(134), '2'],
    ['135 UCS-2 characters', 'ж'.repeat(135), '3'],
    ['one non-GSM character switches all to UCS-2', `${'a'.repeat(70)}ж`, '2'],
    ['35 emoji are 70 UTF-16 units', '😀'.repeat(35), '1'],
    ['a surrogate pair is never split across parts', `${'ж'.repeat(66)}😀${'ж'.repeat(66)}`, '3'],
    ['1600 GSM-7 characters', 'a'.repeat(1600), '11'],
  ];
  it.each(cases)('%s', async (_, body, segments) => {
    expect((await twilio('Messages', { ...sendable, Body: body })).json.num_segments).toBe(segments);
  });
});

describe('through the Worker in sandbox mode (TWILIO_MODE=sandbox)', () => {
  // The emulator accepts exactly the Worker's credentials: here, the pair the helpers' requests bring.
  const sandbox = { TWILIO_MODE: 'sandbox', TWILIO_ACCOUNT_SID: ACCOUNT, TWILIO_AUTH_TOKEN: TOKEN };
  let network: ReturnType<typeof vi.spyOn>;
  beforeEach(() => {
    network = vi.spyOn(globalThis, 'fetch').mockRejectedValue(new Error('no network in sandbox mode'));
  });
  afterEach(() => {
    expect(network).not.toHaveBeenCalled();
    vi.restoreAllMocks();
  });

  it('sendSms succeeds from +15005550006 with the documented envelope', async () => {
    const { status, json } = await post('sendSms', sms, sandbox);
    expect(status).toBe(200);
    expect(json.callback).toBe('success');
    const message = json.contextWrites.to;
    expect(message.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(message).toMatchObject({
      status: 'queued',
      numSegments: '1',
      numMedia: '0',
      price: null,
      accountSid: ACCOUNT,
    });
    expect(message.dateCreated).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000Z$/);
    expect(JSON.stringify(json)).not.toContain(TOKEN);
  });

  it('sendMms succeeds with an MM sid', async () => {
    const { json } = await post('sendMms', mms, sandbox);
    expect(json.contextWrites.to.sid).toMatch(/^MM/);
    expect(json.contextWrites.to.numMedia).toBe('1');
  });

  it('makeCall succeeds with formatted numbers', async () => {
    const { status, json } = await post('makeCall', call, sandbox);
    expect(status).toBe(200);
    expect(json.contextWrites.to).toMatchObject({
      status: 'queued',
      fromFormatted: '(500) 555-0006',
      toFormatted: '(415) 555-0100',
    });
    expect(json.contextWrites.to.sid).toMatch(/^CA[0-9a-f]{32}$/);
  });

  it('uses the Worker secrets, and API-key auth', async () => {
    const { accountSid: _, accountToken: __, ...rest } = sms;
    expect((await post('sendSms', rest, sandbox)).status).toBe(200);
    // Without the account's token only on a local run: off one, sandbox mode needs its own token.
    const apiKey = {
      ...sandbox,
      SANDBOX_LOCAL: 'true',
      TWILIO_AUTH_TOKEN: '',
      TWILIO_API_KEY_SID: API_KEY,
      TWILIO_API_KEY_SECRET: 'key-secret',
    };
    const answer = await post('sendSms', rest, apiKey);
    expect(answer.status).toBe(200);
    expect(JSON.stringify(answer.json)).not.toContain('key-secret');
  });

  const envelope = (message: string) => `[HTTP 400] Unable to create record: ${message}`;
  it.each(MAGIC_SMS_FROM)('sendSms from %s → %i', async (from, code, message) => {
    const { status, json } = await post('sendSms', { ...sms, from }, sandbox);
    expect(status).toBe(400);
    expect(errorText(json)).toBe(envelope(message));
    expect(json.error).toMatchObject({ status: 400, code, moreInfo: `https://www.twilio.com/docs/errors/${code}` });
  });
  it.each(MAGIC_SMS_TO)('sendSms to %s → %i', async (to, code, message) => {
    const { status, json } = await post('sendSms', { ...sms, to }, sandbox);
    expect(status).toBe(400);
    expect(errorText(json)).toBe(envelope(message));
    expect(json.error.code).toBe(code);
  });
  it.each(MAGIC_CALL_FROM)('makeCall from %s → %i', async (from, code, message) => {
    const { status, json } = await post('makeCall', { ...call, from }, sandbox);
    expect(status).toBe(400);
    expect(errorText(json)).toBe(envelope(message));
    expect(json.error.code).toBe(code);
  });
  it.each(MAGIC_CALL_TO)('makeCall to %s → %i', async (to, code, message) => {
    const { status, json } = await post('makeCall', { ...call, to }, sandbox);
    expect(status).toBe(400);
    expect(errorText(json)).toBe(envelope(message));
    expect(json.error.code).toBe(code);
  });

  it('address checks reach the caller as Twilio states them', async () => {
    const bad = await post('sendSms', { ...sms, to: 'not-a-number' }, sandbox);
    expect(errorText(bad.json)).toBe(
      "[HTTP 400] Unable to create record: The 'To' number not-a-number is not a valid phone number.",
    );
    const whatsapp = await post(
      'sendSms',
      { ...sms, from: 'whatsapp:+15005550006', to: 'whatsapp:+14155550100' },
      sandbox,
    );
    expect(whatsapp.json.contextWrites.to.to).toBe('whatsapp:+14155550100');
  });

  it('the documented errors of the block doc', async () => {
    const method = await post('makeCall', { ...call, method: 'test' }, sandbox);
    expect(errorText(method.json)).toBe('[HTTP 400] Unable to create record: Method is not valid: TEST');
    const account = await post('sendSms', { ...sms, accountSid: 'AC5f37acb25ffaeb498a78' }, sandbox);
    expect(account.status).toBe(404);
    expect(errorText(account.json)).toBe(
      '[HTTP 404] Unable to create record: The requested resource /2010-04-01/Accounts/AC5f37acb25ffaeb498a78/Messages.json was not found',
    );
    const from = await post('sendSms', { ...sms, from: '' }, sandbox);
    expect(errorText(from.json)).toBe("[HTTP 400] Unable to create record: A 'From' phone number is required.");
  });

  it('num_segments reaches the caller', async () => {
    const { json } = await post('sendSms', { ...sms, body: 'ж'.repeat(71) }, sandbox);
    expect(json.contextWrites.to.numSegments).toBe('2');
  });
});
