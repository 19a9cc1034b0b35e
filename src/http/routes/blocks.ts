import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { Hono } from 'hono/tiny';
import { type Block, blocks, readAliases } from '../../blocks';
import { descriptor } from '../../blocks/descriptor';
import { pairsOf } from '../../blocks/form';
import { type BlockInput, blockParser } from '../../blocks/schema';
import { gatewayRefusal } from '../../errors';
import { callingCode } from '../../metrics';
import { resolveAuth } from '../../send/credentials';
import { fingerprint, idempotencyKey, storeName } from '../../send/idempotency';
import { type SendContext, type SendOutcome, send } from '../../send/send';
import { withHistoryOf } from '../../status/merge';
import { framed, OPERATIONS } from '../../twilio/operations';
import type { AppEnv } from '../app-env';
import { success } from '../envelope';
import { outcomeHint } from '../hints';
import { limitBody } from '../middleware/body-limit';
import { identifyCaller } from '../middleware/caller';
import { rateLimit } from '../middleware/rate-limit';
import { noIdempotencyStore } from '../refusals';
import { respondAsync } from '../respond-async';
import { sendContext, sendStored } from '../send-context';
import { issueToError, validateBlock } from '../validate';

/**
 * What a block answers for its outcome: the failure thrown (the app's error mapping frames it), else the success
 * envelope, a fetched Message or Call, or a page of them, with the recorded status history (status/merge.ts).
 */
async function answer(c: Context<AppEnv>, block: Block, input: BlockInput, outcome: SendOutcome): Promise<Response> {
  if (!outcome.ok) throw outcome.error.hinted(outcomeHint(block, input, outcome.error));
  c.set('twilio', outcome.trace);
  const { resource } = outcome;
  return success(c, await withHistoryOf(c.env, block, resource));
}

/**
 * The send, exactly once per Idempotency-Key when the request has one (idempotency.ts). A read (an operation that
 * changes nothing) ignores the key: it is idempotent by itself, and a stored answer would show an old status.
 */
async function sendOnce(c: Context<AppEnv>, block: Block, input: BlockInput, ctx: SendContext): Promise<SendOutcome> {
  if (!OPERATIONS[block.action].changes) return send(block, input, ctx);
  const key = idempotencyKey(c.req.header('idempotency-key'));
  if (key === undefined) return send(block, input, ctx);
  if (!(c.env as Partial<Env> | undefined)?.IDEMPOTENCY) {
    throw noIdempotencyStore().hinted(
      "Deploy with wrangler.toml's IDEMPOTENCY binding, or send without Idempotency-Key.",
    );
  }
  // Whether this caller may spend these credentials is settled before the store is touched: a refused
  // request leaves nothing behind (resolveAuth throws the same refusal send() would).
  resolveAuth(input, ctx.config, block.resource, ctx.caller);
  const name = await storeName(ctx.caller, input, key);
  return sendStored(c, name, block, input, await fingerprint(block.name, input), ctx);
}

/**
 * The blocks API, mounted at `/api/Twilio`: the descriptor, one POST per block, and GET aliases of the reads. A
 * POST meets the body limit, the caller's key and the rate limit before its body is parsed; a GET the key and the
 * rate limit. HTTP only: `send` does the work.
 */
export const blocksApi = new Hono<AppEnv>();

blocksApi.get('/', (c) => c.json(descriptor()));

const byName = new Map(blocks.map((block) => [block.name, block]));

/** Names the block a POST is for, for the metrics data point, before admission may refuse it. */
const nameBlock = createMiddleware<AppEnv>(async (c, next) => {
  const named = byName.get(c.req.path.slice(c.req.path.lastIndexOf('/') + 1));
  if (named) c.set('metric', { event: 'send', block: named.name });
  await next();
});

// Any POST first meets its admission, in order: the body limit, the caller's key, the rate limit.
blocksApi.post('/*', nameBlock, limitBody, identifyCaller, rateLimit);

/**
 * A read's input from its URL: the query (a repeated name as a list) and the path's SID, validated by the
 * block's schema. Credentials are never taken from a URL (URLs are logged): the Worker's own are used.
 */
function queryInput(c: Context<AppEnv>, block: Block): BlockInput {
  const raw = pairsOf(new URL(c.req.url).searchParams);
  if ('accountSid' in raw || 'accountToken' in raw) {
    throw framed(
      block.action,
      gatewayRefusal(400, `Credentials are not taken in a URL: POST them to /api/Twilio/${block.name}`).hinted(
        `Leave accountSid and accountToken out of the query, or POST /api/Twilio/${block.name} with them in a JSON body.`,
      ),
    );
  }
  const sid = c.req.param('sid');
  const result = blockParser(block).parse(sid === undefined ? raw : { ...raw, sid });
  if (!result.success) throw issueToError(block, result.error.issues);
  return result.data;
}

// REST-style reads (blocks/index.ts: readAliases): the key and the rate limit, then the block's own send.
for (const [path, block] of readAliases) {
  const named = createMiddleware<AppEnv>(async (c, next) => {
    c.set('metric', { event: 'send', block: block.name });
    await next();
  });
  blocksApi.get(path, named, identifyCaller, rateLimit, async (c) => {
    const input = queryInput(c, block);
    return answer(c, block, input, await send(block, input, sendContext(c)));
  });
}

for (const block of blocks) {
  const validate = validateBlock(block);
  const { changes } = OPERATIONS[block.action];
  blocksApi.post(`/${block.name}`, async (c) => {
    const input = await validate(c);
    c.set('metric', { event: 'send', block: block.name, country: callingCode(input.to) });
    // Prefer: respond-async: 202 now, the send through the queue (queue.ts). A read declines the preference
    // (RFC 7240): it answers now, without Preference-Applied.
    if (changes && c.req.header('prefer')?.includes('respond-async')) {
      return respondAsync(c, block, sendContext(c), input);
    }
    return answer(c, block, input, await sendOnce(c, block, input, sendContext(c)));
  });
}
