import type { BlockInput } from '../blocks/schema';
import type { Config } from '../config';
import { gatewayRefusal } from '../errors';
import type { Tracking } from './store';

/** The receiver's path (routes/status.ts). */
export const STATUS_PATH = '/twilio/status';
/** Twilio's limit on a StatusCallback URL. */
const MAX_URL = 4000;

/**
 * With TRACK_STATUS, a send with the Worker's own account gives Twilio the gateway's receiver as its
 * StatusCallback: PUBLIC_URL + /twilio/status, with a correlation id (`cid`) and the caller's statusCallback
 * (`forward`, without its fragment; Twilio's `#ct=…` tuning stays on the URL Twilio calls). Twilio signs that
 * URL, so the receiver can trust both. A send with credentials in the request is left as it is: the gateway holds
 * no token to verify that account's callbacks.
 */
export function tracked(input: BlockInput, config: Config): { input: BlockInput; tracking?: Tracking } {
  if (!config.TRACK_STATUS || input.accountToken !== undefined) return { input };
  const url = new URL(`${config.PUBLIC_URL}${STATUS_PATH}`);
  const tracking: { correlationId: string; forward?: string } = { correlationId: crypto.randomUUID() };
  url.searchParams.set('cid', tracking.correlationId);
  if (typeof input.statusCallback === 'string') {
    const target = new URL(input.statusCallback);
    url.hash = target.hash;
    target.hash = '';
    tracking.forward = target.href;
    url.searchParams.set('forward', target.href);
  }
  if (url.href.length > MAX_URL) {
    throw gatewayRefusal(
      400,
      `statusCallback is too long to be tracked: the gateway's callback URL would be over ${MAX_URL} characters`,
    );
  }
  return { input: { ...input, statusCallback: url.href }, tracking };
}
