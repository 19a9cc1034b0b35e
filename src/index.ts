import { app } from './app';

export { IdempotencyStore } from './idempotency';

/** The Worker: the Hono app, and the Durable Object class that makes sends exactly-once. */
export default app;
