/**
 * Webhook payloads as Stripe, GitHub and Shopify send them (trimmed to what the recipes read, with realistic
 * neighbours), the recipes of README's "Webhook recipes", and signers written from the schemes' documentation
 * (../shared/webhooks/VECTORS.md), independent of src/recipes/verify.ts.
 */
import { app } from '../../src/http/app';
import { HOOK_EXAMPLE } from '../../src/http/routes/hooks.example';
import { envWith } from '../helpers';

/** Stripe `invoice.payment_failed`: amounts in minor units. */
export const stripeInvoiceFailed = {
  id: 'evt_1QyFa2LkdIwHu7ixYzKt3Ab9',
  object: 'event',
  api_version: '2024-06-20',
  created: 1764486000,
  type: 'invoice.payment_failed',
  livemode: false,
  pending_webhooks: 1,
  request: { id: null, idempotency_key: null },
  data: {
    object: {
      id: 'in_1QyFZzLkdIwHu7ixKq5d2Hn1',
      object: 'invoice',
      amount_due: 4900,
      amount_paid: 0,
      attempt_count: 2,
      currency: 'usd',
      customer: 'cus_R8kLmN0pQrStUv',
      customer_email: 'ana@example.com',
      customer_name: 'Ana Silva',
      customer_phone: '+14155550123',
      hosted_invoice_url: 'https://invoice.stripe.com/i/acct_1Qy/test_YWNjdF8xUXk',
      next_payment_attempt: 1764658800,
      status: 'open',
    },
  },
};

/** GitHub `deployment` event (X-GitHub-Event: deployment). */
export const githubDeployment = {
  action: 'created',
  deployment: {
    id: 1928374650,
    sha: '7638417db6d59f3c431d3e1f261cc637155684cd',
    ref: 'main',
    task: 'deploy',
    environment: 'production',
    description: 'Deploy request from the merge queue',
    creator: { login: 'octocat', id: 583231, type: 'User' },
    created_at: '2026-11-30T09:12:44Z',
  },
  repository: {
    id: 1296269,
    name: 'Hello-World',
    full_name: 'octocat/Hello-World',
    private: false,
    owner: { login: 'octocat', id: 583231, type: 'User' },
  },
  sender: { login: 'octocat', id: 583231, type: 'User' },
};

/** Shopify `orders/create` (X-Shopify-Topic: orders/create). */
export const shopifyOrder = {
  id: 820982911946154500,
  name: '#1001',
  email: 'jon@example.com',
  currency: 'USD',
  total_price: '199.00',
  financial_status: 'paid',
  created_at: '2026-11-30T04:28:01-05:00',
  customer: { id: 115310627314723950, first_name: 'Jon', last_name: 'Snow', phone: '+14155550144' },
  shipping_address: { first_name: 'Jon', phone: '+14155550144', city: 'Ottawa', country_code: 'CA' },
  line_items: [
    {
      id: 866550311766439000,
      title: 'IPod Nano - 8GB',
      quantity: 1,
      price: '199.00',
      sku: 'IPOD2008BLACK',
      image: { src: 'https://cdn.shopify.com/s/files/1/0000/0001/products/ipod-nano.png' },
    },
  ],
};

/** The secrets of the test recipes (env secrets in the tests' Worker env). */
export const SECRETS = {
  STRIPE_WEBHOOK_SECRET: 'whsec_test_5f2c1a9b8e7d6c5b4a39281706f5e4d3',
  GH_HOOK_SECRET: "It's a Secret to Everybody",
  SHOPIFY_CLIENT_SECRET: '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',
  STANDARD_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  PLAIN_HOOK_TOKEN: 'plain-shared-token-7c1d9e2f',
  HOOK_TWILIO_TOKEN: 'twilio-auth-token-for-hooks-0123',
};

