import { gatewayRefusal } from '../errors';

/**
 * The inbound webhooks' documented refusals, each one constructor: message.ts throws them, and the OpenAPI
 * document's error tables are built from them (this file imports nothing that runs only in workerd).
 */

/** A validly signed webhook that names no message or call SID, From and To. */
export const unnamedWebhook = (kind: 'message' | 'call') =>
  gatewayRefusal(400, `The webhook names no ${kind === 'call' ? 'CallSid' : 'MessageSid'}, From and To`);
