import { badGateway, type GatewayError, gatewayTimeout, twilioError } from '../errors';
import { MAX_JSON_DEPTH, nestsDeeper } from '../limits/json';
import { readUpTo } from '../limits/read';
import { decodeAnswer, decodeError } from './decode';
import { basicAuthorization, FORM_TYPE } from './encoding';
import { OPERATIONS, type Operation, operationPath, type TwilioRequest } from './operations';

/** Twilio could not be reached (a network failure): documented, so one constructor. */
export const unreachable = () => badGateway('Twilio could not be reached');

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
  /** Retries of a 429 (which Twilio did not process), and of a read's 5xx or network failure (a read changes nothing). */
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
/**
 * The most of a list page read, after decompression: up to 1,000 records (PageSize's maximum, as Twilio allows)
 * of a few KB each (a Call is about 2.3 KB) go over MAX_ANSWER_BYTES, so a page may be four times that, still bounded.
 */
export const MAX_PAGE_BYTES = 4 * 1024 * 1024;
/** The most of an answer to this operation that is read. */
const capOf = (operation: Operation) => (operation === OPERATIONS.list ? MAX_PAGE_BYTES : MAX_ANSWER_BYTES);
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
 * The body as text, read up to `cap` bytes; over that it throws TooLarge. A plain body with a
 * Content-Length (Twilio's answers) is read whole: the runtime delivers no more than the length says. One
 * without, or compressed (inflated as it is read, so its length says nothing), is counted as it streams in.
 */
async function readCapped(response: Response, cap: number): Promise<string> {
  const declared = response.headers.get('content-length');
  if (declared !== null && Number(declared) > cap) {
    await response.body?.cancel();
    throw new TooLarge();
  }
  const encoding = response.headers.get('content-encoding');
  if (declared !== null && (encoding === null || encoding === 'identity')) return response.text();
  const { text, cut } = await readUpTo(response.body, cap);
  if (cut) throw new TooLarge();
  return text;
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
 * Maps one Twilio answer: 2xx to the decoded resource (a record, a page, a deletion), anything else to the
 * error Twilio stated. The text is redacted first, success or not. An answer nested past MAX_JSON_DEPTH, or one
 * that cannot be read, is in doubt.
 */
function interpret(request: TwilioRequest, response: Response, text: string, hide: (s: string) => string) {
  // Nothing nested past the bound is parsed, nor copied into an answer a caller's parser may choke on.
  if (nestsDeeper(text)) {
    return badGateway(`Twilio answered HTTP ${response.status} with JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
  }
  try {
    return interpretText(request, response, hide(text), hide);
  } catch {
    return badGateway(`Twilio answered HTTP ${response.status} with a body that could not be read`);
  }
}

function interpretText(request: TwilioRequest, response: Response, text: string, hide: (s: string) => string) {
  const body = parseJson(text);
  if (response.status >= 200 && response.status < 300) {
    const resource = decodeAnswer(request, body);
    // An escape (`\u0065`, `\/`) can hide a secret from the look at the raw text: then the values are looked at.
    if (resource) return text.includes('\\') ? (redactValues(resource, hide) as Record<string, unknown>) : resource;
    const { resource: kind, operation } = request;
    const what = operation.params === 'query' ? `a page of ${kind}` : `a ${kind.slice(0, -1)} resource`;
    return badGateway(`Twilio answered ${response.status} with a body that is not ${what}`);
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
 * Asks Twilio for one operation (create, fetch, list, update or delete a Message or Call): one request with Basic
 * auth, the form as its body or the query in its URL, bounded by the timeout. A 429 is retried with jittered
 * backoff honouring Retry-After while the budget allows, and so is a read's (GET's) 5xx or network failure; a
 * request that changes something is never retried otherwise, since Twilio may have processed it. Throws a
 * GatewayError on any failure.
 */
export async function callTwilio(
  options: ClientOptions,
  auth: TwilioAuth,
  request: TwilioRequest,
): Promise<TwilioResult> {
  const authorization = basicAuthorization(auth.username, auth.password);
  const { operation, params } = request;
  const path = operationPath(encodeURIComponent(auth.accountSid), request.resource, operation, request.sid);
  const query = operation.params === 'query' ? params.toString() : '';
  const form = operation.params === 'form';
  const headers: Record<string, string> = form
    ? {
        Authorization: authorization,
        'Content-Type': FORM_TYPE,
        Accept: 'application/json',
        'User-Agent': USER_AGENT,
      }
    : { Authorization: authorization, Accept: 'application/json', 'User-Agent': USER_AGENT };
  // The whole time budget, on one signal that aborts whatever is in flight: the request or the reading of its body.
  // Its timer is never cleared: workerd drops it when the request completes, and allows 10,000 active per request
  // (a request makes one call to Twilio, a queue batch at most 10). Cheaper than a controller with a cleared timer.
  return exchange(options, request, AbortSignal.timeout(options.timeoutMs), {
    url: options.baseUrl + path + (query ? `?${query}` : ''),
    headers,
    body: form ? params.toString() : null,
    hide: redactor(auth, authorization),
  });
}

/** The request, its bounded retries and the reading of Twilio's answer, until `signal` aborts. */
async function exchange(
  options: ClientOptions,
  request: TwilioRequest,
  signal: AbortSignal,
  sent: { url: string; headers: Record<string, string>; body: string | null; hide: (text: string) => string },
): Promise<TwilioResult> {
  const { upstream, timeoutMs } = options;
  const deadline = Date.now() + timeoutMs;
  const { method, changes } = request.operation;
  // A read changes nothing: it may also be asked again after a 5xx or a network failure.
  const read = !changes;
  const cap = capOf(request.operation);
  // Never follow a redirect: it would send the same request again, perhaps to another host.
  const init = { method, headers: sent.headers, body: sent.body, signal, redirect: 'manual' as const };
  let requestId: string | null = null;
  for (let attempt = 1; ; attempt++) {
    const fail = (error: GatewayError) => error.traced(requestId, attempt);
    let response: Response;
    let text: string;
    try {
      response = await upstream(sent.url, init);
    } catch {
      if (signal.aborted) throw fail(gatewayTimeout(timeoutMs));
      if (read && (await again(options, deadline, attempt))) continue;
      throw fail(unreachable());
    }
    const id = response.headers.get('Twilio-Request-Id');
    requestId = id !== null && REQUEST_ID.test(id) ? id : null;
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel();
      throw fail(badGateway(`Twilio answered a redirect (HTTP ${response.status}); it is not followed`));
    }
    try {
      text = await readCapped(response, cap);
    } catch (err) {
      if (signal.aborted) throw fail(gatewayTimeout(timeoutMs));
      const why = err instanceof TooLarge ? `more than ${cap} bytes` : 'a body that was cut off';
      throw fail(badGateway(`Twilio answered HTTP ${response.status} with ${why}`));
    }
    const after = response.status === 429 ? retryAfter(response.headers.get('Retry-After')) : undefined;
    if (response.status === 429 && (await again(options, deadline, attempt, after))) continue;
    if (read && response.status >= 500 && (await again(options, deadline, attempt))) continue;
    const outcome = interpret(request, response, text, sent.hide);
    if (outcome instanceof Error) throw fail(outcome);
    return { resource: outcome, status: response.status, requestId, attempts: attempt };
  }
}

/**
 * Waits before another attempt, if one is allowed and fits in the budget: Retry-After (`after`) with a little
 * jitter, else full-jitter exponential backoff. False when no attempt is left.
 */
async function again(options: ClientOptions, deadline: number, attempt: number, after?: number): Promise<boolean> {
  const { maxRetries = 3, sleep = scheduler, random = Math.random } = options;
  if (attempt > maxRetries) return false;
  const wait =
    after === undefined ? random() * BASE_BACKOFF_MS * 2 ** (attempt - 1) : after + random() * RETRY_AFTER_JITTER_MS;
  if (Date.now() + wait >= deadline) return false;
  await sleep(wait);
  return true;
}

const scheduler = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
