import { env } from 'cloudflare:workers';
import type { Upstream } from '../twilio/client';
import { type SandboxOptions, sandboxUpstream } from '.';
import type { HandOff } from './late';

/** The emulator's callbacks due after a request's window go to the LateCallbacks object of their record. */
const handOff: HandOff = (sid, requests) =>
  env.LATE_CALLBACKS.get(env.LATE_CALLBACKS.idFromName(sid)).schedule(requests);

/**
 * The emulator as the Worker runs it (src/with-sandbox.ts): sandboxUpstream with the Worker's LateCallbacks
 * objects. Apart from src/sandbox/index.ts, which `npm run sandbox` bundles for Node, where no Durable Object is.
 */
export const workerSandbox = (options: SandboxOptions): Upstream => sandboxUpstream({ ...options, handOff });
