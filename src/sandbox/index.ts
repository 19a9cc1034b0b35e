import type { Upstream } from '../twilio/client';

/** Options of the in-process emulator. */
export interface SandboxOptions {
  /** POST signed status callbacks to a send's statusCallback (SANDBOX_CALLBACKS=true). */
  readonly callbacks: boolean;
  /** Keeps callback deliveries alive after the response (ExecutionContext.waitUntil). */
  readonly waitUntil: (promise: Promise<unknown>) => void;
}

/** The Twilio emulator as an Upstream: it stands in for `fetch` in sandbox mode. */
export function sandboxUpstream(_options: SandboxOptions): Upstream {
  throw new Error('sandbox: not built yet (issue #3)');
}
