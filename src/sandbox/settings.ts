import { DEMO_AUTH_TOKEN } from '../config';
import { ACCOUNT_SID } from '../twilio/api';

/** The account `npm start` and `npm run sandbox` use when no credentials are given. */
export const DEMO_ACCOUNT_SID = 'AC00000000000000000000000000000000';
/** Its auth token (config.ts, which allows it on a local run only). */
export { DEMO_AUTH_TOKEN };

/** The emulator's settings, under the Worker's own names (its bindings, or the env of `npm run sandbox`). */
export interface SandboxSettings {
  readonly TWILIO_ACCOUNT_SID?: string | undefined;
  readonly TWILIO_AUTH_TOKEN?: string | undefined;
  readonly TWILIO_API_KEY_SID?: string | undefined;
  readonly TWILIO_API_KEY_SECRET?: string | undefined;
  /** How many simulated seconds pass per real second, as config.ts decoded it (default 1). */
  readonly SANDBOX_SPEED?: number | undefined;
  /** A local run, set by whoever starts it (`npm start`): callbacks may go to private addresses, with URL credentials. */
  readonly SANDBOX_LOCAL?: boolean | undefined;
}

/** The one account the emulator serves: its SID and auth token, and optionally one API key. */
export interface SandboxAccount {
  readonly accountSid: string;
  /** Authenticates as the account, and signs every status callback (also of sends made with the API key). */
  readonly authToken: string;
  readonly apiKey?: { readonly sid: string; readonly secret: string } | undefined;
  /** True when no account SID was given: the demo pair is in use. */
  readonly demo: boolean;
}

/**
 * The account the emulator accepts: TWILIO_ACCOUNT_SID with TWILIO_AUTH_TOKEN (the demo token when only the SID
 * is given), plus TWILIO_API_KEY_SID and TWILIO_API_KEY_SECRET when both are set; the demo pair when no SID is
 * given. The Worker's config allows the demo token on a local run only (SANDBOX_LOCAL). Throws on an account SID of the wrong shape, naming the setting (never a secret).
 */
export function sandboxAccount(settings: SandboxSettings): SandboxAccount {
  const sid = settings.TWILIO_ACCOUNT_SID || undefined;
  if (sid !== undefined && !ACCOUNT_SID.test(sid)) throw new Error('TWILIO_ACCOUNT_SID must be AC + 32 hex digits');
  const keySid = settings.TWILIO_API_KEY_SID || undefined;
  const keySecret = settings.TWILIO_API_KEY_SECRET || undefined;
  return {
    accountSid: sid ?? DEMO_ACCOUNT_SID,
    authToken: (sid && settings.TWILIO_AUTH_TOKEN) || DEMO_AUTH_TOKEN,
    apiKey: keySid && keySecret ? { sid: keySid, secret: keySecret } : undefined,
    demo: sid === undefined,
  };
}
