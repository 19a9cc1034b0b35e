import { Hono } from 'hono';
import type { AppEnv } from '../app-env';
import { blocks } from '../blocks';
import { descriptor } from '../blocks/descriptor';
import { success } from '../envelope';
import { send } from '../send';
import { validateBlock } from '../validate';

/** `executionCtx.waitUntil`, or a sink where there is no execution context (app.request in tests). */
const waitUntilOf = (c: { executionCtx: { waitUntil(promise: Promise<unknown>): void } }) => {
  try {
    const ctx = c.executionCtx;
    return (p: Promise<unknown>) => ctx.waitUntil(p);
  } catch {
    return (p: Promise<unknown>) => void p.catch(() => {});
  }
};

/**
 * The blocks API, mounted at `/api/Twilio`: the descriptor, and one POST per block. HTTP only: the validator
 * reads the input, `send` does the work, the envelope is the answer.
 */
export const blocksApi = new Hono<AppEnv>();

blocksApi.get('/', (c) => c.json(descriptor));

for (const block of blocks) {
  blocksApi.post(`/${block.name}`, validateBlock(block), async (c) => {
    const config = c.get('config');
    // request.cf is decoded on each access: read it only when the edge follows the caller.
    const continent =
      config.TWILIO_EDGE === 'auto' ? (c.req.raw.cf as { continent?: string } | undefined)?.continent : undefined;
    const outcome = await send(block, c.get('input'), { config, continent, waitUntil: waitUntilOf(c) });
    if (!outcome.ok) throw outcome.error;
    c.set('twilio', outcome.trace);
    return success(c, outcome.resource);
  });
}
