import { GatewayError } from '../errors';
import { apiPath, type Resource } from './api';

/** What a block does with a Twilio collection. */
export type Action = 'create' | 'fetch' | 'list' | 'update' | 'delete';

/** How Twilio is asked to do an action: the method, whether the path names a record, where the fields go. */
export interface Operation {
  readonly method: 'POST' | 'GET' | 'DELETE';
  /** The path names the record (`Messages/{Sid}.json`), not the collection. */
  readonly record: boolean;
  /** The fields go in a form body, in the query, or nowhere (a fetch or delete takes none). */
  readonly params: 'form' | 'query' | 'none';
  /** How Twilio's helper libraries frame its failures: `[HTTP 404] Unable to fetch record: …`. */
  readonly unable: string;
  /** It changes something: the destination guard applies, and a retry must never do it twice. */
  readonly changes: boolean;
}

/** Twilio's REST operations on Messages and Calls (api_v2010_messages_calls_all_operations.openapi.json). */
export const OPERATIONS: { readonly [A in Action]: Operation } = {
  create: { method: 'POST', record: false, params: 'form', unable: 'create record', changes: true },
  fetch: { method: 'GET', record: true, params: 'none', unable: 'fetch record', changes: false },
  list: { method: 'GET', record: false, params: 'query', unable: 'fetch page', changes: false },
  update: { method: 'POST', record: true, params: 'form', unable: 'update record', changes: true },
  delete: { method: 'DELETE', record: true, params: 'none', unable: 'delete record', changes: true },
};

/** The path of an action: the collection, or one record of it (`sid` already checked against its pattern). */
export function operationPath(accountSid: string, resource: Resource, operation: Operation, sid?: string): string {
  return apiPath(accountSid, operation.record ? `${resource}/${sid}` : resource);
}

/**
 * An error framed as Twilio's helper libraries frame a failure of this action (`create record` as it is). A read
 * that failed upstream (Twilio's 5xx, no answer, a timeout) changed nothing, so asking again is safe: retryable.
 */
export function framed(action: Action, error: GatewayError): GatewayError {
  const operation = OPERATIONS[action];
  const out = action === 'create' ? error : error.reframed(operation.unable);
  const upstream = out.status === 502 || out.status === 503 || out.status === 504;
  return operation.changes || !upstream || out.detail.retryable
    ? out
    : new GatewayError(out.status, out.text, { ...out.detail, retryable: true });
}

/** One request to Twilio, as a block states it: the operation, the record it names, its form or query. */
export interface TwilioRequest {
  readonly resource: Resource;
  readonly operation: Operation;
  /** The record's SID (fetch, update, delete), already checked against its pattern. */
  readonly sid?: string | undefined;
  /** The block's fields under Twilio's keys: the form body (create, update) or the query (list). */
  readonly params: URLSearchParams;
}
