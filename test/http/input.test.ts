import { exports } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { installFakeTwilio } from '../fake-twilio';
import { ACCOUNT, call, expectError, post, postForm, send, sms, TOKEN } from '../helpers';

afterEach(() => vi.restoreAllMocks());

const json = (body: string, type = 'application/json') => ({
  method: 'POST',
  headers: { 'Content-Type': type },
  body,
});

describe('JSON input', () => {
  it('the {"args": {...}} wrapper sends the same form as a flat body', async () => {
    const { seen } = installFakeTwilio();
    const flat = await post('makeCall', { ...call, statusCallbackEvent: ['initiated'], record: true });
    const wrapped = await post('makeCall', { args: { ...call, statusCallbackEvent: ['initiated'], record: true } });
    expect(flat.json.callback).toBe('success');
    expect(wrapped.json).toEqual(flat.json);
    expect(seen).toHaveLength(2);
    expect(seen[1]!.body).toBe(seen[0]!.body);
    expect(seen[1]!.headers.authorization).toBe(seen[0]!.headers.authorization);
  });
  it('credentials at the top level and the rest in args send the same as a flat body', async () => {
    const { seen } = installFakeTwilio();
    const { accountSid, accountToken, ...rest } = sms;
    expect((await post('sendSms', sms)).json.callback).toBe('success');
    const answer = await post('sendSms', { accountSid, accountToken, args: rest });
    expect(answer.json.callback).toBe('success');
    expect([...seen[1]!.form.keys()]).toEqual(['From', 'To', 'Body']);
    expect(seen[1]!.body).toBe(seen[0]!.body);
    expect(seen[1]!.headers.authorization).toBe(seen[0]!.headers.authorization);
    expect(new URL(seen[1]!.url).pathname).toContain(ACCOUNT);
  });
  it('args that is not an object is an unknown field', async () => {
    const { seen } = installFakeTwilio();
    expectError(
      await post('sendSms', { args: 'x' }),
      400,
      '[HTTP 400] Unable to create record: Unknown parameter: args',
    );
    expect(seen).toHaveLength(0);
  });
  it('an unknown field inside args is still refused', async () => {
    const { seen } = installFakeTwilio();
    const answer = await post('sendSms', { args: { ...sms, statusCallBack: 'https://e.com/x' } });
    expectError(answer, 400, '[HTTP 400] Unable to create record: Unknown parameter: statusCallBack');
    expect(seen).toHaveLength(0);
  });
  it("'' and null count as absent", async () => {
    const { seen } = installFakeTwilio();
    await post('sendSms', sms);
    const { status, json } = await post('sendSms', {
      ...sms,
      messagingServiceSid: '',
      statusCallback: null,
      maxPrice: '',
      provideFeedback: null,
      mediaUrl: '',
      sendAt: null,
    });
    expect(json.callback).toBe('success');
    expect(status).toBe(200);
    expect([...seen[1]!.form.keys()]).toEqual(['From', 'To', 'Body']);
    expect(seen[1]!.body).toBe(seen[0]!.body);
  });
  it("'' for a required field is a missing field (Twilio's own answer), not sent", async () => {
    const { seen } = installFakeTwilio();
    const answer = await post('sendSms', { ...sms, from: '' });
    expectError(answer, 400, "[HTTP 400] Unable to create record: A 'From' phone number is required.", {
      code: 21603,
    });
    expect(seen).toHaveLength(0);
  });
  it('application/json with a charset and +json media types are JSON', async () => {
    const { seen } = installFakeTwilio();
    const a = await send('/api/Twilio/sendSms', json(JSON.stringify(sms), 'application/json; charset=utf-8'));
    const b = await send('/api/Twilio/sendSms', json(JSON.stringify(sms), 'application/vnd.api+json'));
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(seen).toHaveLength(2);
  });
  it('a __proto__ key is an unknown field, not a prototype that fills in fields', async () => {
    const { seen } = installFakeTwilio();
    const body = '{"__proto__":{"to":"+14155550100"},"from":"+15005550006","body":"x"}';
    const answer = await send('/api/Twilio/sendSms', json(body));
    expectError(answer, 400, '[HTTP 400] Unable to create record: Unknown parameter: __proto__');
    expect(seen).toHaveLength(0);
  });
  it('an unknown field is a 400 that names it, and Twilio is not called', async () => {
    const { seen } = installFakeTwilio();
    const answer = await post('sendSms', { ...sms, statusCallBack: 'https://e.com/cb' });
    expectError(answer, 400, '[HTTP 400] Unable to create record: Unknown parameter: statusCallBack');
    expect(seen).toHaveLength(0);
  });
  it('a field of another block is unknown here', async () => {
    const { seen } = installFakeTwilio();
    expectError(
      await post('sendSms', { ...sms, url: 'https://e.com/x' }),
      400,
      '[HTTP 400] Unable to create record: Unknown parameter: url',
    );
    expectError(
      await post('makeCall', { ...call, body: 'hi' }),
      400,
      '[HTTP 400] Unable to create record: Unknown parameter: body',
    );
    expect(seen).toHaveLength(0);
  });
  it('malformed JSON is a 400 envelope', async () => {
    const { seen } = installFakeTwilio();
    const answer = await send('/api/Twilio/sendSms', json('{"to": "+1500'));
    expectError(answer, 400, '[HTTP 400] Unable to create record: Malformed JSON in request body');
    expect(seen).toHaveLength(0);
  });
  it.each([
    ['an array', JSON.stringify([sms])],
    ['a string', '"hello"'],
    ['a number', '42'],
    ['null', 'null'],
  ])('a JSON body that is %s is a 400 envelope', async (_, body) => {
    const { seen } = installFakeTwilio();
    const answer = await send('/api/Twilio/sendSms', json(body));
    expectError(answer, 400, '[HTTP 400] Unable to create record: The request body must be a JSON object or a form');
    expect(seen).toHaveLength(0);
  });
  it('an empty JSON body is a 400 envelope', async () => {
    installFakeTwilio();
    const answer = await send('/api/Twilio/sendSms', json(''));
    expect(answer.status).toBe(400);
    expect(answer.json.callback).toBe('error');
    expect(answer.json.contextWrites.to).toMatch(/^\[HTTP 400\] Unable to create record: /);
  });
});

