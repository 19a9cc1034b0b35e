import type { BlockInput } from './blocks/schema';
import type { Config } from './config';
import { accountNotFound, credentialsMissing } from './errors';
import { ACCOUNT_SID } from './twilio/api';
import type { TwilioAuth } from './twilio/client';

/**
 * Who calls Twilio, by precedence: `accountSid` + `accountToken` from the request; else the secrets
 * TWILIO_ACCOUNT_SID + TWILIO_AUTH_TOKEN; else TWILIO_ACCOUNT_SID + TWILIO_API_KEY_SID +
 * TWILIO_API_KEY_SECRET. An account SID that is not `AC` + 32 hex gets Twilio's 404 here and never
 * reaches a URL path.
 */
export function resolveAuth(input: BlockInput, config: Config, resource: string): TwilioAuth {
  const auth = pick(input, config);
  if (!auth) throw credentialsMissing();
  if (!ACCOUNT_SID.test(auth.accountSid)) throw accountNotFound(auth.accountSid, resource);
  return auth;
}

function pick(input: BlockInput, config: Config): TwilioAuth | undefined {
  const { accountSid, accountToken } = input;
  if (accountSid !== undefined || accountToken !== undefined) {
    if (typeof accountSid !== 'string' || typeof accountToken !== 'string') return undefined;
    return { accountSid, username: accountSid, password: accountToken };
  }
  const sid = config.TWILIO_ACCOUNT_SID;
  if (!sid) return undefined;
  if (config.TWILIO_AUTH_TOKEN) return { accountSid: sid, username: sid, password: config.TWILIO_AUTH_TOKEN };
  if (config.TWILIO_API_KEY_SID && config.TWILIO_API_KEY_SECRET) {
    return { accountSid: sid, username: config.TWILIO_API_KEY_SID, password: config.TWILIO_API_KEY_SECRET };
  }
  return undefined;
}
