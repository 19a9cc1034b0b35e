import { afterEach, describe, expect, it, vi } from 'vitest';
import { installFakeTwilio, twilioErrorResponse } from '../fake-twilio';
import { ACCOUNT, call, expectError, mms, post, send, sms, TOKEN } from '../helpers';

afterEach(() => vi.restoreAllMocks());

const noEnvCredentials = { TWILIO_ACCOUNT_SID: undefined, TWILIO_AUTH_TOKEN: undefined };

describe('the documented strings, exactly', () => {
  it.each([
    ['makeCall', call],
    ['sendSms', sms],
    ['sendMms', mms],
  ])('%s: Credentials are required to create a Client', async (block, body) => {
    const { seen } = installFakeTwilio();
    const { accountSid: _, accountToken: __, ...rest } = body;
    const answer = await post(block, rest, noEnvCredentials);
    expectError(answer, 400, 'Credentials are required to create a Client');
    expect(seen).toHaveLength(0);
  });
  it('a request sid without its token is not a credential pair', async () => {
    const { seen } = installFakeTwilio();
    const answer = await post('sendSms', { ...sms, accountToken: undefined }, noEnvCredentials);
    expectError(answer, 400, 'Credentials are required to create a Client');
    expect(seen).toHaveLength(0);
  });

  it('[HTTP 404] for the block doc’s short account sid, locally', async () => {
    const { seen } = installFakeTwilio();
    const answer = await post('sendSms', { ...sms, accountSid: 'AC5f37acb25ffaeb498a78' });
    expectError(
      answer,
      404,
      '[HTTP 404] Unable to create record: The requested resource /2010-04-01/Accounts/AC5f37acb25ffaeb498a78/Messages.json was not found',
      { code: 20404 },
    );
    expect(seen).toHaveLength(0);
  });
  it('[HTTP 404] names Calls.json for makeCall', async () => {
    const { seen } = installFakeTwilio();
    const answer = await post('makeCall', { ...call, accountSid: 'XXXX' });
    expectError(
      answer,
      404,
      '[HTTP 404] Unable to create record: The requested resource /2010-04-01/Accounts/XXXX/Calls.json was not found',
      { code: 20404 },
    );
    expect(seen).toHaveLength(0);
  });
  it('[HTTP 404] when Twilio answers 404 for a well-formed sid', async () => {
    const message = `The requested resource /2010-04-01/Accounts/${ACCOUNT}/Messages.json was not found`;
    const { seen } = installFakeTwilio(() => twilioErrorResponse(404, 20404, message));
    const answer = await post('sendSms', sms);
    expectError(answer, 404, `[HTTP 404] Unable to create record: ${message}`, { code: 20404 });
    expect(seen).toHaveLength(1);
  });
  it('[HTTP 401] Unable to create record: Authenticate (Twilio 401 body)', async () => {
    const { seen } = installFakeTwilio(() => twilioErrorResponse(401, 20003, 'Authenticate'));
    const answer = await post('sendSms', sms);
    expectError(answer, 401, '[HTTP 401] Unable to create record: Authenticate', { code: 20003 });
    expect(seen).toHaveLength(1);
  });
  it("[HTTP 400] Unable to create record: A 'From' phone number is required. (local)", async () => {
    const { seen } = installFakeTwilio();
    const answer = await post('sendSms', { ...sms, from: undefined });
    expectError(answer, 400, "[HTTP 400] Unable to create record: A 'From' phone number is required.", {
      code: 21603,
    });
    expect(seen).toHaveLength(0);
  });
  it('[HTTP 400] Unable to create record: Method is not valid: TEST (the block doc example)', async () => {
    const { seen } = installFakeTwilio();
    const answer = await post('makeCall', {
      accountSid: ACCOUNT,
      accountToken: TOKEN,
      from: '+15005550006',
      to: '+15005260006',
      url: 'http://demo.twilio.com/docs/voice.xml',
      method: 'test',
    });
    expectError(answer, 400, '[HTTP 400] Unable to create record: Method is not valid: TEST', { code: 21209 });
    expect(seen).toHaveLength(0);
  });
  it('other method fields name themselves', async () => {
    installFakeTwilio();
    expectError(
      await post('makeCall', { ...call, statusCallbackMethod: 'put' }),
      400,
      '[HTTP 400] Unable to create record: StatusCallbackMethod is not valid: PUT',
      { code: 21209 },
    );
  });
  it('in general, [HTTP <status>] Unable to create record: <Twilio message>', async () => {
    const message = "The 'To' number +15005550001 is not a valid phone number.";
    const { seen } = installFakeTwilio(() => twilioErrorResponse(400, 21211, message));
    const answer = await post('sendSms', { ...sms, to: '+15005550001' });
    expectError(answer, 400, `[HTTP 400] Unable to create record: ${message}`, { code: 21211 });
    expect(seen).toHaveLength(1);
  });
  it('more_info from Twilio is passed through', async () => {
    installFakeTwilio(
      () =>
        new Response(
          JSON.stringify({
            code: 21606,
            message: 'not yours',
            more_info: 'https://www.twilio.com/docs/errors/21606?x',
          }),
          { status: 400, headers: { 'Content-Type': 'application/json' } },
        ),
    );
    expectError(await post('sendSms', sms), 400, '[HTTP 400] Unable to create record: not yours', {
      code: 21606,
      moreInfo: 'https://www.twilio.com/docs/errors/21606?x',
    });
  });
});

