import { afterEach, describe, expect, it, vi } from 'vitest';
import { installFakeTwilio, twilioErrorResponse } from '../fake-twilio';
import { ACCOUNT, expectError, post, send, sms, TOKEN } from '../helpers';

afterEach(() => vi.restoreAllMocks());

/** Sandbox mode: the emulator answers with Twilio's codes for the numbers it is given. */
const SANDBOX = { TWILIO_MODE: 'sandbox' };
const FROM = '+15005550006';

describe('a method a route does not take is a 405 with Allow, in the envelope', () => {
  it.each([
    ['GET', '/api/Twilio/sendSms', 'POST', /^Use POST \/api\/Twilio\/sendSms with a JSON body/],
    ['GET', '/api/twilio/makeCall', 'POST', /^Use POST \/api\/twilio\/makeCall/],
    ['DELETE', '/twilio/status', 'GET, HEAD, POST', /^Use GET or POST \/twilio\/status/],
    ['PUT', '/hooks/x', 'POST', /^Use POST \/hooks\/x/],
    ['POST', '/api/Twilio', 'GET, HEAD', /^Use GET \/api\/Twilio\.$/],
    ['DELETE', '/api/Twilio/messages/SM0123456789abcdef0123456789abcdef', 'GET, HEAD', /^Use GET /],
  ])('%s %s answers 405, Allow: %s', async (method, path, allow, hint) => {
    const { seen } = installFakeTwilio();
    const answer = await send(path, { method });
    expectError(answer, 405, `[HTTP 405] Unable to create record: Method ${method} is not allowed for ${path}`, {
      hint,
    });
    expect(answer.res.headers.get('Allow')).toBe(allow);
    expect(seen).toHaveLength(0);
  });
  it('a route it does take still answers as before', async () => {
    installFakeTwilio();
    expect((await post('sendSms', sms)).json.callback).toBe('success');
  });
});

describe('a path that is no route names the route most likely meant', () => {
  it.each([
    ['POST', '/api/twilio/sendsms', 'Did you mean POST /api/Twilio/sendSms?'],
    ['POST', '/api/Twilio/send-sms', 'Did you mean POST /api/Twilio/sendSms?'],
    ['POST', '/sendSms', 'Did you mean POST /api/Twilio/sendSms?'],
    ['POST', '/api/Twilio/makecall', 'Did you mean POST /api/Twilio/makeCall?'],
    ['GET', '/OpenAPI.json', 'Did you mean GET /openapi.json?'],
    ['GET', '/api/Twilio/message', 'Did you mean GET /api/Twilio/messages?'],
  ])('%s %s', async (method, path, hint) => {
    const init =
      method === 'GET' ? { method } : { method, headers: { 'Content-Type': 'application/json' }, body: '{}' };
    const answer = await send(path, init);
    expectError(answer, 404, `[HTTP 404] Unable to create record: No route for ${method} ${path}`, { hint });
  });
  it('a path near no route points to the list of blocks', async () => {
    const answer = await send('/nothing/like/it/at/all', { method: 'GET' });
    expectError(answer, 404, '[HTTP 404] Unable to create record: No route for GET /nothing/like/it/at/all', {
      hint: /^GET \/api\/Twilio lists the blocks/,
    });
  });
  it('an unknown recipe says where the recipes are listed', async () => {
    const answer = await send('/hooks/nope', { method: 'POST', body: '{}' });
    expectError(answer, 404, '[HTTP 404] Unable to create record: No route for POST /hooks/nope', {
      hint: /^No recipe of that name: GET \/hooks lists the recipes/,
    });
  });
});

