import { afterEach, describe, expect, it, vi } from 'vitest';
import { installFakeTwilio } from './fake-twilio';
import { call, errorText, post, sms, TOKEN } from './helpers';

afterEach(() => vi.restoreAllMocks());

describe('which Twilio rule a local check reports', () => {
  it('a Body of the wrong type is a type error, not 21617', async () => {
    const { json, status } = await post('sendSms', { ...sms, body: 5 });
    expect(status).toBe(400);
    expect(errorText(json)).toBe(
      "[HTTP 400] Unable to create record: Invalid value for parameter 'Body': expected a string of at most 1600 characters",
    );
    expect(json.error.code).toBeNull();
  });

  it('a Body over 1600 characters is 21617', async () => {
    const { json } = await post('sendSms', { ...sms, body: 'x'.repeat(1601) });
    expect(json.error.code).toBe(21617);
  });

  it('a Timeout over its maximum is 21208, echoing the value', async () => {
    const { json } = await post('makeCall', { ...call, timeout: 601 });
    expect(errorText(json)).toBe('[HTTP 400] Unable to create record: Timeout is not valid: 601');
    expect(json.error.code).toBe(21208);
  });

  it('more than 10 media URLs is 21623; a relative one is 21620', async () => {
    const many = await post('sendMms', { ...sms, mediaUrl: Array(11).fill('https://x.io/a.png') });
    expect(many.json.error.code).toBe(21623);
    const relative = await post('sendMms', { ...sms, mediaUrl: ['https://x.io/a.png', '/b.png'] });
    expect(errorText(relative.json)).toBe(
      '[HTTP 400] Unable to create record: Media urls: /b.png are invalid. Please use absolute urls.',
    );
  });

  it('a __proto__ key is an unknown field, not a prototype that fills in fields', async () => {
    const { seen } = installFakeTwilio();
    const body = '{"__proto__":{"to":"+14155550100"},"from":"+15005550006","body":"x"}';
    const res = await post('sendSms', JSON.parse(body));
    expect(res.status).toBe(400);
    expect(errorText(res.json)).toBe('[HTTP 400] Unable to create record: Unknown parameter: __proto__');
    expect(seen).toHaveLength(0);
  });
});

describe('values of the wrong shape get the plain description, not an echo', () => {
  it('method as a list', async () => {
    const { json } = await post('makeCall', { ...call, method: ['GET'] });
    expect(errorText(json)).toBe(
      "[HTTP 400] Unable to create record: Invalid value for parameter 'Method': expected one of GET, POST",
    );
  });

  it('an empty mediaUrl list', async () => {
    const { json } = await post('sendMms', { ...sms, mediaUrl: [] });
    expect(errorText(json)).toBe(
      "[HTTP 400] Unable to create record: Invalid value for parameter 'MediaUrl': expected absolute http(s) URLs, as an array from 1 to 10",
    );
  });
});

describe('an upstream that echoes credentials', () => {
  it('has them masked in the error it passes on', async () => {
    installFakeTwilio(
      (seen) =>
        new Response(
          JSON.stringify({
            code: 20003,
            message: `bad ${TOKEN} / ${seen.headers.authorization}`,
            more_info: `https://x.test/${TOKEN}`,
            status: 401,
          }),
          { status: 401, headers: { 'Content-Type': 'application/json' } },
        ),
    );
    const { json, text } = await post('sendSms', sms);
    expect(errorText(json)).toBe('[HTTP 401] Unable to create record: bad [redacted] / [redacted]');
    expect(json.error.moreInfo).toBe('https://x.test/[redacted]');
    expect(text).not.toContain(TOKEN);
  });
});
