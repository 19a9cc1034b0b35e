import { bodyLimit } from 'hono/body-limit';
import { MAX_BODY_BYTES } from '../../body-limit';
import { gatewayRefusal } from '../../errors';

/**
 * Hono's bodyLimit at the gateway's 64 KB, answered with the envelope's 413: by the Content-Length when there is
 * one (and no Transfer-Encoding), else by counting the body as it streams.
 */
export const limitBody = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: () => {
    throw gatewayRefusal(413, `The request body is over ${MAX_BODY_BYTES / 1024} KB`).hinted(
      'Send media by URL (mediaUrl) and TwiML by URL (url), not in the body.',
    );
  },
});