describe('required groups, with Twilio’s codes and messages, and Twilio not called', () => {
  it.each([
    ['sendSms', { ...sms, to: undefined }, 21604, "A 'To' phone number is required."],
    ['sendSms', { ...sms, from: undefined }, 21603, "A 'From' phone number is required."],
    ['sendSms', { ...sms, body: undefined }, 21602, 'Message body is required.'],
    ['sendMms', { ...mms, to: undefined }, 21604, "A 'To' phone number is required."],
    ['sendMms', { ...mms, from: undefined }, 21603, "A 'From' phone number is required."],
    [
      'sendMms',
      { ...mms, mediaUrl: undefined, body: 'only text' },
      21602,
      'A media message requires at least one MediaUrl.',
    ],
    ['makeCall', { ...call, to: undefined }, 21201, "No 'To' number is specified"],
    ['makeCall', { ...call, from: undefined }, 21213, "No 'From' number is specified"],
    [
      'makeCall',
      { ...call, url: undefined },
      21205,
      'Url parameter is required. For more information, see http://www.twilio.com/docs/api/twiml',
    ],
  ])('%s %j → %i', async (block, body, code, message) => {
    const { seen } = installFakeTwilio();
    const answer = await post(block, body);
    expectError(answer, 400, `[HTTP 400] Unable to create record: ${message}`, { code });
    expect(seen).toHaveLength(0);
  });
  it('an empty body names the first group', async () => {
    installFakeTwilio();
    expectError(
      await post('sendSms', {}),
      400,
      "[HTTP 400] Unable to create record: A 'To' phone number is required.",
      {
        code: 21604,
      },
    );
    expectError(await post('makeCall', {}), 400, "[HTTP 400] Unable to create record: No 'To' number is specified", {
      code: 21201,
    });
  });
  it.each([
    ['sendSms', { ...sms, from: undefined, messagingServiceSid: 'MG0123456789abcdef0123456789abcdef' }],
    ['sendSms', { ...sms, body: undefined, mediaUrl: ['https://e.com/a.png'] }],
    ['sendSms', { ...sms, body: undefined, contentSid: 'HX0123456789abcdef0123456789abcdef' }],
    ['sendMms', { ...mms, body: 'with text' }],
    ['makeCall', { ...call, url: undefined, twiml: '<Response/>' }],
    ['makeCall', { ...call, url: undefined, applicationSid: 'AP0123456789abcdef0123456789abcdef' }],
  ])('%s: any member of a group satisfies it (%j)', async (block, body) => {
    const { seen } = installFakeTwilio();
    const answer = await post(block, body);
    expect(answer.json.callback, JSON.stringify(answer.json)).toBe('success');
    expect(seen).toHaveLength(1);
  });
});

