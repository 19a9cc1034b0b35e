/**
 * The largest request body read, by the gateway (routes/blocks.ts, routes/hooks.ts) and by its Twilio emulator
 * (sandbox/app.ts): anything bigger is a 413 before parsing, with a Content-Length or without.
 */
export const MAX_BODY_BYTES = 64 * 1024;
