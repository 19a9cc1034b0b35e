import { app } from './app';

/** The Worker: the Hono app. Durable Objects and queue consumers of later issues are exported here too. */
export default app;
