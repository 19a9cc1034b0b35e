import type { Context } from 'hono';
import { fieldsOf, isSignedBy, type Received, signedUrl, tokenFor } from '../status/verify';
import type { AppEnv } from './app-env';
import { limit } from './middleware/rate-limit';
import { badTwilioSignature } from './refusals';

/**
 * A request Twilio signed, checked as every Twilio webhook is (status/verify.ts: the URL Twilio signed, behind a
 * proxy PUBLIC_URL; the fields; the token of the account named): its fields and the URL signed. A missing or wrong
 * signature counts against its IP, as a wrong caller key does, and is a 403; nothing is recorded.
 */
export async function verifiedWebhook(c: Context<AppEnv>): Promise<{ fields: URLSearchParams; url: string }> {
  const config = c.get('config');
  const { method, headers } = c.req.raw;
  const url = signedUrl(c.req.url, config.PUBLIC_URL);
  const received: Received = {
    method,
    headers,
    url,
    body: method === 'POST' ? new Uint8Array(await c.req.arrayBuffer()) : new Uint8Array(),
  };
  const fields = fieldsOf(received);
  const token = tokenFor(config, fields.get('AccountSid'));
  if (!token || !(await isSignedBy(token, received, fields))) {
    await limit(c, `ip:${headers.get('cf-connecting-ip')}`);
    throw badTwilioSignature().hinted(
      "Twilio signs with the account's auth token and the URL it was given: set TWILIO_AUTH_TOKEN, and PUBLIC_URL to that URL behind a proxy.",
    );
  }
  return { fields, url };
}
