import { blockRoutes } from '../routes/blocks.doc';
import { docsRoutes } from '../routes/docs.doc';
import { hookRoutes } from '../routes/hooks.doc';
import { inboundRoutes } from '../routes/inbound.doc';
import { sandboxRoutes } from '../routes/sandbox.doc';
import { statusRoutes } from '../routes/status.doc';
import { operation, type Route, type Schema } from './operation';
import { componentSchemas } from './schemas';

/**
 * The OpenAPI 3.1 document of the Worker (`GET /openapi.json`), assembled from the documentation beside each
 * route (`routes/*.doc.ts`) and the schemas derived from the block tables and the answers' definitions
 * (schemas.ts). A new route documents itself in its route file's `.doc.ts`, listed here.
 */
const routes: readonly Route[] = [
  ...blockRoutes,
  ...docsRoutes,
  ...hookRoutes,
  ...statusRoutes,
  ...inboundRoutes,
  ...sandboxRoutes,
];

/**
 * The document, without `servers`: the Worker adds itself (its origin and Twilio mode) when it serves it.
 * Built with the page's assets (scripts/build-page.mjs writes public/openapi.json), not in the Worker, whose
 * bundle would carry the builder and its schema converters.
 */
export function openApiDocument(): Schema {
  const paths: Record<string, Record<string, Schema>> = {};
  for (const route of routes) paths[route.path] = { ...paths[route.path], [route.method]: operation(route) };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Twilio edge gateway',
      version: '1.0.0',
      summary: 'Make voice calls, send SMS and send MMS through Twilio with one JSON call.',
      description:
        "`Twilio` in the path is matched case-insensitively. Every answer carries an X-Request-Id header. A caller key is needed on a Worker with API_KEYS to spend its stored Twilio credentials; a request that brings its own accountSid and accountToken needs none (unless REQUIRE_API_KEY=always), nor does the local sandbox without API_KEYS. A webhook recipe verifies its sender's signature instead, or asks for a caller key. GET /api/Twilio and this document are public.",
    },
    tags: [
      { name: 'blocks', description: 'One POST per block: make a call, send an SMS, send an MMS.' },
      { name: 'hooks', description: 'Webhook recipes: a SaaS webhook in, one call or message out, exactly once.' },
      { name: 'async', description: 'The records of asynchronous sends (Prefer: respond-async, HOOKS_ASYNC=true).' },
      { name: 'status', description: "Twilio's status callbacks: verified, recorded in order, forwarded signed." },
      {
        name: 'inbound',
        description: "Twilio's webhooks of the owner's numbers: keywords, opt-outs, replies, forwards.",
      },
      { name: 'meta', description: 'What the Worker offers.' },
    ],
    paths,
    components: {
      schemas: {
        ...componentSchemas(),
      },
      parameters: {
        'Idempotency-Key': {
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          description:
            'Makes the send exactly-once per caller: repeats within 24 h get the same status and body, with Idempotent-Replayed: true. Blocks that change something only: a read (get…, list…) is idempotent by itself and takes none.',
          schema: { type: 'string', minLength: 1, maxLength: 255 },
        },
        Prefer: {
          name: 'Prefer',
          in: 'header',
          required: false,
          description:
            "respond-async: answer 202 at once with the request's record (Location: where to read it) and send through the queue, which retries only a 429. Needs the SENDS queue and the REQUESTS Durable Object (else 501). Blocks that change something only: a read declines it and answers now (RFC 7240), without Preference-Applied.",
          schema: { type: 'string', examples: ['respond-async'] },
        },
      },
      headers: {
        'X-Request-Id': {
          description: "The request's id (the caller's own, if well-formed), named in the log line too.",
          schema: { type: 'string' },
        },
        'Idempotent-Replayed': {
          description: 'true when this is the stored answer to an earlier request with the same Idempotency-Key.',
          schema: { const: 'true' },
        },
        'Retry-After': { description: 'Seconds to wait before trying again.', schema: { type: 'string' } },
        Location: {
          description: "Where the request's record is read: GET /api/Twilio/requests/{id}.",
          schema: { type: 'string', pattern: '^/api/Twilio/requests/[0-9a-f-]{36}$' },
        },
        'Preference-Applied': {
          description: 'respond-async: the send goes through the queue.',
          schema: { const: 'respond-async' },
        },
      },
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'A caller key: Authorization: Bearer <key>.' },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'A caller key: X-API-Key: <key>.' },
        basic: {
          type: 'http',
          scheme: 'basic',
          description: "The block doc's project credentials: projectName:projectKey, the key being the password.",
        },
      },
    },
  };
}
