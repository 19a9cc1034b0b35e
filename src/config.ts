import * as v from 'valibot';
import { configError } from './errors';
import { ACCOUNT_SID } from './twilio/api';

/** The sandbox clock's slowest and fastest speed: at 1 a call lasts about 12 s, within a Worker's waitUntil window. */
export const SPEED_MIN = 1;
export const SPEED_MAX = 1_000_000;

const text = v.pipe(v.string(), v.trim(), v.maxLength(512));
const optionalText = v.optional(text);
const integer = (min: number, max: number) =>
  v.pipe(
    v.union([v.number(), v.pipe(v.string(), v.regex(/^\d+$/), v.transform(Number))]),
    v.integer(),
    v.minValue(min),
    v.maxValue(max),
  );
const whole = (min: number, max: number, fallback: number) => v.optional(integer(min, max), fallback);

/**
 * The Worker's settings, decoded once per environment with valibot. Empty strings count as unset.
 * Secrets (TWILIO_AUTH_TOKEN, TWILIO_API_KEY_SECRET) are read here and never printed.
 */
const flag = v.optional(
  v.pipe(
    v.picklist(['true', 'false']),
    v.transform((s) => s === 'true'),
  ),
  'false',
);
/** A comma-separated list of at most `max` items, each matching `item`; blanks around commas ignored. */
const commaList = (item: RegExp, max: number) =>
  v.pipe(
    v.string(),
    v.maxLength(16_384),
    v.transform((s) =>
      s
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean),
    ),
    v.maxLength(max),
    v.check((items) => items.every((part) => item.test(part))),
  );