describe('local checks read like Twilio’s', () => {
  it.each([
    [
      'sendSms',
      { ...sms, body: 'x'.repeat(1601) },
      21617,
      'The concatenated message body exceeds the 1600 character limit.',
    ],
    [
      'sendMms',
      { ...mms, mediaUrl: Array.from({ length: 11 }, (_, i) => `https://e.com/${i}.png`) },
      21623,
      'Too many media urls. The maximum is 10.',
    ],
    ['sendMms', { ...mms, mediaUrl: '/a.png' }, 21620, 'Media urls: /a.png are invalid. Please use absolute urls.'],
    [
      'sendMms',
      { ...mms, mediaUrl: ['https://e.com/a.png', '/b.png'] },
      21620,
      'Media urls: /b.png are invalid. Please use absolute urls.',
    ],
    ['makeCall', { ...call, url: 'not a url' }, 21205, 'Url is not a valid URL: not a url'],
    ['makeCall', { ...call, sendDigits: '12x' }, 21206, 'SendDigits is not valid: 12x'],
    ['makeCall', { ...call, timeout: 601 }, 21208, 'Timeout is not valid: 601'],
    ['makeCall', { ...call, timeout: '0' }, 21208, 'Timeout is not valid: 0'],
    // Status callbacks: 21609 for a URL Twilio cannot call back (Messages: no _ in the host; 4,000 characters at
    // most), 21626 for an event it does not know. The messages are the docs' titles (FACTS.md).
    ['makeCall', { ...call, statusCallbackEvent: 'initiated,hangup' }, 21626, 'Invalid StatusCallbackEvent'],
    ['makeCall', { ...call, statusCallback: 'not a url' }, 21609, "Invalid 'StatusCallback'"],
    ['makeCall', { ...call, statusCallback: `https://e.com/${'x'.repeat(4000)}` }, 21609, "Invalid 'StatusCallback'"],
    ['sendSms', { ...sms, statusCallback: 'https://my_host.example.com/cb' }, 21609, "Invalid 'StatusCallback'"],
    ['sendSms', { ...sms, statusCallback: 'ftp://e.com/cb' }, 21609, "Invalid 'StatusCallback'"],
    ['sendSms', { ...sms, statusCallback: `https://e.com/${'x'.repeat(4000)}` }, 21609, "Invalid 'StatusCallback'"],
  ])('%s %#: %i', async (block, body, code, message) => {
    const { seen } = installFakeTwilio();
    expectError(await post(block, body), 400, `[HTTP 400] Unable to create record: ${message}`, { code });
    expect(seen).toHaveLength(0);
  });
  it.each([
    ['makeCall', { ...call, record: 'yes' }, "Invalid value for parameter 'Record': expected true or false"],
    // A value of the wrong type or shape gets the plain description, not Twilio's rule nor an echo of it.
    [
      'sendSms',
      { ...sms, body: 5 },
      "Invalid value for parameter 'Body': expected a string of at most 1600 characters",
    ],
    ['makeCall', { ...call, method: ['GET'] }, "Invalid value for parameter 'Method': expected one of GET, POST"],
    [
      'sendMms',
      { ...sms, mediaUrl: [] },
      "Invalid value for parameter 'MediaUrl': expected absolute http(s) URLs, as an array from 1 to 10",
    ],
    ['makeCall', { ...call, timeout: 1.5 }, 'Timeout is not valid: 1.5'],
    [
      'makeCall',
      { ...call, recordingChannels: 'stereo' },
      "Invalid value for parameter 'RecordingChannels': expected one of mono, dual",
    ],
    [
      'sendSms',
      { ...sms, sendAt: 'tomorrow' },
      "Invalid value for parameter 'SendAt': expected an ISO-8601 date-time with a time zone",
    ],
    [
      'sendSms',
      { ...sms, sendAt: '2026-12-01T10:00:00' },
      "Invalid value for parameter 'SendAt': expected an ISO-8601 date-time with a time zone",
    ],
    [
      'sendSms',
      { ...sms, sendAt: '2026-02-30T10:00:00Z' },
      "Invalid value for parameter 'SendAt': expected an ISO-8601 date-time with a time zone",
    ],
    [
      'sendSms',
      { ...sms, sendAt: '2027-02-29T10:00:00+01:00' },
      "Invalid value for parameter 'SendAt': expected an ISO-8601 date-time with a time zone",
    ],
    [
      'sendSms',
      { ...sms, sendAt: '2026-13-01T10:00:00Z' },
      "Invalid value for parameter 'SendAt': expected an ISO-8601 date-time with a time zone",
    ],
    [
      'sendSms',
      { ...sms, messagingServiceSid: 'MG123' },
      "Invalid value for parameter 'MessagingServiceSid': expected a SID: MG followed by 32 hex digits",
    ],
    [
      'sendSms',
      { ...sms, to: 42 },
      "Invalid value for parameter 'To': expected a phone number, SIP address or client identifier",
    ],
  ])('%s %#: a clear 400 naming the Twilio parameter', async (block, body, message) => {
    const { seen } = installFakeTwilio();
    expectError(await post(block, body), 400, `[HTTP 400] Unable to create record: ${message}`, {
      code: message.startsWith('Timeout') ? 21208 : null,
    });
    expect(seen).toHaveLength(0);
  });
});

