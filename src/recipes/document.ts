import * as v from 'valibot';
import { type Block, blocks } from '../blocks';
import { blockParser } from '../blocks/schema';
import { invalidSettings, settingHint } from '../config';
import { GatewayError } from '../errors';
import { compile, type Scalar, type Template } from './template';
import { SCHEMES, type Scheme, standardKey } from './verify';

const scalar = v.union([v.string(), v.number(), v.boolean()]);
const name = v.pipe(v.string(), v.regex(/^[\w-]{1,64}$/));

/** One recipe as written in RECIPES; what valibot cannot say (a known block, a set secret…) is checked after. */
const RecipeSchema = v.object({
  block: v.string(),
  verify: v.optional(
    v.object({
      scheme: v.string(),
      /** The name of the env secret holding the key, never the key. */
      secret: name,
      /** The header of the `header` scheme, whose value must be the secret. */
      header: v.optional(name, 'authorization'),
    }),
  ),
  when: v.optional(v.record(v.string(), v.union([scalar, v.array(scalar)]))),
  fields: v.record(v.string(), v.union([scalar, v.array(v.string())])),
  eventId: v.optional(v.string()),
});

/** A recipe, decoded and checked: its block, its templates compiled. */
export interface Recipe {
  readonly block: Block;
  readonly verify?: { readonly scheme: Scheme; readonly secret: string; readonly header: string } | undefined;
  readonly when?: Readonly<Record<string, Scalar | readonly Scalar[]>> | undefined;
  /** Caller names of the block to templates (a list field may be given a list of templates). */
  readonly fields: Readonly<Record<string, Template | { readonly list: readonly Template[] }>>;
  readonly eventId?: Template | undefined;
  /** The block's parser: the rendered input is validated as a caller's would be. */
  readonly parse: ReturnType<typeof blockParser>['parse'];
}

/** The decoded RECIPES and HOOKS_ASYNC. */
export interface Recipes {
  readonly byName: ReadonlyMap<string, Recipe>;
  /** HOOKS_ASYNC=true: every recipe answers 202 and sends through the queue. */
  readonly async: boolean;
}

/**
 * The keys of `given` that `kept` lacks: valibot's record drops `__proto__`, `constructor` and `prototype`
 * silently (a `when` condition would vanish); such a key is refused instead.
 */
const lost = (given: object | undefined, kept: object | undefined) =>
  Object.keys(given ?? {}).filter((key) => !Object.hasOwn(kept ?? {}, key));

