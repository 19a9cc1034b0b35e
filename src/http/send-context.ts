import type { Context } from 'hono';
import type { Block } from '../blocks';
import type { BlockInput } from '../blocks/schema';
import type { Place } from '../optouts/regions';
import { fromStored, sendOnceNamed } from '../send/idempotency';
import type { SendContext, SendOutcome } from '../send/send';
import type { AppEnv } from './app-env';

/** The request's execution context; undefined where there is none (app.request in tests), where Hono throws. */
export function executionCtxOf(c: Context<AppEnv>) {
  try {
    return c.executionCtx;
  } catch {
    return undefined;
  }
}

/** `executionCtx.waitUntil`, or a sink where there is no execution context (app.request in tests). */
export const waitUntilOf = (c: Context<AppEnv>) => {
  const ctx = executionCtxOf(c);
  return ctx ? (p: Promise<unknown>) => ctx.waitUntil(p) : (p: Promise<unknown>) => void p.catch(() => {});
};

/** Where the request runs, read from request.cf only when asked (it is decoded on each access). */
export const placeOf = (c: Context<AppEnv>) => () => c.req.raw.cf as Place | undefined;

/** What the send needs from this request. */
export function sendContext(c: Context<AppEnv>): SendContext {
  const config = c.get('config');
  const caller = c.get('caller');
  return {
    config,
    caller,
    // request.cf is decoded on each access: read it only when the edge follows the caller.
    continent:
      config.TWILIO_EDGE === 'auto' ? (c.req.raw.cf as { continent?: string } | undefined)?.continent : undefined,
    place: placeOf(c),
    // Simulated callbacks go to a caller with a key, or to anyone on a local run (SANDBOX_LOCAL, which npm start
    // sets; never the Host header, which the caller writes): a deployed sandbox is no open relay.
    callbacks: config.SANDBOX_CALLBACKS && (caller.kind === 'key' || config.SANDBOX_LOCAL),
    waitUntil: waitUntilOf(c),
    env: c.env,
  };
}

/**
 * The send through the IdempotencyStore named `name` (queue.ts sendOnceNamed): made at most once for that name,
 * an earlier request's outcome replayed (the answer then says Idempotent-Replayed).
 */
export async function sendStored(
  c: Context<AppEnv>,
  name: string,
  block: Block,
  input: BlockInput,
  print: string,
  ctx: SendContext,
): Promise<SendOutcome> {
  const answer = await sendOnceNamed(c.env, name, block.name, input, print, ctx);
  if (answer.replayed) c.header('Idempotent-Replayed', 'true');
  return fromStored(answer.outcome);
}
