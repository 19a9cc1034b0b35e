import { describe, expect, it } from 'vitest';
import { readConfig } from '../../src/config';
import { DEMO_ACCOUNT_SID, DEMO_AUTH_TOKEN } from '../../src/sandbox/settings';
import { tracked } from '../../src/status/track';
import { tokenFor } from '../../src/status/verify';
import { expectError, send } from '../helpers';

const SECRETS = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const TRACKING = { TRACK_STATUS: 'true', PUBLIC_URL: 'https://gw.example.com/', WEBHOOK_SECRETS: SECRETS };
const config = (overrides: Record<string, string> = {}) =>
  readConfig({ ...TRACKING, TWILIO_AUTH_TOKEN: 'token', ...overrides });
const API_KEY_ONLY = { TWILIO_AUTH_TOKEN: '', TWILIO_API_KEY_SID: `SK${'1'.repeat(32)}`, TWILIO_API_KEY_SECRET: 'k' };
const sms = { to: '+14155550100', from: '+15005550006', body: 'hi' };

describe('TRACK_STATUS: the callback URL Twilio is given', () => {
  it("the gateway's receiver with a correlation id and the caller's URL; the fragment stays on Twilio's URL", () => {
    const { input, tracking } = tracked(
      { ...sms, statusCallback: 'https://app.example.com/status?x=1#rc=3' },
      config(),
    );
    const url = new URL(String(input.statusCallback));
    expect(tracking).toEqual({
      correlationId: url.searchParams.get('cid'),
      forward: 'https://app.example.com/status?x=1',
    });
    expect(url.origin + url.pathname).toBe('https://gw.example.com/twilio/status');
    expect(url.searchParams.get('cid')).toMatch(/^[\da-f]{8}-[\da-f]{4}-4[\da-f]{3}-[\da-f]{4}-[\da-f]{12}$/);
    expect(url.searchParams.get('forward')).toBe('https://app.example.com/status?x=1');
    expect(url.hash).toBe('#rc=3');
    expect(input).toMatchObject(sms);
  });

  it('a send without statusCallback is tracked too (its history is kept), with nowhere to forward', () => {
    const url = new URL(String(tracked(sms, config()).input.statusCallback));
    expect([...url.searchParams.keys()]).toEqual(['cid']);
  });

  it('each send gets its own correlation id', () => {
    const ids = new Set(
      [1, 2, 3].map(() => new URL(String(tracked(sms, config()).input.statusCallback)).searchParams.get('cid')),
    );
    expect(ids.size).toBe(3);
  });

  it("a send with the request's own credentials is left alone: the gateway holds no token for that account", () => {
    const own = {
      ...sms,
      accountSid: `AC${'1'.repeat(32)}`,
      accountToken: 'theirs',
      statusCallback: 'https://a.example/s',
    };
    expect(tracked(own, config())).toEqual({ input: own });
    expect(tracked(own, config()).input).toBe(own);
  });

  it('without TRACK_STATUS nothing changes', () => {
    const input = { ...sms, statusCallback: 'https://app.example.com/status' };
    expect(tracked(input, readConfig({}))).toEqual({ input });
  });

  it('a caller URL too long to carry inside the callback URL is a 400 before anything is sent', () => {
    const input = { ...sms, statusCallback: `https://app.example.com/${'a'.repeat(3990)}` };
    expect(() => tracked(input, config())).toThrow('statusCallback is too long to be tracked');
  });

  it.each([
    ['PUBLIC_URL', { PUBLIC_URL: '' }],
    ['WEBHOOK_SECRETS', { WEBHOOK_SECRETS: '' }],
    ['WEBHOOK_SECRETS', { WEBHOOK_SECRETS: 'not-a-whsec-secret' }],
    ['PUBLIC_URL', { PUBLIC_URL: 'https://gw.example.com/?q=1' }],
    ['STATUS_RETENTION_DAYS', { STATUS_RETENTION_DAYS: '0' }],
    // Twilio signs every callback with the auth token, also for sends made with an API key.
    ['TWILIO_AUTH_TOKEN', API_KEY_ONLY],
  ])('TRACK_STATUS with a missing or bad %s is a configuration error naming it', async (name, overrides) => {
    const answer = await send(
      '/api/Twilio/sendSms',
      { method: 'POST' },
      {
        TRACK_STATUS: 'true',
        PUBLIC_URL: 'https://gw.example.com',
        WEBHOOK_SECRETS: SECRETS,
        ...overrides,
      },
    );
    expectError(answer, 500, `Gateway configuration error: invalid ${name}`);
  });

  it('sandbox mode on a local run needs no TWILIO_AUTH_TOKEN: the emulator signs with the demo token, which the receiver holds', () => {
    const sandbox = { ...TRACKING, TWILIO_MODE: 'sandbox', SANDBOX_LOCAL: 'true' };
    expect(readConfig(sandbox).TRACK_STATUS).toBe(true);
    expect(readConfig({ ...sandbox, TWILIO_ACCOUNT_SID: `AC${'1'.repeat(32)}`, ...API_KEY_ONLY }).TRACK_STATUS).toBe(
      true,
    );
    expect(tokenFor(readConfig(sandbox), DEMO_ACCOUNT_SID)).toBe(DEMO_AUTH_TOKEN);
  });
});
