import type { Route } from '../openapi/operation';

/** The documentation of routes/docs.ts, read only by the OpenAPI builder at build time. */
export const docsRoutes: readonly Route[] = [
  {
    method: 'get',
    path: '/openapi.json',
    operationId: 'openapi',
    summary: 'This document',
    description: 'The OpenAPI 3.1 document, derived from the block tables.',
    tags: ['meta'],
    success: { description: 'The document.', schema: { type: 'object' } },
    errors: ['500'],
  },
];
