import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createdResponse, htmlResponse, installFakeTwilio, type Seen, twilioErrorResponse } from '../fake-twilio';
import { ACCOUNT, call, captureConsole, ENV_ACCOUNT, ENV_TOKEN, expectError, post, send, sms, TOKEN } from '../helpers';

beforeEach(() => {
  vi.spyOn(Math, 'random').mockReturnValue(0);
});
afterEach(() => vi.restoreAllMocks());

const KEY_SID = 'SK0123456789abcdef0123456789abcdef';
const KEY_SECRET = 'api-key-secret-k3y-never-echoed';
const apiKeyEnv = { TWILIO_AUTH_TOKEN: undefined, TWILIO_API_KEY_SID: KEY_SID, TWILIO_API_KEY_SECRET: KEY_SECRET };
const noEnv = {
  TWILIO_ACCOUNT_SID: undefined,
  TWILIO_AUTH_TOKEN: undefined,
  TWILIO_API_KEY_SID: undefined,
  TWILIO_API_KEY_SECRET: undefined,
};
const anonymous = { ...sms, accountSid: undefined, accountToken: undefined };

const basicOf = (seen: Seen) => atob(seen.headers.authorization!.replace(/^Basic /, ''));
const accountOf = (seen: Seen) => /\/Accounts\/([^/]+)\//.exec(new URL(seen.url).pathname)?.[1];

describe('credentials precedence', () => {
  it('1. the request pair wins over the env auth token', async () => {
    const { seen } = installFakeTwilio();
    expect((await post('sendSms', sms)).status).toBe(200);
    expect(accountOf(seen[0]!)).toBe(ACCOUNT);
    expect(basicOf(seen[0]!)).toBe(`${ACCOUNT}:${TOKEN}`);
  });
  it('1. the request pair wins over an env API key too', async () => {
    const { seen } = installFakeTwilio();
    expect((await post('sendSms', sms, apiKeyEnv)).status).toBe(200);
    expect(basicOf(seen[0]!)).toBe(`${ACCOUNT}:${TOKEN}`);
  });
  it('1. the request pair works with no env secrets at all', async () => {
    const { seen } = installFakeTwilio();
    expect((await post('makeCall', call, noEnv)).status).toBe(200);
    expect(basicOf(seen[0]!)).toBe(`${ACCOUNT}:${TOKEN}`);
  });
  it('2. else TWILIO_ACCOUNT_SID + TWILIO_AUTH_TOKEN', async () => {
    const { seen } = installFakeTwilio();
    expect((await post('sendSms', anonymous)).status).toBe(200);
    expect(accountOf(seen[0]!)).toBe(ENV_ACCOUNT);
    expect(basicOf(seen[0]!)).toBe(`${ENV_ACCOUNT}:${ENV_TOKEN}`);
  });
  it('2. the auth token is preferred when an API key is also set', async () => {
    const { seen } = installFakeTwilio();
    await post('sendSms', anonymous, { TWILIO_API_KEY_SID: KEY_SID, TWILIO_API_KEY_SECRET: KEY_SECRET });
    expect(basicOf(seen[0]!)).toBe(`${ENV_ACCOUNT}:${ENV_TOKEN}`);
  });
  it('3. or TWILIO_ACCOUNT_SID + API key: Basic user SK…, AC… in the path', async () => {
    const { seen } = installFakeTwilio();
    const answer = await post('sendSms', anonymous, apiKeyEnv);
    expect(answer.status).toBe(200);
    expect(answer.json.contextWrites.to.accountSid).toBe(ENV_ACCOUNT);
    expect(seen[0]!.url).toBe(`https://api.twilio.com/2010-04-01/Accounts/${ENV_ACCOUNT}/Messages.json`);
    expect(basicOf(seen[0]!)).toBe(`${KEY_SID}:${KEY_SECRET}`);
  });
  it.each([
    ['no credentials anywhere', noEnv],
    ['an env account sid without a token or key', { ...noEnv, TWILIO_ACCOUNT_SID: ENV_ACCOUNT }],
    ['an API key without its secret', { ...apiKeyEnv, TWILIO_API_KEY_SECRET: undefined }],
    ['an API key secret without its sid', { ...apiKeyEnv, TWILIO_API_KEY_SID: undefined }],
    ['a token without the account sid', { ...noEnv, TWILIO_AUTH_TOKEN: ENV_TOKEN }],
    ['empty strings', { TWILIO_ACCOUNT_SID: '', TWILIO_AUTH_TOKEN: '' }],
  ])('%s → the documented string, Twilio not called', async (_, env) => {
    const { seen } = installFakeTwilio();
    expectError(await post('sendSms', anonymous, env), 400, 'Credentials are required to create a Client');
    expect(seen).toHaveLength(0);
  });
  it.each([
    ['only accountSid in the request', { ...sms, accountToken: undefined }],
    ['only accountToken in the request', { ...sms, accountSid: undefined }],
    ['an empty accountToken', { ...sms, accountToken: '' }],
  ])('%s does not mix with the env pair', async (_, body) => {
    const { seen } = installFakeTwilio();
    expectError(await post('sendSms', body), 400, 'Credentials are required to create a Client');
    expect(seen).toHaveLength(0);
  });
});

