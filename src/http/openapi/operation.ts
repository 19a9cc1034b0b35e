import { ERRORS, type ErrorDoc } from './errors';

export type { ErrorDoc } from './errors';

import { accepted } from './examples';

/** A JSON Schema, or any other object of the document. */
export type Schema = Record<string, unknown>;

/** A reference to a schema of the document's components. */
export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
/** A reference to a parameter of the document's components. */
export const param = (name: string) => ({ $ref: `#/components/parameters/${name}` });

const header = (name: string) => ({ $ref: `#/components/headers/${name}` });
/** Headers of a status besides X-Request-Id (on every answer). */
const HEADERS: Readonly<Record<string, readonly string[]>> = {
  202: ['Location', 'Preference-Applied'],
  429: ['Retry-After'],
};
export const headersOf = (status: string, more: readonly string[] = []) =>
  Object.fromEntries(['X-Request-Id', ...(HEADERS[status] ?? []), ...more].map((name) => [name, header(name)]));

export const errorExample = (to: string) => ({ callback: 'error', contextWrites: { to } });

/** A documented string framed for another operation (`Unable to fetch record: …`), as the gateway frames it. */
const reframe = (text: string, unable: string | undefined) =>
  unable === undefined ? text : text.replace(/^(\[HTTP \d+\] Unable to) create record:/, `$1 ${unable}:`);

const errorResponses = (docs: Readonly<Record<string, ErrorDoc>>, unable?: string) =>
  Object.fromEntries(
    Object.entries(docs).map(([status, [description, example]]) => [
      status,
      {
        description,
        headers: headersOf(status),
        content: {
          'application/json': {
            schema: ref('ErrorEnvelope'),
            ...(typeof example === 'string'
              ? { example: errorExample(reframe(example, unable)) }
              : {
                  examples: Object.fromEntries(
                    Object.entries(example).map(([name, to]) => [name, { value: errorExample(reframe(to, unable)) }]),
                  ),
                }),
          },
        },
      },
    ]),
  );

/** The 202 of an asynchronous send: its record, pending, at Location. */
export const acceptedResponse = (description: string, block: string): Schema => ({
  description,
  headers: headersOf('202'),
  content: { 'application/json': { schema: ref('RequestRecord'), example: accepted(block) } },
});

/** One route of the document: what a route file's `.doc.ts` beside it says. */
export interface Route {
  readonly method: 'get' | 'post';
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly description: string;
  readonly tags: readonly string[];
  /** Path, query and header parameters, besides the Idempotency-Key of a keyed POST (but a read block's). */
  readonly parameters?: readonly Schema[];
  /** The name of the request body schema in components (JSON). */
  readonly body?: string;
  readonly bodyExample?: unknown;
  /** A request body that is not a block's: its media types. */
  readonly bodyContent?: Readonly<Record<string, Schema>>;
  readonly success: {
    readonly description: string;
    readonly schema: Schema;
    readonly examples?: Readonly<Record<string, { readonly summary: string; readonly value: unknown }>>;
    /** Its headers besides X-Request-Id, when not a keyed POST's (Idempotent-Replayed). */
    readonly headers?: readonly string[];
    /** Its media type, when not JSON (TwiML: text/xml). */
    readonly mediaType?: string;
  };
  /** Other success answers (202, 204), by status. */
  readonly answers?: Readonly<Record<string, Schema>>;
  /** Keys of ERRORS this route may answer. */
  readonly errors: readonly string[];
  /** Statuses this route answers with a meaning of its own (in place of ERRORS'). */
  readonly ownErrors?: Readonly<Record<string, ErrorDoc>>;
  /** True when a caller key is asked for (on a Worker with API_KEYS); 'optional' when the route answers without one too. */
  readonly keyed?: boolean | 'optional';
  /** How its failures are framed, when not `create record` (`fetch record`, `fetch page`…). */
  readonly unable?: string;
  /** False for a keyed POST that takes no Idempotency-Key (a read block). */
  readonly idempotent?: false;
}

/** The caller-key schemes, as alternatives: any one of them. */
const KEYED = [{ bearer: [] }, { apiKey: [] }, { basic: [] }];

/** A route's error statuses, in order: ERRORS' meanings, and its own. */
const errorDocs = (route: Route): Record<string, ErrorDoc> => {
  const docs: Record<string, ErrorDoc> = { ...route.ownErrors };
  for (const status of route.errors) docs[status] = ERRORS[status] ?? ['', ''];
  const order = (status: string) => Number(status.replace('XX', '99'));
  return Object.fromEntries(Object.entries(docs).sort(([a], [b]) => order(a) - order(b)));
};

/** A route's operation object. */
export function operation(route: Route): Schema {
  const idempotent = route.keyed === true && route.method === 'post' && route.idempotent !== false;
  const parameters = [...(idempotent ? [param('Idempotency-Key')] : []), ...(route.parameters ?? [])];
  const { success } = route;
  return {
    operationId: route.operationId,
    summary: route.summary,
    description: route.description,
    tags: route.tags,
    ...(route.keyed ? { security: route.keyed === true ? KEYED : [...KEYED, {}] } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(route.body
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: ref(route.body), example: route.bodyExample } },
          },
        }
      : {}),
    ...(route.bodyContent ? { requestBody: { required: true, content: route.bodyContent } } : {}),
    responses: {
      200: {
        description: success.description,
        headers: headersOf('200', success.headers ?? (idempotent ? ['Idempotent-Replayed'] : [])),
        content: {
          [success.mediaType ?? 'application/json']: {
            schema: success.schema,
            ...(success.examples ? { examples: success.examples } : {}),
          },
        },
      },
      ...route.answers,
      ...errorResponses(errorDocs(route), route.unable),
    },
  };
}
