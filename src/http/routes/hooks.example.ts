import { pairsOf, toForm } from '../../blocks/form';
import { blockParser } from '../../blocks/schema';
import { GatewayError } from '../../errors';
import { readRecipes } from '../../recipes/document';
import { matches, renderFields, type Scope } from '../../recipes/template';
import { invalidTo, messageOf } from '../openapi/examples';
import { errorExample } from '../openapi/operation';
import { issueToError } from '../validate';

/**
 * The hook's examples: README's Stripe recipe (a failed payment → SMS) and the event Stripe posts for it. What
 * the recipe makes of the event is worked out by the recipes' own code (recipes/), as routes/hooks.ts does.
 */
export const HOOK_EXAMPLE = {
  name: 'stripe-failed-payment',
  recipe: {
    block: 'sendSms',
    verify: { scheme: 'stripe', secret: 'STRIPE_WEBHOOK_SECRET' },
    when: { type: 'invoice.payment_failed' },
    fields: {
      from: '+15005550006',
      to: '{{data.object.customer_phone}}',
      body: 'Hi {{data.object.customer_name | default:"there"}}, your payment of {{data.object.amount_due | money}} {{data.object.currency | upper}} failed. Update your card: {{data.object.hosted_invoice_url}}',
    },
  },
  /** Stripe's `invoice.payment_failed` event, trimmed to what the recipe reads and a few neighbours. */
  payload: {
    id: 'evt_1QyFa2LkdIwHu7ixYzKt3Ab9',
    object: 'event',
    type: 'invoice.payment_failed',
    created: 1764486000,
    data: {
      object: {
        id: 'in_1QyFZzLkdIwHu7ixKq5d2Hn1',
        object: 'invoice',
        amount_due: 4900,
        currency: 'usd',
        customer_name: 'Ana Silva',
        customer_phone: '+14155550123',
        hosted_invoice_url: 'https://invoice.stripe.com/i/acct_1Qy/test_YWNjdF8xUXk',
      },
    },
  },
} as const;

/** The example recipe decoded by recipes/document.ts, with `env` as the Worker's (its secret set, or not). */
const exampleRecipes = (env: Record<string, unknown>) =>
  readRecipes({ RECIPES: { [HOOK_EXAMPLE.name]: HOOK_EXAMPLE.recipe }, ...env });

/** What the example recipe makes of a payload, as the hook does: the rendered input, the missing paths, `when`. */
function renderExample(payload: unknown) {
  const recipe = exampleRecipes({ [HOOK_EXAMPLE.recipe.verify.secret]: 'whsec_example' }).byName.get(HOOK_EXAMPLE.name);
  if (!recipe) throw new Error('openapi: the example recipe did not load');
  const scope: Scope = { payload, headers: new Headers() };
  const missing = new Set<string>();
  const input = renderFields(recipe.fields, scope, missing);
  const matched = !recipe.when || matches(recipe.when, scope);
  return { block: recipe.block, input, missing: [...missing], matched, parsed: blockParser(recipe.block).parse(input) };
}

/** The hook's 200s: the send's envelope, and the dry run's answer, for the example event. */
export function hookAnswers() {
  const { block, input, missing, matched, parsed } = renderExample(HOOK_EXAMPLE.payload);
  if (!parsed.success) throw new Error('openapi: the example recipe renders an input its block refuses');
  return {
    sent: {
      summary: "Sent (or replayed, with Idempotent-Replayed: true): the block's envelope",
      value: { callback: 'success', contextWrites: { to: messageOf(parsed.data) } },
    },
    dryRun: {
      summary: '?dryRun=1: what would be sent; nothing is',
      value: {
        dryRun: true,
        recipe: HOOK_EXAMPLE.name,
        block: block.name,
        matched,
        // Stripe's event id is the payload's id (routes/hooks.ts; SCHEME_HEADERS names no header for it).
        eventId: HOOK_EXAMPLE.payload.id,
        async: false,
        input,
        missing,
        wouldSend: { resource: block.resource, form: pairsOf(toForm(block, parsed.data)) },
        error: null,
      },
    },
    failed: {
      summary:
        "Final, not sent: Twilio refused the send, or its outcome is in doubt (Twilio's 5xx, a timeout). 200, so that the sender stops retrying; the error envelope says why",
      value: errorExample(invalidTo(HOOK_EXAMPLE.payload.data.object.customer_phone).text),
    },
  };
}

/** The documented string of the example event's rendered input when the path of `to` has no value. */
export function renderedRefusal(): string {
  const { object } = HOOK_EXAMPLE.payload.data;
  const { block, parsed } = renderExample({
    ...HOOK_EXAMPLE.payload,
    data: { object: { ...object, customer_phone: null } },
  });
  if (parsed.success) throw new Error('openapi: the example recipe accepts an event without a phone number');
  return issueToError(block, parsed.error.issues).text;
}

/** The configuration error of the example recipe on a Worker where its secret is not set. */
export function brokenRecipe(): string {
  try {
    exampleRecipes({});
  } catch (err) {
    if (err instanceof GatewayError) return err.text;
  }
  throw new Error('openapi: the example recipe loads without its secret');
}
