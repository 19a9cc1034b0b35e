import * as v from 'valibot';
import { blocks } from '../blocks';
import { errorEnvelopeShape } from '../errors';
import type { Resource } from '../twilio/api';

const values = v.union([v.string(), v.array(v.string())]);
/** A form's values: one string, or a list for a repeated key. */
export const formValues = v.record(v.string(), values);

/**
 * `?dryRun=1`'s answer (routes/hooks.ts), defined once: its type there, its JSON Schema in the OpenAPI document
 * (derived at build time; the Worker bundle does not carry it).
 */
export const DryRunShape = v.pipe(
  v.strictObject({
    dryRun: v.literal(true),
    recipe: v.string(),
    block: v.picklist(blocks.map((block) => block.name)),
    matched: v.pipe(v.boolean(), v.description('Whether `when` held (else a delivery is answered 204).')),
    eventId: v.pipe(
      v.nullable(v.string()),
      v.description(
        'The id the send is made once for (`sha256:<hex>` of the body for the github, shopify and twilio schemes, which sign the body alone); null: sent each time.',
      ),
    ),
    async: v.pipe(
      v.boolean(),
      v.description('HOOKS_ASYNC=true: a delivery is answered 202 and sent through the queue.'),
    ),
    input: v.pipe(
      v.record(v.string(), v.optional(values)),
      v.description('The rendered fields, as a caller would send them (an accountToken shown as [redacted]).'),
    ),
    missing: v.pipe(v.array(v.string()), v.description('The template paths that rendered empty.')),
    wouldSend: v.pipe(
      v.nullable(
        v.strictObject({
          resource: v.picklist(['Messages', 'Calls'] satisfies Resource[]),
          form: formValues,
        }),
      ),
      v.description('The form that would be posted to Twilio; null when `when` did not hold or the input is refused.'),
    ),
    error: v.pipe(
      v.nullable(errorEnvelopeShape()),
      v.description('The envelope a send would be refused with (the input, the destination guard); else null.'),
    ),
  }),
  v.description("?dryRun=1's answer: what the recipe makes of the request. Nothing is sent."),
);
export type DryRun = v.InferOutput<typeof DryRunShape>;
