import { afterEach, describe, expect, it, vi } from 'vitest';
import { expectError } from '../helpers';
import { person } from '../optouts/helpers';
import { callFields, freshNumber, messageFields, postWebhook, recordedBy, twimlOf } from './helpers';

afterEach(() => vi.restoreAllMocks());

const PUBLIC = 'https://hooks.example.com/inbound';
const PRIVATE = ['http://127.0.0.1/hook', 'http://localhost:8080/x', 'http://[::1]/x', 'http://10.0.0.5/x'];

/** The fetches the Worker makes (a forward would be one), each answered 204. */
function catchFetches() {
  const caught: string[] = [];
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
    caught.push(new Request(input, init).url);
    return new Response(null, { status: 204 });
  });
  return caught;
}

/** A receiver key the tests' numbers are not: the configuration is checked whole, not only the receiver's own. */
const MG = `MG${'0'.repeat(32)}`;
const forward = (url: string) => ({ action: 'forward', url });
const inbound = (value: unknown, extra: Record<string, string | undefined> = {}) => ({
  INBOUND: JSON.stringify(value),
  ...extra,
});

/** Posts a message (no keyword: a STOP applies even with INBOUND broken) or a call, and what came of it. */
async function receive(kind: 'messages' | 'voice', settings: Record<string, string | undefined>) {
  const [from, to] = [person(), freshNumber()];
  const fields = kind === 'voice' ? callFields(from, to) : messageFields(from, 'hi', { To: to });
  const answer = await postWebhook(fields, { env: settings, path: `/twilio/${kind}` });
  const json = answer.text.startsWith('{') ? (JSON.parse(answer.text) as Record<string, any>) : {};
  return { ...answer, json, recorded: await recordedBy(to) };
}

describe('a forward that could never be sent is a configuration error at load (INBOUND)', () => {
  for (const kind of ['messages', 'voice'] as const) {
    for (const url of PRIVATE) {
      it(`a ${kind} forward to ${url}, not a public address, is a 500 naming INBOUND and the rule, not the URL`, async () => {
        const caught = catchFetches();
        const answer = await receive(kind, inbound({ [kind]: { default: forward(url) } }));
        expectError(
          answer,
          500,
          `Gateway configuration error: invalid INBOUND: ${kind}.default.url must be a public http(s) URL`,
          { hint: /^INBOUND: a forward's url must be a public http\(s\) URL \(not localhost, nor a private/ },
        );
        expect(answer.text).not.toContain(new URL(url).host);
        expect({ fetched: caught, recorded: answer.recorded }).toEqual({ fetched: [], recorded: 0 });
      });
    }

    it(`a ${kind} forward without WEBHOOK_SECRETS is a 500 naming INBOUND and how to make a secret`, async () => {
      const caught = catchFetches();
      const answer = await receive(
        kind,
        inbound({ [kind]: { [MG]: forward(PUBLIC) } }, { WEBHOOK_SECRETS: undefined }),
      );
      expectError(
        answer,
        500,
        `Gateway configuration error: invalid INBOUND: ${kind}.${MG} forwards, which needs WEBHOOK_SECRETS`,
        { hint: /^INBOUND: a forward needs WEBHOOK_SECRETS \(its events are signed with it\); e\.g\. INBOUND=/ },
      );
      expect(answer.json.error.hint).toContain('WEBHOOK_SECRETS: comma-separated whsec_');
      expect(answer.text).not.toContain(PUBLIC);
      expect({ fetched: caught, recorded: answer.recorded }).toEqual({ fetched: [], recorded: 0 });
    });
  }

  it('both problems of one forward, and each forward, are named', async () => {
    const answer = await receive(
      'messages',
      inbound(
        { messages: { default: forward(PRIVATE[0] ?? '') }, voice: { default: forward(PUBLIC) } },
        { WEBHOOK_SECRETS: '' },
      ),
    );
    expect(answer.json.contextWrites.to).toBe(
      'Gateway configuration error: invalid INBOUND: messages.default.url must be a public http(s) URL; ' +
        'messages.default forwards, which needs WEBHOOK_SECRETS; voice.default forwards, which needs WEBHOOK_SECRETS',
    );
    expect(answer.json.error.hint).toMatch(/^INBOUND: a forward's url must be a public .* INBOUND: a forward needs/);
  });

  it('without WEBHOOK_SECRETS, settings with no forward still load', async () => {
    const settings = inbound(
      {
        messages: { default: { action: 'reply', message: 'Thanks' } },
        voice: { default: { action: 'say', text: 'Hi' } },
      },
      { WEBHOOK_SECRETS: undefined },
    );
    const message = await postWebhook(messageFields(person(), 'hello'), { env: settings });
    expect({ status: message.status, text: message.text }).toEqual({
      status: 200,
      text: twimlOf('<Message>Thanks</Message>'),
    });
    const call = await receive('voice', settings);
    expect({ status: call.status, text: call.text }).toEqual({ status: 200, text: twimlOf('<Say>Hi</Say>') });
  });

  it('a forward to a public URL, with WEBHOOK_SECRETS, loads and is sent', async () => {
    const caught = catchFetches();
    const answer = await receive('messages', inbound({ messages: { default: forward(PUBLIC) } }));
    expect({ status: answer.status, text: answer.text, recorded: answer.recorded }).toEqual({
      status: 200,
      text: twimlOf(),
      recorded: 1,
    });
    expect(caught).toEqual([PUBLIC]);
  });
});
