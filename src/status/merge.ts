import { advances } from './rank';
import { historyOf, type StatusHistory } from './store';

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