describe('JSON sent without a JSON Content-Type names Content-Type: application/json', () => {
  const formPost = (body: string, type = 'application/x-www-form-urlencoded') =>
    send('/api/Twilio/sendSms', { method: 'POST', headers: { 'Content-Type': type }, body });
  it.each([
    ['curl -d with a JSON object', JSON.stringify({ to: '+14155550100', from: FROM, body: 'hi' })],
    ['a JSON object with an & in a value (a form of two keys)', '{"to":"+14155550100","body":"a&b"}'],
    ['a JSON array', '[{"to":"+14155550100"}]'],
    ['JSON with spaces around it', '  {"to": "+14155550100"}\n'],
  ])('%s is a 415', async (_, body) => {
    const { seen } = installFakeTwilio();
    expectError(
      await formPost(body),
      415,
      '[HTTP 415] Unable to create record: The body is JSON but its Content-Type is application/x-www-form-urlencoded: send it as application/json',
      { hint: /^Send the header Content-Type: application\/json \(curl: -H 'Content-Type: application\/json'\)/ },
    );
    expect(seen).toHaveLength(0);
  });
  it('a form that only looks like JSON stays a form refusal', async () => {
    const answer = await formPost('{not json}=1');
    expectError(answer, 400, '[HTTP 400] Unable to create record: Unknown parameter: {not json}');
  });
  it('a real form is still sent as a form', async () => {
    installFakeTwilio();
    const answer = await formPost(new URLSearchParams(sms).toString());
    expect(answer.json.callback).toBe('success');
  });
  it('no Content-Type at all names it too', async () => {
    const answer = await send('/api/Twilio/sendSms', { method: 'POST', body: new Blob(['{}']) });
    expectError(
      answer,
      415,
      '[HTTP 415] Unable to create record: Content-Type must be application/json or application/x-www-form-urlencoded',
      { hint: /Content-Type: application\/json/ },
    );
  });
  it('malformed JSON says how JSON is written', async () => {
    const answer = await send('/api/Twilio/sendSms', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: "{to: '+14155550100'}",
    });
    expectError(answer, 400, '[HTTP 400] Unable to create record: Malformed JSON in request body', {
      hint: /double quotes/,
    });
  });
});

describe('names in Twilio case, the wrong case or near a field name lead to the right one', () => {
  it("Twilio's PascalCase names get the block's camelCase names", async () => {
    const answer = await post('sendSms', { To: '+14155550100', From: FROM, Body: 'hi' });
    expectError(answer, 400, '[HTTP 400] Unable to create record: Unknown parameter: To, From, Body', {
      hint: "Use to for To; use from for From; use body for Body. The blocks take camelCase names; GET /api/Twilio lists each block's parameters.",
    });
  });
  it.each([
    ['statusCallBack', 'use statusCallback for statusCallBack'],
    ['status_callback', 'use statusCallback for status_callback'],
    ['bdy', 'use body for bdy'],
    ['mediaUrls', 'use mediaUrl for mediaUrls'],
    ['authToken', 'use accountToken for authToken'],
    ['url', 'send url to makeCall (POST /api/Twilio/makeCall): sendSms takes none'],
    ['zzzzzz', 'remove zzzzzz: sendSms takes no such parameter'],
  ])('%s', async (name, fix) => {
    const answer = await post('sendSms', { ...sms, [name]: 'x' });
    expect(answer.json.contextWrites.to).toBe(`[HTTP 400] Unable to create record: Unknown parameter: ${name}`);
    expect(answer.json.error.hint).toBe(
      `${fix.charAt(0).toUpperCase()}${fix.slice(1)}. The blocks take camelCase names; GET /api/Twilio lists each block's parameters.`,
    );
  });
  it('a missing required field is named with the example of its table', async () => {
    const answer = await post('sendSms', { from: FROM, body: 'hi' });
    expectError(answer, 400, "[HTTP 400] Unable to create record: A 'To' phone number is required.", {
      code: 21604,
      hint: 'Add "to": "+14155550100".',
    });
  });
  it('a group of alternatives names each', async () => {
    const answer = await post('makeCall', { from: FROM, to: '+14155550100' });
    expect(answer.json.error.hint).toBe(
      'Add "url": "http://demo.twilio.com/docs/voice.xml", or "twiml": "<Response><Say>Hello from the gateway</Say></Response>", or "applicationSid": "AP0123456789abcdef0123456789abcdef".',
    );
  });
  it('a long unknown name is clipped in the hint as in the refusal', async () => {
    const name = `q${'x'.repeat(5000)}`;
    const answer = await post('sendSms', { ...sms, [name]: 'x' });
    expect(answer.status).toBe(400);
    expect(answer.json.error.hint.length).toBeLessThan(300);
  });
  it('a bad value of the first field of a group is not taken for a missing one', async () => {
    const answer = await post('makeCall', { from: FROM, to: '+14155550100', url: 'not a url' });
    expect(answer.status).toBe(400);
    expect(answer.json.error.hint).toBe(
      'Send url as an absolute http(s) URL, e.g. "url": "http://demo.twilio.com/docs/voice.xml".',
    );
  });
  it('a bad value says what the field takes, with an example', async () => {
    const answer = await post('makeCall', { from: FROM, to: '+14155550100', url: 'https://e.com/x', record: 'yes' });
    expect(answer.status).toBe(400);
    expect(answer.json.error.hint).toBe('Send record as true or false, e.g. "record": true.');
  });
});

