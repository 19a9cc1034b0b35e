import { describe, expect, it } from 'vitest';
import { inboxOf } from '../../src/inbound/store';
import { ENV_ACCOUNT, envWith, expectError, post, send } from '../helpers';
import { NUMBER, twimlOf } from '../inbound/helpers';
import { person } from '../optouts/helpers';

const SANDBOX = { TWILIO_MODE: 'sandbox' };
/** INBOUND answering a message and a call with the person's number: proof the webhook verified and acted. */
const HELLO = JSON.stringify({
  messages: { default: { action: 'reply', message: 'Hello {{From}}' } },
  voice: { default: { action: 'say', text: 'Hello {{From}}' } },
});
const REFUSED = '[HTTP 400] Unable to create record: Attempt to send to unsubscribed recipient';

/** The sandbox inbox: the person replies `body` to `to` (through the real app, with the suite's caller key). */
function reply(body: unknown, overrides: Record<string, string | undefined> = SANDBOX, key = true) {
  return send(
    '/api/Twilio/sandbox/inbound',
    {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        ...(key ? {} : { Authorization: 'Bearer wrong-key-0123456789abcdef' }),
      },
      body: JSON.stringify(body),
    },
    overrides,
  );
}

describe('POST /api/Twilio/sandbox/inbound: the playground replies as the recipient', () => {
  it('a STOP stops the next send before the emulator sees it, and START lets sends through again', async () => {
    const them = person();
    const sms = { from: NUMBER, to: them, body: 'Your code is 1234' };
    expect((await post('sendSms', sms, SANDBOX)).json.callback).toBe('success');

    const stop = await reply({ from: them, to: NUMBER, body: 'STOP' });
    expect(stop.status).toBe(200);
    expect(stop.json.callback).toBe('success');
    const answer = stop.json.contextWrites.to;
    expect(answer).toMatchObject({ status: 200, contentType: 'text/xml; charset=utf-8', answer: twimlOf() });
    // Twilio's fields, as the emulator signed them: the Worker's webhook verified them before acting.
    expect(answer.fields).toMatchObject({ AccountSid: ENV_ACCOUNT, From: them, To: NUMBER, Body: 'STOP' });
    expect(answer.fields.MessageSid).toMatch(/^SM[0-9a-f]{32}$/);

    // The hint is true of every way onto the list (a STOP, addOptOut, Twilio's 21610) and says how off it.
    expectError(await post('sendSms', sms, SANDBOX), 400, REFUSED, {
      code: 21610,
      source: 'gateway',
      hint: /^This person opted out of this sender: they replied STOP, were added with addOptOut, or Twilio refused them with 21610\. They opt back in by replying START; if they asked to be contacted again, removeOptOut /,
    });
    // Another person, and another sender, are not affected.
    expect((await post('sendSms', { ...sms, to: person() }, SANDBOX)).json.callback).toBe('success');

    expect((await reply({ from: them, to: NUMBER, body: ' start ' })).status).toBe(200);
    expect((await post('sendSms', sms, SANDBOX)).json.callback).toBe('success');
  });

  it('records the reply in the number’s inbox, as a real message is', async () => {
    const them = person();
    const res = await reply({ from: them, to: NUMBER, body: 'Is my order late?' });
    const sid = res.json.contextWrites.to.fields.MessageSid as string;
    const page = await inboxOf(envWith(SANDBOX), NUMBER).list({ from: them, limit: 5 });
    expect(page.messages.map((m) => m.sid)).toEqual([sid]);
  });

  it('an incoming call is answered by the voice webhook', async () => {
    const inbound = JSON.stringify({ voice: { default: { action: 'say', text: 'Hello {{From}}' } } });
    const them = person();
    const res = await reply({ from: them, to: NUMBER, kind: 'call' }, { ...SANDBOX, INBOUND: inbound });
    expect(res.json.contextWrites.to).toMatchObject({ status: 200, answer: twimlOf(`<Say>Hello ${them}</Say>`) });
    expect(res.json.contextWrites.to.fields).toMatchObject({ CallStatus: 'ringing', From: them });
  });

  it('signs with the Worker’s own token: PUBLIC_URL, when set, is the URL signed and verified', async () => {
    const res = await reply(
      { from: person(), to: NUMBER, body: 'hi' },
      { ...SANDBOX, PUBLIC_URL: 'https://sms.example.com' },
    );
    expect(res.json.contextWrites.to.status).toBe(200);
  });

  for (const kind of ['message', 'call'] as const) {
    it(`behind a proxy, a PUBLIC_URL with a path: the ${kind} is signed over it and delivered at the Worker's own path`, async () => {
      // A proxy at https://sms.example.com/gw strips /gw: the Worker sees /twilio/..., Twilio signed PUBLIC_URL's.
      const them = person();
      const overrides = { ...SANDBOX, PUBLIC_URL: 'https://sms.example.com/gw', INBOUND: HELLO };
      const res = await reply({ from: them, to: NUMBER, body: 'hi', kind }, overrides);
      const answer = res.json.contextWrites.to;
      const verb = kind === 'call' ? `<Say>Hello ${them}</Say>` : `<Message>Hello ${them}</Message>`;
      expect({ status: answer.status, answer: answer.answer }).toEqual({ status: 200, answer: twimlOf(verb) });
    });
  }

  it('refuses bad input with a 400 that names the field', async () => {
    expectError(
      await reply({ from: '4155550100', to: NUMBER, body: 'STOP' }),
      400,
      "[HTTP 400] Unable to create record: The sandbox inbox's from must be the person's number in E.164, such as +14155550100 (or whatsapp:+…)",
    );
    expectError(
      await reply({ from: person(), to: NUMBER, Body: 'STOP' }),
      400,
      '[HTTP 400] Unable to create record: Unknown field Body in the sandbox inbox',
    );
    expectError(
      await reply([{ from: person(), to: NUMBER, body: 'STOP' }]),
      400,
      '[HTTP 400] Unable to create record: The sandbox inbox takes a JSON object: from, to, body',
    );
    const form = await send(
      '/api/Twilio/sandbox/inbound',
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: `from=${encodeURIComponent(person())}&to=${encodeURIComponent(NUMBER)}&body=STOP`,
      },
      SANDBOX,
    );
    expectError(form, 415, '[HTTP 415] Unable to create record: Content-Type must be application/json', {
      hint: /application\/json/,
    });
    expectError(
      await reply({ from: person(), to: NUMBER, body: 'x'.repeat(1601) }),
      400,
      "[HTTP 400] Unable to create record: The sandbox inbox's body must be text of at most 1600 characters",
    );
  });

  it('is not there in live mode, and needs a caller key where the Worker has API_KEYS', async () => {
    expectError(
      await reply({ from: person(), to: NUMBER, body: 'STOP' }, { TWILIO_MODE: 'live' }),
      404,
      '[HTTP 404] Refused by the gateway: The sandbox inbox answers in sandbox mode only (TWILIO_MODE=sandbox)',
    );
    const anonymous = await reply({ from: person(), to: NUMBER, body: 'STOP' }, SANDBOX, false);
    expect(anonymous.status).toBe(401);
  });
});
