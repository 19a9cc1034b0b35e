import type { BlockInput } from '../blocks/schema';
import type { Config } from '../config';
import type { Caller } from './caller';
import { mayManage } from './opt-outs';
import { noInbox } from './refusals';

/** Pages of listInbound: 50 unless pageSize says otherwise. */
const DEFAULT_PAGE = 50;

/** A list filter's day (`YYYY-MM-DD`, from its midnight UTC) or time, in ms since the epoch. */
const instant = (value: BlockInput[string] | undefined) => (typeof value === 'string' ? Date.parse(value) : undefined);

/**
 * listInbound, answered by the receiving number's InboundStore, not by Twilio: what it received, newest first,
 * for a caller who may spend the stored credentials (the messages are the owner's).
 */
export async function listReceived(
  input: BlockInput,
  { caller, config, env }: { caller: Caller; config: Config; env?: Partial<Env> | undefined },
) {
  mayManage(caller, config);
  const inbox = env?.INBOX;
  if (!inbox) throw noInbox();
  const to = String(input.to);
  const page = await inbox.get(inbox.idFromName(to)).list({
    from: typeof input.from === 'string' ? input.from : undefined,
    after: instant(input.receivedAfter),
    before: instant(input.receivedBefore),
    limit: typeof input.pageSize === 'number' ? input.pageSize : DEFAULT_PAGE,
    pageToken: typeof input.pageToken === 'string' ? input.pageToken : undefined,
  });
  return { to, messages: page.messages, nextPageToken: page.next };
}
