import { Hono } from 'hono/tiny';
import { gatewayRefusal } from '../../errors';
import { receiveMessage } from '../../inbound/message';
import { readInbound } from '../../inbound/settings';
import { TWIML_TYPE } from '../../inbound/twiml';
import { receiveCall } from '../../inbound/voice';
import { reachable } from '../../send/guard';
import type { AppEnv } from '../app-env';
import { limitBody } from '../middleware/body-limit';
import { waitUntilOf } from '../send-context';
import { verifiedWebhook } from '../twilio-webhook';

/** The webhook paths to give a Twilio number (docs/inbound.md). */
export const MESSAGES_PATH = '/twilio/messages';
export const VOICE_PATH = '/twilio/voice';

/**
 * Twilio's webhooks of the owner's numbers: `POST /twilio/messages` (an incoming SMS, MMS or WhatsApp message)
 * and `POST /twilio/voice` (an incoming call). HTTP only: the signature (twilio-webhook.ts), then inbound/ does
 * the work and answers TwiML.
 */
export const inboundApi = new Hono<AppEnv>();

for (const path of [MESSAGES_PATH, VOICE_PATH]) {
  inboundApi.post(path, limitBody, async (c) => {
    const { fields } = await verifiedWebhook(c);
    const env = c.env as Env | undefined;
    if (!env?.INBOX) throw gatewayRefusal(501, 'Inbound messages need the INBOX Durable Object binding');
    const config = c.get('config');
    const ctx = { env, config, inbound: readInbound(env), headers: c.req.raw.headers, waitUntil: waitUntilOf(c) };
    const answer =
      path === VOICE_PATH
        ? await receiveCall(fields, { ...ctx, mayDial: (number) => reachable(number, config) })
        : await receiveMessage(fields, ctx);
    return c.body(answer, 200, { 'Content-Type': TWIML_TYPE });
  });
}
