import { app } from './http/app';
import { consume, type SendMessage } from './send/queue';
import { reconcile } from './send/reconcile';

export { InboundStore } from './inbound/store';
export { OptOutStore } from './optouts/store';
export { LateCallbacks } from './sandbox/late-store';
export { IdempotencyStore } from './send/idempotency';
export { RequestStore } from './send/requests';
export { PendingIndex } from './status/pending';
export { StatusStore } from './status/store';

/**
 * The Worker: the Hono app, the consumer of asynchronous sends (queue.ts), the reconciliation of missed status
 * callbacks (the Cron Trigger, send/reconcile.ts), and the Durable Object classes.
 */
export default {
  fetch: app.fetch,
  queue: consume,
  scheduled: async (_controller, env, ctx) => {
    const run = await reconcile(env, (promise) => ctx.waitUntil(promise));
    if (run.due > 0) console.log(JSON.stringify({ reconcile: run }));
  },
} satisfies ExportedHandler<Env, SendMessage>;
