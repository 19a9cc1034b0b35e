import * as v from 'valibot';
import * as z from 'zod/mini';

// The shapes of the sandbox inbox (routes/sandbox.ts, as-the-person.ts), apart so that the OpenAPI builder reads
// them without the send pipeline.

/** A phone number in E.164, or a WhatsApp address (`whatsapp:+…`). */
const ADDRESS = /^(whatsapp:)?\+[1-9]\d{1,14}$/;

/** What the sandbox inbox posts as the person: a caller's input, so zod/mini. */
export const personSchema = z.strictObject({
  from: z.string().check(z.regex(ADDRESS)),
  to: z.string().check(z.regex(ADDRESS)),
  body: z.optional(z.string().check(z.maxLength(1600))),
  kind: z.optional(z.enum(['message', 'call'])),
  messagingServiceSid: z.optional(z.string().check(z.regex(/^MG[0-9a-fA-F]{32}$/))),
});
export type PersonMessage = z.infer<typeof personSchema>;

/** Each field's rule, as a refusal names it. */
export const PERSON_RULES: Readonly<Record<keyof PersonMessage, string>> = {
  from: "the person's number in E.164, such as +14155550100 (or whatsapp:+…)",
  to: 'your Twilio number in E.164, such as +15005550006 (or whatsapp:+…)',
  body: 'text of at most 1600 characters',
  kind: 'message or call',
  messagingServiceSid: 'MG and 32 hex digits',
};

/** The emulator's answer to Sandbox/Inbound.json: the webhook's status, type and body, and the fields it posted. */
export const INBOUND_ANSWER = v.object({
  status: v.nullable(v.number()),
  contentType: v.nullable(v.string()),
  answer: v.nullable(v.string()),
  fields: v.record(v.string(), v.string()),
});
export type InboundAnswer = v.InferOutput<typeof INBOUND_ANSWER>;
