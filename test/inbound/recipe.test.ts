import { afterEach, describe, expect, it, vi } from 'vitest';
import { installFakeTwilio } from '../fake-twilio';
import { person } from '../optouts/helpers';
import { messageFields, OPT_OUTS_FAILING, postWebhook, twimlOf } from './helpers';

afterEach(() => vi.restoreAllMocks());

const ONCALL = '+14155550111';
const settings = (extra: Record<string, string> = {}) => ({
  INBOUND: JSON.stringify({ messages: { default: { action: 'recipe', recipe: 'oncall' } } }),
  RECIPES: JSON.stringify({
    oncall: {
      block: 'sendSms',
      when: { To: '+15005550006' },
      fields: { from: '+15005550006', to: ONCALL, body: 'SMS from {{From}}: {{Body}}' },
    },
  }),
  ...extra,
});

describe('the recipe action', () => {
  it('sends the recipe’s block with the message as its payload, once per MessageSid', async () => {
    const { seen } = installFakeTwilio();
    const fields = messageFields(person(), 'The server is down');
    const answer = await postWebhook(fields, { env: settings() });
    expect(answer.text).toBe(twimlOf());
    await postWebhook(fields, { env: settings() });
    expect(seen).toHaveLength(1);
    expect(seen[0]?.form.get('To')).toBe(ONCALL);
    expect(seen[0]?.form.get('Body')).toBe(`SMS from ${fields.From}: The server is down`);
  });

  it('the destination guard applies: a recipe to a number outside ALLOWED_DESTINATIONS sends nothing', async () => {
    const { seen } = installFakeTwilio();
    const answer = await postWebhook(messageFields(person(), 'hello'), {
      env: settings({ ALLOWED_DESTINATIONS: '+44' }),
    });
    expect(answer.status).toBe(200);
    expect(seen).toHaveLength(0);
  });

  it('a recipe that fails after the answer is one log line, without the message or a secret', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const { seen } = installFakeTwilio();
    const fields = messageFields(person(), 'my secret plan');
    const answer = await postWebhook(fields, { env: settings({ RECIPES: '{' }) });
    expect(answer.text).toBe(twimlOf());
    expect(seen).toHaveLength(0);
    const lines = logged.mock.calls.map(([line]) => String(line));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '')).toEqual({
      inbound: fields.MessageSid,
      recipe: 'oncall',
      error: expect.stringMatching(/^Gateway configuration error: invalid RECIPES/),
    });
    expect(lines[0]).not.toContain('secret');
  });

  it('a STOP whose opt-out write failed runs the recipe at Twilio’s retry, and once', async () => {
    const { seen } = installFakeTwilio();
    const stop = messageFields(person(), 'STOP');
    expect((await postWebhook(stop, { env: settings(OPT_OUTS_FAILING) })).status).toBe(500);
    expect(seen).toHaveLength(0);
    expect((await postWebhook(stop, { env: settings() })).status).toBe(200);
    await postWebhook(stop, { env: settings() });
    expect(seen.map((request) => request.form.get('Body'))).toEqual([`SMS from ${stop.From}: STOP`]);
  });

  it('a recipe whose when does not hold sends nothing', async () => {
    const { seen } = installFakeTwilio();
    await postWebhook(messageFields(person(), 'hello', { To: '+15005550150' }), { env: settings() });
    expect(seen).toHaveLength(0);
  });
});
