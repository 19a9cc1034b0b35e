import { createMiddleware } from 'hono/factory';
import type { Config } from '../../config';
import { keyRequired } from '../../send/caller';
import { parseBasic } from '../../twilio/encoding';
import { sameText, bodySha256 as sha256 } from '../../twilio/signature';
import type { AppEnv } from '../app-env';
import { limit } from './rate-limit';

/**
 * The id of the configured key `presented` is, or undefined. Every entry is compared, in constant time, so the
 * time taken says nothing of which one (or whether one) matched: a plain entry against the key, a `sha256:` entry
 * against the key's digest (computed only when there is such an entry). Hono's `timingSafeEqual` would hash both
 * sides of every comparison again (docs/benchmarks.md).
 */
async function match(presented: string, config: Config): Promise<string | undefined> {
  const entries = config.API_KEYS ?? [];
  const digest = entries.some((e) => e.startsWith('sha256:')) ? await sha256(presented) : undefined;
  let found: number | undefined;
  entries.forEach((entry, i) => {
    const same = entry.startsWith('sha256:')
      ? sameText(entry.slice(7).toLowerCase(), digest ?? '')
      : sameText(entry, presented);
    if (same && found === undefined) found = i;
  });
  return found === undefined ? undefined : (await keyIds(config))[found];
}

const ids = new WeakMap<Config, Promise<string[]>>();
/** A stable id per configured key, `key:` + 12 hex digits of its SHA-256, computed once per config. */
function keyIds(config: Config): Promise<string[]> {
  let list = ids.get(config);
  if (!list) {
    list = Promise.all(
      (config.API_KEYS ?? []).map(async (entry) =>
        entry.startsWith('sha256:') ? entry.slice(7).toLowerCase() : await sha256(entry),
      ),
    ).then((digests) => digests.map((d) => `key:${d.slice(0, 12)}`));
    ids.set(config, list);
  }
  return list;
}

/**
 * The key a request presents: `Authorization: Bearer <key>`, `X-API-Key: <key>`, or Basic
 * `projectName:projectKey` (the block doc's project credentials). Undefined when none is presented; null when
 * an `Authorization` header is there but holds no well-formed key (which counts as a wrong key).
 */
export function presentedKey(headers: { header(name: string): string | undefined }): string | null | undefined {
  const authorization = headers.header('authorization')?.trim();
  if (authorization) {
    const bearer = /^Bearer +(\S+)$/i.exec(authorization);
    if (bearer) return bearer[1] ?? null;
    return parseBasic(authorization)?.password ?? null;
  }
  const header = headers.header('x-api-key');
  if (header === undefined) return undefined;
  return /^\S+$/.test(header.trim()) ? header.trim() : null;
}

/**
 * Identifies the caller. A presented key must be one of API_KEYS (compared in constant time); a wrong one is a 401 whatever else the request carries. Without a key the caller is anonymous,
 * which REQUIRE_API_KEY=always refuses here; whether an anonymous caller may spend the stored credentials is
 * decided once the input is known (credentials.ts).
 */
export const identifyCaller = createMiddleware<AppEnv>(async (c, next) => {
  const config = c.get('config');
  const ip = c.req.header('cf-connecting-ip') ?? 'unknown';
  const key = config.API_KEYS ? presentedKey(c.req) : undefined;
  if (key !== undefined) {
    const id = key === null || key.length > 256 ? undefined : await match(key, config);
    if (id === undefined) {
      // A wrong key counts against its IP before it is answered: keys cannot be guessed at speed.
      await limit(c, `ip:${ip}`);
      throw keyRequired();
    }
    c.set('caller', { kind: 'key', id });
  } else {
    if (config.REQUIRE_API_KEY === 'always') throw keyRequired();
    c.set('caller', { kind: 'anonymous', ip });
  }
  await next();
});
