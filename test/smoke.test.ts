import { afterEach, describe, expect, it, vi } from 'vitest';
import { installFakeTwilio } from './fake-twilio';
import { call, errorText, post, sms } from './helpers';

afterEach(() => vi.restoreAllMocks());

describe('smoke', () => {
  it('sends an sms', async () => {
    const { seen } = installFakeTwilio();
    const { status, json } = await post('sendSms', sms);
    expect(status).toBe(200);
    expect(json.callback).toBe('success');
    expect(json.contextWrites.to.sid).toMatch(/^SM/);
    expect(seen).toHaveLength(1);
  });
  it('documented method error', async () => {
    installFakeTwilio();
    const { status, json } = await post('makeCall', { ...call, method: 'test' });
    expect(status).toBe(400);
    expect(errorText(json)).toBe('[HTTP 400] Unable to create record: Method is not valid: TEST');
  });
});
