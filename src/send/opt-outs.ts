import type { Block } from '../blocks';
import type { BlockInput } from '../blocks/schema';
import type { Config } from '../config';
import { GatewayError, twilioError } from '../errors';
import { type Place, regionOf } from '../optouts/regions';
import {
  addOptOut,
  homeOf,
  isSender,
  type OptOutStores,
  optedOutOfAny,
  personKey,
  removeOptOut,
} from '../optouts/store';
import { type Caller, keyRequired } from './caller';
import { isOpen } from './credentials';
import { noOptOutStore, notASender } from './refusals';

/** Twilio's code for a send to a person who opted out (FACTS.md). */
export const OPTED_OUT = 21610;

/**
 * Twilio's own 21610 answer, made by the gateway: `[HTTP 400] Unable to create record: Attempt to send to
 * unsubscribed recipient`, with `source: "gateway"` since Twilio was never called.
 */
export function optedOut(): GatewayError {
  const twilio = twilioError(400, OPTED_OUT, 'Attempt to send to unsubscribed recipient');
  return new GatewayError(twilio.status, twilio.text, { ...twilio.detail, source: 'gateway' });
}

/** The stores a send reads: none when opt-outs are off (OPT_OUTS=off) or the Worker has no binding. */
export const enforced = (config: Config, stores: OptOutStores | undefined) =>
  config.OPT_OUTS === 'on' ? stores : undefined;

/** The senders a message goes out as: its Messaging Service and its From number, each a scope of opt-outs. */
function sendersOf(input: BlockInput): string[] {
  return [input.messagingServiceSid, input.from].filter((s): s is string => typeof s === 'string');
}

/** Whether the send is a message Twilio would refuse for an opt-out: a new message (sendSms, sendMms). */
const isMessage = (block: Block) => block.resource === 'Messages' && block.action === 'create';

/**
 * Where a send runs, as plain data, for a send that goes on in a Durable Object or through the queue: read from
 * request.cf only for a message while opt-outs are enforced (the region whose replicas it reads).
 */
export function placeFor(config: Config, block: Block | undefined, place: (() => Place | undefined) | undefined) {
  if (config.OPT_OUTS !== 'on' || !block || !isMessage(block)) return undefined;
  const cf = place?.();
  return cf ? { continent: cf.continent, longitude: cf.longitude } : undefined;
}

/**
 * Refuses a message to a person who opted out of any of its senders, before Twilio is called: one call per sender
 * to its replica in the region the request runs in (none with OPT_OUTS=off).
 */
export async function refuseOptedOut(
  block: Block,
  input: BlockInput,
  stores: OptOutStores | undefined,
  place: (() => Place | undefined) | undefined,
) {
  if (!stores || !isMessage(block) || typeof input.to !== 'string') return;
  if (await optedOutOfAny(stores, sendersOf(input), input.to, regionOf(place?.()))) throw optedOut();
}

/** Records Twilio's own 21610 answer as an opt-out of the senders the message named. */
export async function noteOptedOut(
  block: Block,
  input: BlockInput,
  stores: OptOutStores | undefined,
  error: GatewayError,
) {
  if (!stores || !isMessage(block) || error.detail.source !== 'twilio' || error.detail.code !== OPTED_OUT) return;
  const to = input.to;
  if (typeof to !== 'string') return;
  // Twilio keeps its own list as well: a store that fails here costs a later refusal by Twilio, not a send.
  await addOptOut(stores, sendersOf(input), to, 'twilio-21610').catch(() => {});
}

/** Only a caller who may spend the stored credentials may read the gateway's records or change them (an API key, or an open Worker). */
export function mayManage(caller: Caller, config: Config) {
  if (caller.kind === 'anonymous' && !isOpen(config)) throw keyRequired();
}

/** Pages of listOptOuts: at most this many, 50 unless pageSize says otherwise. */
const DEFAULT_PAGE = 50;

/**
 * The opt-out blocks (blocks/opt-outs.ts), answered by the stores, not by Twilio: listOptOuts (of the Messaging
 * Service when one is named, else of the From number), addOptOut and removeOptOut (of each one named).
 */
export async function manageOptOuts(
  block: Block,
  input: BlockInput,
  { caller, config, env }: { caller: Caller; config: Config; env?: Partial<Env> | undefined },
) {
  mayManage(caller, config);
  const stores = env?.OPT_OUT_STORE;
  if (!stores) throw noOptOutStore();
  if (!sendersOf(input).every(isSender)) throw notASender();
  const sender = String(input.messagingServiceSid ?? input.from);
  const to = typeof input.to === 'string' ? personKey(input.to) : undefined;
  switch (block.action) {
    case 'list': {
      const home = homeOf(stores, sender);
      const limit = typeof input.pageSize === 'number' ? input.pageSize : DEFAULT_PAGE;
      if (to !== undefined) {
        const one = await home.get(to);
        return { sender, optOuts: one ? [one] : [], nextPageToken: null };
      }
      const page = await home.list(limit, typeof input.pageToken === 'string' ? input.pageToken : '');
      return { sender, optOuts: page.optOuts, nextPageToken: page.next };
    }
    case 'create': {
      const [first] = await addOptOut(stores, sendersOf(input), to as string, 'manual');
      return { sender, ...first, optedOut: true };
    }
    default:
      return { sender, to, optedOut: false, removed: await removeOptOut(stores, sendersOf(input), to as string) };
  }
}