/** README's three worked examples, plus one recipe per remaining scheme and one without `verify`. */
export const RECIPES = {
  // The OpenAPI document's example (src/http/routes/hooks.example.ts), so that the documented recipe is the one tested.
  [HOOK_EXAMPLE.name]: HOOK_EXAMPLE.recipe,
  'github-deploy': {
    block: 'makeCall',
    verify: { scheme: 'github', secret: 'GH_HOOK_SECRET' },
    when: { 'header:x-github-event': 'deployment', 'deployment.environment': ['production', 'staging'] },
    fields: {
      from: '+15005550006',
      to: '+14155550100',
      twiml:
        '<Response><Say>Deploy of {{repository.name}} to {{deployment.environment}} by {{deployment.creator.login}}.</Say></Response>',
    },
  },
  'shopify-order': {
    block: 'sendMms',
    verify: { scheme: 'shopify', secret: 'SHOPIFY_CLIENT_SECRET' },
    fields: {
      from: '+15005550006',
      to: '{{shipping_address.phone}}',
      body: 'Thanks {{customer.first_name}}! Order {{name}} ({{total_price}} {{currency}}) is confirmed: {{line_items.0.title | truncate:40}}',
      mediaUrl: ['{{line_items.0.image.src}}'],
    },
  },
  standard: {
    block: 'sendSms',
    verify: { scheme: 'standard', secret: 'STANDARD_SECRET' },
    fields: { from: '+15005550006', to: '{{to}}', body: 'Event {{type}}' },
  },
  'twilio-inbound': {
    block: 'sendSms',
    verify: { scheme: 'twilio', secret: 'HOOK_TWILIO_TOKEN' },
    fields: { from: '+15005550006', to: '+14155550100', body: 'From {{From}}: {{Body | truncate:60}}' },
  },
  plain: {
    block: 'sendSms',
    verify: { scheme: 'header', secret: 'PLAIN_HOOK_TOKEN', header: 'x-hook-token' },
    fields: { from: '+15005550006', to: '{{to}}', body: '{{text}}' },
  },
  keyed: {
    block: 'sendSms',
    eventId: '{{order.id}}',
    fields: { from: '+15005550006', to: '{{order.phone}}', body: 'Order {{order.id}} shipped' },
  },
};

/** The tests' Worker env with these recipes and secrets, and any overrides. */
export const hookEnv = (overrides: Record<string, string | undefined> = {}) =>
  envWith({ RECIPES: JSON.stringify(RECIPES), ...SECRETS, ...overrides });

const encoder = new TextEncoder();
async function hmac(hash: 'SHA-256' | 'SHA-1', key: Uint8Array | string, data: string) {
  const raw = typeof key === 'string' ? encoder.encode(key) : key;
  const cryptoKey = await crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash }, false, ['sign']);
  return new Uint8Array(await crypto.subtle.sign('HMAC', cryptoKey, encoder.encode(data)));
}
const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** GitHub: `sha256=` + hex HMAC-SHA256 of the body. */
export const githubSignature = async (body: string, secret = SECRETS.GH_HOOK_SECRET) =>
  `sha256=${hex(await hmac('SHA-256', secret, body))}`;

/** Stripe: `t=<unix>,v1=<hex HMAC-SHA256 of "t.body">`. */
export const stripeSignature = async (body: string, t = nowSeconds(), secret = SECRETS.STRIPE_WEBHOOK_SECRET) =>
  `t=${t},v1=${hex(await hmac('SHA-256', secret, `${t}.${body}`))}`;

/** Shopify: base64 HMAC-SHA256 of the body. */
export const shopifySignature = async (body: string, secret = SECRETS.SHOPIFY_CLIENT_SECRET) =>
  b64(await hmac('SHA-256', secret, body));

/** Standard Webhooks: the three headers, keyed with the base64 secret after `whsec_`. */
export async function standardHeaders(body: string, id: string, t = nowSeconds(), secret = SECRETS.STANDARD_SECRET) {
  const key = Uint8Array.from(atob(secret.slice('whsec_'.length)), (c) => c.charCodeAt(0));
  const signature = b64(await hmac('SHA-256', key, `${id}.${t}.${body}`));
  return { 'webhook-id': id, 'webhook-timestamp': String(t), 'webhook-signature': `v1,${signature}` };
}

/** Twilio: base64 HMAC-SHA1 of the URL and the sorted form fields. */
export async function twilioFormSignature(
  url: string,
  form: Record<string, string>,
  token = SECRETS.HOOK_TWILIO_TOKEN,
) {
  const data = Object.keys(form)
    .sort()
    .reduce((text, name) => text + name + form[name], url);
  return b64(await hmac('SHA-1', token, data));
}

/** POSTs a raw body to a hook through the real app (no caller key unless given), with the recipes' env. */
export async function hook(
  name: string,
  body: string,
  headers: Record<string, string>,
  { query = '', env = {} }: { query?: string; env?: Record<string, string | undefined> } = {},
) {
  // RATE_LIMITER: 'STRICT' puts the deployed limit in place (STRICT_LIMITER of vitest.config.ts).
  const bindings = hookEnv(env);
  if (env.RATE_LIMITER === 'STRICT')
    bindings.RATE_LIMITER = (bindings as Env & { STRICT_LIMITER: RateLimit }).STRICT_LIMITER;
  const res = await app.request(
    `https://gateway.test/hooks/${name}${query}`,
    { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body },
    bindings,
  );
  const text = await res.text();
  let json: Record<string, any> = {};
  try {
    json = JSON.parse(text);
  } catch {
    // 204: no body.
  }
  return { status: res.status, json, text, res };
}