const Settings = v.object({
  TWILIO_MODE: v.optional(v.picklist(['live', 'sandbox']), 'live'),
  TWILIO_API_BASE_URL: v.optional(v.pipe(v.string(), v.url(), v.regex(/^https?:\/\//))),
  TWILIO_REGION: v.optional(v.pipe(v.string(), v.regex(/^[a-z]{2}\d$/))),
  TWILIO_EDGE: v.optional(v.pipe(v.string(), v.regex(/^[a-z][a-z-]{1,30}$/))),
  TWILIO_TIMEOUT_MS: whole(1, 120_000, 10_000),
  ERROR_STATUS: v.optional(v.picklist(['mirror', 'always-200']), 'mirror'),
  LOG_REQUESTS: v.optional(v.picklist(['errors', 'all']), 'errors'),
  SANDBOX_CALLBACKS: flag,
  /** Sandbox mode: simulated seconds per real second of the emulator's clock. */
  SANDBOX_SPEED: v.optional(
    v.pipe(
      v.union([v.number(), v.pipe(v.string(), v.regex(/^\d{1,7}(\.\d{1,6})?$/), v.transform(Number))]),
      v.minValue(SPEED_MIN),
      v.maxValue(SPEED_MAX),
    ),
    1,
  ),
  /** Caller keys: plain, or `sha256:<64 hex>`. */
  API_KEYS: v.optional(commaList(/^(sha256:[0-9a-fA-F]{64}|[\x21-\x7e]{16,256})$/, 100)),
  ALLOW_ANONYMOUS: flag,
  REQUIRE_API_KEY: v.optional(v.picklist(['stored', 'always']), 'stored'),
  /** Country calling codes (or longer prefixes) a send may go to, e.g. `+1,+44`. */
  ALLOWED_DESTINATIONS: v.optional(commaList(/^\+[1-9]\d{0,14}$/, 300)),
  /** Hosts a call's caller-supplied `url`/`fallbackUrl` may name when ALLOWED_DESTINATIONS is set. */
  ALLOWED_TWIML_HOSTS: v.optional(
    v.pipe(
      commaList(/^[a-z0-9.-]{1,253}$/i, 50),
      v.transform((hosts) => hosts.map((h) => h.toLowerCase())),
    ),
  ),
  MAX_SEGMENTS: v.optional(integer(1, 100)),
  CORS_ORIGINS: v.optional(commaList(/^https?:\/\/[^/\s,]+$/, 50)),
  TWILIO_ACCOUNT_SID: v.optional(v.pipe(v.string(), v.trim(), v.regex(ACCOUNT_SID))),
  TWILIO_AUTH_TOKEN: optionalText,
  TWILIO_API_KEY_SID: optionalText,
  TWILIO_API_KEY_SECRET: optionalText,
  /** Status callbacks (src/status/): sends get the gateway's own /twilio/status; updates are kept and forwarded. */
  TRACK_STATUS: flag,
  /** Standard Webhooks secrets (`whsec_` + base64 of 24 to 64 bytes) the forwarded updates are signed with. */
  WEBHOOK_SECRETS: v.optional(commaList(/^whsec_[A-Za-z0-9+/]{32,88}={0,2}$/, 5)),
  /** How long a SID's status history is kept after its last update. */
  STATUS_RETENTION_DAYS: whole(1, 365, 7),
  /** Reconciliation (send/reconcile.ts): a tracked SID still not final this long after its send is fetched. */
  RECONCILE_AFTER_S: whole(0, 604_800, 600),
  /** And no longer once this long has passed since its send (72 h). */
  RECONCILE_GIVE_UP_S: whole(60, 2_592_000, 259_200),
  /** The most SIDs fetched by one scheduled run, oldest first. */
  RECONCILE_BATCH: whole(1, 1000, 100),
  /** The Worker's public base URL (behind a proxy: the one Twilio is given), without a trailing slash. */
  PUBLIC_URL: v.optional(
    v.pipe(
      v.string(),
      v.maxLength(512),
      v.url(),
      v.regex(/^https?:\/\/[^?#]+$/),
      v.transform((s) => s.replace(/\/+$/, '')),
    ),
  ),
});

/**
 * TRACK_STATUS needs the URL Twilio is given, the secrets the forwards are signed with, and (but in sandbox mode,
 * whose emulator signs with its own token) TWILIO_AUTH_TOKEN: Twilio signs every callback with the auth token,
 * also for sends made with an API key, so without it every callback would be refused.
 */
const ConfigSchema = v.pipe(
  Settings,
  v.forward(
    v.check((c) => !c.TRACK_STATUS || c.TWILIO_MODE === 'sandbox' || Boolean(c.TWILIO_AUTH_TOKEN)),
    ['TWILIO_AUTH_TOKEN'],
  ),
  v.forward(
    v.check((c) => !c.TRACK_STATUS || c.PUBLIC_URL !== undefined),
    ['PUBLIC_URL'],
  ),
  v.forward(
    v.check((c) => !c.TRACK_STATUS || c.WEBHOOK_SECRETS !== undefined),
    ['WEBHOOK_SECRETS'],
  ),
);

/** The decoded configuration. */
export type Config = v.InferOutput<typeof ConfigSchema>;

const cache = new WeakMap<object, Config>();

/** Decodes the Worker's env once (cached per env object); a bad setting throws a configuration error naming it. */
export function readConfig(env: object): Config {
  const cached = cache.get(env);
  if (cached) return cached;
  const present = Object.fromEntries(
    Object.entries(env).filter(([name, value]) => name in Settings.entries && value !== '' && value !== null),
  );
  const result = v.safeParse(ConfigSchema, present);
  if (!result.success) {
    throw configError([...new Set(result.issues.map((issue) => v.getDotPath(issue) ?? '?'))]);
  }
  cache.set(env, result.output);
  return result.output;
}

/** Twilio edge nearest each Cloudflare continent code, for TWILIO_EDGE=auto. */
const EDGE_BY_CONTINENT: Readonly<Record<string, string>> = {
  NA: 'ashburn',
  SA: 'sao-paulo',
  EU: 'dublin',
  AF: 'frankfurt',
  AS: 'singapore',
  OC: 'sydney',
};

/**
 * The Twilio API base URL: TWILIO_API_BASE_URL, else `https://api.{edge}.{region}.twilio.com` (region
 * us1 when only an edge is set), else `https://api.twilio.com`. `auto` picks the edge from `request.cf`.
 */
export function twilioBaseUrl(config: Config, continent?: string): string {
  if (config.TWILIO_API_BASE_URL) return config.TWILIO_API_BASE_URL.replace(/\/+$/, '');
  const edge =
    config.TWILIO_EDGE === 'auto' ? (continent ? EDGE_BY_CONTINENT[continent] : undefined) : config.TWILIO_EDGE;
  const region = config.TWILIO_REGION ?? (edge ? 'us1' : undefined);
  return `https://${['api', edge, region].filter(Boolean).join('.')}.twilio.com`;
}
