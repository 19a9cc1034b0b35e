import { workerSandbox } from './sandbox/worker';
import { useSandbox } from './send/send';

export * from './index';
export { default } from './index';

/**
 * The Worker with the Twilio emulator built in: what `npm start` and the tests run, and what
 * `wrangler deploy src/with-sandbox.ts` deploys. In sandbox mode (TWILIO_MODE=sandbox) the emulator answers every
 * send in-process, and its callbacks due after a request's waitUntil window go to LateCallbacks objects. The
 * production entry, src/index.ts, leaves it out of the bundle that `wrangler deploy` uploads.
 */
useSandbox(workerSandbox);
