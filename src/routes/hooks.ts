import { bodyLimit } from 'hono/body-limit';
import { Hono } from 'hono/tiny';
import type { AppEnv } from '../app-env';
import { toForm } from '../blocks/form';
import { blockParser } from '../blocks/schema';
import { errorBody, success, toGatewayError } from '../envelope';
import { badRequest, GatewayError, gatewayRefusal } from '../errors';
import { guard } from '../guard';
import { fromStored, idempotencyKey } from '../idempotency';
import { identifyCaller, keyRequired } from '../middleware/caller';
import { limit, rateLimit } from '../middleware/rate-limit';
import { type RequestRecord, respondAsync, sendOnceNamed, view } from '../queue';
import { readRecipes } from '../recipes/document';
import { lookup, matches, render, type Scope } from '../recipes/template';
import { SCHEME_HEADERS, verifySignature } from '../recipes/verify';
import { send } from '../send';
import { issueToError } from '../validate';
import { MAX_BODY_BYTES, sendContext } from './blocks';

/** Runs a middleware of the blocks API once the recipe says it applies (its typing names fewer variables). */
const apply = (middleware: (c: never, next: () => Promise<void>) => Promise<unknown>, c: unknown) =>
  middleware(c as never, async () => {});

/** Each block's parser (the routes' own validation), built on first use. */
const parsers: Record<string, ReturnType<typeof blockParser>> = {};

/** A form's fields as an object, a repeated field as a list. */
function fieldsOf(form: URLSearchParams): Record<string, string | string[]> {
  const fields: Record<string, string | string[]> = Object.create(null);
  for (const name of new Set(form.keys())) {
    const all = form.getAll(name);
    fields[name] = all.length > 1 ? all : (all[0] as string);
  }
  return fields;
}

/**
 * Webhook recipes, `POST /hooks/{name}`, and the records of asynchronous sends, `GET /api/Twilio/requests/{id}`.
 * HTTP only: the recipes (recipes/), the send (send.ts) and the queue (queue.ts) do the work.
 */
export const hooksApi = new Hono<AppEnv>();

/**
 * A recipe's hook. The body (at most 64 KB, read once: signatures cover its raw bytes) is verified with the
 * recipe's scheme, or else the caller must present a key; then its `when` is checked (any other event: 204), its
 * fields rendered and validated as a caller's input, and the send made once per event id: now (a failure is a
 * 5xx, so that the sender retries), or through the queue with HOOKS_ASYNC=true (202). `?dryRun=1` sends nothing
 * and answers what would be sent.
 */
