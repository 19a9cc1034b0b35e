import { gatewayRefusal } from '../errors';

/** Who is calling: a holder of one of API_KEYS (named by a digest prefix, never the key), or anyone. */
export type Caller =
  | { readonly kind: 'key'; readonly id: string }
  | { readonly kind: 'anonymous'; readonly ip: string };

/** The refusal for a missing or wrong key: 401, with the schemes a caller may use. */
export const keyRequired = () =>
  gatewayRefusal(401, 'A valid API key is required: Authorization: Bearer <key>, X-API-Key or Basic').hinted(
    'Send one of the keys of API_KEYS as the header Authorization: Bearer <key> (or X-API-Key: <key>); locally, npm start needs none.',
  );
