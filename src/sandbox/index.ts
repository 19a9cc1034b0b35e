import type { Upstream } from '../twilio/client';
import { type EmulatorBindings, emulator } from './app';
import type { Deliver } from './inbound';
import type { HandOff } from './late';
import { type SandboxAccount, type SandboxSettings, sandboxAccount } from './settings';

/** Options of the in-process emulator. */
export interface SandboxOptions {
  /** POST signed status callbacks to a record's StatusCallback (SANDBOX_CALLBACKS and an authorised caller). */
  readonly callbacks: boolean;
  /** Keeps callback deliveries alive after the response (ExecutionContext.waitUntil). */
  readonly waitUntil: (promise: Promise<unknown>) => void;
  /** Takes over the callbacks due after the waitUntil window (the Worker's LateCallbacks objects). */
  readonly handOff?: HandOff | undefined;
  /** Delivers what the emulator posts as the person to the Worker's own app, in-process (the sandbox inbox). */
  readonly deliver?: Deliver | undefined;
  /**
   * The Worker's settings (its Config): the emulator accepts exactly TWILIO_ACCOUNT_SID + TWILIO_AUTH_TOKEN (and
   * TWILIO_API_KEY_SID + TWILIO_API_KEY_SECRET), and runs its clock at SANDBOX_SPEED. None: the demo pair.
   */
  readonly settings?: SandboxSettings | undefined;
}

const accounts = new WeakMap<object, SandboxAccount>();

/**
 * The emulator's bindings for a host: the account and clock speed its settings give (decoded once per settings
 * object), whether callbacks go out, and how they are kept alive.
 */
export function emulatorBindings(
  settings: SandboxSettings,
  host: Pick<EmulatorBindings, 'callbacks' | 'waitUntil' | 'handOff' | 'deliver'>,
): EmulatorBindings {
  let account = accounts.get(settings);
  if (!account) {
    account = sandboxAccount(settings);
    accounts.set(settings, account);
  }
  const { callbacks, waitUntil, handOff, deliver } = host;
  const local = settings.SANDBOX_LOCAL === true;
  return { account, speed: settings.SANDBOX_SPEED ?? 1, callbacks, local, waitUntil, handOff, deliver };
}

/**
 * The Twilio emulator as an Upstream: it stands in for `fetch` in sandbox mode. The request the Twilio
 * client built (form body, Basic auth, URL) is answered in-process by the emulator app; no network. The
 * emulator answers at once, so the time budget's signal has nothing to abort.
 */
export function sandboxUpstream(options: SandboxOptions): Upstream {
  const bindings = emulatorBindings(options.settings ?? {}, options);
  return async (url, init) => emulator.fetch(new Request(url, init), bindings);
}

export { type EmulatorBindings, emulator } from './app';
export type { Deliver } from './inbound';
export type { HandOff } from './late';
export type { LateRequest } from './late-store';
export { DEMO_ACCOUNT_SID, DEMO_AUTH_TOKEN, type SandboxSettings, sandboxAccount } from './settings';