hooksApi.post(
  '/hooks/:name',
  bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw gatewayRefusal(413, `The request body is over ${MAX_BODY_BYTES / 1024} KB`);
    },
  }),
  async (c) => {
    const { byName, async } = readRecipes(c.env ?? {});
    const name = c.req.param('name');
    const recipe = byName.get(name);
    if (!recipe) return c.notFound();
    const config = c.get('config');
    const { headers } = c.req.raw;
    const body = new Uint8Array(await c.req.arrayBuffer());
    const text = new TextDecoder().decode(body);
    const form = /^application\/x-www-form-urlencoded/i.test(headers.get('content-type') ?? '')
      ? new URLSearchParams(text)
      : undefined;
    const { verify, block } = recipe;
    if (verify) {
      const secret = String((c.env as unknown as Record<string, unknown>)[verify.secret]);
      if (!(await verifySignature(verify.scheme, secret, { headers, body, url: c.req.url, form }, verify.header))) {
        // A wrong signature counts against its IP, as a wrong key does: a shared secret cannot be guessed at speed.
        await limit(c, `ip:${headers.get('cf-connecting-ip')}`);
        throw gatewayRefusal(401, `The webhook's ${verify.scheme} signature is missing, wrong or out of date`);
      }
      // The sender, proved by its signature, is this recipe's caller.
      c.set('caller', { kind: 'key', id: `hook:${name}` });
    } else {
      // No signature: a caller key, as the blocks' stored credentials require (credentials.ts), whatever the fields.
      await apply(identifyCaller, c);
      const open = config.ALLOW_ANONYMOUS || (config.TWILIO_MODE === 'sandbox' && !config.API_KEYS);
      if (c.get('caller').kind === 'anonymous' && !open) throw keyRequired();
    }
    await apply(rateLimit, c);

    let payload: unknown = {};
    try {
      payload = form ? fieldsOf(form) : text.trim() && JSON.parse(text);
    } catch {
      throw badRequest('The body is neither JSON nor a form');
    }
    const scope: Scope = { payload, headers };
    const dryRun = /^(1|true)$/.test(c.req.query('dryRun') ?? '');
    const matched = !recipe.when || matches(recipe.when, scope);
    if (!matched && !dryRun) return c.body(null, 204);
    const missing = new Set<string>();
    const input: Record<string, string | string[]> = {};
    for (const [field, template] of Object.entries(recipe.fields)) {
      input[field] =
        'list' in template
          ? template.list.map((item) => render(item, scope, missing)).filter(Boolean)
          : render(template, scope, missing, field === 'twiml');
    }
    // The event id: the recipe's template, else the scheme's (Stripe's payload id, or its header), else an
    // Idempotency-Key. It keys the send's IdempotencyStore: a provider's retry never sends twice.
    const scheme = verify?.scheme;
    const eventHeader = scheme && SCHEME_HEADERS[scheme][1];
    const found = recipe.eventId
      ? render(recipe.eventId, scope, new Set())
      : scheme === 'stripe'
        ? lookup(scope, 'id')
        : eventHeader && headers.get(eventHeader);
    const eventId = idempotencyKey(
      typeof found === 'string' && found ? found : (headers.get('idempotency-key') ?? undefined),
    );
    const parser = parsers[block.name] ?? blockParser(block);
    parsers[block.name] = parser;
    const parsed = parser.parse(input);
    if (dryRun) {
      let refusal: GatewayError | undefined;
      try {
        if (!parsed.success) throw issueToError(block, parsed.error.issues);
        guard(block, parsed.data, config);
      } catch (err) {
        refusal = toGatewayError(err);
      }
      return c.json({
        dryRun: true,
        recipe: name,
        block: block.name,
        matched,
        eventId: eventId ?? null,
        async,
        input: input.accountToken ? { ...input, accountToken: '[redacted]' } : input,
        missing: [...missing],
        wouldSend:
          matched && parsed.success && !refusal
            ? { resource: block.resource, form: fieldsOf(toForm(block, parsed.data)) }
            : null,
        error: refusal ? errorBody(refusal) : null,
      });
    }
    if (!parsed.success) throw issueToError(block, parsed.error.issues);
    const ctx = sendContext(c);
    const store = eventId && `hook:${name}\n${eventId}`;
    const print = `recipe:${name}`;
    if (async) return respondAsync(c, block, ctx, parsed.data, store, print);
    let outcome = store ? undefined : await send(block, parsed.data, ctx);
    if (store) {
      const answer = await sendOnceNamed(c.env, store, block.name, parsed.data, print, ctx);
      if (answer.replayed) c.header('Idempotent-Replayed', 'true');
      outcome = fromStored(answer.outcome);
    }
    if (!outcome?.ok) {
      // A 5xx, so that the sender retries: its event id keeps the retry from sending twice.
      const error = (outcome as { error: GatewayError }).error;
      throw error.status >= 500 ? error : new GatewayError(502, error.text, error.detail);
    }
    c.set('twilio', outcome.trace);
    return success(c, outcome.resource);
  },
);

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
    records && /^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/.test(id)
      ? await records.get(records.idFromName(id)).read()
      : undefined
  ) as RequestRecord | undefined;
  const mine = record?.owner === undefined || (caller.kind === 'key' && caller.id === record.owner);
  return record && mine ? c.json(view(record)) : c.notFound();
});
