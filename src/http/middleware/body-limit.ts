import { bodyLimit } from 'hono/body-limit';
import { MAX_BODY_BYTES } from '../../limits/body';
import { tooLarge } from '../refusals';

/**
 * Hono's bodyLimit at the gateway's 64 KB, answered with the envelope's 413: by the Content-Length when there is
 * one (and no Transfer-Encoding), else by counting the body as it streams.
 */
export const limitBody = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: () => {
    throw tooLarge().hinted('Send media by URL (mediaUrl) and TwiML by URL (url), not in the body.');
  },
});
