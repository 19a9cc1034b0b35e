import { badGateway, type GatewayError, gatewayTimeout, twilioError } from '../errors';
import { apiPath } from './api';
import { decodeError, decodeResource } from './decode';
import { basicAuthorization } from './encoding';

/**
 * Anything that answers like `fetch` does: the network in live mode, the emulator in sandbox mode. It must
 * honour `init.signal` as `fetch` does (reject, and error a body still being read, once it aborts): the
 * signal is the only time budget of a send.
 */
export type Upstream = (url: string, init: RequestInit & { signal: AbortSignal }) => Promise<Response>;

/** Who is calling Twilio: the account in the path and the Basic-auth pair (account or API key). */
export interface TwilioAuth {
  readonly accountSid: string;
  readonly username: string;
  readonly password: string;
}

export interface ClientOptions {
  readonly baseUrl: string;
  readonly upstream: Upstream;
  /** The whole budget, retries included. */
  readonly timeoutMs: number;
  /** Retries of a 429 (which Twilio did not process). No other failure is ever retried. */
  readonly maxRetries?: number;
  readonly sleep?: (ms: number) => Promise<unknown>;
  readonly random?: () => number;
}

/** What Twilio answered, for the caller and the log line. */
export interface TwilioResult {
  readonly resource: Record<string, unknown>;
  readonly status: number;
  readonly requestId: string | null;
  readonly attempts: number;
}

/** Names the project to Twilio (and to whoever reads Twilio's request logs). */
export const USER_AGENT = 'twilio-edge-gateway/0.1.0 (Cloudflare Workers)';
/** Full-jitter exponential backoff base, when Twilio names no Retry-After. */
const BASE_BACKOFF_MS = 250;
/** Jitter added to Twilio's Retry-After, so that callers told the same time do not return in lockstep. */
const RETRY_AFTER_JITTER_MS = 50;

/** The most of an answer read, after decompression: a resource or an error is a few KB. */
export const MAX_ANSWER_BYTES = 1024 * 1024;
/** Twilio's request ids; anything else in that header is not logged. */
const REQUEST_ID = /^RQ[0-9a-fA-F]{32}$/;

const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Masks the credentials, in any letter case, in text that came back from upstream: Twilio never echoes them,
 * but a wrong TWILIO_API_BASE_URL or a hostile proxy could, and whatever it says reaches the caller.
 */
function redactor(auth: TwilioAuth, header: string): (text: string) => string {
  const secrets = [header, header.slice('Basic '.length), auth.password].filter((secret) => secret.length >= 4);
  return (text) => {
    // Almost every answer holds no secret: look first, and build the pattern only for one that does.
    const lower = text.toLowerCase();
    if (!secrets.some((secret) => lower.includes(secret.toLowerCase()))) return text;
    return text.replace(new RegExp(secrets.map(escaped).join('|'), 'gi'), '[redacted]');
  };
}

/** Every string inside a decoded value, redacted. */
function redactValues(value: unknown, hide: (text: string) => string): unknown {
  if (typeof value === 'string') return hide(value);
  if (Array.isArray(value)) return value.map((item) => redactValues(item, hide));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [name, item] of Object.entries(value)) out[name] = redactValues(item, hide);
  return out;
}

class TooLarge extends Error {}

/**
 * The body as text, read up to MAX_ANSWER_BYTES; over that it throws TooLarge. A plain body with a
 * Content-Length (Twilio's answers) is read whole: the runtime delivers no more than the length says. One
 * without, or compressed (inflated as it is read, so its length says nothing), is counted as it streams in.
 */
async function readCapped(response: Response): Promise<string> {
  const declared = response.headers.get('content-length');
  if (declared !== null && Number(declared) > MAX_ANSWER_BYTES) {
    await response.body?.cancel();
    throw new TooLarge();
  }
  const encoding = response.headers.get('content-encoding');
  if (declared !== null && (encoding === null || encoding === 'identity')) return response.text();
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_ANSWER_BYTES) {
      await reader.cancel();
      throw new TooLarge();
    }
    chunks.push(value);
  }
  const bytes = chunks.length === 1 ? (chunks[0] as Uint8Array) : new Uint8Array(size);
  if (chunks.length !== 1) {
    let at = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, at);
      at += chunk.byteLength;
    }
  }
  return new TextDecoder().decode(bytes);
}

/** Retry-After in ms (seconds or an HTTP date), or undefined. */
function retryAfter(header: string | null): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/**
 * Maps one Twilio answer: 2xx to the decoded resource, anything else to the error Twilio stated. The text is
 * redacted first, success or not. An answer that cannot be read (nested beyond the stack, say) is in doubt.
 */
function interpret(kind: 'Messages' | 'Calls', response: Response, text: string, hide: (s: string) => string) {
  try {
    return interpretText(kind, response, hide(text), hide);
  } catch {
    return badGateway(`Twilio answered HTTP ${response.status} with a body that could not be read`);
  }
}

