import { advances } from './rank';
import { historyOf } from './store';

/**
 * A fetched Message or Call with its recorded status history merged in (getMessage, getCall): the `timeline`
 * of every status received, with timestamps, and the recorded status and error code where they are further
 * along than Twilio's answer (a fetch may lag its own callbacks). A record of another account is not merged.
 */
export async function withHistory(env: Partial<Env>, resource: Record<string, unknown>) {
  const history = await historyOf(env, String(resource.sid));
  if (!history || history.accountSid !== resource.accountSid) return resource;
  const ahead = advances({ status: String(resource.status) }, history);
  const code = history.errorCode === null ? null : Number(history.errorCode);
  return {
    ...resource,
    ...(ahead ? { status: history.status, errorCode: code } : {}),
    timeline: history.timeline,
  };
}
