import { describe, expect, it } from 'vitest';
import { person } from '../optouts/helpers';
import {
  callFields,
  freshNumber,
  GATEWAY,
  messageFields,
  postWebhook,
  recordedBy,
  twimlOf,
  type WebhookOptions,
} from './helpers';

/** INBOUND answering with the sender's number: an answer that says the webhook was verified and acted on. */
const HELLO = JSON.stringify({
  messages: { default: { action: 'reply', message: 'Hello {{From}}' } },
  voice: { default: { action: 'say', text: 'Hello {{From}}' } },
});
const OTHER_ACCOUNT = `AC${'9'.repeat(32)}`;

// The status receiver's variants (test/status/receiver.test.ts), on the two inbound routes that share its check.
for (const [path, verb] of [
  ['/twilio/messages', 'Message'],
  ['/twilio/voice', 'Say'],
] as const) {
  /** Posts a message or call to `path` from a fresh person to a fresh number, and what the number recorded. */
  async function receive(options: Omit<WebhookOptions, 'path'> = {}, extra: Record<string, string> = {}) {
    const [from, to] = [person(), freshNumber()];
    const fields = {
      ...(path === '/twilio/voice' ? callFields(from, to) : messageFields(from, 'hi', { To: to })),
      ...extra,
    };
    const answer = await postWebhook(fields, { path, ...options, env: { INBOUND: HELLO, ...options.env } });
    return {
      status: answer.status,
      text: answer.text,
      recorded: await recordedBy(to),
      acted: twimlOf(`<${verb}>Hello ${from}</${verb}>`),
    };
  }
  const accepted = (answer: Awaited<ReturnType<typeof receive>>) =>
    expect({ status: answer.status, text: answer.text, recorded: answer.recorded }).toEqual({
      status: 200,
      text: answer.acted,
      recorded: 1,
    });
  const refused = (answer: Awaited<ReturnType<typeof receive>>) =>
    expect({ status: answer.status, recorded: answer.recorded }).toEqual({ status: 403, recorded: 0 });

  describe(`POST ${path}: X-Twilio-Signature as every Twilio webhook is checked`, () => {
    it('a URL received with a port Twilio did not sign (a local tunnel) is accepted', async () => {
      accepted(await receive({ url: `https://gateway.example.com:8443${path}`, signedUrl: `${GATEWAY}${path}` }));
    });

    it('a URL signed with :443 is accepted where the Worker sees none', async () => {
      accepted(await receive({ signedUrl: `https://gateway.example.com:443${path}` }));
    });

    it('a URL signed with another port than the one received is refused', async () => {
      refused(await receive({ signedUrl: `https://gateway.example.com:8443${path}` }));
    });

    it('behind a proxy, a signature over PUBLIC_URL and the path is accepted at the URL the Worker sees', async () => {
      const behind = { url: `http://10.1.2.3:8787${path}`, signedUrl: `https://sms.example.com/gw${path}` };
      refused(await receive(behind));
      accepted(await receive({ ...behind, env: { PUBLIC_URL: 'https://sms.example.com/gw' } }));
    });

    it("another account's message is refused, signed with its own token or with this account's", async () => {
      refused(await receive({ token: 'the-other-accounts-token' }, { AccountSid: OTHER_ACCOUNT }));
      refused(await receive({}, { AccountSid: OTHER_ACCOUNT }));
    });

    it("a ' in the webhook's query, signed raw or as %27, is accepted as received (%27)", async () => {
      const raw = `${GATEWAY}${path}?campaign=O'Brien`;
      const escaped = new URL(raw).href;
      expect(escaped).toContain('%27');
      accepted(await receive({ url: raw, signedUrl: raw }));
      accepted(await receive({ url: raw, signedUrl: escaped }));
      refused(await receive({ url: raw, signedUrl: raw.replace("O'Brien", 'OBrien') }));
    });
  });
}
