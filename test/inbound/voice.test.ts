import { afterEach, describe, expect, it, vi } from 'vitest';
import { person } from '../optouts/helpers';
import { callFields, postWebhook, twimlOf } from './helpers';

afterEach(() => vi.restoreAllMocks());

const voice = (action: object, more: object = {}) => ({
  INBOUND: JSON.stringify({ voice: { default: action }, ...more }),
});
const call = (env: Record<string, string>, fields = callFields(person())) =>
  postWebhook(fields, { path: '/twilio/voice', env });

describe('POST /twilio/voice', () => {
  it('says a template with the caller’s fields, escaped, as text/xml', async () => {
    const fields = callFields('+14155550100');
    const answer = await call(voice({ action: 'say', text: 'Hello {{From}} <&> thanks for calling.' }), fields);
    expect(answer.status).toBe(200);
    expect(answer.res.headers.get('content-type')).toBe('text/xml; charset=utf-8');
    expect(answer.text).toBe(twimlOf('<Say>Hello +14155550100 &lt;&amp;&gt; thanks for calling.</Say>'));
  });

  it('a hostile caller field cannot add a verb to what is said', async () => {
    const fields = { ...callFields(person()), CallerName: '</Say><Dial>+19005550100</Dial><Say>' };
    const answer = await call(voice({ action: 'say', text: 'Hi {{CallerName}}' }), fields);
    expect(answer.text).toBe(twimlOf('<Say>Hi &lt;/Say&gt;&lt;Dial&gt;+19005550100&lt;/Dial&gt;&lt;Say&gt;</Say>'));
  });

  it('plays a URL', async () => {
    const answer = await call(voice({ action: 'play', url: 'https://cdn.example.com/a.mp3?x=1&y=2' }));
    expect(answer.text).toBe(twimlOf('<Play>https://cdn.example.com/a.mp3?x=1&amp;y=2</Play>'));
  });

  it('dials a number the destination guard allows', async () => {
    const answer = await call({ ...voice({ action: 'dial', number: '+14155550111' }), ALLOWED_DESTINATIONS: '+1' });
    expect(answer.text).toBe(twimlOf('<Dial>+14155550111</Dial>'));
  });

  it('does not dial a number outside ALLOWED_DESTINATIONS: an empty answer, and the call ends', async () => {
    const answer = await call({ ...voice({ action: 'dial', number: '+447700900123' }), ALLOWED_DESTINATIONS: '+1' });
    expect(answer.text).toBe(twimlOf());
  });

  it('forwards the call as a signed call.received event, once per CallSid', async () => {
    const caught: string[] = [];
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
      caught.push(await new Request(input, init).text());
      return new Response(null, { status: 204 });
    });
    const fields = callFields(person(), '+15005550140');
    const settings = voice({ action: 'forward', url: 'https://hooks.example.com/calls' });
    expect((await call(settings, fields)).text).toBe(twimlOf());
    await call(settings, fields);
    expect(caught).toHaveLength(1);
    expect(JSON.parse(caught[0] ?? '{}')).toMatchObject({
      type: 'call.received',
      data: { sid: fields.CallSid, kind: 'call' },
    });
  });

  it('without a voice action answers an empty Response', async () => {
    expect((await call({})).text).toBe(twimlOf());
  });

  it('a forged signature is a 403', async () => {
    const answer = await postWebhook(callFields(person()), { path: '/twilio/voice', signature: 'forged=' });
    expect(answer.status).toBe(403);
  });

  it('a dial number that is not E.164 is a configuration error', async () => {
    const answer = await call(voice({ action: 'dial', number: 'sip:evil@example.com' }));
    expect(answer.status).toBe(500);
    expect(JSON.parse(answer.text).contextWrites.to).toMatch(/^Gateway configuration error: invalid INBOUND: voice/);
  });
});