describe('phone numbers not in E.164 get their E.164 form', () => {
  it.each([
    ['(415) 555-0100', 'Write (415) 555-0100 as +14155550100 if it is a US or Canadian number.'],
    ['415-555-0100', 'Write 415-555-0100 as +14155550100 if it is a US or Canadian number.'],
    ['14155550100', 'Write 14155550100 as +14155550100: E.164 starts with +.'],
    ['+1 (415) 555-0100', 'Write +1 (415) 555-0100 as +14155550100.'],
    ['0044 7700 900123', 'Write 0044 7700 900123 as +447700900123.'],
    [
      '0171 1234567',
      'Write 0171 1234567 with + and its country code instead of the leading 0: +<country code>1711234567 (e.g. +491711234567 for Germany).',
    ],
  ])('to: %s', async (to, hint) => {
    const answer = await post('sendSms', { from: FROM, to, body: 'hi' }, SANDBOX);
    expectError(answer, 400, `[HTTP 400] Unable to create record: The 'To' number ${to} is not a valid phone number.`, {
      code: 21211,
      hint,
    });
  });
  it('from gets the same', async () => {
    const answer = await post('makeCall', { from: '5005550006', to: '+14155550100', url: 'https://e.com/x' }, SANDBOX);
    expect(answer.json.error).toMatchObject({
      code: 21212,
      hint: 'Write 5005550006 as +15005550006 if it is a US or Canadian number.',
    });
  });
  it('a From that is not a number of the account names the one to use', async () => {
    const answer = await post('sendSms', { from: '+14155550199', to: '+14155550100', body: 'hi' }, SANDBOX);
    expect(answer.json.error).toMatchObject({ code: 21606, hint: expect.stringContaining('+15005550006') });
  });
});

