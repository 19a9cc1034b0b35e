import type { Context } from 'hono';
import { Hono } from 'hono/tiny';
import { isOwnResource } from '../../blocks';
import { pairsOf, toForm } from '../../blocks/form';
import { badRequest, errorBody, GatewayError, toGatewayError } from '../../errors';
import { MAX_JSON_DEPTH, nestsDeeper } from '../../limits/json';
import { callingCode } from '../../metrics';
import { readRecipes, recipesDocument } from '../../recipes/document';
import type { DryRun } from '../../recipes/dry-run';
import { compile, matches, render, renderFields, type Scope, type Template } from '../../recipes/template';
import { SCHEME_HEADERS, verifySignature } from '../../recipes/verify';
import { keyRequired } from '../../send/caller';
import { isOpen } from '../../send/credentials';
import { guard } from '../../send/guard';
import { fingerprint, storeName } from '../../send/idempotency';
import { type RequestRecord, view } from '../../send/requests';
import { send } from '../../send/send';
import { withHistoryOf } from '../../status/merge';
import { isFormType } from '../../twilio/encoding';
import { OPERATIONS } from '../../twilio/operations';
import { bodySha256 } from '../../twilio/signature';
import type { AppEnv } from '../app-env';
import { failure, success } from '../envelope';
import { isJsonText, jsonAsForm, outcomeHint } from '../hints';
import { limitBody } from '../middleware/body-limit';
import { identifyCaller } from '../middleware/caller';
import { limit, rateLimit } from '../middleware/rate-limit';
import { badHookSignature, emptyEventId, notJsonNorForm } from '../refusals';
import { respondAsync } from '../respond-async';
import { sendContext, sendStored } from '../send-context';
import { issueToError } from '../validate';

/** Runs a middleware of the blocks API once the recipe says it applies (its typing names fewer variables). */
const apply = (middleware: (c: never, next: () => Promise<void>) => Promise<unknown>, c: unknown) =>
  middleware(c as never, async () => {});

/**
 * Webhook recipes, `POST /hooks/{name}`, and the records of asynchronous sends, `GET /api/Twilio/requests/{id}`.
 * HTTP only: the recipes (recipes/), the send (send.ts) and the queue (queue.ts) do the work.
 */
export const hooksApi = new Hono<AppEnv>();

/** Stripe's event id: the payload's `id`. */
const STRIPE_ID = compile('{{id}}') as Template;

/** The recipes, from the RECIPES var or RECIPES_KV (recipes/document.ts). */
const recipesOf = async (env: object = {}) => readRecipes(env, await recipesDocument(env));

/**
 * The caller key (identifyCaller: a wrong one is a 401), or, without one, whether the Worker is open to anonymous
 * callers (ALLOW_ANONYMOUS, or the sandbox with no API_KEYS): what the blocks' stored credentials require.
 */
async function keyOrOpen(c: Context<AppEnv>) {
  await apply(identifyCaller, c);
  return c.get('caller').kind === 'key' || isOpen(c.get('config'));
}

/**
 * A recipe's hook. The body (at most 64 KB, read once: signatures cover its raw bytes) is verified with the
 * recipe's scheme, or else the caller must present a key (a dry run of a signed recipe too may present one instead);
 * then its `when` is checked (any other event: 204), its fields rendered and validated as a caller's input, and
 * the send made once per event id: now, or through the queue with HOOKS_ASYNC=true (202). `?dryRun=1` sends
 * nothing and answers what would be sent.
 */
