/**
 * Webhook signature schemes (../shared/webhooks/VECTORS.md), with Web Crypto: each checks the raw body as
 * received, compares in constant time, and refuses a signed timestamp more than TOLERANCE_S away.
 */

import { base64, hex } from '../twilio/encoding';
import { bodySha256, isValidTwilioSignature, sameText as same } from '../twilio/signature';

export type Scheme = 'github' | 'stripe' | 'shopify' | 'standard' | 'twilio' | 'header';

/** How far a signed timestamp (Stripe, Standard Webhooks) may be from now, either way. */
export const TOLERANCE_S = 300;

/**
 * Each scheme's signature header, and the signed header naming the event: Standard Webhooks' `webhook-id`.
 * Stripe's event id is the payload's `id`. GitHub, Shopify and Twilio sign the body alone: their delivery-id
 * headers are not signed (a captured delivery could be replayed with fresh ones), so the body's SHA-256 is
 * their event id.
 */
export const SCHEME_HEADERS: Record<Scheme, readonly [signature: string, event?: string]> = {
  github: ['x-hub-signature-256'],
  stripe: ['stripe-signature'],
  shopify: ['x-shopify-hmac-sha256'],
  standard: ['webhook-signature', 'webhook-id'],
  twilio: ['x-twilio-signature'],
  header: [''],
};
export const SCHEMES = Object.keys(SCHEME_HEADERS) as readonly Scheme[];

/** What a signature covers: the headers, the raw body, the URL as received and, for a form, its fields. */
export interface Signed {
  readonly headers: Headers;
  readonly body: Uint8Array;
  readonly url: string;
  readonly form?: URLSearchParams | undefined;
}

const encoder = new TextEncoder();

/** The bytes of a Standard Webhooks secret: base64 after its `whsec_` prefix (throws when it is not base64). */
export const standardKey = (secret: string) =>
  Uint8Array.from(atob(secret.replace(/^whsec_/, '')), (c) => c.charCodeAt(0));

/** HMAC-SHA256 of the parts, concatenated (text as UTF-8), keyed with `key`. */
async function hmac(key: Uint8Array, ...parts: (string | Uint8Array)[]): Promise<Uint8Array> {
  const cryptoKey = await crypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await crypto.subtle.sign('HMAC', cryptoKey, await new Blob(parts).arrayBuffer()));
}

/**
 * Standard Webhooks' signature (without its `v1,`): base64 HMAC-SHA256 of `id.timestamp.body` under the secret's
 * bytes. The verifier below and the forwarded status updates (status/forward.ts) share it.
 */
export const standardSignature = async (secret: string, id: string, timestamp: string, body: string | Uint8Array) =>
  base64(await hmac(standardKey(secret), `${id}.${timestamp}.`, body));

/** Whether any of `candidates` is `expected`; every one is compared. */
const anyOf = (candidates: readonly string[], expected: string) =>
  candidates.reduce((found, candidate) => same(candidate, expected) || found, false);

const fresh = (timestamp: string, now: number) =>
  /^\d{1,12}$/.test(timestamp) && Math.abs(now / 1000 - Number(timestamp)) <= TOLERANCE_S;

/**
 * True when the request is signed by `scheme` with `secret`. `header` names the header of the `header` scheme;
 * `now` (ms) is when the timestamps are judged.
 */
export async function verifySignature(
  scheme: Scheme,
  secret: string,
  request: Signed,
  header = '',
  now = Date.now(),
): Promise<boolean> {
  const get = (name: string) => request.headers.get(name) ?? '';
  const signature = get(SCHEME_HEADERS[scheme][0] || header);
  const key = encoder.encode(secret);
  switch (scheme) {
    case 'github':
      return same(signature, `sha256=${hex(await hmac(key, request.body))}`);
    case 'shopify':
      return same(signature, base64(await hmac(key, request.body)));
    case 'stripe': {
      const pairs = signature.split(',').map((pair) => pair.trim().split('='));
      const t = pairs.find(([name]) => name === 't')?.[1] ?? '';
      if (!fresh(t, now)) return false;
      const expected = hex(await hmac(key, `${t}.`, request.body));
      return anyOf(
        pairs.filter(([name]) => name === 'v1').map(([, value = '']) => value),
        expected,
      );
    }
    case 'standard': {
      const [id, t] = [get('webhook-id'), get('webhook-timestamp')];
      if (!id || !fresh(t, now)) return false;
      const expected = await standardSignature(secret, id, t, request.body);
      return anyOf(
        signature.split(' ').map((item) => (item.startsWith('v1,') ? item.slice(3) : '')),
        expected,
      );
    }
    case 'twilio': {
      if (request.form) return isValidTwilioSignature(secret, signature, request.url, request.form);
      // A JSON body: the URL carries the body's SHA-256, and the URL alone is signed.
      const claimed = new URL(request.url).searchParams.get('bodySHA256') ?? '';
      const body = same(claimed, await bodySha256(request.body));
      return (await isValidTwilioSignature(secret, signature, request.url)) && body;
    }
    case 'header':
      return signature !== '' && same(signature, secret);
  }
}