describe('content types', () => {
  it.each([
    ['text/plain', { 'Content-Type': 'text/plain' }],
    ['application/xml', { 'Content-Type': 'application/xml' }],
    ['no content type', {}],
  ])('%s is a 415 envelope', async (_, headers) => {
    const { seen } = installFakeTwilio();
    const answer = await send('/api/Twilio/sendSms', { method: 'POST', headers, body: JSON.stringify(sms) });
    expectError(
      answer,
      415,
      '[HTTP 415] Unable to create record: Content-Type must be application/json or application/x-www-form-urlencoded',
    );
    expect(seen).toHaveLength(0);
  });
});

describe('form input', () => {
  it('application/x-www-form-urlencoded with repeated keys', async () => {
    const { seen } = installFakeTwilio();
    const form = new URLSearchParams([
      ['accountSid', ACCOUNT],
      ['accountToken', TOKEN],
      ['from', '+15005550006'],
      ['to', '+15005550009'],
      ['body', 'hello form'],
      ['mediaUrl', 'https://e.com/a.png'],
      ['mediaUrl', 'https://e.com/b.png'],
      ['provideFeedback', 'true'],
      ['validityPeriod', '60'],
      ['statusCallback', ''],
    ]);
    const { status, json } = await postForm('sendSms', form);
    expect(json.callback, JSON.stringify(json)).toBe('success');
    expect(status).toBe(200);
    expect(seen[0]!.body).toBe(
      'From=%2B15005550006&To=%2B15005550009&Body=hello+form&MediaUrl=https%3A%2F%2Fe.com%2Fa.png' +
        '&MediaUrl=https%3A%2F%2Fe.com%2Fb.png&ProvideFeedback=true&ValidityPeriod=60',
    );
  });
  it('form: one mediaUrl is a list of one, events may repeat or be one string', async () => {
    const { seen } = installFakeTwilio();
    const mms = new URLSearchParams({ ...sms, body: '', mediaUrl: 'https://e.com/a.png' });
    expect((await postForm('sendMms', mms)).status).toBe(200);
    expect(seen[0]!.form.getAll('MediaUrl')).toEqual(['https://e.com/a.png']);
    expect(seen[0]!.form.has('Body')).toBe(false);

    const repeated = new URLSearchParams({ ...call, timeout: '20', record: 'false' });
    repeated.append('statusCallbackEvent', 'initiated');
    repeated.append('statusCallbackEvent', 'completed');
    expect((await postForm('makeCall', repeated)).status).toBe(200);
    expect(seen[1]!.form.getAll('StatusCallbackEvent')).toEqual(['initiated', 'completed']);
    expect(seen[1]!.form.get('Timeout')).toBe('20');
    expect(seen[1]!.form.get('Record')).toBe('false');

    const spaced = new URLSearchParams({ ...call, statusCallbackEvent: 'ringing answered' });
    expect((await postForm('makeCall', spaced)).status).toBe(200);
    expect(seen[2]!.form.getAll('StatusCallbackEvent')).toEqual(['ringing', 'answered']);
  });
  it('multipart/form-data', async () => {
    const { seen } = installFakeTwilio();
    const form = new FormData();
    for (const [k, v] of Object.entries(call)) form.append(k, v);
    form.append('statusCallbackEvent', 'initiated');
    form.append('statusCallbackEvent', 'answered');
    form.append('method', 'post');
    const { status, json } = await postForm('makeCall', form);
    expect(json.callback, JSON.stringify(json)).toBe('success');
    expect(status).toBe(200);
    expect(seen[0]!.body).toBe(
      'From=%2B15005550006&To=%2B14155550100&Url=http%3A%2F%2Fdemo.twilio.com%2Fdocs%2Fvoice.xml&Method=POST' +
        '&StatusCallbackEvent=initiated&StatusCallbackEvent=answered',
    );
  });
  it('a form with an unknown field names it', async () => {
    const { seen } = installFakeTwilio();
    const answer = await postForm('sendSms', new URLSearchParams({ ...sms, statusCallBack: 'https://e.com' }));
    expectError(answer, 400, '[HTTP 400] Unable to create record: Unknown parameter: statusCallBack');
    expect(seen).toHaveLength(0);
  });
  it('a form with Twilio-style PascalCase keys is refused, not silently dropped', async () => {
    const { seen } = installFakeTwilio();
    const answer = await postForm('sendSms', new URLSearchParams({ ...sms, Body: 'x' }));
    expectError(answer, 400, '[HTTP 400] Unable to create record: Unknown parameter: Body');
    expect(seen).toHaveLength(0);
  });
  it('a multipart file where a string is expected is refused', async () => {
    const { seen } = installFakeTwilio();
    const form = new FormData();
    for (const [k, v] of Object.entries(sms)) if (k !== 'body') form.append(k, v);
    form.append('body', new File(['hi'], 'body.txt', { type: 'text/plain' }));
    const answer = await postForm('sendSms', form);
    expect(answer.status).toBe(400);
    expect(answer.json.callback).toBe('error');
    expect(seen).toHaveLength(0);
  });
});