function interpretText(kind: 'Messages' | 'Calls', response: Response, text: string, hide: (s: string) => string) {
  const body = parseJson(text);
  if (response.status >= 200 && response.status < 300) {
    const resource = decodeResource(kind, body);
    // An escape (`\u0065`, `\/`) can hide a secret from the look at the raw text: then the values are looked at.
    if (resource) return text.includes('\\') ? (redactValues(resource, hide) as Record<string, unknown>) : resource;
    return badGateway(`Twilio answered ${response.status} with a body that is not a ${kind.slice(0, -1)} resource`);
  }
  const error = decodeError(body);
  if (response.status >= 400 && error) {
    const info = error.more_info == null ? null : hide(error.more_info);
    return twilioError(response.status, error.code ?? null, hide(error.message), info);
  }
  if (response.status >= 400) {
    const what = body === undefined ? 'not JSON' : 'not a Twilio error';
    return twilioError(response.status, null, `Twilio answered HTTP ${response.status} with a body that is ${what}`);
  }
  return badGateway(`Twilio answered an unexpected HTTP ${response.status}`);
}

/**
 * Creates a Message or Call: one form-encoded POST with Basic auth, bounded by the timeout. A 429 is
 * retried with jittered backoff honouring Retry-After while the budget allows; nothing else is retried,
 * since Twilio may have processed it. Throws a GatewayError on any failure.
 */
export async function createRecord(
  options: ClientOptions,
  kind: 'Messages' | 'Calls',
  auth: TwilioAuth,
  form: URLSearchParams,
): Promise<TwilioResult> {
  const authorization = basicAuthorization(auth.username, auth.password);
  // The whole time budget, on one timer that aborts whatever is in flight: the POST or the reading of its
  // body. Cleared when the send ends (AbortSignal.timeout cannot be, and workerd caps those per request).
  const budget = new AbortController();
  const timer = setTimeout(() => budget.abort(), options.timeoutMs);
  try {
    return await exchange(options, kind, budget.signal, {
      url: options.baseUrl + apiPath(encodeURIComponent(auth.accountSid), kind),
      headers: {
        Authorization: authorization,
        'Content-Type': 'application/x-www-form-urlencoded',
        Accept: 'application/json',
        'User-Agent': USER_AGENT,
      },
      body: form.toString(),
      hide: redactor(auth, authorization),
    });
  } finally {
    clearTimeout(timer);
  }
}

/** The POST, its bounded 429 retries and the reading of Twilio's answer, until `signal` aborts. */
async function exchange(
  options: ClientOptions,
  kind: 'Messages' | 'Calls',
  signal: AbortSignal,
  post: { url: string; headers: Record<string, string>; body: string; hide: (text: string) => string },
): Promise<TwilioResult> {
  const { upstream, timeoutMs, maxRetries = 3, sleep = scheduler, random = Math.random } = options;
  const deadline = Date.now() + timeoutMs;
  // Never follow a redirect: it would POST the same form again, perhaps to another host.
  const init = { method: 'POST', headers: post.headers, body: post.body, signal, redirect: 'manual' as const };
  let requestId: string | null = null;
  for (let attempt = 1; ; attempt++) {
    const fail = (error: GatewayError) => error.traced(requestId, attempt);
    let response: Response;
    let text: string;
    try {
      response = await upstream(post.url, init);
    } catch {
      throw fail(signal.aborted ? gatewayTimeout(timeoutMs) : badGateway('Twilio could not be reached'));
    }
    const id = response.headers.get('Twilio-Request-Id');
    requestId = id !== null && REQUEST_ID.test(id) ? id : null;
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel();
      throw fail(badGateway(`Twilio answered a redirect (HTTP ${response.status}); it is not followed`));
    }
    try {
      text = await readCapped(response);
    } catch (err) {
      if (signal.aborted) throw fail(gatewayTimeout(timeoutMs));
      const why = err instanceof TooLarge ? `more than ${MAX_ANSWER_BYTES} bytes` : 'a body that was cut off';
      throw fail(badGateway(`Twilio answered HTTP ${response.status} with ${why}`));
    }
    if (response.status === 429 && attempt <= maxRetries) {
      const after = retryAfter(response.headers.get('Retry-After'));
      const wait =
        after === undefined
          ? random() * BASE_BACKOFF_MS * 2 ** (attempt - 1)
          : after + random() * RETRY_AFTER_JITTER_MS;
      if (Date.now() + wait < deadline) {
        await sleep(wait);
        continue;
      }
    }
    const outcome = interpret(kind, response, text, post.hide);
    if (outcome instanceof Error) throw fail(outcome);
    return { resource: outcome, status: response.status, requestId, attempts: attempt };
  }
}

const scheduler = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
