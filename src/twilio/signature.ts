/**
 * X-Twilio-Signature: HMAC-SHA1, keyed with the Auth Token, over the full URL followed by every form
 * parameter sorted by name as `name` + `value` (a repeated key contributes each distinct value, sorted),
 * base64-encoded. The sandbox signs its status callbacks with it; a webhook receiver checks with it.
 */

import { base64, hex } from './encoding';

/** Form parameters as signed: a URLSearchParams, or names to a value or a list of values. */
export type SignedParams = URLSearchParams | Readonly<Record<string, string | readonly string[]>>;

const encoder = new TextEncoder();

function grouped(params: SignedParams): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  const entries: Iterable<[string, string | readonly string[]]> =
    params instanceof URLSearchParams ? params : Object.entries(params);
  for (const [name, value] of entries) {
    const list = groups.get(name) ?? [];
    for (const item of typeof value === 'string' ? [value] : value) list.push(item);
    groups.set(name, list);
  }
  return groups;
}

/** The exact string Twilio signs for a URL and its form parameters. */
export function signedString(url: string, params?: SignedParams): string {
  if (!params) return url;
  const groups = grouped(params);
  let data = url;
  for (const name of [...groups.keys()].sort()) {
    for (const value of [...new Set(groups.get(name))].sort()) data += name + value;
  }
  return data;
}

/** The X-Twilio-Signature of a request to `url` with `params`, signed with `authToken`. */
export async function twilioSignature(authToken: string, url: string, params?: SignedParams): Promise<string> {
  const key = await crypto.subtle.importKey('raw', encoder.encode(authToken), { name: 'HMAC', hash: 'SHA-1' }, false, [
    'sign',
  ]);
  const mac = await crypto.subtle.sign('HMAC', key, encoder.encode(signedString(url, params)));
  return base64(new Uint8Array(mac));
}

/** Hex SHA-256 of a raw body, as Twilio puts it in `bodySHA256=` for JSON webhooks. */
export async function bodySha256(body: string | Uint8Array): Promise<string> {
  const bytes = typeof body === 'string' ? encoder.encode(body) : body;
  return hex(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)));
}

/** Equal strings, compared in time that does not depend on where they differ. */
export function sameText(a: string, b: string): boolean {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < x.length; i++) diff |= (x[i] ?? 0) ^ (y[i % y.length] ?? 0);
  return diff === 0;
}

/**
 * The URLs Twilio may have signed for the URL a receiver sees: as is, without its port, and with the
 * scheme's default port; `'` both raw and escaped as `%27`.
 */
export function urlVariants(url: string): string[] {
  const variants = new Set<string>([url]);
  try {
    const parsed = new URL(url);
    const defaultPort = parsed.protocol === 'https:' ? '443' : parsed.protocol === 'http:' ? '80' : '';
    const withoutPort = new URL(parsed);
    withoutPort.port = '';
    variants.add(withoutPort.href);
    if (defaultPort) variants.add(withoutPort.href.replace(withoutPort.host, `${withoutPort.hostname}:${defaultPort}`));
  } catch {
    // Not a URL: only the string as given can match.
  }
  for (const variant of [...variants]) {
    variants.add(variant.replaceAll('%27', "'"));
    variants.add(variant.replaceAll("'", '%27'));
  }
  return [...variants];
}

/** True when `signature` is Twilio's signature of `url` (any variant of it) and `params` under `authToken`. */
export async function isValidTwilioSignature(
  authToken: string,
  signature: string,
  url: string,
  params?: SignedParams,
): Promise<boolean> {
  let valid = false;
  for (const variant of urlVariants(url)) {
    if (sameText(await twilioSignature(authToken, variant, params), signature)) valid = true;
  }
  return valid;
}
