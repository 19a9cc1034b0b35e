import { type InboundContext, receivedOf, rendered } from './message';
import { actionFor } from './settings';
import { inboxOf } from './store';
import { twiml, xmlText } from './twiml';

/**
 * An incoming call (POST /twilio/voice), after its signature was checked: recorded once per CallSid (a retry does
 * nothing again), then INBOUND's voice action for the number that was called: `<Say>` a template, `<Play>` a URL,
 * `<Dial>` a number `mayDial` allows (the destination guard; else the call is answered with nothing and ends), or
 * forward it as a `call.received` event. Unset: an empty answer, which ends the call.
 */
export async function receiveCall(
  fields: URLSearchParams,
  ctx: InboundContext & { readonly mayDial: (number: string) => boolean },
): Promise<string> {
  const received = receivedOf(fields, 'call');
  const action = actionFor(ctx.inbound.voice, [received.to]);
  const inbox = inboxOf(ctx.env, received.to);
  const { first } = await inbox.receive(received, action?.action === 'forward' ? action.url : undefined);
  if (first && action?.action === 'forward') ctx.waitUntil(inbox.flush());
  switch (action?.action) {
    case 'say':
      return twiml(`<Say>${xmlText(rendered(action.text, received, ctx))}</Say>`);
    case 'play':
      return twiml(`<Play>${xmlText(action.url)}</Play>`);
    case 'dial':
      return twiml(ctx.mayDial(action.number) ? `<Dial>${xmlText(action.number)}</Dial>` : '');
    default:
      return twiml();
  }
}
