import { afterEach, describe, expect, it, vi } from 'vitest';
import configurationDoc from '../docs/configuration.md?raw';
import { SETTING_RULES, settingHint } from '../src/config';
import { app } from '../src/http/app';
import { installFakeTwilio } from './fake-twilio';
import { captureConsole, ENV_TOKEN, envWith, expectError, post, send, sms, TOKEN } from './helpers';

afterEach(() => vi.restoreAllMocks());

const configError = (names: string) => `Gateway configuration error: invalid ${names}`;

describe('a bad configuration answers a clear configuration error naming the setting', () => {
  it.each([
    [{ TWILIO_TIMEOUT_MS: 'abc' }, 'TWILIO_TIMEOUT_MS'],
    [{ TWILIO_TIMEOUT_MS: '0' }, 'TWILIO_TIMEOUT_MS'],
    [{ TWILIO_TIMEOUT_MS: '1.5' }, 'TWILIO_TIMEOUT_MS'],
    [{ TWILIO_TIMEOUT_MS: '999999999' }, 'TWILIO_TIMEOUT_MS'],
    [{ TWILIO_MODE: 'bogus' }, 'TWILIO_MODE'],
    [{ TWILIO_MODE: 'LIVE' }, 'TWILIO_MODE'],
    [{ ERROR_STATUS: 'sometimes' }, 'ERROR_STATUS'],
    [{ TWILIO_API_BASE_URL: 'not a url' }, 'TWILIO_API_BASE_URL'],
    [{ TWILIO_API_BASE_URL: 'ftp://api.twilio.com' }, 'TWILIO_API_BASE_URL'],
    [{ TWILIO_REGION: 'Ireland' }, 'TWILIO_REGION'],
    [{ TWILIO_EDGE: 'dub.lin' }, 'TWILIO_EDGE'],
    [{ SANDBOX_CALLBACKS: 'yes' }, 'SANDBOX_CALLBACKS'],
    [{ TWILIO_TIMEOUT_MS: 'abc', TWILIO_MODE: 'bogus' }, 'TWILIO_MODE, TWILIO_TIMEOUT_MS'],
  ])('%j', async (overrides, names) => {
    const { seen } = installFakeTwilio();
    const answer = await post('sendSms', sms, overrides);
    expectError(answer, 500, configError(names));
    expect(seen).toHaveLength(0);
    // The bad value itself is not echoed (too-short values would match the status digits).
    for (const value of Object.values(overrides)) if (value.length > 2) expect(answer.text).not.toContain(value);
  });
  it('an over-long secret is named, never shown', async () => {
    installFakeTwilio();
    const secret = `${ENV_TOKEN}-${'x'.repeat(600)}`;
    const logs = captureConsole();
    const answer = await post('sendSms', sms, { TWILIO_AUTH_TOKEN: secret });
    expectError(answer, 500, configError('TWILIO_AUTH_TOKEN'));
    for (const text of [answer.text, ...logs.all]) {
      expect(text).not.toContain(ENV_TOKEN);
      expect(text).not.toContain(TOKEN);
    }
  });
  it('the descriptor still answers, so that a caller can read what is expected', async () => {
    const answer = await send('/api/Twilio', { method: 'GET' }, { TWILIO_MODE: 'bogus', API_KEYS: 'short' });
    expect(answer.status).toBe(200);
    expect(answer.json.package).toBe('Twilio');
  });
  it('the OpenAPI document still answers too, in the default mode', async () => {
    const answer = await send('http://gateway.test/openapi.json', { method: 'GET' }, { API_KEYS: 'short' });
    expect(answer.status).toBe(200);
    expect(answer.json.servers[0]['x-twilio-mode']).toBe('live');
  });
  it('every other route still answers the configuration error', async () => {
    const answer = await send('/api/Twilio/messages', { method: 'GET' }, { API_KEYS: 'short' });
    expectError(answer, 500, configError('API_KEYS'));
  });
  it('the request is logged with its status', async () => {
    installFakeTwilio();
    const logs = captureConsole();
    await post('makeCall', sms, { TWILIO_TIMEOUT_MS: 'abc' });
    expect(logs.log).toHaveLength(1);
    expect(JSON.parse(logs.log[0]!)).toMatchObject({ route: 'POST /api/Twilio/makeCall', status: 500 });
  });
});

