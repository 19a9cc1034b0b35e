import type { Config } from '../config';
import { nestsDeeper } from '../limits/json';
import { verifySignature } from '../recipes/verify';
import { sandboxAccount } from '../sandbox/settings';
import { isFormType } from '../twilio/encoding';
import { isValidTwilioSignature } from '../twilio/signature';

/** The gateway's own query parameters on its callback URL (status/track.ts): not Twilio's fields. */
export const OWN_PARAMS = ['cid', 'forward', 'bodySHA256'];

/** A status callback as received: its method, headers, the URL Twilio signed and the raw body. */
export interface Received {
  readonly method: string;
  readonly headers: Headers;
  readonly url: string;
  readonly body: Uint8Array;
}

/**
 * The URL Twilio signed: behind a proxy, PUBLIC_URL with the path and query as received; otherwise the URL as
 * received (its port, `:443`/`:80` and `'`/`%27` variants are tried by twilio/signature.ts).
 */
export function signedUrl(received: string, publicUrl: string | undefined): string {
  if (!publicUrl) return received;
  const url = new URL(received);
  return publicUrl + url.pathname + url.search;
}

const isForm = (headers: Headers) => isFormType(headers.get('content-type'));

/**
 * Twilio's fields of a callback: the form of a POST, the flat JSON object of a POST signed with `bodySHA256`,
 * or the query of a GET (without the gateway's own parameters).
 */
export function fieldsOf(received: Received): URLSearchParams {
  if (received.method === 'GET') {
    const query = new URL(received.url).searchParams;
    for (const name of OWN_PARAMS) query.delete(name);
    return query;
  }
  const text = new TextDecoder().decode(received.body);
  if (isForm(received.headers)) return new URLSearchParams(text);
  const fields = new URLSearchParams();
  // Twilio's JSON callbacks are flat: one nested past the bound has no fields worth parsing.
  if (nestsDeeper(text)) return fields;
  try {
    const json: unknown = JSON.parse(text);
    if (typeof json === 'object' && json !== null && !Array.isArray(json)) {
      for (const [name, value] of Object.entries(json)) {
        if (typeof value !== 'object' || value === null) fields.append(name, String(value));
      }
    }
  } catch {
    // Not JSON: no fields, so no status to record.
  }
  return fields;
}

/**
 * The auth token a callback naming `accountSid` is signed with: TWILIO_AUTH_TOKEN for TWILIO_ACCOUNT_SID; in
 * sandbox mode, the token the emulator signs with (sandbox/settings.ts: the same, or its demo token). Another
 * account's token is never held: undefined.
 */
export function tokenFor(config: Config, accountSid: string | null): string | undefined {
  const { accountSid: sid, authToken } =
    config.TWILIO_MODE === 'sandbox'
      ? sandboxAccount(config)
      : { accountSid: config.TWILIO_ACCOUNT_SID, authToken: config.TWILIO_AUTH_TOKEN };
  return accountSid && accountSid === sid ? authToken : undefined;
}

/**
 * True when `X-Twilio-Signature` is Twilio's signature of the callback under `token` (constant-time compares):
 * a GET's URL alone, a form POST's URL and fields (`fields`: the route passes those it decoded), a JSON POST's URL
 * with its `bodySHA256` and the body's hash.
 */
export async function isSignedBy(
  token: string,
  received: Received,
  fields: URLSearchParams = fieldsOf(received),
): Promise<boolean> {
  const { method, headers, url, body } = received;
  const signature = headers.get('x-twilio-signature');
  if (!signature) return false;
  if (method === 'GET') return isValidTwilioSignature(token, signature, url);
  return verifySignature('twilio', token, { headers, body, url, form: isForm(headers) ? fields : undefined });
}
