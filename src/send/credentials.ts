import type { BlockInput } from '../blocks/schema';
import type { Config } from '../config';
import { credentialsMissing, twilioError } from '../errors';
import { ACCOUNT_SID, apiPath } from '../twilio/api';
import type { TwilioAuth } from '../twilio/client';
import { type Caller, keyRequired } from './caller';

/**
 * Who calls Twilio, by precedence: `accountSid` + `accountToken` from the request (the caller's own account);
 * else the stored secrets TWILIO_ACCOUNT_SID + TWILIO_AUTH_TOKEN, else TWILIO_ACCOUNT_SID +
 * TWILIO_API_KEY_SID + TWILIO_API_KEY_SECRET. An account SID that is not `AC` + 32 hex gets Twilio's 404
 * here and never reaches a URL path.
 *
 * Fail closed: only a caller with a valid API key may spend the stored credentials, unless
 * ALLOW_ANONYMOUS=true, or the Worker is a sandbox with no API_KEYS (the local `npm start`). In sandbox mode
 * nothing reaches Twilio: the stored credentials are the emulator's own (it accepts exactly them).
 */
export function resolveAuth(input: BlockInput, config: Config, resource: string, caller: Caller): TwilioAuth {
  const own = ownCredentials(input);
  const auth = own === undefined ? stored(config, caller) : own;
  if (!auth) throw credentialsMissing();
  if (!ACCOUNT_SID.test(auth.accountSid)) throw accountNotFound(auth.accountSid, resource);
  return auth;
}

/** The request's own pair; `null` when only half of it (or a non-string) was given; undefined when none. */
function ownCredentials(input: BlockInput): TwilioAuth | null | undefined {
  const { accountSid, accountToken } = input;
  if (accountSid === undefined && accountToken === undefined) return undefined;
  if (typeof accountSid !== 'string' || typeof accountToken !== 'string') return null;
  return { accountSid, username: accountSid, password: accountToken };
}

/** Whether a caller without a key may spend the stored credentials: ALLOW_ANONYMOUS, or a sandbox with no API_KEYS. */
export const isOpen = (config: Config) =>
  config.ALLOW_ANONYMOUS || (config.TWILIO_MODE === 'sandbox' && !config.API_KEYS);

function stored(config: Config, caller: Caller): TwilioAuth | undefined {
  const sid = config.TWILIO_ACCOUNT_SID;
  if (!sid) return undefined;
  if (caller.kind === 'anonymous' && !isOpen(config)) throw keyRequired();
  if (config.TWILIO_AUTH_TOKEN) {
    return { accountSid: sid, username: sid, password: config.TWILIO_AUTH_TOKEN };
  }
  if (config.TWILIO_API_KEY_SID && config.TWILIO_API_KEY_SECRET) {
    return { accountSid: sid, username: config.TWILIO_API_KEY_SID, password: config.TWILIO_API_KEY_SECRET };
  }
  return undefined;
}

/** The documented 404 for an account SID that is not `AC` + 32 hex; it never reaches a URL. */
export function accountNotFound(accountSid: string, resource: string) {
  const shown = accountSid.length > 64 ? `${accountSid.slice(0, 64)}…` : accountSid;
  return twilioError(404, 20404, `The requested resource ${apiPath(shown, resource)} was not found`);
}
