import type { BlockInput } from '../blocks/schema';
import { callingCode, type Point } from '../metrics';
import type { Caller } from './caller';
import type { SendOutcome } from './send';

/**
 * The metrics data point of a send made outside a request (the queue consumer's, reconciliation's fetch): its
 * outcome (`ok`, else `error`, or `outcome` for a success when given), Twilio's code or the gateway's, the time
 * Twilio took, the destination's calling code and the caller's id.
 */
export function sendPoint(
  event: Point['event'],
  block: string,
  input: BlockInput,
  caller: Caller,
  outcome: SendOutcome,
  success = 'ok',
): Point {
  const common = {
    event,
    block,
    country: callingCode(input.to),
    caller: caller.kind === 'key' ? caller.id : 'anonymous',
  };
  if (outcome.ok) {
    const { trace } = outcome;
    return { ...common, outcome: success, code: '', source: '', status: trace.status ?? 200, twilioMs: trace.ms ?? 0 };
  }
  const { status, detail } = outcome.error;
  const code = String(detail.code ?? status);
  return { ...common, outcome: 'error', code, source: detail.source, status, twilioMs: detail.ms ?? 0 };
}
