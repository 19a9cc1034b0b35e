import { DurableObject } from 'cloudflare:workers';
import { blocks } from '../blocks';
import type { BlockInput } from '../blocks/schema';
import type { Config } from '../config';
import { type ErrorSource, GatewayError, gatewayRefusal } from '../errors';
import type { Place } from '../optouts/regions';
import { bodySha256 as sha256 } from '../twilio/signature';
import type { Caller } from './caller';
import { placeFor } from './opt-outs';
import { idempotencyConflict, unknownOutcome } from './refusals';
import { type SendContext, type SendOutcome, send, type TwilioTrace } from './send';

/** How long a key's answer is kept (and replayed), unless the request says otherwise (OnceRequest.ttl). */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** How long a webhook's event id is kept: longer than the longest provider retry window (Stripe's 3 days). */
export const HOOK_TTL_MS = 7 * IDEMPOTENCY_TTL_MS;
/** What an Idempotency-Key may be: 1 to 255 printable ASCII characters. */
const KEY = /^[\x21-\x7e]{1,255}$/;

/** A SendOutcome as plain data: what is stored, replayed and passed between the Worker and the store. */
export type StoredOutcome =
  | { readonly ok: true; readonly resource: Record<string, unknown>; readonly trace: TwilioTrace }
  | {
      readonly ok: false;
      readonly status: number;
      readonly text: string;
      readonly detail: GatewayError['detail'] & { readonly source: ErrorSource };
    };

/** A success is plain data as it is; a failure's GatewayError becomes its status, text and facts. */
const toStored = (outcome: SendOutcome): StoredOutcome =>
  outcome.ok
    ? outcome
    : { ok: false, status: outcome.error.status, text: outcome.error.text, detail: outcome.error.detail };

/** The stored form back to a SendOutcome. */
export const fromStored = (stored: StoredOutcome): SendOutcome =>
  stored.ok ? stored : { ok: false, error: new GatewayError(stored.status, stored.text, stored.detail) };

/**
 * Whether an outcome is final for its key. A 429 (Twilio did not process it) and a failure before any POST
 * (credentials, the guard) are not: a later retry with the key may send. Everything else is: a success, a
 * Twilio refusal, and any failure after the POST went out, whose outcome is in doubt and must never be sent
 * again.
 */
const isFinal = (outcome: SendOutcome) =>
  outcome.ok || ((outcome.error.detail.attempts ?? 0) > 0 && outcome.error.detail.twilioStatus !== 429);

/** What the Worker asks the store: one send, made at most once per key. */
export interface OnceRequest {
  readonly block: string;
  readonly input: BlockInput;
  readonly fingerprint: string;
  readonly config: Config;
  readonly continent: string | undefined;
  /** Where the request ran (opt-outs/regions.ts), for a message's opt-out check. */
  readonly place?: Place | undefined;
  readonly callbacks: boolean;
  readonly caller: Caller;
  /** How long the outcome is kept, in ms: IDEMPOTENCY_TTL_MS when absent. */
  readonly ttl?: number | undefined;
}

/** The store's answer: the outcome, and whether it is a replay of an earlier request's. */
export type OnceAnswer = { readonly replayed: boolean; readonly outcome: StoredOutcome };

interface Entry {
  readonly fingerprint: string;
  /** Undefined while the first request is sending. */
  readonly outcome?: StoredOutcome;
}

/**
 * One Idempotency-Key of one caller (a SQLite-backed Durable Object per key). The first request sends;
 * a concurrent duplicate waits for it (bounded by the send's own time budget) and gets its outcome; later
 * ones get the stored outcome for 24 h (or the request's `ttl`). Before sending, the key is marked as started: if this object is
 * restarted mid-send, the outcome is in doubt and is answered as such, never sent again. The stored outcome
 * holds no secret: the decoded resource, or the error's documented string and facts.
 */