describe('a configuration error says how to fix it', () => {
  it('API_KEYS=short keeps its documented string and adds the rule and a valid example, never the value', async () => {
    const answer = await post('sendSms', sms, { API_KEYS: 'short' });
    expectError(answer, 500, configError('API_KEYS'), {
      hint:
        'API_KEYS: each key must be 16 to 256 printable characters, or sha256:<64 hex>; at most 100, ' +
        'comma-separated; e.g. API_KEYS=3f9c2a7e5b1d4c8f9a0b6e2d7c4f1a3b (make one: openssl rand -hex 16).',
    });
    expect(answer.json.error.hint).not.toContain('short');
  });
  it('each bad setting gets its own rule and example', async () => {
    const answer = await post('sendSms', sms, { TWILIO_TIMEOUT_MS: 'abc', TWILIO_MODE: 'bogus' });
    expectError(answer, 500, configError('TWILIO_MODE, TWILIO_TIMEOUT_MS'), {
      hint: /^TWILIO_MODE: live or sandbox .*; e\.g\. TWILIO_MODE=live\. TWILIO_TIMEOUT_MS: a whole number of milliseconds from 1 to 120000; e\.g\. TWILIO_TIMEOUT_MS=10000\.$/,
    });
  });
  it('a setting another one requires names the one that needs it', async () => {
    const answer = await post('sendSms', sms, { TRACK_STATUS: 'true', PUBLIC_URL: '' });
    expectError(answer, 500, configError('PUBLIC_URL'), {
      hint: "PUBLIC_URL: required with TRACK_STATUS=true (the Worker's URL Twilio is given); e.g. PUBLIC_URL=https://twilio.example.com.",
    });
  });
  it('a bad secret is named with its rule, and its value is neither answered nor logged', async () => {
    const secret = `${ENV_TOKEN}-${'x'.repeat(600)}`;
    const logs = captureConsole();
    const answer = await post('sendSms', sms, { TWILIO_AUTH_TOKEN: secret });
    expectError(answer, 500, configError('TWILIO_AUTH_TOKEN'), { hint: /^TWILIO_AUTH_TOKEN: the auth token/ });
    for (const text of [answer.text, ...logs.all]) expect(text).not.toContain(ENV_TOKEN);
  });
  it('is logged once per env, at the first request, with its hint', async () => {
    const logs = captureConsole();
    const broken = envWith({ API_KEYS: 'short' });
    for (let i = 0; i < 3; i++) {
      const res = await app.request('/api/Twilio/sendSms', { method: 'POST', body: '{}' }, broken);
      expect(res.status).toBe(500);
    }
    const lines = logs.error.filter((line) => line.includes('configError'));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toEqual({
      configError: configError('API_KEYS'),
      hint: expect.stringMatching(/^API_KEYS: each key must be 16 to 256 printable characters/),
    });
  });
  it('every setting has a rule and an example, and docs/configuration.md lists each with that example', () => {
    const rows = new Map(
      [...configurationDoc.matchAll(/^\| `(\w+)` \|(.*)$/gm)].map(([, name, rest]) => [name, rest] as const),
    );
    for (const [name, { rule, example }] of Object.entries(SETTING_RULES)) {
      expect(rule, name).not.toBe('');
      expect(settingHint(name)).toBe(`${name}: ${rule}; e.g. ${name}=${example}.`);
      const row = rows.get(name);
      expect(row, `docs/configuration.md has no row for ${name}`).toBeDefined();
      // The doc's example is the hint's (what follows a space is how to make one, not the value).
      expect(row).toContain(`\`${example.split(' (')[0]}\``);
    }
  });
});

