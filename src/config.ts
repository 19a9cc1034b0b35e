import * as v from 'valibot';
import { configError, GatewayError } from './errors';
import { ACCOUNT_SID } from './twilio/api';

/** The sandbox clock's slowest and fastest speed: at 1 a call lasts about 12 s, within a Worker's waitUntil window. */
export const SPEED_MIN = 1;
export const SPEED_MAX = 1_000_000;
/** The sandbox's demo auth token (`npm start`): public, so valid on a local run only (SANDBOX_LOCAL). */
export const DEMO_AUTH_TOKEN = 'sandbox-demo-token';

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
  /**
   * A local run (`npm start` sets it): the sandbox's demo account, and simulated callbacks to anyone and to any
   * address. Never inferred from a request: Host, Origin and every other header are the caller's to write.
   */
  SANDBOX_LOCAL: flag,
  /** Sandbox mode: simulated seconds per real second of the emulator's clock. */
  SANDBOX_SPEED: v.optional(
    v.pipe(
      v.union([v.number(), v.pipe(v.string(), v.regex(/^\d{1,7}(\.\d{1,6})?$/), v.transform(Number))]),
      v.minValue(SPEED_MIN),
      v.maxValue(SPEED_MAX),
    ),
    1,
  ),
  /** Caller keys: plain (16 to 256 printable ASCII characters), or `sha256:<64 hex>`. */
  API_KEYS: v.optional(
    v.pipe(
      commaList(/^[\x21-\x7e]{16,256}$/, 100),
      // A list of blanks locks every caller out; a digest that is not one never matches: both are mistakes.
      v.check(
        (keys) => keys.length > 0,
        'API_KEYS: holds no key, only commas and blanks; give at least one key of 16 to 256 printable characters, or sha256:<64 hex>',
      ),
      v.check(
        (keys) => keys.every((key) => !/^sha256:/i.test(key) || /^sha256:[0-9a-fA-F]{64}$/.test(key)),
        'API_KEYS: an entry that starts with sha256: must be sha256: and 64 hex digits (the SHA-256 of the key)',
      ),
    ),
  ),
  ALLOW_ANONYMOUS: flag,
  REQUIRE_API_KEY: v.optional(v.picklist(['stored', 'always']), 'stored'),
  /**
   * Country calling codes (or longer prefixes) a send may go to, e.g. `+1,+44`, and NANP regions, `+1-US` and
   * `+1-CA` (send/nanp.ts): `+1` alone is all of NANP, the Caribbean included.
   */
  ALLOWED_DESTINATIONS: v.optional(commaList(/^(\+[1-9]\d{0,14}|\+1-US|\+1-CA)$/, 300)),
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
  /** Opt-outs (src/optouts/): `on` refuses a send to a person who opted out of its sender, before Twilio is called. */
  OPT_OUTS: v.optional(v.picklist(['on', 'off']), 'on'),
  /** How long the messages and calls a number received are kept (src/inbound/store.ts). */
  INBOUND_RETENTION_DAYS: whole(1, 365, 7),
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

/** Sandbox mode has an account of the operator's own (a SID, and a token that is not the public demo one), or runs locally. */
const ownSandboxAccount = (c: v.InferOutput<typeof Settings>) =>
  c.TWILIO_MODE !== 'sandbox' ||
  c.SANDBOX_LOCAL ||
  Boolean(c.TWILIO_ACCOUNT_SID && c.TWILIO_AUTH_TOKEN && c.TWILIO_AUTH_TOKEN !== DEMO_AUTH_TOKEN);
/** Said per setting (`NAME: rule`), so that each one's hint gives this rule rather than its shape. */
const noOwnSandboxAccount = (name: string) =>
  `${name}: sandbox mode off a local run needs its own TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN, not the public demo token (SANDBOX_LOCAL=true is for your own machine only)`;

/**
 * TRACK_STATUS needs the URL Twilio is given, the secrets the forwards are signed with, and (but in sandbox mode,
 * whose emulator signs with its own token) TWILIO_AUTH_TOKEN: Twilio signs every callback with the auth token,
 * also for sends made with an API key, so without it every callback would be refused.
 */
