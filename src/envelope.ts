import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { badRequest, type ErrorSource, GatewayError, internalError } from './errors';

/** `contextWrites.to` of the documented answer. */
export type Envelope =
  | { callback: 'success'; contextWrites: { to: unknown } }
  | {
      callback: 'error';
      contextWrites: { to: string };
      error: { status: number; code: number | null; moreInfo: string | null; retryable: boolean; source: ErrorSource };
    };

/** The success envelope, HTTP 200 (through the context, so the middleware's headers such as X-Request-Id stay). */
export function success(c: Context, resource: unknown) {
  return c.json({ callback: 'success', contextWrites: { to: resource } } satisfies Envelope);
}

/** Any failure as a GatewayError: typed ones pass, Hono's body errors keep their 4xx, the rest are 500. */
export function toGatewayError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  if (err instanceof HTTPException && err.status < 500) return badRequest(err.message, err.status);
  return internalError();
}

/** The error envelope's body: the documented string in `contextWrites.to`, and an additive `error` sibling. */
export function errorBody(err: GatewayError): Envelope {
  return {
    callback: 'error',
    contextWrites: { to: err.text },
    error: {
      status: err.detail.twilioStatus ?? err.status,
      code: err.detail.code ?? null,
      moreInfo: err.detail.moreInfo ?? null,
      retryable: err.detail.retryable ?? false,
      source: err.detail.source,
    },
  };
}

/** The error envelope. With `always200`, the HTTP status is 200 as the original block answered. */
export function failure(c: Context, err: GatewayError, always200 = false) {
  return c.json(errorBody(err), always200 ? 200 : (err.status as 400));
}