/** Checks one decoded recipe against the blocks, the schemes and the env, and compiles its templates. */
function check(
  recipe: string,
  raw: v.InferOutput<typeof RecipeSchema>,
  given: Record<string, object>,
  env: Record<string, unknown>,
) {
  const problems: string[] = [];
  // An unknown key, and a key of `when` or `fields` that valibot's record dropped.
  for (const key of [
    ...lost(given, RecipeSchema.entries),
    ...lost(given.when, raw.when),
    ...lost(given.fields, raw.fields),
  ])
    problems.push(`${key} is not allowed`);
  const block = blocks.find((b) => b.name === raw.block);
  if (!block) problems.push(`block ${raw.block} is unknown`);
  const template = (where: string, text: string) => {
    const compiled = compile(text);
    if (typeof compiled === 'string') problems.push(`${where}: ${compiled}`);
    return compiled as Template;
  };
  const fields: Record<string, Template | { list: Template[] }> = {};
  for (const [field, value] of Object.entries(raw.fields)) {
    if (block && !Object.hasOwn(block.fields, field)) problems.push(`${block.name} has no field ${field}`);
    fields[field] = Array.isArray(value)
      ? { list: value.map((item) => template(field, item)) }
      : template(field, String(value));
  }
  const { verify } = raw;
  if (verify) {
    const secret = env[verify.secret];
    if (!(SCHEMES as readonly string[]).includes(verify.scheme)) problems.push(`scheme ${verify.scheme} is unknown`);
    else if (typeof secret !== 'string' || !secret) problems.push(`secret ${verify.secret} is not set`);
    else if (verify.scheme === 'standard') {
      try {
        standardKey(secret);
      } catch {
        problems.push(`secret ${verify.secret} is not whsec_ + base64`);
      }
    } else if (verify.scheme === 'header' && secret.length < 16) {
      // A shared secret compared as it is: short ones could be guessed, even at the rate limit's pace.
      problems.push(`secret ${verify.secret} is shorter than 16 characters`);
    }
    if ((given.verify as { header?: unknown }).header !== undefined && verify.scheme !== 'header')
      problems.push('verify.header is for the header scheme only');
  }
  // Only the payload is signed (and Standard Webhooks' own headers): an event id read from a header could be
  // replayed with fresh ones.
  if (verify && verify.scheme !== 'header' && /\{\{\s*header:/.test(raw.eventId ?? ''))
    problems.push('eventId may not read a header');
  const eventId = raw.eventId === undefined ? undefined : template('eventId', raw.eventId);
  if (problems.length) throw invalid(problems.map((problem) => `recipe ${recipe}: ${problem}`));
  return {
    block: block as Block,
    parse: blockParser(block as Block).parse,
    verify: verify as Recipe['verify'],
    when: raw.when,
    fields,
    eventId,
  };
}

/** The configuration error of RECIPES: names recipes, fields and secret names, never a value. */
const invalid = (problems: string[]) =>
  new GatewayError(500, `Gateway configuration error: invalid RECIPES: ${problems.slice(0, 5).join('; ')}`, {
    source: 'gateway',
    code: null,
    hint: settingHint('RECIPES'),
  });

/** How long an isolate keeps the document read from RECIPES_KV before reading it again. */
export const KV_CACHE_MS = 60_000;
const fromKv = new WeakMap<KVNamespace, { at: number; text: Promise<string | null> }>();

/**
 * The recipes document: the RECIPES var when it is set (RECIPES_KV is then not read); else the `recipes` key of
 * the RECIPES_KV namespace, read again at most once a minute per isolate, so that a change is live within a
 * minute, without a redeploy. Neither: no recipes.
 */
export function recipesDocument(env: object): unknown {
  const { RECIPES, RECIPES_KV: kv } = env as { RECIPES?: unknown; RECIPES_KV?: KVNamespace };
  if (RECIPES || !kv) return RECIPES;
  let read = fromKv.get(kv);
  if (!read || Date.now() - read.at >= KV_CACHE_MS) {
    read = {
      at: Date.now(),
      // A read that failed is not kept: the next request reads again.
      text: kv.get('recipes').catch((err) => {
        fromKv.delete(kv);
        throw err;
      }),
    };
    fromKv.set(kv, read);
  }
  return read.text;
}

const cache = new WeakMap<object, [document: unknown, Recipes]>();

/**
 * Decodes the recipes `document` (a JSON string, or an object; RECIPES by default) and HOOKS_ASYNC once per env
 * and document. A broken recipe (an unknown key, block or scheme, a field its block lacks, a secret that is not
 * set, a template that cannot be read) is a 500 configuration error naming it, for every hook.
 */
export function readRecipes(env: object, document: unknown = (env as Record<string, unknown>).RECIPES): Recipes {
  const cached = cache.get(env);
  if (cached && cached[0] === document) return cached[1];
  const recipes = decodeRecipes(env, document);
  cache.set(env, [document, recipes]);
  return recipes;
}

function decodeRecipes(env: object, document: unknown): Recipes {
  const vars = env as Record<string, unknown>;
  const flag = vars.HOOKS_ASYNC || 'false';
  if (flag !== 'true' && flag !== 'false') throw invalidSettings([{ name: 'HOOKS_ASYNC' }]);
  let given = document || {};
  try {
    if (typeof given === 'string') given = JSON.parse(given);
  } catch {
    throw invalid(['not JSON']);
  }
  const result = v.safeParse(v.record(name, RecipeSchema), given);
  const problems = result.success
    ? lost(given as object, result.output).map((recipe) => `recipe ${recipe}: the name is not allowed`)
    : result.issues.map(
        (issue) =>
          `${v.getDotPath(issue) ?? 'it'} ${issue.received === 'undefined' ? 'is missing' : `must be ${issue.expected}`}`,
      );
  if (!result.success || problems.length) throw invalid(problems);
  const recipes = {
    byName: new Map(
      Object.entries(result.output).map(([recipe, raw]) => [
        recipe,
        check(recipe, raw, (given as Record<string, Record<string, object>>)[recipe] ?? {}, vars),
      ]),
    ),
    async: flag === 'true',
  };
  return recipes;
}
