import { describe, expect, it } from 'vitest';
import { errorText, post, sms } from './helpers';

describe('the test harness', () => {
  it('blocks any outbound fetch no test stubbed: api.twilio.com is never reached', async () => {
    const { status, json } = await post('sendSms', sms);
    expect(status).toBe(502);
    expect(errorText(json)).toBe(
      '[HTTP 599] Unable to create record: Twilio answered HTTP 599 with a body that is not JSON',
    );
  });
});
