import type { Context } from 'hono';
import type { Block } from '../blocks';
import type { BlockInput } from '../blocks/schema';
import { resolveAuth } from '../send/credentials';
import { guard } from '../send/guard';
import { fingerprint, idempotencyKey, storeName } from '../send/idempotency';
import { placeFor } from '../send/opt-outs';
import type { SendMessage } from '../send/queue';
import { type RequestRecord, view } from '../send/requests';
import type { SendContext } from '../send/send';
import type { AppEnv } from './app-env';
import { noAsyncBindings } from './refusals';

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
  if (!SENDS || !REQUESTS)
    throw noAsyncBindings().hinted(
      "Deploy with wrangler.toml's SENDS queue and REQUESTS binding (npm run deploy creates the queues), or send without Prefer: respond-async.",
    );
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
      place: placeFor(ctx.config, block, ctx.place),
      callbacks: ctx.callbacks,
      store: store ?? (key === undefined ? `request:${id}` : await storeName(caller, input, key)),
      fingerprint: print ?? (await fingerprint(block.name, input)),
    } satisfies SendMessage),
  ]);
  c.header('Location', `/api/Twilio/requests/${id}`);
  c.header('Preference-Applied', 'respond-async');
  return c.json(view(record), 202);
}