const ConfigSchema = v.pipe(
  Settings,
  // Off a local run, the sandbox signs its callbacks with the account's own token: the demo token is public, so
  // anyone could forge a status update with it.
  v.forward(v.check(ownSandboxAccount, noOwnSandboxAccount('TWILIO_ACCOUNT_SID')), ['TWILIO_ACCOUNT_SID']),
  v.forward(v.check(ownSandboxAccount, noOwnSandboxAccount('TWILIO_AUTH_TOKEN')), ['TWILIO_AUTH_TOKEN']),
  v.forward(
    v.check(
      (c) => !c.TRACK_STATUS || c.TWILIO_MODE === 'sandbox' || Boolean(c.TWILIO_AUTH_TOKEN),
      'TWILIO_AUTH_TOKEN: required with TRACK_STATUS=true (Twilio signs every status callback with it)',
    ),
    ['TWILIO_AUTH_TOKEN'],
  ),
  v.forward(
    v.check(
      (c) => !c.TRACK_STATUS || c.PUBLIC_URL !== undefined,
      "PUBLIC_URL: required with TRACK_STATUS=true (the Worker's URL Twilio is given)",
    ),
    ['PUBLIC_URL'],
  ),
  v.forward(
    v.check(
      (c) => !c.TRACK_STATUS || c.WEBHOOK_SECRETS !== undefined,
      'WEBHOOK_SECRETS: required with TRACK_STATUS=true (the forwarded updates are signed with it)',
    ),
    ['WEBHOOK_SECRETS'],
  ),
);

/** The decoded configuration. */
export type Config = v.InferOutput<typeof ConfigSchema>;

/** A setting's rule in words and a valid example: what a configuration error's hint and docs/configuration.md say. */
export interface SettingRule {
  readonly rule: string;
  /** A valid value; for a secret, a placeholder of its shape, never a real one. */
  readonly example: string;
}

/** The settings decoded outside this schema (recipes/document.ts), named by configuration errors too. */
type OtherSetting = 'HOOKS_ASYNC' | 'RECIPES' | 'INBOUND';

/**
 * Every setting's rule and example, one line each; a setting of the schema missing here is a type error. A
 * cross-setting check says its own rule in its message, written `NAME: rule`, which the hint uses instead.
 */
