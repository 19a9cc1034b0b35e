import { env } from 'cloudflare:workers';
import { app } from '../src/app';

export const ACCOUNT = 'AC0123456789abcdef0123456789abcdef';
export const TOKEN = 'request-token-s3cr3t';

/** The test Worker env (fake secrets from vitest.config.ts) with overrides; a new object, so config is re-read. */
export const envWith = (overrides: Record<string, string | undefined> = {}) => ({ ...env, ...overrides }) as Env;

/** POSTs JSON to a block through the real app and returns status, parsed body and the response. */
export async function post(block: string, body: unknown, overrides: Record<string, string | undefined> = {}) {
  const res = await app.request(
    `/api/Twilio/${block}`,
    { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) },
    envWith(overrides),
  );
  return { status: res.status, json: (await res.json()) as Record<string, any>, res };
}

/** The `contextWrites.to` of an error envelope. */
export const errorText = (json: Record<string, any>) => {
  if (json.callback !== 'error') throw new Error(`expected an error envelope, got ${JSON.stringify(json)}`);
  return json.contextWrites.to as string;
};

export const sms = { accountSid: ACCOUNT, accountToken: TOKEN, from: '+15005550006', to: '+15005550009', body: 'hi' };
export const call = {
  accountSid: ACCOUNT,
  accountToken: TOKEN,
  from: '+15005550006',
  to: '+14155550100',
  url: 'http://demo.twilio.com/docs/voice.xml',
};
