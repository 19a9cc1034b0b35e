import { createMiddleware } from 'hono/factory';
import { timingSafeEqual } from 'hono/utils/buffer';
import type { Config } from '../config';
import { gatewayRefusal } from '../errors';

/** Who is calling: a holder of one of API_KEYS (named by a digest prefix, never the key), or anyone. */
export type Caller =
  | { readonly kind: 'key'; readonly id: string }
  | { readonly kind: 'anonymous'; readonly ip: string };

/** Variables the caller middleware leaves. */
export interface CallerVariables {
  config: Config;
  caller: Caller;
}

const encoder = new TextEncoder();
const hex = (bytes: ArrayBuffer) => Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');
const sha256 = async (text: string) => hex(await crypto.subtle.digest('SHA-256', encoder.encode(text)));

const digests = new WeakMap<Config, Promise<string[]>>();
/** SHA-256 hex of every configured key (a `sha256:` entry is its own digest), computed once per config. */
function keyDigests(config: Config): Promise<string[]> {
  let list = digests.get(config);
  if (!list) {
    list = Promise.all(
      (config.API_KEYS ?? []).map((entry) =>
        entry.startsWith('sha256:') ? entry.slice(7).toLowerCase() : sha256(entry),
      ),
    );
    digests.set(config, list);
  }
  return list;
}

/**
 * The key a request presents: `Authorization: Bearer <key>`, `X-API-Key: <key>`, or Basic
 * `projectName:projectKey` (the block doc's project credentials). Undefined when none is presented.
 */
export function presentedKey(headers: { header(name: string): string | undefined }): string | undefined {
  const authorization = headers.header('authorization')?.trim();
  if (authorization) {
    const [scheme = '', value = ''] = authorization.split(/\s+/, 2);
    if (/^bearer$/i.test(scheme) && value) return value;
    if (/^basic$/i.test(scheme) && value) {
      try {
        const pair = atob(value);
        const colon = pair.indexOf(':');
        if (colon >= 0 && colon < pair.length - 1) return pair.slice(colon + 1);
      } catch {
        return undefined;
      }
    }
  }
  return headers.header('x-api-key')?.trim() || undefined;
}

/** The refusal for a missing or wrong key: 401, with the schemes a caller may use. */
export const keyRequired = () =>
  gatewayRefusal(401, 'A valid API key is required: Authorization: Bearer <key>, X-API-Key or Basic');

/**
 * Identifies the caller. A presented key must be one of API_KEYS (compared in constant time over SHA-256
 * digests); a wrong one is a 401 whatever else the request carries. Without a key the caller is anonymous,
 * which REQUIRE_API_KEY=always refuses here; whether an anonymous caller may spend the stored credentials is
 * decided once the input is known (credentials.ts).
 */
export const identifyCaller = createMiddleware<{ Variables: CallerVariables }>(async (c, next) => {
  const config = c.get('config');
  const key = config.API_KEYS ? presentedKey(c.req) : undefined;
  if (key !== undefined) {
    if (key.length > 256) throw keyRequired();
    const presented = await sha256(key);
    let match: string | undefined;
    // Every entry is compared, so the time taken does not say which one (or whether one) matched.
    for (const digest of await keyDigests(config)) {
      if ((await timingSafeEqual(presented, digest)) && match === undefined) match = digest;
    }
    if (match === undefined) throw keyRequired();
    c.set('caller', { kind: 'key', id: `key:${match.slice(0, 12)}` });
  } else {
    if (config.REQUIRE_API_KEY === 'always') throw keyRequired();
    c.set('caller', { kind: 'anonymous', ip: c.req.header('cf-connecting-ip') ?? 'unknown' });
  }
  await next();
});
