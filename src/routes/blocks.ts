import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { Hono } from 'hono/tiny';
import type { AppEnv } from '../app-env';
import { type Block, blocks, readAliases } from '../blocks';
import { descriptor } from '../blocks/descriptor';
import { pairsOf } from '../blocks/form';
import { type BlockInput, blockParser } from '../blocks/schema';
import { MAX_BODY_BYTES } from '../body-limit';
import { resolveAuth } from '../credentials';
import { success } from '../envelope';
import { gatewayRefusal } from '../errors';
import { fingerprint, fromStored, idempotencyKey, storeName } from '../idempotency';
import { identifyCaller } from '../middleware/caller';
import { rateLimit } from '../middleware/rate-limit';
import { respondAsync, sendOnceNamed } from '../queue';
import { type SendContext, type SendOutcome, send } from '../send';
import { withHistory } from '../status/merge';
import { framed, OPERATIONS } from '../twilio/operations';
import { issueToError, validateBlock } from '../validate';

export { MAX_BODY_BYTES };

/** `executionCtx.waitUntil`, or a sink where there is no execution context (app.request in tests). */
export const waitUntilOf = (c: { executionCtx: { waitUntil(promise: Promise<unknown>): void } }) => {
  try {
    const ctx = c.executionCtx;
    return (p: Promise<unknown>) => ctx.waitUntil(p);
  } catch {
    return (p: Promise<unknown>) => void p.catch(() => {});
  }
};

/** True for a request to the Worker on this machine; a deployed Worker is never reached under these names. */
const isLocal = (url: string) => /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?\//.test(url);

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
    // Simulated callbacks go to a caller with a key, or to anyone on a local run (wrangler dev on localhost):
    // a deployed sandbox is no open relay.
    callbacks: config.SANDBOX_CALLBACKS && (caller.kind === 'key' || isLocal(c.req.url)),
    waitUntil: waitUntilOf(c),
  };
}

/**
 * What a block answers for its outcome: the failure thrown (the app's error mapping frames it), else the success
 * envelope, a fetched Message or Call with its recorded status history (status/merge.ts).
 */
async function answer(c: Context<AppEnv>, block: Block, outcome: SendOutcome): Promise<Response> {
  if (!outcome.ok) throw outcome.error;
  c.set('twilio', outcome.trace);
  const { resource } = outcome;
  return success(c, block.action === 'fetch' ? await withHistory(c.env, resource) : resource);
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
    throw gatewayRefusal(501, 'Idempotency-Key needs the IDEMPOTENCY Durable Object binding');
  }
  // Whether this caller may spend these credentials is settled before the store is touched: a refused
  // request leaves nothing behind (resolveAuth throws the same refusal send() would).
  resolveAuth(input, ctx.config, block.resource, ctx.caller);
  const name = await storeName(ctx.caller, input, key);
  return sendStored(c, name, block, input, await fingerprint(block.name, input), ctx);
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
  if (answer.replayed) c.set('replayed', true);
  return fromStored(answer.outcome);
}

/**
 * The blocks API, mounted at `/api/Twilio`: the descriptor, one POST per block, and GET aliases of the reads. A
 * POST meets the body limit, the caller's key and the rate limit before its body is parsed; a GET the key and the
 * rate limit. HTTP only: `send` does the work.
 */
export const blocksApi = new Hono<AppEnv>();

blocksApi.get('/', (c) => c.json(descriptor));

const tooLarge = () => gatewayRefusal(413, `The request body is over ${MAX_BODY_BYTES / 1024} KB`);
const countedLimit = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: () => {
    throw tooLarge();
  },
});

/**
 * The body limit, as Hono's bodyLimit judges it: by the Content-Length when there is one (and no
 * Transfer-Encoding), else by counting the body as it streams. A request with a Content-Length is judged
 * without touching `request.body` (creating that stream cost about 2 µs of CPU per send in workerd).
 */
export const limitBody: MiddlewareHandler = (c, next) => {
  const headers = c.req.raw.headers;
  const length = headers.get('content-length');
  if (length === null || headers.has('transfer-encoding')) return countedLimit(c, next);
  if (Number.parseInt(length, 10) > MAX_BODY_BYTES && c.req.raw.body) throw tooLarge();
  return next();
};
const nothing = async () => {};

// Any POST first meets its admission, in one middleware (each Hono layer costs CPU on every send): the body
// limit, the caller's key, the rate limit.
blocksApi.on('POST', '/*', async (c, next) => {
  await limitBody(c, nothing);
  await identifyCaller(c as never, nothing);
  await rateLimit(c as never, nothing);
  await next();
});

/**
 * A read's input from its URL: the query (a repeated name as a list) and the path's SID, validated by the
 * block's schema. Credentials are never taken from a URL (URLs are logged): the Worker's own are used.
 */
function queryInput(c: Context<AppEnv>, block: Block, parse: ReturnType<typeof blockParser>['parse']): BlockInput {
  const raw = pairsOf(new URL(c.req.url).searchParams);
  if ('accountSid' in raw || 'accountToken' in raw) {
    throw framed(
      block.action,
      gatewayRefusal(400, `Credentials are not taken in a URL: POST them to /api/Twilio/${block.name}`),
    );
  }
  const sid = c.req.param('sid');
  const result = parse(sid === undefined ? raw : { ...raw, sid });
  if (!result.success) throw issueToError(block, result.error.issues);
  return result.data;
}

// REST-style reads (blocks/index.ts: readAliases): the key and the rate limit, then the block's own send.
for (const [path, block] of readAliases) {
  const { parse } = blockParser(block);
  blocksApi.get(path, async (c) => {
    await identifyCaller(c as never, nothing);
    await rateLimit(c as never, nothing);
    return answer(c, block, await send(block, queryInput(c, block, parse), sendContext(c)));
  });
}

for (const block of blocks) {
  const validate = validateBlock(block);
  const { changes } = OPERATIONS[block.action];
  blocksApi.post(`/${block.name}`, async (c) => {
    const input = await validate(c);
    // Prefer: respond-async: 202 now, the send through the queue (queue.ts). A read declines the preference
    // (RFC 7240): it answers now, without Preference-Applied.
    if (changes && c.req.header('prefer')?.includes('respond-async')) {
      return respondAsync(c, block, sendContext(c), input);
    }
    return answer(c, block, await sendOnce(c, block, input, sendContext(c)));
  });
}
