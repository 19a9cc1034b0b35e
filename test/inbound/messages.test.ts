import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { inboxOf } from '../../src/inbound/store';
import { REGIONS } from '../../src/optouts/regions';
import { optedOutOfAny } from '../../src/optouts/store';
import { defaultResponse, installFakeTwilio } from '../fake-twilio';
import { expectError, post, sms } from '../helpers';
import { person } from '../optouts/helpers';
import { messageFields, NUMBER, OPT_OUTS_FAILING, postWebhook, sidOf, twimlOf } from './helpers';

const REFUSED = '[HTTP 400] Unable to create record: Attempt to send to unsubscribed recipient';
const SERVICE = `MG${'0123456789abcdef'.repeat(2)}`;
const HELP = 'Acme alerts & news. Reply STOP to stop.';
const settings = (inbound: object) => ({ INBOUND: JSON.stringify({ help: HELP, ...inbound }) });

afterEach(() => vi.restoreAllMocks());

/** Whether `to` opted out of `sender`, as a send reads it in every region: they must all agree. */
async function optedOut(sender: string, to: string): Promise<boolean> {
  const seen = await Promise.all(REGIONS.map((region) => optedOutOfAny(env.OPT_OUT_STORE, [sender], to, region)));
  if (new Set(seen).size > 1) throw new Error(`the regions disagree on ${to}: ${seen.join(', ')}`);
  return seen[0] as boolean;
}

describe('POST /twilio/messages: the keywords, as Twilio matches them', () => {
  const optOuts = ['STOP', 'stop', ' Stop ', '\tSTOPALL\n', 'unsubscribe', 'Cancel', 'END', 'quit', 'QuIt  '];
  for (const body of optOuts) {
    it(`${JSON.stringify(body)} opts the person out of the number, and the next send to them is refused`, async () => {
      const from = person();
      const answer = await postWebhook(messageFields(from, body));
      expect(answer.status).toBe(200);
      expect(answer.res.headers.get('content-type')).toBe('text/xml; charset=utf-8');
      expect(answer.text).toBe(twimlOf());
      expect(await optedOut(NUMBER, from)).toBe(true);
      const { seen } = installFakeTwilio();
      expectError(await post('sendSms', { ...sms, to: from }), 400, REFUSED, { code: 21610, source: 'gateway' });
      expect(seen).toHaveLength(0);
    });
  }

  for (const body of ['START', ' yes', 'UnStop\r\n']) {
    it(`${JSON.stringify(body)} opts the person back in, and sends go out again`, async () => {
      const from = person();
      await postWebhook(messageFields(from, 'STOP'));
      const answer = await postWebhook(messageFields(from, body));
      expect(answer.text).toBe(twimlOf());
      expect(await optedOut(NUMBER, from)).toBe(false);
      installFakeTwilio();
      expect((await post('sendSms', { ...sms, to: from })).json.callback).toBe('success');
    });
  }

  for (const body of ['HELP', 'info', ' Help ']) {
    it(`${JSON.stringify(body)} answers the configured help text, escaped, and changes no opt-out`, async () => {
      const from = person();
      const answer = await postWebhook(messageFields(from, body), { env: settings({}) });
      expect(answer.text).toBe(twimlOf('<Message>Acme alerts &amp; news. Reply STOP to stop.</Message>'));
      expect(await optedOut(NUMBER, from)).toBe(false);
    });
  }

  it('HELP without a configured help text answers an empty Response', async () => {
    expect((await postWebhook(messageFields(person(), 'HELP'))).text).toBe(twimlOf());
  });

  for (const body of ['STOP PLEASE', 'stop.', 'S TOP', 'STOPP', '\uFF33\uFF34\uFF2F\uFF30', 'ſtop', '']) {
    it(`${JSON.stringify(body)} is not a keyword: nothing changes`, async () => {
      const from = person();
      await postWebhook(messageFields(from, body));
      expect(await optedOut(NUMBER, from)).toBe(false);
    });
  }
});

