import type { Widget } from '../src/blocks/kinds';

/** The part of a field's JSON Schema (from the Worker's /openapi.json) the playground reads. */
export interface FieldSchema {
  readonly type?: string | readonly string[];
  readonly enum?: readonly string[];
  readonly items?: FieldSchema;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly description?: string;
  readonly examples?: readonly unknown[];
  readonly 'x-widget'?: Widget;
}

interface ObjectSchema {
  readonly title?: string;
  readonly properties: Readonly<Record<string, FieldSchema>>;
  readonly required?: readonly string[];
  readonly allOf?: readonly { readonly anyOf?: readonly { readonly required: readonly string[] }[] }[];
}

interface Operation {
  readonly operationId: string;
  readonly summary: string;
  readonly description: string;
  readonly tags?: readonly string[];
  readonly requestBody?: {
    readonly content: {
      readonly 'application/json': { readonly schema: { readonly $ref: string }; readonly example: Body };
    };
  };
}

/** The Worker's OpenAPI document, as far as the playground reads it. */
export interface OpenApi {
  readonly servers: readonly { readonly url: string; readonly 'x-twilio-mode'?: 'live' | 'sandbox' }[];
  readonly paths: Readonly<Record<string, { readonly post?: Operation }>>;
  readonly components: { readonly schemas: Readonly<Record<string, ObjectSchema>> };
}

/** A request body: field names to values. */
export type Body = Record<string, unknown>;

/** One block as the form needs it. */
export interface BlockSpec {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly path: string;
  readonly fields: Readonly<Record<string, FieldSchema>>;
  /** The required groups: one name each, or several of which one is needed. */
  readonly groups: readonly (readonly string[])[];
  /** The smallest valid body, from the tables' examples (and the sandbox's magic numbers). */
  readonly example: Body;
}

/** Every POST operation with a JSON body (the blocks), in the document's order. */
export function blocksOf(doc: OpenApi): BlockSpec[] {
  const found: BlockSpec[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    const op = item.post;
    const json = op?.requestBody?.content['application/json'];
    if (!op?.tags?.includes('blocks') || !json) continue;
    const schema = doc.components.schemas[json.schema.$ref.replace('#/components/schemas/', '')];
    if (!schema) continue;
    const groups = [
      ...(schema.required ?? []).map((name) => [name]),
      ...(schema.allOf ?? []).map((part) => (part.anyOf ?? []).flatMap((one) => one.required)),
    ];
    found.push({
      name: op.operationId,
      title: op.summary,
      description: op.description,
      path,
      fields: schema.properties,
      groups,
      example: json.example,
    });
  }
  return found;
}