describe('credentials in the wrong place', () => {
  it('accountSid and accountToken swapped', async () => {
    const { seen } = installFakeTwilio();
    const token = 'f'.repeat(32);
    const answer = await post('sendSms', { ...sms, accountSid: token, accountToken: ACCOUNT });
    expect(answer.status).toBe(404);
    expect(answer.json.error.hint).toBe(
      'accountSid and accountToken look swapped: accountSid is the AC… Account SID, accountToken the Auth Token.',
    );
    expect(seen).toHaveLength(0);
  });
  it('an API key SID as accountSid', async () => {
    const answer = await post('sendSms', { ...sms, accountSid: `SK${'0'.repeat(32)}` });
    expect(answer.json.error.hint).toMatch(/^accountSid takes the Account SID \(AC…\), not an API key SID/);
  });
  it("Twilio's 401 says where the pair comes from, and never shows the token", async () => {
    installFakeTwilio(() => twilioErrorResponse(401, 20003, 'Authenticate'));
    const answer = await post('sendSms', sms);
    expectError(answer, 401, '[HTTP 401] Unable to create record: Authenticate', {
      code: 20003,
      hint: /^Check accountSid and accountToken/,
    });
    expect(answer.text).not.toContain(TOKEN);
  });
  it('no caller key says how to send one', async () => {
    const answer = await send('/api/Twilio/sendSms', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-API-Key': 'wrong-key-wrong-key-wrong' },
      body: JSON.stringify({ to: '+14155550100', from: FROM, body: 'hi' }),
    });
    expect(answer.status).toBe(401);
    expect(answer.json.error.hint).toMatch(/^Send one of the keys of API_KEYS as the header Authorization: Bearer/);
  });
  it('no credentials anywhere names both ways to give them', async () => {
    const answer = await post('sendSms', { to: '+14155550100', from: FROM, body: 'hi' }, { TWILIO_ACCOUNT_SID: '' });
    expectError(answer, 400, 'Credentials are required to create a Client', {
      hint: /^Send accountSid and accountToken in the body, or set the secrets TWILIO_ACCOUNT_SID/,
    });
  });
});

describe("the gateway's own refusals name the fix", () => {
  it('a destination outside ALLOWED_DESTINATIONS names the prefixes allowed', async () => {
    const { seen } = installFakeTwilio();
    const answer = await post('sendSms', { ...sms, to: '+447700900123' }, { ALLOWED_DESTINATIONS: '+1' });
    expectError(
      answer,
      403,
      "[HTTP 403] Refused by the gateway: The 'To' number is not among the allowed destinations",
      {
        hint: 'Send to a number starting with +1, or add its prefix to ALLOWED_DESTINATIONS.',
      },
    );
    expect(seen).toHaveLength(0);
  });
  it('a body over MAX_SEGMENTS says how long a segment is', async () => {
    const answer = await post('sendSms', { ...sms, body: 'x'.repeat(400) }, { MAX_SEGMENTS: '2' });
    expectError(answer, 403, '[HTTP 403] Refused by the gateway: The body takes 3 segments; at most 2 are allowed', {
      hint: /^Shorten the body: a segment holds 153 GSM-7 characters/,
    });
  });
  it('a malformed Idempotency-Key says what to use', async () => {
    const answer = await send('/api/Twilio/sendSms', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Idempotency-Key': 'é' },
      body: JSON.stringify(sms),
    });
    expectError(
      answer,
      400,
      '[HTTP 400] Refused by the gateway: Idempotency-Key must be 1 to 255 printable ASCII characters',
      {
        hint: /^Use a UUID as the Idempotency-Key/,
      },
    );
  });
  it('credentials in a read URL say where they go', async () => {
    const answer = await send(`/api/Twilio/messages?accountSid=${ACCOUNT}`, { method: 'GET' });
    expect(answer.status).toBe(400);
    expect(answer.json.error.hint).toBe(
      'Leave accountSid and accountToken out of the query, or POST /api/Twilio/listMessages with them in a JSON body.',
    );
  });
});

describe('a missing binding names the deploy that has it', () => {
  it('Idempotency-Key without the IDEMPOTENCY binding', async () => {
    const answer = await send(
      '/api/Twilio/sendSms',
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Idempotency-Key': crypto.randomUUID() },
        body: JSON.stringify(sms),
      },
      { IDEMPOTENCY: undefined },
    );
    expectError(
      answer,
      501,
      '[HTTP 501] Refused by the gateway: Idempotency-Key needs the IDEMPOTENCY Durable Object binding',
      {
        hint: "Deploy with wrangler.toml's IDEMPOTENCY binding, or send without Idempotency-Key.",
      },
    );
  });
});
