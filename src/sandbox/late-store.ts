import { DurableObject } from 'cloudflare:workers';

/** One status callback of the emulator, signed and ready to send at `due`: what the LateCallbacks object keeps. */
export interface LateRequest {
  /** The step of the record's timeline it reports: callbacks go out in this order, each once. */
  readonly index: number;
  /** Real time (ms since the epoch) at which the record's clock reaches the step. */
  readonly due: number;
  readonly url: string;
  readonly method: 'GET' | 'POST';
  readonly headers: readonly (readonly [string, string])[];
  readonly body: string | null;
}

/** A record's timeline has at most five callbacks; anything longer is not the emulator's. */
export const MAX_LATE_REQUESTS = 16;

/** How long one delivery may take, as for the callbacks sent in the request's waitUntil window. */
const TIMEOUT_MS = 5000;

interface State {
  /** The first step index not sent yet: a step below it went out already and is never sent again. */
  next: number;
  pending: LateRequest[];
}

/**
 * The sandbox's status callbacks that fall due after a request's waitUntil window: one object per emulated
 * record, named by its SID. The emulator hands it the record's whole signed timeline at creation and again after
 * each update that changes it; what was sent stays sent, what was not is replaced. Its alarm sends each callback
 * when due, in order; once all are sent the object forgets everything. It holds signed requests, never a token,
 * and needs nothing of the emulator, so the production entry can export it without carrying the emulator.
 */
export class LateCallbacks extends DurableObject<Env> {
  /** Replaces the callbacks not sent yet with `requests` (those of steps already sent are dropped). */
  async schedule(requests: readonly LateRequest[]): Promise<void> {
    if (requests.length > MAX_LATE_REQUESTS) throw new Error(`at most ${MAX_LATE_REQUESTS} callbacks per record`);
    const next = (await this.ctx.storage.get<State>('state'))?.next ?? 0;
    const pending = requests.filter((r) => r.index >= next).sort((a, b) => a.index - b.index);
    await this.save({ next, pending });
  }

  /** Sends every callback now due, in order, then waits for the next one or forgets the record. */
  override async alarm(): Promise<void> {
    for (;;) {
      // Read, take the head and write back with no other await between: a second run never takes the same one.
      const state = await this.ctx.storage.get<State>('state');
      const head = state?.pending[0];
      if (!state || !head || head.due > Date.now()) {
        if (state) await this.save(state);
        return;
      }
      state.pending.shift();
      state.next = head.index + 1;
      // Saved before the send: a crash mid-send loses this callback rather than sending it twice.
      await this.ctx.storage.put('state', state);
      await deliver(head);
    }
  }

  private async save(state: State): Promise<void> {
    const first = state.pending[0];
    if (!first) {
      await this.ctx.storage.deleteAlarm();
      await this.ctx.storage.deleteAll();
      return;
    }
    await this.ctx.storage.put('state', state);
    await this.ctx.storage.setAlarm(first.due);
  }
}

/** One bounded send that follows no redirect; a failure is ignored, as Twilio logs an 11200 and carries on. */
async function deliver(request: LateRequest): Promise<void> {
  try {
    const response = await fetch(request.url, {
      method: request.method,
      headers: request.headers as [string, string][],
      body: request.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    await response.body?.cancel();
  } catch {
    // The receiver is the caller's: nothing to retry here.
  }
}
