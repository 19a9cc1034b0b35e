import { Hono } from 'hono';
import type { AppEnv } from '../app-env';
import { openApiDocument } from '../openapi';

/**
 * The Worker's own documentation, mounted at `/`: `GET /openapi.json`, served with this Worker as its server.
 * The playground page (`GET /`) is a static asset (public/), served before the Worker runs.
 */
export const docsApi = new Hono<AppEnv>();

docsApi.get('/openapi.json', (c) => c.json(openApiDocument(new URL(c.req.url).origin, c.get('config').TWILIO_MODE)));
