import { app } from './app';
import { consume, type SendMessage } from './queue';

export { IdempotencyStore } from './idempotency';
export { RequestStore } from './queue';
export { StatusStore } from './status/store';

/**
 * The Worker: the Hono app, the consumer of asynchronous sends (queue.ts), and the Durable Object classes that
 * make sends exactly-once and keep the records of asynchronous ones.
 */
export default { fetch: app.fetch, queue: consume } satisfies ExportedHandler<Env, SendMessage>;