hooksApi.post(
  '/hooks/:name',
  // The blocks' own body limit (64 KB, with or without a Content-Length: 413).
  limitBody,
  async (c) => {
    const { byName, async } = await recipesOf(c.env);
    const name = c.req.param('name');
    const recipe = byName.get(name);
    if (!recipe) return c.notFound();
    c.set('metric', { event: 'send', block: recipe.block.name });
    const config = c.get('config');
    const { headers } = c.req.raw;
    const body = new Uint8Array(await c.req.arrayBuffer());
    const text = new TextDecoder().decode(body);
    const form = isFormType(headers.get('content-type')) ? new URLSearchParams(text) : undefined;
    const dryRun = /^(1|true)$/.test(c.req.query('dryRun') ?? '');
    const { verify, block } = recipe;
    const { changes } = OPERATIONS[block.action];
    const scheme = verify?.scheme;
    if (
      verify &&
      (await verifySignature(
        verify.scheme,
        String((c.env as unknown as Record<string, unknown>)[verify.secret]),
        { headers, body, url: c.req.url, form },
        verify.header,
      ))
    ) {
      // The sender, proved by its signature, is this recipe's caller.
      c.set('caller', { kind: 'key', id: `hook:${name}` });
    } else if ((!verify || dryRun) && (await keyOrOpen(c))) {
      // A caller key, as the blocks' stored credentials require (credentials.ts), whatever the fields.
    } else if (verify) {
      // A wrong signature counts against its IP, as a wrong key does: a shared secret cannot be guessed at speed.
      await limit(c, `ip:${headers.get('cf-connecting-ip')}`);
      throw badHookSignature(scheme).hinted(
        "Set the recipe's verify.secret to the secret the sender signs with; to try the recipe unsigned, add ?dryRun=1 and a caller key.",
      );
    } else throw keyRequired();
    await apply(rateLimit, c);

    // A form that is JSON text (`curl -d '{…}'`) would render every field empty: say which Content-Type to send.
    if (form && isJsonText(text)) throw jsonAsForm('application/x-www-form-urlencoded');
    let payload: unknown = {};
    if (!form && nestsDeeper(text)) throw badRequest(`The body's JSON nests deeper than ${MAX_JSON_DEPTH} levels`);
    try {
      payload = form ? pairsOf(form) : text.trim() && JSON.parse(text);
    } catch {
      throw notJsonNorForm();
    }
    const scope: Scope = { payload, headers };
    const matched = !recipe.when || matches(recipe.when, scope);
    if (!matched && !dryRun) return c.body(null, 204);
    const missing = new Set<string>();
    const input = renderFields(recipe.fields, scope, missing);
    // The event id keys the send's IdempotencyStore (by its SHA-256), so that a provider's retry never sends twice:
    // the recipe's template, Stripe's payload id or Standard Webhooks' webhook-id; else, for a signed body
    // (GitHub, Shopify and Twilio sign the body alone, so a delivery-id header could be replayed fresh), the body
    // itself; else an Idempotency-Key. A recipe that reads (getMessage, listCalls…) has none, and is not queued:
    // a read changes nothing, and a stored answer would show an old status.
    const eventHeader = scheme && SCHEME_HEADERS[scheme][1];
    const template = recipe.eventId ?? (scheme === 'stripe' ? STRIPE_ID : undefined);
    const id = template ? render(template, scope, new Set()) : eventHeader && headers.get(eventHeader);
    const event = changes ? id || (scheme && scheme !== 'header' ? body : headers.get('idempotency-key')) : undefined;
    const key = event ? await bodySha256(event) : undefined;
    const queued = async && changes;
    const parsed = recipe.parse(input);
    const refusal = () => {
      // An eventId that renders empty would leave the send without an event id: refused.
      if (recipe.eventId && !id) throw emptyEventId();
      if (!parsed.success) throw issueToError(block, parsed.error.issues);
      return parsed.data;
    };
    if (dryRun) {
      let error: GatewayError | undefined;
      try {
        guard(block, refusal(), config);
      } catch (err) {
        const refused = toGatewayError(err);
        error = refused.hinted(outcomeHint(block, input, refused));
      }
      // The gateway's own records (the opt-out blocks, listInbound) post nothing to Twilio.
      const resource = isOwnResource(block.resource) ? undefined : block.resource;
      return c.json({
        dryRun: true,
        recipe: name,
        block: block.name,
        matched,
        eventId: event ? (typeof event === 'string' ? event : `sha256:${key}`) : null,
        async: queued,
        input: { ...input, accountToken: input.accountToken && '[redacted]' },
        missing: [...missing],
        wouldSend:
          matched && parsed.success && !error && resource
            ? { resource, form: pairsOf(toForm(block, parsed.data)) }
            : null,
        error: error ? errorBody(error) : null,
      } satisfies DryRun);
    }
    const data = refusal();
    c.set('metric', { event: 'send', block: block.name, country: callingCode(data.to) });
    const ctx = sendContext(c);
    // Scoped by the recipe and its caller: a signed recipe's sender, or a caller key (or account, or IP) whose
    // input is fingerprinted, as an Idempotency-Key's is (another input under the same event id is a 422).
    const store = key ? `hook:${name}\n${await storeName(ctx.caller, data, key)}` : undefined;
    const print = verify ? `recipe:${name}` : await fingerprint(block.name, data);
    if (queued) return respondAsync(c, block, ctx, data, store, print);
    const outcome = store ? await sendStored(c, store, block, data, print, ctx) : await send(block, data, ctx);
    if (outcome.ok) {
      c.set('twilio', outcome.trace);
      // A read recipe answers as the read itself does: with the stored history.
      return success(c, await withHistoryOf(c.env, block, outcome.resource));
    }
    const error = outcome.error.hinted(outcomeHint(block, data, outcome.error));
    const { detail } = error;
    // Safe to send again (Twilio's 429, which it did not process; nothing was kept): a 503, so that the sender
    // retries.
    if (detail.retryable) throw new GatewayError(503, error.text, detail);
    // A refusal before any POST (credentials, the destination guard, another input under the event id): its own
    // 4xx. Nothing was kept: each retry meets the same refusal until the recipe or the setting is fixed.
    if (!detail.attempts && error.status < 500 && error.status !== 409) throw error;
    // Final: refused by Twilio, or in doubt (its 5xx, a timeout, an outcome lost). 200 with the error envelope,
    // so that the sender stops retrying: a retry would only be replayed, for HOOK_TTL_MS.
    c.set('failed', true);
    c.set('error', error);
    return failure(c, error, true);
  },
);

/**
 * The recipes' names, blocks and schemes (no template, no secret name), for the playground; as a dry run, for a
 * caller key (or an open Worker).
 */
hooksApi.get('/hooks', async (c) => {
  if (!(await keyOrOpen(c))) throw keyRequired();
  const { byName } = await recipesOf(c.env);
  return c.json({
    recipes: [...byName].map(([name, recipe]) => ({
      name,
      block: recipe.block.name,
      verify: recipe.verify?.scheme ?? null,
    })),
  });
});

/**
 * An asynchronous send's record: pending, done or failed. One a caller key made, only that key may read. Reads
 * have a rate-limit budget of their own, so that polling does not use up the caller's sends.
 */
hooksApi.get('/api/:service{[Tt][Ww][Ii][Ll][Ii][Oo]}/requests/:id', identifyCaller, async (c) => {
  const caller = c.get('caller');
  await limit(c, `read:${caller.kind === 'key' ? caller.id : caller.ip}`);
  const id = c.req.param('id');
  const records = (c.env as Partial<Env> | undefined)?.REQUESTS;
  const record = (
    records && /^[\da-f]{8}(-[\da-f]{4}){3}-[\da-f]{12}$/.test(id)
      ? await records.get(records.idFromName(id)).read()
      : undefined
  ) as RequestRecord | undefined;
  const mine = record?.owner === undefined || (caller.kind === 'key' && caller.id === record.owner);
  return record && mine ? c.json(view(record)) : c.notFound();
});