// biome-ignore format: one line per setting
export const SETTING_RULES: Readonly<Record<keyof typeof Settings.entries | OtherSetting, SettingRule>> = {
  TWILIO_MODE: { rule: 'live or sandbox (sandbox needs the build with the emulator: npm start)', example: 'live' },
  TWILIO_API_BASE_URL: { rule: 'an http(s) URL', example: 'http://127.0.0.1:4010' },
  TWILIO_REGION: { rule: 'a Twilio region: two lower-case letters and a digit', example: 'ie1' },
  TWILIO_EDGE: { rule: 'a Twilio edge name in lower case, or auto', example: 'dublin' },
  TWILIO_TIMEOUT_MS: { rule: 'a whole number of milliseconds from 1 to 120000', example: '10000' },
  ERROR_STATUS: { rule: 'mirror or always-200', example: 'mirror' },
  LOG_REQUESTS: { rule: 'errors or all', example: 'errors' },
  SANDBOX_CALLBACKS: { rule: 'true or false', example: 'true' },
  SANDBOX_LOCAL: { rule: 'true or false; true only on a run of your own machine (npm start sets it): it allows the demo token and private callback targets', example: 'true' },
  SANDBOX_SPEED: { rule: `a number from ${SPEED_MIN} to ${SPEED_MAX}, with at most 6 decimals`, example: '60' },
  API_KEYS: { rule: 'each key must be 16 to 256 printable characters, or sha256:<64 hex>; at most 100, comma-separated', example: '3f9c2a7e5b1d4c8f9a0b6e2d7c4f1a3b (make one: openssl rand -hex 16)' },
  ALLOW_ANONYMOUS: { rule: 'true or false', example: 'false' },
  REQUIRE_API_KEY: { rule: 'stored or always', example: 'always' },
  ALLOWED_DESTINATIONS: { rule: 'comma-separated + and country calling code (or a longer prefix), or +1-US / +1-CA for one NANP country (+1 is all of NANP), at most 300', example: '+1-US,+44' },
  ALLOWED_TWIML_HOSTS: { rule: 'comma-separated host names, at most 50', example: 'handler.twilio.com,example.com' },
  MAX_SEGMENTS: { rule: 'a whole number from 1 to 100', example: '3' },
  CORS_ORIGINS: { rule: 'comma-separated origins: http(s)://host[:port], no path, at most 50', example: 'https://app.example.com' },
  TWILIO_ACCOUNT_SID: { rule: 'AC and 32 hex digits (Twilio Console, Account info)', example: 'AC0123456789abcdef0123456789abcdef' },
  TWILIO_AUTH_TOKEN: { rule: 'the auth token of TWILIO_ACCOUNT_SID, at most 512 characters', example: '<your 32-character auth token>' },
  TWILIO_API_KEY_SID: { rule: 'an API key SID (SK and 32 hex digits), at most 512 characters', example: 'SK0123456789abcdef0123456789abcdef' },
  TWILIO_API_KEY_SECRET: { rule: "the API key's secret, at most 512 characters", example: '<your API key secret>' },
  TRACK_STATUS: { rule: 'true or false; true needs PUBLIC_URL, WEBHOOK_SECRETS and (but in sandbox mode) TWILIO_AUTH_TOKEN', example: 'true' },
  WEBHOOK_SECRETS: { rule: 'comma-separated whsec_ and the base64 of 24 to 64 bytes, at most 5', example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw (make one: echo whsec_$(openssl rand -base64 32))' },
  STATUS_RETENTION_DAYS: { rule: 'a whole number of days from 1 to 365', example: '7' },
  OPT_OUTS: { rule: 'on or off; off: sends are not checked against opt-outs and keywords record none', example: 'on' },
  INBOUND_RETENTION_DAYS: { rule: 'a whole number of days from 1 to 365', example: '7' },
  INBOUND: { rule: 'a JSON object with help, messages and voice, on one line (docs/inbound.md)', example: '{"help": "Reply STOP to stop.", "messages": {"default": {"action": "none"}}}' },
  PUBLIC_URL: { rule: "the Worker's public http(s) base URL, without query or fragment, at most 512 characters", example: 'https://twilio.example.com' },
  RECONCILE_AFTER_S: { rule: 'a whole number of seconds from 0 to 604800', example: '600' },
  RECONCILE_GIVE_UP_S: { rule: 'a whole number of seconds from 60 to 2592000', example: '259200' },
  RECONCILE_BATCH: { rule: 'a whole number from 1 to 1000', example: '100' },
  HOOKS_ASYNC: { rule: 'true or false', example: 'false' },
  RECIPES: { rule: 'a JSON object from recipe name to recipe, on one line (docs/recipes.md)', example: '{"ping": {"block": "sendSms", "fields": {"to": "+14155550100", "body": "ping"}}}' },
};

/**
 * How to fix a setting: `NAME: rule; e.g. NAME=example.`, from SETTING_RULES, or `why` (a cross-setting check's
 * `NAME: rule` message) in place of the rule. Never the value.
 */
export function settingHint(name: string, why?: string): string {
  const known = SETTING_RULES[name as keyof typeof SETTING_RULES];
  const rule = why?.startsWith(`${name}: `) ? why : `${name}: ${known?.rule ?? 'see docs/configuration.md'}`;
  return known ? `${rule}; e.g. ${name}=${known.example}.` : `${rule}.`;
}

/** The configuration error of the named settings, with each one's hint. */
export function invalidSettings(issues: readonly { name: string; why?: string }[]): GatewayError {
  const names = [...new Set(issues.map((issue) => issue.name))];
  const hint = names.map((name) => settingHint(name, issues.find((i) => i.name === name && i.why)?.why)).join(' ');
  return configError(names).hinted(hint);
}

const cache = new WeakMap<object, Config | GatewayError>();

/**
 * Decodes the Worker's env once (cached per env object, a failure too); a bad setting throws a configuration error
 * naming it, with its rule and an example as the hint.
 */
export function readConfig(env: object): Config {
  const cached = cache.get(env);
  if (cached instanceof GatewayError) throw cached;
  if (cached) return cached;
  const present = Object.fromEntries(
    Object.entries(env).filter(([name, value]) => name in Settings.entries && value !== '' && value !== null),
  );
  const result = v.safeParse(ConfigSchema, present);
  if (!result.success) {
    const error = invalidSettings(
      result.issues.map((issue) => ({ name: v.getDotPath(issue) ?? '?', why: issue.message })),
    );
    cache.set(env, error);
    throw error;
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
