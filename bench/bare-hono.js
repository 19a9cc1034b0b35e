// The cold-start baseline: a bare Hono Worker of one route, built and profiled as the gateway is
// (`wrangler check startup`, bench/lib.mjs: startupMs).
import { Hono } from 'hono';

const app = new Hono();
app.get('/', (c) => c.json({ ok: true }));

export default app;
