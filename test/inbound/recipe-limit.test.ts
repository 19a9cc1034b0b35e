import { afterEach, describe, expect, it, vi } from 'vitest';
import { installFakeTwilio } from '../fake-twilio';
import { captureConsole } from '../helpers';
import { person } from '../optouts/helpers';
import { freshNumber, messageFields, postWebhook, twimlOf } from './helpers';

afterEach(() => vi.restoreAllMocks());

const ONCALL = '+14155550111';
const settings = {
  INBOUND: JSON.stringify({ messages: { default: { action: 'recipe', recipe: 'oncall' } } }),
  RECIPES: JSON.stringify({
    oncall: { block: 'sendSms', fields: { from: '+15005550006', to: ONCALL, body: 'SMS from {{From}}: {{Body}}' } },
  }),
};

/** A RATE_LIMITER binding that lets `allowed` requests through per key, and records the keys it was asked. */
function limiter(allowed: number) {
  const asked: string[] = [];
  const binding = {
    async limit({ key }: { key: string }) {
      asked.push(key);
      return { success: asked.filter((k) => k === key).length <= allowed };
    },
  };
  return { asked, binding: binding as unknown as RateLimit };
}

describe("the recipe action: the caller's limits apply (RATE_LIMITER, the caller inbound:<number>)", () => {
  it('past the limit of the receiving number, a message is still answered but its recipe sends nothing', async () => {
    const { seen } = installFakeTwilio();
    const { asked, binding } = limiter(2);
    const { error } = captureConsole();
    const to = freshNumber();
    const answers: { status: number; text: string }[] = [];
    for (const body of ['one', 'two', 'three']) {
      const answer = await postWebhook(messageFields(person(), body, { To: to }), {
        env: settings,
        bindings: { RATE_LIMITER: binding },
      });
      answers.push({ status: answer.status, text: answer.text });
    }
    // Twilio gets its answer each time (a refusal is not Twilio's to retry); the third recipe is not sent.
    expect(answers).toEqual(Array(3).fill({ status: 200, text: twimlOf() }));
    expect(seen.map((s) => s.form.get('Body')?.split(': ')[1])).toEqual(['one', 'two']);
    expect(asked).toEqual([`inbound:${to}`, `inbound:${to}`, `inbound:${to}`]);
    expect(error.filter((line) => line.includes('"error":"rate limited"'))).toHaveLength(1);
  });

  it("another number's recipes have a limit of their own", async () => {
    const { seen } = installFakeTwilio();
    const { binding } = limiter(1);
    const post = (to: string) =>
      postWebhook(messageFields(person(), 'hi', { To: to }), { env: settings, bindings: { RATE_LIMITER: binding } });
    const [first, second] = [freshNumber(), freshNumber()];
    await post(first);
    await post(first);
    await post(second);
    expect(seen.map((s) => s.form.get('To'))).toEqual([ONCALL, ONCALL]);
  });
});