describe('ERROR_STATUS=always-200', () => {
  const legacy = { ERROR_STATUS: 'always-200' };
  it('a local error answers HTTP 200 with the same error envelope', async () => {
    const { seen } = installFakeTwilio();
    const mirrored = await post('makeCall', { ...call, method: 'test' });
    const answer = await post('makeCall', { ...call, method: 'test' }, legacy);
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual(mirrored.json);
    expect(answer.json.contextWrites.to).toBe('[HTTP 400] Unable to create record: Method is not valid: TEST');
    expect(answer.json.error.status).toBe(400);
    expect(seen).toHaveLength(0);
  });
  it('a Twilio error answers HTTP 200 with the error envelope', async () => {
    installFakeTwilio(() => twilioErrorResponse(401, 20003, 'Authenticate'));
    const answer = await post('sendSms', sms, legacy);
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({
      callback: 'error',
      contextWrites: { to: '[HTTP 401] Unable to create record: Authenticate' },
      error: {
        status: 401,
        code: 20003,
        moreInfo: 'https://www.twilio.com/docs/errors/20003',
        retryable: false,
        source: 'twilio',
        hint: expect.stringMatching(/^Check accountSid and accountToken/),
      },
    });
  });
  it('missing credentials and a wrong content type too', async () => {
    installFakeTwilio();
    const text = await send(
      '/api/Twilio/sendSms',
      { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'hi' },
      legacy,
    );
    expect(text.status).toBe(200);
    expect(text.json.error.status).toBe(415);
    const none = await post(
      'sendSms',
      { ...sms, accountSid: undefined, accountToken: undefined },
      {
        ...legacy,
        ...noEnvCredentials,
      },
    );
    expect(none.status).toBe(200);
    expect(none.json.contextWrites.to).toBe('Credentials are required to create a Client');
  });
  it('success is unchanged', async () => {
    installFakeTwilio();
    const answer = await post('sendSms', sms, legacy);
    expect(answer.status).toBe(200);
    expect(answer.json.callback).toBe('success');
  });
});
