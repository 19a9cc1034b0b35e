import type { Context } from 'hono';
import { type Envelope, errorBody, type GatewayError } from '../errors';

/** The success envelope, HTTP 200; headers set earlier with `c.header()` are kept. */
export function success(c: Context, resource: unknown) {
  return c.json({ callback: 'success', contextWrites: { to: resource } } satisfies Envelope);
}

/** The error envelope. With `always200`, the HTTP status is 200 as the original block answered. */
export function failure(c: Context, err: GatewayError, always200 = false) {
  return c.json(errorBody(err), always200 ? 200 : (err.status as 400));
}
