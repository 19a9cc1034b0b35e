import { DurableObject } from 'cloudflare:workers';
import type { Context } from 'hono';
import type { AppEnv } from './app-env';
import type { Block } from './blocks';
import type { BlockInput } from './blocks/schema';
import { type Config, readConfig } from './config';
import { resolveAuth } from './credentials';
import { type Envelope, errorBody } from './envelope';
import { gatewayRefusal } from './errors';
import { guard } from './guard';
import {
  fingerprint,
  fromStored,
  HOOK_TTL_MS,
  IDEMPOTENCY_TTL_MS,
  idempotencyKey,
  type OnceAnswer,
  type OnceRequest,
  type StoredOutcome,
  storeName,
} from './idempotency';
import type { Caller } from './middleware/caller';
import type { SendContext, SendOutcome } from './send';

/** How long a request's record is kept: 24 h. */
export const REQUEST_TTL_MS = IDEMPOTENCY_TTL_MS;
/** Deliveries of a message at most: the first, then retries of a 429 or of a store that did not answer. */
export const MAX_ATTEMPTS = 5;
/** The first retry's delay in seconds; each later one doubles, jittered between half and all of it. */
export const BASE_DELAY_S = 10;

/**
 * A send waiting in the queue. It may carry the request's own `accountToken` (in `input`): the queue is the
 * only place it travels to; neither the readable record nor the dead-letter copy holds the input.
 */
export interface SendMessage {
  /** The request id, and the name of its record. */
  readonly id: string;
  readonly block: string;
  readonly input: BlockInput;
  readonly caller: Caller;
  readonly continent?: string | undefined;
  readonly callbacks: boolean;
  /** The IdempotencyStore the send goes through: an Idempotency-Key's, an event id's, or the request's own. */
  readonly store: string;
  readonly fingerprint: string;
}

/**
 * What `GET /api/Twilio/requests/{id}` shows: no secret, not the input as sent; the envelope once the send is
 * over (a success's envelope holds the created resource, with its to, from and body, as the sync answer does).
 */
export interface RequestRecord {
  readonly id: string;
  readonly status: 'pending' | 'done' | 'failed';
  readonly block: string;
  readonly created: string;
  readonly updated: string;
  /** Deliveries made so far. */
  readonly attempts: number;
  /** The envelope the send answered: success when done, the error when failed. */
  readonly result?: Envelope;
  /** The last failure's documented string (while retrying, and once failed). */
  readonly lastError?: string | undefined;
  /** The caller key's id (`key:…`) that alone may read it; any holder of the id when absent. Never shown. */
  readonly owner?: string;
}

/** One request's record (a SQLite-backed Durable Object per request id), deleted by its alarm after 24 h. */
export class RequestStore extends DurableObject<Env> {
  /** Merges what is known into the record; with `initial`, what is already there wins (the consumer may be first). */
  async write(patch: Partial<RequestRecord>, initial = false): Promise<void> {
    const stored = await this.ctx.storage.get<RequestRecord>('record');
    const updated = new Date().toISOString();
    await this.ctx.storage.put('record', initial ? { ...patch, ...stored } : { ...stored, ...patch, updated });
    if (!stored) await this.ctx.storage.setAlarm(Date.now() + REQUEST_TTL_MS);
  }

  async read(): Promise<RequestRecord | undefined> {
    return this.ctx.storage.get<RequestRecord>('record');
  }

  override async alarm(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }
}

/** A record as shown: without its owner. */
export const view = ({ owner: _owner, ...shown }: RequestRecord) => shown;

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
  { config, continent, callbacks, caller }: Omit<SendContext, 'waitUntil'>,
): Promise<OnceAnswer> {
  const namespace = env.IDEMPOTENCY as Env['IDEMPOTENCY'];
  const ttl = name.startsWith('hook:') ? HOOK_TTL_MS : undefined;
  const request: OnceRequest = { block, input, fingerprint, config, continent, callbacks, caller, ttl };
  // The RPC stub's inferred type loses this plain-data answer; it is exactly OnceAnswer at run time.
  return (await namespace.get(namespace.idFromName(name)).once(request)) as unknown as OnceAnswer;
}

/**
 * Answers 202 at once, with the request's record and `Location`, and leaves the send to the queue: for
 * `Prefer: respond-async` on a block route, and for every recipe with HOOKS_ASYNC=true, of a block that changes
 * something (a read is answered now: its callers do not come here). What a send refuses
 * before anything goes out (credentials, the caller's right to spend them, the destinations) is refused now, as
 * a sync send would be. The send goes through the IdempotencyStore named `store` (a recipe's event id), else
 * the Idempotency-Key's, else one of the request's own: a message delivered twice never sends twice.
 */
