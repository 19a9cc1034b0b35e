import { afterEach, describe, expect, it, vi } from 'vitest';
import { app } from '../../src/http/app';
import { emulator, emulatorBindings } from '../../src/sandbox';
import { ENV_ACCOUNT, ENV_TOKEN, envWith, expectError, post } from '../helpers';
import { person } from '../optouts/helpers';
import { actAsThePerson, NUMBER, twimlOf } from './helpers';

const SANDBOX = { TWILIO_MODE: 'sandbox' };
const REFUSED = '[HTTP 400] Unable to create record: Attempt to send to unsubscribed recipient';

afterEach(() => vi.restoreAllMocks());

/** The emulator's outbound fetch reaches this Worker (sandbox mode) through the real app. */
function workerAsTheWebhook(overrides: Record<string, string> = {}) {
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) =>
    app.request(new Request(input, init), undefined, envWith({ ...SANDBOX, ...overrides })),
  );
}

describe('the sandbox end to end: the emulator acts as the person', () => {
  it('a STOP the person sends stops the next send, and START lets sends through again', async () => {
    const from = person();
    const sms = { from: NUMBER, to: from, body: 'Your code is 1234' };
    expect((await post('sendSms', sms, SANDBOX)).json.callback).toBe('success');
    workerAsTheWebhook();
    const stop = await actAsThePerson('/twilio/messages', { From: from, To: NUMBER, Body: 'stop' });
    expect(stop.json).toMatchObject({ status: 200, contentType: 'text/xml; charset=utf-8', answer: twimlOf() });
    expect(stop.json.fields).toMatchObject({
      AccountSid: ENV_ACCOUNT,
      From: from,
      To: NUMBER,
      Body: 'stop',
      SmsStatus: 'received',
    });
    vi.restoreAllMocks();
    expectError(await post('sendSms', sms, SANDBOX), 400, REFUSED, { code: 21610, source: 'gateway' });
    workerAsTheWebhook();
    await actAsThePerson('/twilio/messages', { From: from, To: NUMBER, Body: 'START' });
    vi.restoreAllMocks();
    expect((await post('sendSms', sms, SANDBOX)).json.callback).toBe('success');
  });

  it('an incoming call, signed by the emulator, is answered from INBOUND', async () => {
    workerAsTheWebhook({ INBOUND: JSON.stringify({ voice: { default: { action: 'say', text: 'Hello {{From}}' } } }) });
    const from = person();
    const answer = await actAsThePerson('/twilio/voice', { Kind: 'call', From: from, To: NUMBER });
    expect(answer.json).toMatchObject({ status: 200, answer: twimlOf(`<Say>Hello ${from}</Say>`) });
    expect(answer.json.fields).toMatchObject({ CallStatus: 'ringing', Direction: 'inbound', From: from });
  });

  it('refuses a call without the account’s credentials, and one without a Url', async () => {
    const bindings = emulatorBindings(
      { TWILIO_ACCOUNT_SID: ENV_ACCOUNT, TWILIO_AUTH_TOKEN: ENV_TOKEN },
      { callbacks: false, waitUntil: () => {} },
    );
    const path = `https://api.twilio.com/2010-04-01/Accounts/${ENV_ACCOUNT}/Sandbox/Inbound.json`;
    const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
    const anonymous = await emulator.fetch(
      new Request(path, { method: 'POST', headers: form, body: 'From=%2B1' }),
      bindings,
    );
    expect(anonymous.status).toBe(401);
    const noUrl = await actAsThePerson('/twilio/messages', { Url: 'not a url', From: '+1', To: NUMBER });
    expect(noUrl).toMatchObject({ status: 400, json: { code: 21205 } });
  });

  it('off a local run, posts to public URLs only, as its callbacks do', async () => {
    const fetched = vi.spyOn(globalThis, 'fetch');
    for (const url of [
      'http://127.0.0.1:8787/twilio/messages',
      'http://169.254.169.254/latest',
      'http://localhost/x',
    ]) {
      const refused = await actAsThePerson('/twilio/messages', { Url: url, From: person(), To: NUMBER, Body: 'hi' });
      expect(refused).toMatchObject({ status: 400, json: { code: 21205, message: `Url is not a public URL: ${url}` } });
    }
    expect(fetched).not.toHaveBeenCalled();
  });
});