describe('good configurations', () => {
  it.each([
    [{ TWILIO_TIMEOUT_MS: '' }],
    [{ TWILIO_TIMEOUT_MS: '120000' }],
    [{ TWILIO_MODE: 'live', ERROR_STATUS: 'mirror' }],
    [{ TWILIO_API_BASE_URL: '', TWILIO_REGION: '', TWILIO_EDGE: '' }],
    [{ SANDBOX_CALLBACKS: 'false' }],
  ])('%j works', async (overrides) => {
    const { seen } = installFakeTwilio();
    const answer = await post('sendSms', sms, overrides);
    expect(answer.json.callback).toBe('success');
    expect(seen).toHaveLength(1);
  });
  it('the configuration is read per env: a bad env does not poison the next good one', async () => {
    installFakeTwilio();
    expect((await post('sendSms', sms, { TWILIO_MODE: 'bogus' })).status).toBe(500);
    expect((await post('sendSms', sms)).status).toBe(200);
  });
});

describe('sandbox mode off a local run needs an account of its own (issue 23)', () => {
  const sandbox = { TWILIO_MODE: 'sandbox' };
  it.each([
    ['no TWILIO_ACCOUNT_SID nor TWILIO_AUTH_TOKEN', { TWILIO_ACCOUNT_SID: '', TWILIO_AUTH_TOKEN: '' }],
    ['no TWILIO_AUTH_TOKEN', { TWILIO_AUTH_TOKEN: '' }],
    ['no TWILIO_ACCOUNT_SID', { TWILIO_ACCOUNT_SID: '' }],
    ['the public demo token as TWILIO_AUTH_TOKEN', { TWILIO_AUTH_TOKEN: 'sandbox-demo-token' }],
  ])('%s is a configuration error naming both settings', async (_, overrides) => {
    const answer = await post('sendSms', sms, { ...sandbox, ...overrides });
    expectError(answer, 500, configError('TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN'));
    // The hint gives the rule this broke, not only the settings' shapes.
    expect(answer.json.error.hint).toMatch(/^TWILIO_ACCOUNT_SID: sandbox mode off a local run needs its own/);
    expect(answer.json.error.hint).toContain('TWILIO_AUTH_TOKEN: sandbox mode off a local run');
    expect(answer.json.error.hint).not.toContain('sandbox-demo-token');
  });

  it('on a local run (SANDBOX_LOCAL=true, as npm start sets it) the demo pair is fine', async () => {
    const local = { ...sandbox, SANDBOX_LOCAL: 'true', TWILIO_ACCOUNT_SID: '', TWILIO_AUTH_TOKEN: '' };
    expect((await post('sendSms', sms, local)).status).not.toBe(500);
  });

  it('with its own account, a deployed sandbox works', async () => {
    const own = { ...sandbox, TWILIO_ACCOUNT_SID: sms.accountSid, TWILIO_AUTH_TOKEN: sms.accountToken };
    expect((await post('sendSms', sms, own)).json.callback).toBe('success');
  });
});

describe('API_KEYS entries that can never match are configuration errors (issue 23)', () => {
  it.each([
    ['sha256: and 64 characters that are not hex', `sha256:${'z'.repeat(64)}`],
    ['sha256: and 63 hex digits', `sha256:${'a'.repeat(63)}`],
    ['sha256: and 65 hex digits', `sha256:${'a'.repeat(65)}`],
    ['SHA256: in capitals, which the key check reads as a plain key', `SHA256:${'a'.repeat(64)}`],
    ['only commas', ',,,'],
    ['only commas and blanks', ' , ,  '],
    ['a good key beside a broken digest', `a-good-caller-key-0123456789,sha256:${'g'.repeat(64)}`],
  ])('%s', async (_, keys) => {
    const { seen } = installFakeTwilio();
    const answer = await post('sendSms', sms, { API_KEYS: keys });
    expectError(answer, 500, configError('API_KEYS'));
    expect(seen).toHaveLength(0);
  });

  it('a sha256: entry of 64 hex digits, in either case, and plain keys still load', async () => {
    installFakeTwilio();
    const keys = `sha256:${'A'.repeat(32)}${'b'.repeat(32)}, test-suite-caller-key-0123456789`;
    expect((await post('sendSms', sms, { API_KEYS: keys })).json.callback).toBe('success');
  });
});
