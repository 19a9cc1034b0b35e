import { DurableObject } from 'cloudflare:workers';
import { IDEMPOTENCY_TTL_MS } from './idempotency';
import type { RequestRecord } from './record';

export type { RequestRecord } from './record';

/** How long a request's record is kept: 24 h. */
export const REQUEST_TTL_MS = IDEMPOTENCY_TTL_MS;
/** One request's record (a SQLite-backed Durable Object per request id), deleted by its alarm after 24 h. */
export class RequestStore extends DurableObject<Env> {
  /** Merges what is known into the record; with `initial`, what is already there wins (the consumer may be first). */
  async write(patch: Partial<RequestRecord>, initial = false): Promise<void> {
    const stored = await this.ctx.storage.get<RequestRecord>('record');
    const updated = new Date().toISOString();
    await this.ctx.storage.put('record', initial ? { ...patch, ...stored } : { ...stored, ...patch, updated });
    if (!stored) await this.ctx.storage.setAlarm(Date.now() + REQUEST_TTL_MS);
  }

  async read(): Promise<RequestRecord | undefined> {
    return this.ctx.storage.get<RequestRecord>('record');
  }

  override async alarm(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }
}

/** A record as shown: without its owner. */
export const view = ({ owner: _owner, ...shown }: RequestRecord) => shown;
