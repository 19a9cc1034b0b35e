import { Hono } from 'hono/tiny';
import { gatewayRefusal } from '../../errors';
import { receiveMessage } from '../../inbound/message';
import { readInbound } from '../../inbound/settings';
import { TWIML_TYPE } from '../../inbound/twiml';
import type { AppEnv } from '../app-env';
import { limitBody } from '../middleware/body-limit';
import { waitUntilOf } from '../send-context';
import { verifiedWebhook } from '../twilio-webhook';

/** The webhook paths to give a Twilio number (docs/inbound.md). */
export const MESSAGES_PATH = '/twilio/messages';

/**
 * Twilio's webhooks of the owner's numbers: `POST /twilio/messages` (an incoming SMS, MMS or WhatsApp message).
 * HTTP only: the signature (twilio-webhook.ts), then inbound/ does the work and answers TwiML.
 */
export const inboundApi = new Hono<AppEnv>();

inboundApi.post(MESSAGES_PATH, limitBody, async (c) => {
  const { fields } = await verifiedWebhook(c);
  const env = c.env as Env | undefined;
  if (!env?.INBOX) throw gatewayRefusal(501, 'Inbound messages need the INBOX Durable Object binding');
  const answer = await receiveMessage(fields, {
    env,
    config: c.get('config'),
    inbound: readInbound(env),
    headers: c.req.raw.headers,
    waitUntil: waitUntilOf(c),
  });
  return c.body(answer, 200, { 'Content-Type': TWIML_TYPE });
});