export class IdempotencyStore extends DurableObject<Env> {
  private entry: Entry | undefined;
  private inflight: Promise<StoredOutcome> | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      this.entry = await ctx.storage.get<Entry>('entry');
    });
  }

  /** Sends once: see the class. A different request under the same key is a 422. */
  async once(request: OnceRequest): Promise<OnceAnswer> {
    const entry = this.entry;
    if (entry && entry.fingerprint !== request.fingerprint) {
      return { replayed: false, outcome: toStored({ ok: false, error: idempotencyConflict() }) };
    }
    if (this.inflight) return { replayed: true, outcome: await this.inflight };
    if (entry?.outcome) return { replayed: true, outcome: entry.outcome };
    if (entry) return { replayed: false, outcome: toStored({ ok: false, error: unknownOutcome() }) };
    this.inflight = this.sendOnce(request);
    try {
      return { replayed: false, outcome: await this.inflight };
    } finally {
      this.inflight = undefined;
    }
  }

  private async sendOnce(request: OnceRequest): Promise<StoredOutcome> {
    const started: Entry = { fingerprint: request.fingerprint };
    this.entry = started;
    await this.ctx.storage.put('entry', started);
    await this.ctx.storage.setAlarm(Date.now() + (request.ttl ?? IDEMPOTENCY_TTL_MS));
    const block = blocks.find((b) => b.name === request.block);
    const ctx: SendContext = {
      config: request.config,
      continent: request.continent,
      place: () => request.place,
      callbacks: request.callbacks,
      caller: request.caller,
      waitUntil: (promise) => this.ctx.waitUntil(promise),
      env: this.env,
    };
    const outcome = block
      ? await send(block, request.input, ctx)
      : ({ ok: false, error: gatewayRefusal(400, 'Unknown block') } as const);
    const stored = toStored(outcome);
    if (isFinal(outcome)) {
      this.entry = { fingerprint: request.fingerprint, outcome: stored };
      await this.ctx.storage.put('entry', this.entry);
    } else {
      this.entry = undefined;
      await this.ctx.storage.deleteAll();
      await this.ctx.storage.deleteAlarm();
    }
    return stored;
  }

  /** 24 h (or `ttl`) after the first request: the key is forgotten. */
  override async alarm(): Promise<void> {
    if (this.inflight) {
      await this.ctx.storage.setAlarm(Date.now() + IDEMPOTENCY_TTL_MS);
      return;
    }
    this.entry = undefined;
    await this.ctx.storage.deleteAll();
  }
}

/** A valid Idempotency-Key header, undefined when absent; a malformed one is a 400. */
export function idempotencyKey(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (!KEY.test(header)) {
    throw gatewayRefusal(400, 'Idempotency-Key must be 1 to 255 printable ASCII characters').hinted(
      'Use a UUID as the Idempotency-Key (crypto.randomUUID(), or uuidgen in a shell).',
    );
  }
  return header;
}

/** A request's fingerprint: the block and its validated input, keys sorted. Holds no secret (a digest). */
export const fingerprint = (block: string, input: BlockInput) =>
  sha256(
    JSON.stringify([
      block,
      Object.keys(input)
        .sort()
        .map((name) => [name, input[name]]),
    ]),
  );

/**
 * The store of one key of one caller. A caller with a key is scoped by its key's id; one that brings its own
 * account by a digest of its SID and token (a SID alone is no secret: anyone could squat its keys); an anonymous
 * caller of an open Worker (ALLOW_ANONYMOUS) by its IP.
 */
export async function storeName(caller: Caller, input: BlockInput, key: string): Promise<string> {
  const { accountSid, accountToken } = input;
  const scope =
    caller.kind === 'key'
      ? caller.id
      : typeof accountSid === 'string' && typeof accountToken === 'string'
        ? `account:${await sha256(`${accountSid}:${accountToken}`)}`
        : `ip:${caller.ip}`;
  return `${scope}\n${key}`;
}

/**
 * One send through the IdempotencyStore named `name`: made at most once for that name. A webhook's store
 * (`hook:…`) keeps its outcome HOOK_TTL_MS, longer than any provider retries; any other, 24 h.
 */
export async function sendOnceNamed(
  env: Partial<Env>,
  name: string,
  block: string,
  input: BlockInput,
  fingerprint: string,
  { config, continent, place, callbacks, caller }: Omit<SendContext, 'waitUntil'>,
): Promise<OnceAnswer> {
  const namespace = env.IDEMPOTENCY as Env['IDEMPOTENCY'];
  const ttl = name.startsWith('hook:') ? HOOK_TTL_MS : undefined;
  const where = placeFor(
    config,
    blocks.find((b) => b.name === block),
    place,
  );
  const request: OnceRequest = { block, input, fingerprint, config, continent, place: where, callbacks, caller, ttl };
  // The RPC stub's inferred type loses this plain-data answer; it is exactly OnceAnswer at run time.
  return (await namespace.get(namespace.idFromName(name)).once(request)) as unknown as OnceAnswer;
}
