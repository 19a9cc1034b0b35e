import * as v from 'valibot';
import { type Block, blocks } from '../blocks';
import { configError, GatewayError } from '../errors';
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
}

/** The decoded RECIPES and HOOKS_ASYNC. */
export interface Recipes {
  readonly byName: ReadonlyMap<string, Recipe>;
  /** HOOKS_ASYNC=true: every recipe answers 202 and sends through the queue. */
  readonly async: boolean;
}

/** Checks one decoded recipe against the blocks, the schemes and the env, and compiles its templates. */
function check(recipe: string, raw: v.InferOutput<typeof RecipeSchema>, given: object, env: Record<string, unknown>) {
  const problems: string[] = [];
  for (const key of Object.keys(given))
    if (!Object.hasOwn(RecipeSchema.entries, key)) problems.push(`${key} is unknown`);
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
    }
  }
  const eventId = raw.eventId === undefined ? undefined : template('eventId', raw.eventId);
  if (problems.length) throw invalid(problems.map((problem) => `recipe ${recipe}: ${problem}`));
  return {
    block: block as Block,
    verify: verify && { ...verify, scheme: verify.scheme as Scheme },
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
  });

const cache = new WeakMap<object, Recipes>();

/**
 * Decodes RECIPES (a JSON string, or an object) and HOOKS_ASYNC once per env. A broken recipe (an unknown key,
 * block or scheme, a field its block lacks, a secret that is not set, a template that cannot be read) is a 500
 * configuration error naming it, for every hook.
 */
export function readRecipes(env: object): Recipes {
  const cached = cache.get(env);
  if (cached) return cached;
  const vars = env as Record<string, unknown>;
  const flag = vars.HOOKS_ASYNC || 'false';
  if (flag !== 'true' && flag !== 'false') throw configError(['HOOKS_ASYNC']);
  let document = vars.RECIPES || {};
  try {
    if (typeof document === 'string') document = JSON.parse(document);
  } catch {
    throw invalid(['not JSON']);
  }
  const result = v.safeParse(v.record(name, RecipeSchema), document);
  if (!result.success) {
    throw invalid(
      result.issues.map(
        (issue) =>
          `${v.getDotPath(issue) ?? 'it'} ${issue.received === 'undefined' ? 'is missing' : `must be ${issue.expected}`}`,
      ),
    );
  }
  const given = document as Record<string, object>;
  const recipes = {
    byName: new Map(
      Object.entries(result.output).map(([recipe, raw]) => [recipe, check(recipe, raw, given[recipe] as object, vars)]),
    ),
    async: flag === 'true',
  };
  cache.set(env, recipes);
  return recipes;
}