export async function respondAsync(
  c: Context<AppEnv>,
  block: Block,
  ctx: SendContext,
  input: BlockInput,
  store?: string,
  print?: string,
): Promise<Response> {
  const env = c.env as Partial<Env>;
  const { SENDS, REQUESTS } = env;
  if (!SENDS || !REQUESTS) throw gatewayRefusal(501, 'Asynchronous sends need the SENDS and REQUESTS bindings');
  resolveAuth(input, ctx.config, block.resource, ctx.caller);
  guard(block, input, ctx.config);
  const id = crypto.randomUUID();
  const key = store === undefined ? idempotencyKey(c.req.header('idempotency-key')) : undefined;
  const now = new Date().toISOString();
  const record: RequestRecord = { id, status: 'pending', block: block.name, created: now, updated: now, attempts: 0 };
  const { caller } = ctx;
  await Promise.all([
    REQUESTS.get(REQUESTS.idFromName(id)).write(
      caller.kind === 'key' && caller.id.startsWith('key:') ? { ...record, owner: caller.id } : record,
      true,
    ),
    SENDS.send({
      id,
      block: block.name,
      input,
      caller,
      continent: ctx.continent,
      callbacks: ctx.callbacks,
      store: store ?? (key === undefined ? `request:${id}` : await storeName(caller, input, key)),
      fingerprint: print ?? (await fingerprint(block.name, input)),
    } satisfies SendMessage),
  ]);
  c.header('Location', `/api/Twilio/requests/${id}`);
  c.header('Preference-Applied', 'respond-async');
  return c.json(view(record), 202);
}

/** The delay before retry number `attempts`: BASE_DELAY_S doubled each time, between half and all of it. */
export const backoff = (attempts: number) => {
  const span = BASE_DELAY_S * 2 ** (attempts - 1);
  return Math.ceil(span / 2 + (Math.random() * span) / 2);
};

/**
 * The queue consumer: each message's send, through its IdempotencyStore. Only what is safe is retried (jittered
 * backoff, MAX_ATTEMPTS deliveries in all): Twilio's 429, which it did not process, and a store that did not
 * answer (it keeps whatever it did, so asking again never sends twice). Any other failure after the POST went
 * out is in doubt and is never retried. What finally fails is recorded with its error and sent to the
 * dead-letter queue (SENDS_DLQ).
 */
export async function consume(batch: MessageBatch<SendMessage>, env: Env): Promise<void> {
  const config = readConfig(env);
  await Promise.all(batch.messages.map((message) => deliver(message, env, config)));
}

async function deliver(message: Message<SendMessage>, env: Env, config: Config): Promise<void> {
  const { body, attempts } = message;
  let stored: StoredOutcome | undefined;
  try {
    stored = (await sendOnceNamed(env, body.store, body.block, body.input, body.fingerprint, { ...body, config }))
      .outcome;
  } catch {
    // The store did not answer: retried below.
  }
  const outcome: SendOutcome = stored
    ? fromStored(stored)
    : { ok: false, error: gatewayRefusal(503, 'The idempotency store did not answer', true) };
  const retry = !stored || (!outcome.ok && outcome.error.detail.twilioStatus === 429);
  const status = retry && attempts < MAX_ATTEMPTS ? 'pending' : outcome.ok ? 'done' : 'failed';
  if (!outcome.ok || config.LOG_REQUESTS === 'all') {
    const twilio = outcome.ok ? outcome.trace.status : outcome.error.detail.twilioStatus;
    console.log(JSON.stringify({ queue: 'sends', requestId: body.id, block: body.block, status, twilio, attempts }));
  }
  const records = env.REQUESTS.get(env.REQUESTS.idFromName(body.id));
  // A record that cannot be written never makes a send retried.
  const write = (record: Partial<RequestRecord>) => records.write({ ...record, status, attempts }).catch(() => {});
  if (outcome.ok) {
    await write({ result: { callback: 'success', contextWrites: { to: outcome.resource } }, lastError: undefined });
  } else if (status === 'pending') {
    message.retry({ delaySeconds: backoff(attempts) });
    return write({ lastError: outcome.error.text });
  } else {
    await write({ result: errorBody(outcome.error), lastError: outcome.error.text });
    try {
      // The request id, its block and the last error: never the input (a request's own token travels in it).
      await (env as Partial<Env>).SENDS_DLQ?.send({ id: body.id, block: body.block, lastError: outcome.error.text });
    } catch {
      // Not dead-lettered: delivered again, the store answers the same failure (or, after a 429, may send).
      return message.retry({ delaySeconds: backoff(attempts) });
    }
  }
  message.ack();
}
