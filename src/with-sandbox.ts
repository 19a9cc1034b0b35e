import { env } from 'cloudflare:workers';
import { type HandOff, sandboxUpstream } from './sandbox';
import { useSandbox } from './send/send';

export * from './index';
export { default } from './index';

/** The emulator's callbacks due after a request's window go to the LateCallbacks object of their record. */
const handOff: HandOff = (sid, requests) =>
  env.LATE_CALLBACKS.get(env.LATE_CALLBACKS.idFromName(sid)).schedule(requests);

/**
 * The Worker with the Twilio emulator built in: what `npm start` and the tests run, and what
 * `wrangler deploy src/with-sandbox.ts` deploys. In sandbox mode (TWILIO_MODE=sandbox) the emulator answers every
 * send in-process. The production entry, src/index.ts, leaves it out of the bundle that `wrangler deploy` uploads.
 */
useSandbox((options) => sandboxUpstream({ ...options, handOff }));