describe('POST /twilio/messages: the scope of an opt-out', () => {
  it('belongs to the pair: other numbers still send to the person, and the number to other people', async () => {
    const from = person();
    await postWebhook(messageFields(from, 'STOP'));
    const { seen } = installFakeTwilio();
    expect((await post('sendSms', { ...sms, from: '+15005550007', to: from })).json.callback).toBe('success');
    expect((await post('sendSms', { ...sms, to: person() })).json.callback).toBe('success');
    expect(seen).toHaveLength(2);
  });

  it('a number inside a Messaging Service opts the person out of the service too', async () => {
    const from = person();
    await postWebhook(messageFields(from, 'STOP', { MessagingServiceSid: SERVICE }));
    installFakeTwilio();
    const { from: _from, ...viaService } = sms;
    expectError(await post('sendSms', { ...viaService, messagingServiceSid: SERVICE, to: from }), 400, REFUSED, {
      code: 21610,
      source: 'gateway',
    });
    expect(await optedOut(NUMBER, from)).toBe(true);
  });

  it('with OPT_OUTS=off a STOP is recorded as a message but opts no one out', async () => {
    const from = person();
    await postWebhook(messageFields(from, 'STOP'), { env: { OPT_OUTS: 'off' } });
    expect(await optedOut(NUMBER, from)).toBe(false);
  });
});

