import type { Upstream } from '../twilio/client';
import { emulator } from './app';

/** Options of the in-process emulator. */
export interface SandboxOptions {
  /** POST signed status callbacks to a send's statusCallback (SANDBOX_CALLBACKS=true). */
  readonly callbacks: boolean;
  /** Keeps callback deliveries alive after the response (ExecutionContext.waitUntil). */
  readonly waitUntil: (promise: Promise<unknown>) => void;
}

/**
 * The Twilio emulator as an Upstream: it stands in for `fetch` in sandbox mode. The request the Twilio
 * client built (form body, Basic auth, URL) is answered in-process by the emulator app; no network. The
 * emulator answers at once, so the time budget's signal has nothing to abort.
 */
export function sandboxUpstream(options: SandboxOptions): Upstream {
  const bindings = { callbacks: options.callbacks, waitUntil: options.waitUntil };
  return async (url, init) => emulator.fetch(new Request(url, init), bindings);
}

export { type EmulatorBindings, emulator } from './app';
