import { afterEach, describe, expect, it, vi } from 'vitest';
import { installFakeTwilio } from './fake-twilio';
import { captureConsole, ENV_TOKEN, expectError, post, send, sms, TOKEN } from './helpers';

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
  it('the descriptor route reports it too', async () => {
    const answer = await send('/api/Twilio', { method: 'GET' }, { TWILIO_MODE: 'bogus' });
    expectError(answer, 500, configError('TWILIO_MODE'));
  });
  it('the request is logged with its status', async () => {
    installFakeTwilio();
    const logs = captureConsole();
    await post('makeCall', sms, { TWILIO_TIMEOUT_MS: 'abc' });
    expect(logs.log).toHaveLength(1);
    expect(JSON.parse(logs.log[0]!)).toMatchObject({ route: 'POST /api/Twilio/makeCall', status: 500 });
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