describe('path injection: an account sid that is not AC + 32 hex never reaches a URL', () => {
  it.each([
    'AC../../x',
    'AC%2e%2e',
    'AC%2e%2e%2f%2e%2e%2fx',
    '../Accounts/AC0123456789abcdef0123456789abcdef',
    `${ACCOUNT}/../../AC0`,
    `${ACCOUNT}/Calls.json?`,
    `${ACCOUNT}#`,
    `${ACCOUNT}\n`,
    ` ${ACCOUNT}`,
    'AC0123456789abcdef0123456789abcdeg',
    'AC0123456789abcdef0123456789abcde',
    `${ACCOUNT}0`,
    'SK0123456789abcdef0123456789abcdef',
    'https://evil.example/',
  ])('%j: the documented 404, locally', async (accountSid) => {
    const { seen } = installFakeTwilio();
    const answer = await post('sendSms', { ...sms, accountSid });
    expectError(
      answer,
      404,
      `[HTTP 404] Unable to create record: The requested resource /2010-04-01/Accounts/${accountSid}/Messages.json was not found`,
      { code: 20404 },
    );
    expect(seen).toHaveLength(0);
  });
  it('a very long sid is clipped in the message', async () => {
    const { seen } = installFakeTwilio();
    const accountSid = `AC${'../'.repeat(80)}`;
    const answer = await post('makeCall', { ...call, accountSid });
    expect(answer.status).toBe(404);
    expect(answer.json.contextWrites.to).toBe(
      `[HTTP 404] Unable to create record: The requested resource /2010-04-01/Accounts/${accountSid.slice(0, 64)}…/Calls.json was not found`,
    );
    expect(seen).toHaveLength(0);
  });
  it('from the env, it is refused when the config loads: a configuration error that shows no value', async () => {
    const { seen } = installFakeTwilio();
    const answer = await post('sendSms', anonymous, { TWILIO_ACCOUNT_SID: 'AC../../x' });
    expectError(answer, 500, 'Gateway configuration error: invalid TWILIO_ACCOUNT_SID');
    expect(answer.text).not.toContain('AC../../x');
    expect(seen).toHaveLength(0);
  });
  it('upper-case hex is a valid sid and is sent as given', async () => {
    const { seen } = installFakeTwilio();
    const upper = ACCOUNT.replace(/[a-f]/g, (c) => c.toUpperCase());
    expect((await post('sendSms', { ...sms, accountSid: upper })).status).toBe(200);
    expect(accountOf(seen[0]!)).toBe(upper);
  });
});

/** Each secret as written and as it would look in an encoded form. */
const SECRETS = [TOKEN, ENV_TOKEN, KEY_SECRET].flatMap((s) => [s, btoa(s), encodeURIComponent(s)]);
const leaks = (text: string) => SECRETS.filter((s) => text.includes(s));

