import * as v from 'valibot';
import { twilioBaseUrl } from '../config';
import { badGateway, twilioError } from '../errors';
import type { Deliver } from '../sandbox';
import { apiPath } from '../twilio/api';
import { decodeError } from '../twilio/decode';
import { basicAuthorization, FORM_TYPE } from '../twilio/encoding';
import { resolveAuth } from './credentials';
import { INBOUND_ANSWER, type InboundAnswer, type PersonMessage } from './person';
import { type SendContext, sandbox } from './send';

/** Twilio's webhook timeout, and a second for the emulator itself. */
const TIMEOUT_MS = 16_000;

/**
 * Sandbox mode: the emulator acts as the person (sandbox/inbound.ts) and posts a Twilio-signed message or call to
 * `url`, the Worker's own webhook, through `deliver`, as Twilio would. The stored credentials sign it, so the
 * caller must be one who may spend them (a key, or an open Worker); the Worker verifies it as any webhook.
 */
export async function postAsThePerson(
  person: PersonMessage,
  url: string,
  ctx: SendContext,
  deliver: Deliver,
): Promise<InboundAnswer> {
  const { config } = ctx;
  const auth = resolveAuth({}, config, 'Sandbox/Inbound', ctx.caller);
  const form = new URLSearchParams({ Url: url, From: person.from, To: person.to });
  if (person.kind === 'call') form.set('Kind', 'call');
  else form.set('Body', person.body ?? '');
  if (person.messagingServiceSid) form.set('MessagingServiceSid', person.messagingServiceSid);
  const res = await sandbox(ctx, deliver)(`${twilioBaseUrl(config)}${apiPath(auth.accountSid, 'Sandbox/Inbound')}`, {
    method: 'POST',
    headers: { Authorization: basicAuthorization(auth.username, auth.password), 'Content-Type': FORM_TYPE },
    body: form.toString(),
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  const body: unknown = await res.json().catch(() => undefined);
  if (!res.ok) {
    const error = decodeError(body);
    throw twilioError(res.status, error?.code ?? null, error?.message ?? `The emulator answered HTTP ${res.status}`);
  }
  const answer = v.safeParse(INBOUND_ANSWER, body);
  if (!answer.success) throw badGateway('The emulator gave no answer of the webhook');
  return answer.output;
}
