import { app } from './http/app';
import { consume, type SendMessage } from './send/queue';

export { InboundStore } from './inbound/store';
export { OptOutStore } from './optouts/store';
export { LateCallbacks } from './sandbox/late-store';
export { IdempotencyStore } from './send/idempotency';
export { RequestStore } from './send/requests';
export { StatusStore } from './status/store';

/**
 * The Worker: the Hono app, the consumer of asynchronous sends (queue.ts), and the Durable Object classes that
 * make sends exactly-once and keep the records of asynchronous ones.
 */
export default { fetch: app.fetch, queue: consume } satisfies ExportedHandler<Env, SendMessage>;