describe('routes', () => {
  it.each(['/api/Twilio/sendSms', '/api/twilio/sendSms', '/api/TWILIO/sendSms', '/api/tWiLiO/sendSms'])(
    '%s sends an sms',
    async (path) => {
      const { seen } = installFakeTwilio();
      const answer = await send(path, json(JSON.stringify(sms)));
      expect(answer.json.callback).toBe('success');
      expect(answer.status).toBe(200);
      expect(seen).toHaveLength(1);
    },
  );
  it('each block answers on its own route and creates its own resource', async () => {
    const { seen } = installFakeTwilio();
    expect((await post('makeCall', call)).json.contextWrites.to.sid).toMatch(/^CA/);
    expect((await post('sendSms', sms)).json.contextWrites.to.sid).toMatch(/^SM/);
    expect((await post('sendMms', { ...sms, mediaUrl: 'https://e.com/a.png' })).json.contextWrites.to.sid).toMatch(
      /^SM/,
    );
    expect(seen.map((s) => new URL(s.url).pathname)).toEqual([
      `/2010-04-01/Accounts/${ACCOUNT}/Calls.json`,
      `/2010-04-01/Accounts/${ACCOUNT}/Messages.json`,
      `/2010-04-01/Accounts/${ACCOUNT}/Messages.json`,
    ]);
  });
  it.each([
    ['POST', '/api/Twilio/sendFax'],
    ['GET', '/'],
    ['POST', '/api/Twillio/sendSms'],
  ])('%s %s is a 404 envelope', async (method, path) => {
    const { seen } = installFakeTwilio();
    const init: RequestInit = method === 'GET' ? { method } : json(JSON.stringify(sms));
    if (method !== 'GET') init.method = method;
    const answer = await send(path, init);
    expectError(answer, 404, `[HTTP 404] Unable to create record: No route for ${method} ${path}`);
    expect(seen).toHaveLength(0);
  });
});

describe('the Worker entry point', () => {
  it('exports.default.fetch serves a block with the Worker’s own env', async () => {
    const { seen } = installFakeTwilio();
    const res = await exports.default.fetch(
      new Request('https://gateway.test/api/twilio/sendSms', json(JSON.stringify(sms))),
    );
    expect(res.status).toBe(200);
    expect(((await res.json()) as Record<string, any>).contextWrites.to.sid).toMatch(/^SM/);
    expect(seen).toHaveLength(1);
  });
  it('exports.default.fetch serves a form post and the documented errors', async () => {
    const { seen } = installFakeTwilio();
    const form = await exports.default.fetch(
      new Request('https://gateway.test/api/Twilio/makeCall', {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ ...call, method: 'test' }),
      }),
    );
    expect(form.status).toBe(400);
    expect(await form.json()).toMatchObject({
      callback: 'error',
      contextWrites: { to: '[HTTP 400] Unable to create record: Method is not valid: TEST' },
    });
    expect(seen).toHaveLength(0);
  });
});
