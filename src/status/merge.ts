import { type Block, isOwnResource } from '../blocks';
import { readConfig } from '../config';
import type { Action } from '../twilio/operations';
import { pageKey } from '../twilio/resources';
import { advances } from './rank';
import { historyOf, type StatusHistory } from './store';
import { tokenFor } from './verify';

/**
 * A fetched Message or Call with its recorded status history merged in (getMessage, getCall): the `timeline`
 * of every status received, with timestamps, and the recorded status and error code where they are further
 * along than Twilio's answer (a fetch may lag its own callbacks). A record of another account is not merged, and
 * a status store that fails leaves Twilio's answer as it is: the read does not fail for want of the history.
 */
export async function withHistory(env: Partial<Env>, resource: Record<string, unknown>) {
  let history: StatusHistory | undefined;
  try {
    history = await historyOf(env, String(resource.sid));
  } catch (err) {
    // Only the kind of failure: its message is the store's and is never logged.
    console.error(
      JSON.stringify({ statusHistory: 'unavailable', error: err instanceof Error ? err.name : typeof err }),
    );
    return resource;
  }
  if (!history || history.accountSid !== resource.accountSid) return resource;
  const ahead = advances({ status: String(resource.status) }, history);
  const code = history.errorCode === null ? null : Number(history.errorCode);
  return {
    ...resource,
    ...(ahead ? { status: history.status, errorCode: code } : {}),
    timeline: history.timeline,
  };
}

/**
 * At most this many records of a list page get their history: each is one call to its SID's StatusStore (a
 * Durable Object per SID; the calls go out together), and each call counts against the request's subrequests.
 */
export const MAX_MERGED = 100;

/**
 * A block's answer with the stored history merged in: a fetched record (withHistory), or each record of a list
 * page of the Worker's own account, up to MAX_MERGED, the store calls made at once; any other answer as it is.
 */
export async function withHistoryOf(
  env: Partial<Env>,
  block: { readonly action: Action; readonly resource: Block['resource'] },
  resource: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  // The gateway's own records (the opt-outs, listInbound) have no status history.
  if (isOwnResource(block.resource)) return resource;
  if (block.action === 'fetch') return withHistory(env, resource);
  const key = pageKey(block.resource);
  const records = resource[key];
  if (block.action !== 'list' || !env.STATUS || !Array.isArray(records)) return resource;
  // The receiver records only the callbacks of the account it holds the token of (verify.ts): a page of another
  // account's records (read with the request's own credentials) has no history to ask for.
  const config = readConfig(env);
  const merged = await Promise.all(
    records.map((record: Record<string, unknown>, i) =>
      i < MAX_MERGED && tokenFor(config, String(record.accountSid)) ? withHistory(env, record) : record,
    ),
  );
  return { ...resource, [key]: merged };
}
