import { DurableObject } from 'cloudflare:workers';
import type { Envelope } from '../errors';
import { IDEMPOTENCY_TTL_MS } from './idempotency';

/** How long a request's record is kept: 24 h. */
export const REQUEST_TTL_MS = IDEMPOTENCY_TTL_MS;
/**
 * What `GET /api/Twilio/requests/{id}` shows: no secret, not the input as sent; the envelope once the send is
 * over (a success's envelope holds the created resource, with its to, from and body, as the sync answer does).
 */
export interface RequestRecord {
  readonly id: string;
  readonly status: 'pending' | 'done' | 'failed';
  readonly block: string;
  readonly created: string;
  readonly updated: string;
  /** Deliveries made so far. */
  readonly attempts: number;
  /** The envelope the send answered: success when done, the error when failed. */
  readonly result?: Envelope;
  /** The last failure's documented string (while retrying, and once failed). */
  readonly lastError?: string | undefined;
  /** The caller key's id (`key:…`) that alone may read it; any holder of the id when absent. Never shown. */
  readonly owner?: string;
}

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
