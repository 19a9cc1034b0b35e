import { callbackRequest, eventOf } from './callbacks';
import type { LateRequest } from './late-store';
import { realAt, type SandboxRecord } from './records';

/** Hands a record's callbacks to the LateCallbacks object of its SID (the host's binding). */
export type HandOff = (sid: string, requests: readonly LateRequest[]) => Promise<void>;

/**
 * The record's whole timeline of callbacks, signed under the auth token, each with its step and real due time:
 * what the LateCallbacks object sends when the record outlives a request's waitUntil window. The initial status
 * gets none; SequenceNumbers run over the events asked for, as the in-request loop numbers them.
 */
export async function lateRequests(record: SandboxRecord, authToken: string, local: boolean): Promise<LateRequest[]> {
  const target = record.callback;
  if (!target) return [];
  // A copy numbers the events: the record's own counter belongs to the in-request loop.
  const numbering = { ...record, sequence: 0 };
  const out: LateRequest[] = [];
  for (const [index, step] of record.steps.entries()) {
    if (index === 0) continue;
    const event = eventOf(numbering, step);
    if (!event) continue;
    const request = await callbackRequest(target, event, authToken, local);
    // Off a local run, a private target gets nothing, later as now.
    if (!request) continue;
    out.push({
      index,
      due: realAt(record, step.at),
      url: request.url,
      method: target.method,
      headers: [...request.headers],
      // Decoded by hand: workerd warns when .text() reads a body whose type is not text/*.
      body: target.method === 'POST' ? new TextDecoder().decode(await request.arrayBuffer()) : null,
    });
  }
  return out;
}