const ok = (s: Seen) => createdResponse(s, { 'Twilio-Request-Id': 'RQ0123456789abcdef0123456789abcdef' });
const json = (body: string) => ({ method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
const BODY_MARKER = 'Secret-Plans-For-Friday';
const PHONES = ['+15005550006', '+15005550009', '+14155550100', '15005550006', '5005550006'];
const wideSms = { ...sms, body: BODY_MARKER };

/** A wide set of requests: success and each kind of error, each with the Twilio answer it meets. */
const CASES: [string, () => ReturnType<typeof send>, ((s: Seen, n: number) => Response | Promise<Response>)?][] = [
  ['success (request pair)', () => post('sendSms', wideSms), ok],
  ['success (env token)', () => post('sendSms', { ...wideSms, accountSid: undefined, accountToken: undefined }), ok],
  [
    'success (API key)',
    () => post('makeCall', { ...call, accountSid: undefined, accountToken: undefined }, apiKeyEnv),
    ok,
  ],
  ['Twilio 400', () => post('sendSms', wideSms), () => twilioErrorResponse(400, 21211, 'bad number')],
  ['Twilio 401', () => post('sendSms', wideSms), () => twilioErrorResponse(401, 20003, 'Authenticate')],
  ['Twilio 404', () => post('sendSms', wideSms), () => twilioErrorResponse(404, 20404, 'not found')],
  ['Twilio 429 exhausted', () => post('sendSms', wideSms), () => twilioErrorResponse(429, 20429, 'Too many')],
  ['Twilio 500 JSON', () => post('makeCall', call), () => twilioErrorResponse(500, 20500, 'oops')],
  ['Twilio 503 HTML', () => post('sendSms', wideSms), () => htmlResponse(503)],
  ['non-JSON 2xx', () => post('sendSms', wideSms), () => new Response('ok', { status: 200 })],
  [
    'network error',
    () => post('sendSms', wideSms),
    () => {
      throw new TypeError(`connect failed ${TOKEN}`);
    },
  ],
  ['timeout', () => post('sendSms', wideSms, { TWILIO_TIMEOUT_MS: '30' }), () => new Promise<Response>(() => {})],
  ['local validation', () => post('makeCall', { ...call, method: 'test' })],
  ['missing required field', () => post('sendSms', { ...wideSms, from: undefined })],
  ['unknown field', () => post('sendSms', { ...wideSms, statusCallBack: 'https://e.com' })],
  ['bad token type', () => post('sendSms', { ...wideSms, accountToken: { token: TOKEN } })],
  ['over-long token', () => post('sendSms', { ...wideSms, accountToken: TOKEN.repeat(40) })],
  ['bad account sid', () => post('sendSms', { ...wideSms, accountSid: 'AC../../x' })],
  ['no credentials', () => post('sendSms', { ...wideSms, accountSid: undefined, accountToken: undefined }, noEnv)],
  ['malformed JSON', () => send('/api/Twilio/sendSms', json(`{"accountToken": "${TOKEN}", `))],
  ['wrong content type', () => send('/api/Twilio/sendSms', { method: 'POST', body: JSON.stringify(wideSms) })],
  ['unknown route', () => send('/api/Twilio/sendFax', json(JSON.stringify(wideSms)))],
  ['bad config', () => post('sendSms', wideSms, { TWILIO_TIMEOUT_MS: 'abc', TWILIO_MODE: 'bogus' })],
  ['descriptor', () => send('/api/Twilio', { method: 'GET' })],
];

describe('no secret in any response or log line', () => {
  it.each(CASES)('%s', async (_, request, answer) => {
    installFakeTwilio(answer);
    const logs = captureConsole();
    const res = await request();
    const headers = JSON.stringify([...res.res.headers]);
    expect(leaks(res.text)).toEqual([]);
    expect(leaks(headers)).toEqual([]);
    expect(leaks([...logs.log, ...logs.error].join('\n'))).toEqual([]);
  });
});

describe('the log line', () => {
  it.each(CASES)('%s: one JSON line, its facts, no phone number nor body', async (_, request, answer) => {
    installFakeTwilio(answer);
    const logs = captureConsole();
    const res = await request();
    const lines = logs.log.filter((l) => l.startsWith('{"route"'));
    expect(lines, logs.log.join('\n')).toHaveLength(1);
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(Object.keys(line).sort()).toEqual(
      [
        'attempts',
        'durationMs',
        'requestId',
        'route',
        'status',
        'twilioCode',
        'twilioRequestId',
        'twilioStatus',
      ].sort(),
    );
    expect(line.status).toBe(res.status);
    expect(line.route).toMatch(/^(GET|POST) \/api\/Twilio(\/\w+)?$/);
    expect(typeof line.durationMs).toBe('number');
    for (const text of [...PHONES, BODY_MARKER]) expect(lines[0]).not.toContain(text);
    for (const text of [...PHONES, BODY_MARKER]) expect(logs.error.join('\n')).not.toContain(text);
  });
  it('a success carries Twilio’s status, request id and one attempt', async () => {
    installFakeTwilio(ok);
    const logs = captureConsole();
    await post('sendSms', wideSms);
    expect(JSON.parse(logs.log[0]!)).toMatchObject({
      route: 'POST /api/Twilio/sendSms',
      status: 200,
      twilioStatus: 201,
      twilioCode: null,
      twilioRequestId: 'RQ0123456789abcdef0123456789abcdef',
      attempts: 1,
    });
  });
  it('a Twilio error carries its status, code and request id', async () => {
    installFakeTwilio(() =>
      twilioErrorResponse(401, 20003, 'Authenticate', { 'Twilio-Request-Id': 'RQ00000000000000000000000000000009' }),
    );
    const logs = captureConsole();
    await post('sendSms', wideSms);
    expect(JSON.parse(logs.log[0]!)).toMatchObject({
      route: 'POST /api/Twilio/sendSms',
      status: 401,
      twilioStatus: 401,
      twilioCode: 20003,
      twilioRequestId: 'RQ00000000000000000000000000000009',
      attempts: 1,
    });
  });
  it('429 retries are counted', async () => {
    installFakeTwilio((s, n) => (n < 3 ? twilioErrorResponse(429, 20429, 'Too many requests') : ok(s)));
    const logs = captureConsole();
    await post('sendSms', wideSms);
    expect(JSON.parse(logs.log[0]!)).toMatchObject({ status: 200, twilioStatus: 201, attempts: 3 });
  });
  it('a local error has no Twilio status and no attempt', async () => {
    const { seen } = installFakeTwilio();
    const logs = captureConsole();
    await post('sendSms', { ...wideSms, to: undefined });
    expect(JSON.parse(logs.log[0]!)).toMatchObject({
      status: 400,
      twilioStatus: null,
      twilioCode: 21604,
      twilioRequestId: null,
      attempts: 0,
    });
    expect(seen).toHaveLength(0);
  });
});

describe('LOG_REQUESTS=errors (the default of wrangler.toml): failures and retries only', () => {
  const errorsOnly = { LOG_REQUESTS: 'errors' };
  const routeLines = (log: readonly string[]) => log.filter((l) => l.startsWith('{"route"'));

  it('a success with one attempt writes no line', async () => {
    installFakeTwilio(ok);
    const logs = captureConsole();
    expect((await post('sendSms', wideSms, errorsOnly)).status).toBe(200);
    expect(routeLines(logs.log)).toEqual([]);
  });
  it('the descriptor writes no line', async () => {
    const logs = captureConsole();
    expect((await send('/api/Twilio', { method: 'GET' }, errorsOnly)).status).toBe(200);
    expect(routeLines(logs.log)).toEqual([]);
  });
  it('a success after 429 retries writes its line', async () => {
    installFakeTwilio((s, n) => (n < 2 ? twilioErrorResponse(429, 20429, 'Too many requests') : ok(s)));
    const logs = captureConsole();
    await post('sendSms', wideSms, errorsOnly);
    expect(routeLines(logs.log).map((l) => JSON.parse(l))).toMatchObject([{ status: 200, attempts: 2 }]);
  });
  it.each([
    ['a local 400', () => post('sendSms', { ...wideSms, to: undefined }, errorsOnly), 400],
    ['a Twilio error', () => post('sendSms', wideSms, errorsOnly), 401],
    ['an unknown route', () => send('/api/Twilio/sendFax', { method: 'POST' }, errorsOnly), 404],
    ['a bad setting', () => post('sendSms', wideSms, { ...errorsOnly, TWILIO_TIMEOUT_MS: 'abc' }), 500],
    [
      'an error under ERROR_STATUS=always-200',
      () => post('sendSms', wideSms, { ...errorsOnly, ERROR_STATUS: 'always-200' }),
      200,
    ],
  ])('%s writes its line', async (_, request, status) => {
    installFakeTwilio(() => twilioErrorResponse(401, 20003, 'Authenticate'));
    const logs = captureConsole();
    const res = await request();
    expect(res.status).toBe(status);
    expect(routeLines(logs.log).map((l) => JSON.parse(l))).toMatchObject([{ status }]);
  });
  it('a value other than errors or all is a configuration error', async () => {
    const answer = await post('sendSms', wideSms, { LOG_REQUESTS: 'some' });
    expect(answer.status).toBe(500);
    expect(answer.json.contextWrites.to).toContain('LOG_REQUESTS');
  });
});
