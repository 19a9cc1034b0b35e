import type { BlockInput } from '../blocks/schema';
import { type Config, readConfig } from '../config';
import { errorBody, gatewayRefusal } from '../errors';
import { metricsOf } from '../metrics';
import type { Place } from '../optouts/regions';
import type { Caller } from './caller';
import { fromStored, type StoredOutcome, sendOnceNamed } from './idempotency';
import { sendPoint } from './measure';
import type { RequestRecord } from './requests';
import type { SendOutcome } from './send';

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
  /** Where the request ran (optouts/regions.ts), for a message's opt-out check. */
  readonly place?: Place | undefined;
  readonly callbacks: boolean;
  /** The IdempotencyStore the send goes through: an Idempotency-Key's, an event id's, or the request's own. */
  readonly store: string;
  readonly fingerprint: string;
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
    stored = (
      await sendOnceNamed(env, body.store, body.block, body.input, body.fingerprint, {
        ...body,
        config,
        place: () => body.place,
      })
    ).outcome;
  } catch {
    // The store did not answer: retried below.
  }
  const outcome: SendOutcome = stored
    ? fromStored(stored)
    : { ok: false, error: gatewayRefusal(503, 'The idempotency store did not answer', true) };
  metricsOf(env)?.write(sendPoint('send', body.block, body.input, body.caller, outcome));
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
