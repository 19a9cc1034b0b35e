/**
 * The shape the gateway is built on: one table per block whose rows derive everything (kinds.ts), one send
 * pipeline that returns data (send.ts), and the small middleware around it (request id, log line).
 */
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { blocks } from '../../src/blocks';
import { toForm } from '../../src/blocks/form';
import { fieldSchema } from '../../src/blocks/kinds';
import { blockParser } from '../../src/blocks/schema';
import { readConfig } from '../../src/config';
import { gatewayRefusal } from '../../src/errors';
import { fieldJsonSchema } from '../../src/http/openapi/schemas';
import { send } from '../../src/send/send';
import { installFakeTwilio } from '../fake-twilio';
import { captureConsole, ENV_ACCOUNT, envWith, errorText, post, sms } from '../helpers';

afterEach(() => vi.restoreAllMocks());

const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats(ajv);

/** Values of the wrong type for any kind: every schema, zod's and the JSON Schema, must refuse each. */
const WRONG = [{}, [{}], null];

describe('each field states everything once: the kinds table and the row derive the rest', () => {
  for (const block of blocks) {
    for (const field of Object.values(block.fields)) {
      it(`${block.name}.${field.name}: its example passes its zod schema and the JSON Schema derived from it; a wrong type fails both`, () => {
        const zod = fieldSchema(field);
        const json = ajv.compile(fieldJsonSchema(field));
        expect(zod.safeParse(field.example).success, JSON.stringify(field.example)).toBe(true);
        expect(json(field.example), JSON.stringify(json.errors)).toBe(true);
        for (const value of WRONG) {
          expect(zod.safeParse(value).success, JSON.stringify(value)).toBe(false);
          expect(json(value), JSON.stringify(value)).toBe(false);
        }
      });
    }
  }

  it('a block input made of every example validates, and reaches the form under each Twilio key', () => {
    for (const block of blocks) {
      const input = Object.fromEntries(Object.values(block.fields).map((f) => [f.name, f.example]));
      const parsed = blockParser(block).parse(input);
      expect(parsed.success, `${block.name}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
      const form = toForm(block, parsed.data!);
      for (const field of Object.values(block.fields)) {
        // Only credentials and a record's SID (it goes in the path) have no key.
        if (field.key === undefined) expect(field.kind === 'credential' || field.in === 'path').toBe(true);
        else expect(form.has(field.key), `${block.name}.${field.name} as ${field.key}`).toBe(true);
      }
      expect(form.has('AccountSid')).toBe(false);
    }
  });

  it('limits come from the kind unless the row sets them: enforced by the schema, stated in the JSON Schema', () => {
    const sms = blocks.find((b) => b.name === 'sendSms')!;
    const to = sms.fields.to!;
    expect(fieldSchema(to).safeParse(`+1${'5'.repeat(255)}`).success).toBe(false);
    expect(fieldJsonSchema(to)).toMatchObject({ maxLength: 256 });
    const fallbackUrl = blocks.find((b) => b.name === 'makeCall')!.fields.fallbackUrl!;
    expect(fieldSchema(fallbackUrl).safeParse(`https://e.com/${'a'.repeat(2048)}`).success).toBe(false);
    // A status callback may be up to 4,000 characters (Twilio's 21609 over it).
    const statusCallback = sms.fields.statusCallback!;
    expect(fieldSchema(statusCallback).safeParse(`https://e.com/${'a'.repeat(2048)}`).success).toBe(true);
    expect(fieldSchema(statusCallback).safeParse(`https://e.com/${'a'.repeat(4000)}`).success).toBe(false);
    expect(fieldJsonSchema(statusCallback)).toMatchObject({ maxLength: 4000 });
    const body = sms.fields.body!;
    expect(fieldSchema(body).safeParse('x'.repeat(1601)).success).toBe(false);
    expect(fieldSchema(body).safeParse('x'.repeat(1600)).success).toBe(true);
  });
});

describe('send(): the one pipeline, returning data', () => {
  const sendSms = blocks.find((b) => b.name === 'sendSms')!;
  const ctx = (overrides: Record<string, string> = {}) => ({
    config: readConfig(envWith({ TWILIO_MODE: 'sandbox', ...overrides })),
    caller: { kind: 'key' as const, id: 'key:test' },
    callbacks: false,
    waitUntil: () => {},
  });

  it('a success is the decoded resource and what Twilio answered', async () => {
    const outcome = await send(sendSms, { from: '+15005550006', to: '+14155550100', body: 'hi' }, ctx());
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.resource).toMatchObject({ sid: expect.stringMatching(/^SM/), body: 'hi', accountSid: ENV_ACCOUNT });
    expect(outcome.trace).toMatchObject({ status: 201, attempts: 1 });
  });

  it('a refusal is a GatewayError in the outcome, not a throw: Twilio’s, and the gateway’s own', async () => {
    const refused = await send(sendSms, { from: '+15005550006', to: '+15005550009', body: 'hi' }, ctx());
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(refused.error.text).toBe("[HTTP 400] Unable to create record: 'To' number is not a valid mobile number");
    expect(refused.error.detail).toMatchObject({ source: 'twilio', code: 21614, attempts: 1 });

    const noCredentials = await send(
      sendSms,
      { to: '+14155550100', body: 'hi' },
      ctx({ TWILIO_ACCOUNT_SID: '', SANDBOX_LOCAL: 'true' }),
    );
    expect(noCredentials.ok).toBe(false);
    if (noCredentials.ok) return;
    expect(noCredentials.error.text).toBe('Credentials are required to create a Client');
    expect(noCredentials.error.detail.source).toBe('gateway');
  });
});

describe('error.source tells the gateway’s own refusals from Twilio’s', () => {
  it('Twilio’s rule (checked locally) is twilio; an unknown field is gateway', async () => {
    installFakeTwilio();
    const noFrom = await post('sendSms', { ...sms, from: undefined });
    expect(noFrom.json.error).toMatchObject({ code: 21603, source: 'twilio' });
    const unknown = await post('sendSms', { ...sms, statusCallBack: 'https://example.com' });
    expect(unknown.json.error).toMatchObject({ code: null, source: 'gateway' });
  });

  it('a refusal of the gateway’s own never reads like Twilio’s', () => {
    const error = gatewayRefusal(401, 'An API key is required');
    expect(error.text).toBe('[HTTP 401] Refused by the gateway: An API key is required');
    expect(error.text).not.toContain('Unable to create record');
    expect(error.status).toBe(401);
    expect(error.detail).toMatchObject({ source: 'gateway', code: null, retryable: false });
  });
});

describe('request id and log line', () => {
  it('every answer carries X-Request-Id, and the log line names the same id', async () => {
    installFakeTwilio();
    const logs = captureConsole();
    const ok = await post('sendSms', sms);
    const failed = await post('sendSms', { ...sms, bogus: 1 });
    const ids = [ok.res.headers.get('X-Request-Id'), failed.res.headers.get('X-Request-Id')];
    for (const id of ids) expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(ids[0]).not.toBe(ids[1]);
    const lines = logs.log.filter((l) => l.startsWith('{"route"')).map((l) => JSON.parse(l).requestId);
    expect(lines).toEqual(ids);
    expect(errorText(failed.json)).toBe('[HTTP 400] Unable to create record: Unknown parameter: bogus');
  });

  it('a caller’s own well-formed X-Request-Id is kept; a malformed one is replaced', async () => {
    installFakeTwilio();
    const { app } = await import('../../src/http/app');
    const ask = (id: string) => app.request('/api/Twilio', { headers: { 'X-Request-Id': id } }, envWith());
    expect((await ask('hook-delivery-42')).headers.get('X-Request-Id')).toBe('hook-delivery-42');
    const replaced = (await ask('no spaces <allowed>')).headers.get('X-Request-Id');
    expect(replaced).toMatch(/^[0-9a-f-]{36}$/);
  });
});