describe('POST /twilio/messages: the signature', () => {
  const cases: [string, { signature?: string | null; token?: string }][] = [
    ['missing', { signature: null }],
    ['forged', { signature: 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=' }],
    ['made with another token', { token: 'not-the-account-token' }],
  ];
  for (const [name, options] of cases) {
    it(`a ${name} signature is a 403, and nothing is recorded: no opt-out, no message`, async () => {
      const from = person();
      const fields = messageFields(from, 'STOP', { To: '+15005550123' });
      const answer = await postWebhook(fields, options);
      expect(answer.status).toBe(403);
      expect(JSON.parse(answer.text).contextWrites.to).toBe(
        '[HTTP 403] Refused by the gateway: The X-Twilio-Signature is missing or wrong',
      );
      expect(await optedOut('+15005550123', from)).toBe(false);
      expect((await inboxOf(env, '+15005550123').list({ from, limit: 10 })).messages).toEqual([]);
    });
  }

  it('a signed body that was changed on the way is a 403', async () => {
    const fields = messageFields(person(), 'hello');
    const { twilioSignature } = await import('../../src/twilio/signature');
    const signature = await twilioSignature(
      'env-secret-token-never-echoed',
      'https://gateway.example.com/twilio/messages',
      new URLSearchParams({ ...fields, Body: 'other' }),
    );
    expect((await postWebhook(fields, { signature })).status).toBe(403);
  });

  it('a webhook without a MessageSid, From or To is a 400', async () => {
    const { MessageSid: _sid, ...fields } = messageFields(person(), 'hi');
    expect((await postWebhook(fields)).status).toBe(400);
  });
});

describe('POST /twilio/messages: retries and races', () => {
  it("Twilio's retry of a message is recorded once and answered the same", async () => {
    const fields = messageFields(person(), 'hello', { To: '+15005550124' });
    const inbound = settings({ messages: { default: { action: 'reply', message: 'Got it, {{From}}' } } });
    const first = await postWebhook(fields, { env: inbound, idempotency: 'token-1' });
    const again = await postWebhook(fields, { env: inbound, idempotency: 'token-1' });
    expect(again.text).toBe(first.text);
    expect(first.text).toBe(twimlOf(`<Message>Got it, ${fields.From}</Message>`));
    const page = await inboxOf(env, '+15005550124').list({ from: fields.From, limit: 10 });
    expect(page.messages.map((m) => m.sid)).toEqual([fields.MessageSid]);
  });

  it('a retry of an old START after a later STOP changes nothing: the person stays opted out', async () => {
    const from = person();
    await postWebhook(messageFields(from, 'STOP'));
    const start = messageFields(from, 'START');
    await postWebhook(start);
    expect(await optedOut(NUMBER, from)).toBe(false);
    await postWebhook(messageFields(from, 'STOP'));
    const retry = await postWebhook(start);
    expect(retry.text).toBe(twimlOf());
    expect(await optedOut(NUMBER, from)).toBe(true);
  });

  it('a retry of a START whose write failed half-way undoes no later STOP: keywords are ordered by arrival', async () => {
    const from = person();
    const to = '+15005550128';
    const tick = () => new Promise((resolve) => setTimeout(resolve, 5));
    await postWebhook(messageFields(from, 'STOP', { To: to }));
    // The home store takes the START, the regional replicas fail: a 500, and the START is not marked done.
    const replicasFailing = {
      OPT_OUT_STORE: {
        idFromName: (name: string) => env.OPT_OUT_STORE.idFromName(name),
        get: (id: DurableObjectId, options?: { locationHint?: string }) =>
          options?.locationHint
            ? { apply: () => Promise.reject(new Error('a region is unavailable')) }
            : env.OPT_OUT_STORE.get(id),
      } as unknown as string,
    };
    await tick();
    const start = messageFields(from, 'START', { To: to });
    expect((await postWebhook(start, { env: replicasFailing })).status).toBe(500);
    await tick();
    await postWebhook(messageFields(from, 'STOP', { To: to }));
    expect(await optedOut(to, from)).toBe(true);
    // Twilio retries the START: said before the STOP, it changes nothing.
    expect((await postWebhook(start)).status).toBe(200);
    expect(await optedOut(to, from)).toBe(true);
  });

  it('a retry of a STOP whose opt-out write failed applies it, once recorded', async () => {
    const from = person();
    const stop = messageFields(from, 'STOP', { To: '+15005550127' });
    const failed = await postWebhook(stop, { env: OPT_OUTS_FAILING });
    expect(failed.status).toBe(500);
    expect((await inboxOf(env, '+15005550127').list({ from, limit: 10 })).messages).toHaveLength(1);
    expect(await optedOut('+15005550127', from)).toBe(false);
    expect((await postWebhook(stop)).status).toBe(200);
    expect(await optedOut('+15005550127', from)).toBe(true);
  });

  it('a send that reached Twilio before the STOP was answered is sent; one started after it is refused', async () => {
    const from = person();
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let arrived = () => {};
    const atTwilio = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    // Twilio holds the first send until the STOP was answered; any later send would be answered at once.
    const { seen } = installFakeTwilio(async (request, attempt) => {
      if (attempt === 1) {
        arrived();
        await held;
      }
      return defaultResponse(request);
    });
    const before = post('sendSms', { ...sms, to: from });
    try {
      await atTwilio;
      const stop = await postWebhook(messageFields(from, 'STOP'));
      expect(stop.text).toBe(twimlOf());
      expectError(await post('sendSms', { ...sms, to: from }), 400, REFUSED, { code: 21610, source: 'gateway' });
    } finally {
      release();
    }
    expect((await before).json.callback).toBe('success');
    expect(seen).toHaveLength(1);
    expect(seen[0]?.form.get('To')).toBe(from);
  });
});

describe('POST /twilio/messages: auto-replies', () => {
  const replies = settings({ messages: { default: { action: 'reply', message: 'You said: {{Body}}' } } });

  it('answers no one who opted out: an empty Response, while HELP still answers the help text', async () => {
    const from = person();
    expect((await postWebhook(messageFields(from, 'hello?'), { env: replies })).text).toBe(
      twimlOf('<Message>You said: hello?</Message>'),
    );
    await postWebhook(messageFields(from, 'STOP'), { env: replies });
    expect((await postWebhook(messageFields(from, 'hello?'), { env: replies })).text).toBe(twimlOf());
    expect((await postWebhook(messageFields(from, 'HELP'), { env: replies })).text).toBe(
      twimlOf('<Message>Acme alerts &amp; news. Reply STOP to stop.</Message>'),
    );
  });

  it('answers no one who opted out of the Messaging Service that received the message', async () => {
    const from = person();
    await postWebhook(messageFields(from, 'STOP', { To: '+15005550128', MessagingServiceSid: SERVICE }));
    const answer = await postWebhook(
      messageFields(from, 'hello?', { To: '+15005550129', MessagingServiceSid: SERVICE }),
      {
        env: replies,
      },
    );
    expect(answer.text).toBe(twimlOf());
  });

  it('with OPT_OUTS=off an auto-reply reads no opt-out: it answers', async () => {
    const from = person();
    await postWebhook(messageFields(from, 'STOP'));
    const answer = await postWebhook(messageFields(from, 'hello?'), { env: { ...replies, OPT_OUTS: 'off' } });
    expect(answer.text).toBe(twimlOf('<Message>You said: hello?</Message>'));
  });

  it('is cut at 1600 characters before escaping, as Twilio counts them', async () => {
    const answer = await postWebhook(messageFields(person(), '&'.repeat(1600)), { env: replies });
    expect(answer.text).toBe(twimlOf(`<Message>You said: ${'&amp;'.repeat(1600 - 'You said: '.length)}</Message>`));
  });
});

describe('POST /twilio/messages: TwiML escaping', () => {
  const hostile: [string, string][] = [
    [
      '</Message><Dial>+19005550100</Dial><Message>',
      '&lt;/Message&gt;&lt;Dial&gt;+19005550100&lt;/Dial&gt;&lt;Message&gt;',
    ],
    [
      ']]><Redirect>https://evil.example</Redirect><![CDATA[',
      ']]&gt;&lt;Redirect&gt;https://evil.example&lt;/Redirect&gt;&lt;![CDATA[',
    ],
    [
      '&amp; &lt; "quoted" \'single\' <!-- comment -->',
      '&amp;amp; &amp;lt; &quot;quoted&quot; &apos;single&apos; &lt;!-- comment --&gt;',
    ],
    [
      'nul\u0000 bell\u0007 vt\u000B ff\u000C esc\u001B lone\uD800 \uDC00 ok\uD83D\uDE00 tab\t nonchar\uFFFE\uFFFF',
      // A form cannot carry a lone surrogate: it arrives as U+FFFD, which XML allows.
      'nul bell vt ff esc lone\uFFFD \uFFFD ok\uD83D\uDE00 tab\t nonchar',
    ],
  ];
  for (const [body, escaped] of hostile) {
    it(`an auto-reply of ${JSON.stringify(body).slice(0, 40)}… stays one well-formed <Message> of escaped text`, async () => {
      const inbound = settings({ messages: { default: { action: 'reply', message: 'You said: {{Body}}' } } });
      const answer = await postWebhook(messageFields(person(), body), { env: inbound });
      expect(answer.text).toBe(twimlOf(`<Message>You said: ${escaped}</Message>`));
      // The declaration, <Response>, <Message> and their two closing tags: no other markup.
      expect(answer.text.match(/</g)).toHaveLength(5);
    });
  }
});

describe('INBOUND, validated at load', () => {
  const wrong: [string, unknown][] = [
    ['not JSON', '{'],
    ['an unknown action', { messages: { default: { action: 'explode' } } }],
    ['a receiver that is no number', { messages: { 'not a number': { action: 'none' } } }],
    ['a reply template that cannot be read', { messages: { default: { action: 'reply', message: 'Hi {{' } } }],
    ['a forward to no URL', { messages: { default: { action: 'forward', url: 'ftp://x' } } }],
    ['an unknown key', { greeting: 'hi' }],
  ];
  for (const [name, value] of wrong) {
    it(`${name} is a 500 configuration error naming INBOUND, after a STOP was recorded all the same`, async () => {
      const from = person();
      const broken = { INBOUND: typeof value === 'string' ? value : JSON.stringify(value) };
      const answer = await postWebhook(messageFields(from, 'STOP'), { env: broken });
      expect(answer.status).toBe(500);
      expect(JSON.parse(answer.text).contextWrites.to).toMatch(/^Gateway configuration error: invalid INBOUND: /);
      expect(await optedOut(NUMBER, from)).toBe(true);
    });
  }

  it('with INBOUND broken, a message that is no keyword is not recorded, and a START still opts in', async () => {
    const from = person();
    const broken = { INBOUND: '{' };
    await postWebhook(messageFields(from, 'STOP', { To: '+15005550131' }));
    expect((await postWebhook(messageFields(from, 'hello', { To: '+15005550131' }), { env: broken })).status).toBe(500);
    const page = await inboxOf(env, '+15005550131').list({ from, limit: 10 });
    expect(page.messages.map((m) => m.body)).toEqual(['STOP']);
    expect((await postWebhook(messageFields(from, 'START', { To: '+15005550131' }), { env: broken })).status).toBe(500);
    expect(await optedOut('+15005550131', from)).toBe(false);
  });

  it('a number of its own overrides the default, and a Messaging Service applies to its numbers', async () => {
    const inbound = settings({
      messages: {
        default: { action: 'reply', message: 'default' },
        [SERVICE]: { action: 'reply', message: 'service' },
        '+15005550125': { action: 'reply', message: 'number' },
      },
    });
    const reply = async (extra: Record<string, string>) =>
      (await postWebhook(messageFields(person(), 'hi', extra), { env: inbound })).text;
    expect(await reply({ To: '+15005550125', MessagingServiceSid: SERVICE })).toBe(
      twimlOf('<Message>number</Message>'),
    );
    expect(await reply({ To: '+15005550126', MessagingServiceSid: SERVICE })).toBe(
      twimlOf('<Message>service</Message>'),
    );
    expect(await reply({ To: '+15005550126' })).toBe(twimlOf('<Message>default</Message>'));
    expect(sidOf('SM')).toMatch(/^SM[0-9a-f]{32}$/);
  });
});
