/**
 * `POST /hooks/{name}` through the real app, with the payloads Stripe, GitHub and Shopify send: each scheme
 * accepted and tampered, stale timestamps, a provider's retry deduplicated, a `when` miss, missing template
 * paths, TwiML escaping, the dry run, and a sync failure answered 5xx. Twilio is the fake of fake-twilio.ts.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createdResponse, installFakeTwilio, twilioErrorResponse } from './fake-twilio';
import { CALLER_KEY, ENV_TOKEN } from './helpers';
import {
  githubDeployment,
  githubSignature,
  hook,
  nowSeconds,
  SECRETS,
  shopifyOrder,
  shopifySignature,
  standardHeaders,
  stripeInvoiceFailed,
  stripeSignature,
  twilioFormSignature,
} from './hook-fixtures';

afterEach(() => vi.restoreAllMocks());

const fresh = (prefix: string) => `${prefix}${crypto.randomUUID().replaceAll('-', '')}`;

/** A Stripe event with its own id, and the headers Stripe sends with it (signed now, unless `t`). */
async function stripeEvent(changes: Record<string, unknown> = {}, t = nowSeconds()) {
  const body = JSON.stringify({ ...stripeInvoiceFailed, id: fresh('evt_'), ...changes });
  return { body, headers: { 'Stripe-Signature': await stripeSignature(body, t), 'User-Agent': 'Stripe/1.0' } };
}

async function githubEvent(payload: unknown = githubDeployment, event = 'deployment') {
  const body = JSON.stringify(payload);
  const headers = {
    'X-GitHub-Event': event,
    'X-GitHub-Delivery': crypto.randomUUID(),
    'X-Hub-Signature-256': await githubSignature(body),
  };
  return { body, headers };
}

async function shopifyEvent() {
  const body = JSON.stringify(shopifyOrder);
  const headers = {
    'X-Shopify-Topic': 'orders/create',
    'X-Shopify-Webhook-Id': crypto.randomUUID(),
    'X-Shopify-Hmac-Sha256': await shopifySignature(body),
  };
  return { body, headers };
}

const refusedSignature = (answer: Awaited<ReturnType<typeof hook>>, scheme: string) => {
  expect(answer.status, answer.text).toBe(401);
  expect(answer.json).toEqual({
    callback: 'error',
    contextWrites: {
      to: `[HTTP 401] Refused by the gateway: The webhook's ${scheme} signature is missing, wrong or out of date`,
    },
    error: { status: 401, code: null, moreInfo: null, retryable: false, source: 'gateway' },
  });
};

describe('stripe: a failed payment → SMS', () => {
  it('sends the rendered SMS once, with the stored credentials', async () => {
    const { seen } = installFakeTwilio();
    const { body, headers } = await stripeEvent();
    const answer = await hook('stripe-failed-payment', body, headers);
    expect(answer.status, answer.text).toBe(200);
    expect(answer.json.callback).toBe('success');
    expect(answer.json.contextWrites.to.sid).toMatch(/^SM/);
    expect(seen).toHaveLength(1);
    expect(Object.fromEntries(seen[0]!.form)).toEqual({
      To: '+14155550123',
      From: '+15005550006',
      Body: 'Hi Ana Silva, your payment of 49.00 USD failed. Update your card: https://invoice.stripe.com/i/acct_1Qy/test_YWNjdF8xUXk',
    });
    expect(seen[0]!.url).toContain('/Accounts/AC00000000000000000000000000000001/Messages.json');
  });

  it('a tampered body, a wrong secret or no signature: 401, nothing sent', async () => {
    const { seen } = installFakeTwilio();
    const { body, headers } = await stripeEvent();
    refusedSignature(await hook('stripe-failed-payment', body.replace('4900', '1'), headers), 'stripe');
    const t = nowSeconds();
    const wrong = { 'Stripe-Signature': await stripeSignature(body, t, 'whsec_not_the_one') };
    refusedSignature(await hook('stripe-failed-payment', body, wrong), 'stripe');
    refusedSignature(await hook('stripe-failed-payment', body, {}), 'stripe');
    expect(seen).toHaveLength(0);
  });

  it('a stale timestamp (over 5 minutes) or one from the future: 401', async () => {
    const { seen } = installFakeTwilio();
    const stale = await stripeEvent({}, nowSeconds() - 301);
    refusedSignature(await hook('stripe-failed-payment', stale.body, stale.headers), 'stripe');
    const future = await stripeEvent({}, nowSeconds() + 301);
    refusedSignature(await hook('stripe-failed-payment', future.body, future.headers), 'stripe');
    const recent = await stripeEvent({}, nowSeconds() - 240);
    expect((await hook('stripe-failed-payment', recent.body, recent.headers)).status).toBe(200);
    expect(seen).toHaveLength(1);
  });

  it('Stripe’s retry of the event (same id, signed again later) is replayed, never sent twice', async () => {
    const { seen } = installFakeTwilio();
    const first = await stripeEvent();
    const one = await hook('stripe-failed-payment', first.body, first.headers);
    const retry = { 'Stripe-Signature': await stripeSignature(first.body, nowSeconds() + 1) };
    const two = await hook('stripe-failed-payment', first.body, retry);
    expect(one.status).toBe(200);
    expect(two.status).toBe(200);
    expect(two.text).toBe(one.text);
    expect(one.res.headers.get('Idempotent-Replayed')).toBeNull();
    expect(two.res.headers.get('Idempotent-Replayed')).toBe('true');
    expect(seen).toHaveLength(1);
    // Another event is another send.
    const other = await stripeEvent();
    expect(
      (await hook('stripe-failed-payment', other.body, other.headers)).res.headers.get('Idempotent-Replayed'),
    ).toBeNull();
    expect(seen).toHaveLength(2);
  });

  it('a `when` miss (another event type): 204, nothing sent', async () => {
    const { seen } = installFakeTwilio();
    const { body, headers } = await stripeEvent({ type: 'invoice.paid' });
    const answer = await hook('stripe-failed-payment', body, headers);
    expect(answer.status).toBe(204);
    expect(answer.text).toBe('');
    expect(seen).toHaveLength(0);
  });

  it('a missing path renders empty: the rendered input is refused with the documented 400', async () => {
    const { seen } = installFakeTwilio();
    const data = { object: { ...stripeInvoiceFailed.data.object, customer_phone: null, customer_name: null } };
    const { body, headers } = await stripeEvent({ data });
    const answer = await hook('stripe-failed-payment', body, headers);
    expect(answer.status).toBe(400);
    expect(answer.json.contextWrites.to).toBe("[HTTP 400] Unable to create record: A 'To' phone number is required.");
    expect(answer.json.error).toMatchObject({ code: 21604, source: 'twilio' });
    expect(seen).toHaveLength(0);
  });

  it('a sync send that fails answers 5xx so that Stripe retries; the retry replays, never sends again', async () => {
    const { seen } = installFakeTwilio(() =>
      twilioErrorResponse(400, 21211, "The 'To' number +14155550123 is not a valid phone number."),
    );
    const { body, headers } = await stripeEvent();
    const answer = await hook('stripe-failed-payment', body, headers);
    expect(answer.status).toBe(502);
    expect(answer.json.contextWrites.to).toBe(
      "[HTTP 400] Unable to create record: The 'To' number +14155550123 is not a valid phone number.",
    );
    expect(answer.json.error).toMatchObject({ status: 400, code: 21211, source: 'twilio' });
    const retry = await hook('stripe-failed-payment', body, { 'Stripe-Signature': await stripeSignature(body) });
    expect(retry.status).toBe(502);
    expect(retry.res.headers.get('Idempotent-Replayed')).toBe('true');
    expect(seen).toHaveLength(1);
  });

  it('a 429 is not kept: Stripe’s retry sends', async () => {
    const { seen } = installFakeTwilio((s, attempt) =>
      attempt <= 4 ? twilioErrorResponse(429, 20429, 'Too Many Requests', { 'Retry-After': '0' }) : createdResponse(s),
    );
    const { body, headers } = await stripeEvent();
    expect((await hook('stripe-failed-payment', body, headers)).status).toBe(502);
    const retry = await hook('stripe-failed-payment', body, { 'Stripe-Signature': await stripeSignature(body) });
    expect(retry.status).toBe(200);
    expect(seen).toHaveLength(5);
  });
});

describe('github: a deployment → a call that speaks', () => {
  it('calls with the TwiML rendered, values XML-escaped', async () => {
    const { seen } = installFakeTwilio();
    const payload = {
      ...githubDeployment,
      repository: { ...githubDeployment.repository, name: 'x</Say><Dial>+19005550100</Dial><Say>' },
      deployment: { ...githubDeployment.deployment, creator: { login: 'mallory & "co"' } },
    };
    const { body, headers } = await githubEvent(payload);
    const answer = await hook('github-deploy', body, headers, { env: { ALLOWED_DESTINATIONS: '+1' } });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.json.contextWrites.to.sid).toMatch(/^CA/);
    expect(seen[0]!.form.get('Twiml')).toBe(
      '<Response><Say>Deploy of x&lt;/Say&gt;&lt;Dial&gt;+19005550100&lt;/Dial&gt;&lt;Say&gt; to production by mallory &amp; &quot;co&quot;.</Say></Response>',
    );
  });

  it('a push event, or a deployment to another environment: 204', async () => {
    const { seen } = installFakeTwilio();
    const push = await githubEvent(githubDeployment, 'push');
    expect((await hook('github-deploy', push.body, push.headers)).status).toBe(204);
    const preview = { ...githubDeployment, deployment: { ...githubDeployment.deployment, environment: 'preview' } };
    const other = await githubEvent(preview);
    expect((await hook('github-deploy', other.body, other.headers)).status).toBe(204);
    const staging = { ...githubDeployment, deployment: { ...githubDeployment.deployment, environment: 'staging' } };
    const listed = await githubEvent(staging);
    expect((await hook('github-deploy', listed.body, listed.headers)).status).toBe(200);
    expect(seen).toHaveLength(1);
  });

  it('tampered: 401; a redelivery (same X-GitHub-Delivery) is replayed', async () => {
    const { seen } = installFakeTwilio();
    const { body, headers } = await githubEvent();
    refusedSignature(await hook('github-deploy', `${body} `, headers), 'github');
    expect((await hook('github-deploy', body, headers)).status).toBe(200);
    const again = await hook('github-deploy', body, headers);
    expect(again.res.headers.get('Idempotent-Replayed')).toBe('true');
    expect(seen).toHaveLength(1);
  });
});

describe('shopify: an order → an MMS with the product image', () => {
  it('sends the MMS; tampered is 401; a retry of the webhook id is replayed', async () => {
    const { seen } = installFakeTwilio();
    const { body, headers } = await shopifyEvent();
    refusedSignature(await hook('shopify-order', body.replace('199.00', '1.00'), headers), 'shopify');
    const answer = await hook('shopify-order', body, headers);
    expect(answer.status, answer.text).toBe(200);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.form.getAll('MediaUrl')).toEqual([
      'https://cdn.shopify.com/s/files/1/0000/0001/products/ipod-nano.png',
    ]);
    expect(seen[0]!.form.get('To')).toBe('+14155550144');
    expect(seen[0]!.form.get('Body')).toBe('Thanks Jon! Order #1001 (199.00 USD) is confirmed: IPod Nano - 8GB');
    expect((await hook('shopify-order', body, headers)).res.headers.get('Idempotent-Replayed')).toBe('true');
    expect(seen).toHaveLength(1);
  });
});

describe('the other schemes', () => {
  it('standard webhooks: accepted, tampered, stale; webhook-id deduplicates', async () => {
    const { seen } = installFakeTwilio();
    const body = JSON.stringify({ type: 'user.created', to: '+14155550100' });
    const id = fresh('msg_');
    const headers = await standardHeaders(body, id);
    refusedSignature(await hook('standard', body.replace('created', 'deleted'), headers), 'standard');
    refusedSignature(await hook('standard', body, await standardHeaders(body, id, nowSeconds() - 400)), 'standard');
    expect((await hook('standard', body, headers)).status).toBe(200);
    expect((await hook('standard', body, headers)).res.headers.get('Idempotent-Replayed')).toBe('true');
    expect(seen).toHaveLength(1);
    expect(seen[0]!.form.get('Body')).toBe('Event user.created');
  });

  it('twilio: an inbound SMS (a signed form post) forwarded; tampered refused', async () => {
    const { seen } = installFakeTwilio();
    const url = 'https://gateway.test/hooks/twilio-inbound';
    const form = {
      MessageSid: 'SM0123456789abcdef0123456789abcdef',
      From: '+14155550177',
      To: '+15005550006',
      Body: 'STOP & go <now>',
    };
    const headers = {
      'Content-Type': 'application/x-www-form-urlencoded',
      'X-Twilio-Signature': await twilioFormSignature(url, form),
      'I-Twilio-Idempotency-Token': crypto.randomUUID(),
    };
    const body = new URLSearchParams(form).toString();
    refusedSignature(await hook('twilio-inbound', body.replace('STOP', 'START'), headers), 'twilio');
    const answer = await hook('twilio-inbound', body, headers);
    expect(answer.status, answer.text).toBe(200);
    expect(seen[0]!.form.get('Body')).toBe('From +14155550177: STOP & go <now>');
    expect((await hook('twilio-inbound', body, headers)).res.headers.get('Idempotent-Replayed')).toBe('true');
    expect(seen).toHaveLength(1);
  });

  it('header: the shared secret in its header, or 401', async () => {
    const { seen } = installFakeTwilio();
    const body = JSON.stringify({ to: '+14155550100', text: 'Backup done' });
    refusedSignature(await hook('plain', body, { 'x-hook-token': 'guess' }), 'header');
    refusedSignature(await hook('plain', body, {}), 'header');
    expect((await hook('plain', body, { 'x-hook-token': SECRETS.PLAIN_HOOK_TOKEN })).status).toBe(200);
    expect(seen).toHaveLength(1);
  });
});

describe('rate limits', () => {
  it('wrong signatures count against their IP (the deployed limit): a shared secret cannot be guessed at speed', async () => {
    const { seen } = installFakeTwilio();
    const ip = `203.0.113.${Math.floor(Math.random() * 250)}`;
    const strict = { RATE_LIMITER: 'STRICT' };
    const body = JSON.stringify({ to: '+14155550100', text: 'x' });
    const statuses: number[] = [];
    for (let i = 0; i < 101; i++) {
      const guess = await hook(
        'plain',
        body,
        { 'x-hook-token': `guess-${i}`, 'cf-connecting-ip': ip },
        { env: strict },
      );
      statuses.push(guess.status);
    }
    expect(statuses.slice(0, 100).every((status) => status === 401)).toBe(true);
    expect(statuses[100]).toBe(429);
    expect(seen).toHaveLength(0);
  });
});

describe('a recipe without verify', () => {
  const order = () => JSON.stringify({ order: { id: fresh('ord_'), phone: '+14155550100' } });

  it('needs a caller key: none or a wrong one is 401, nothing sent', async () => {
    const { seen } = installFakeTwilio();
    const answer = await hook('keyed', order(), {});
    expect(answer.status).toBe(401);
    expect(answer.json.contextWrites.to).toMatch(/^\[HTTP 401\] Refused by the gateway: A valid API key is required/);
    expect((await hook('keyed', order(), { 'X-API-Key': 'not-the-key-0123456789' })).status).toBe(401);
    // No API_KEYS at all, live mode: still no way in without a signature.
    expect((await hook('keyed', order(), {}, { env: { API_KEYS: undefined } })).status).toBe(401);
    expect(seen).toHaveLength(0);
  });

  it('with the key it sends, once per event id of its template', async () => {
    const { seen } = installFakeTwilio();
    const body = order();
    const one = await hook('keyed', body, { 'X-API-Key': CALLER_KEY });
    const two = await hook('keyed', body, { Authorization: `Bearer ${CALLER_KEY}` });
    expect(one.status, one.text).toBe(200);
    expect(two.res.headers.get('Idempotent-Replayed')).toBe('true');
    expect(seen).toHaveLength(1);
  });
});

describe('dry run', () => {
  it('answers the rendered input, the missing paths and the form that would be sent; sends nothing', async () => {
    const { seen } = installFakeTwilio();
    const data = { object: { ...stripeInvoiceFailed.data.object, customer_name: undefined, hosted_invoice_url: null } };
    const { body, headers } = await stripeEvent({ data });
    const answer = await hook('stripe-failed-payment', body, headers, { query: '?dryRun=1' });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.json).toEqual({
      dryRun: true,
      recipe: 'stripe-failed-payment',
      block: 'sendSms',
      matched: true,
      eventId: JSON.parse(body).id,
      async: false,
      input: {
        from: '+15005550006',
        to: '+14155550123',
        body: 'Hi there, your payment of 49.00 USD failed. Update your card: ',
      },
      missing: ['data.object.hosted_invoice_url'],
      wouldSend: {
        resource: 'Messages',
        form: {
          To: '+14155550123',
          From: '+15005550006',
          Body: 'Hi there, your payment of 49.00 USD failed. Update your card: ',
        },
      },
      error: null,
    });
    expect(seen).toHaveLength(0);
    // The dry run kept nothing: the real delivery sends.
    expect((await hook('stripe-failed-payment', body, headers)).res.headers.get('Idempotent-Replayed')).toBeNull();
    expect(seen).toHaveLength(1);
  });

  it('needs a valid signature too', async () => {
    const { body, headers } = await stripeEvent();
    refusedSignature(await hook('stripe-failed-payment', `${body} `, headers, { query: '?dryRun=1' }), 'stripe');
  });

  it('reports a `when` miss, an input that would be refused, and the destination guard', async () => {
    const { seen } = installFakeTwilio();
    const miss = await stripeEvent({ type: 'invoice.paid', data: { object: {} } });
    const report = await hook('stripe-failed-payment', miss.body, miss.headers, { query: '?dryRun=true' });
    expect(report.json).toMatchObject({ matched: false, wouldSend: null });
    expect(report.json.missing).toContain('data.object.customer_phone');
    expect(report.json.error).toMatchObject({
      contextWrites: { to: "[HTTP 400] Unable to create record: A 'To' phone number is required." },
    });
    const abroad = await stripeEvent({
      data: { object: { ...stripeInvoiceFailed.data.object, customer_phone: '+4930123456' } },
    });
    const guarded = await hook('stripe-failed-payment', abroad.body, abroad.headers, {
      query: '?dryRun=1',
      env: { ALLOWED_DESTINATIONS: '+1' },
    });
    expect(guarded.json.wouldSend).toBeNull();
    expect(guarded.json.error.contextWrites.to).toBe(
      "[HTTP 403] Refused by the gateway: The 'To' number is not among the allowed destinations",
    );
    expect(seen).toHaveLength(0);
  });

  it('never echoes a secret: an account token the recipe renders is masked', async () => {
    const recipes = JSON.stringify({
      own: {
        block: 'sendSms',
        fields: {
          accountSid: 'AC0123456789abcdef0123456789abcdef',
          accountToken: '{{header:x-account-token}}',
          from: '+15005550006',
          to: '+14155550100',
          body: 'hi',
        },
      },
    });
    const answer = await hook(
      'own',
      '{}',
      { 'X-API-Key': CALLER_KEY, 'x-account-token': 'tok-s3cr3t-value' },
      {
        query: '?dryRun=1',
        env: { RECIPES: recipes },
      },
    );
    expect(answer.status).toBe(200);
    expect(answer.json.input.accountToken).toBe('[redacted]');
    expect(answer.json.wouldSend.form).not.toHaveProperty('AccountToken');
    for (const secret of ['tok-s3cr3t-value', ENV_TOKEN, ...Object.values(SECRETS)])
      expect(answer.text).not.toContain(secret);
  });
});

describe('bounds and names', () => {
  it('a body over 64 KB is 413 before any signature work; an unknown recipe is the documented 404', async () => {
    const { seen } = installFakeTwilio();
    const big = JSON.stringify({ pad: 'x'.repeat(64 * 1024) });
    const answer = await hook('stripe-failed-payment', big, { 'Stripe-Signature': await stripeSignature(big) });
    expect(answer.status).toBe(413);
    expect(answer.json.contextWrites.to).toBe('[HTTP 413] Refused by the gateway: The request body is over 64 KB');
    const none = await hook('nope', '{}', {});
    expect(none.status).toBe(404);
    expect(none.json.contextWrites.to).toBe('[HTTP 404] Unable to create record: No route for POST /hooks/nope');
    expect(seen).toHaveLength(0);
  });

  it('a signed body that is not JSON is a 400', async () => {
    const body = 'not json';
    const answer = await hook('stripe-failed-payment', body, { 'Stripe-Signature': await stripeSignature(body) });
    expect(answer.status).toBe(400);
    expect(answer.json.contextWrites.to).toBe(
      '[HTTP 400] Unable to create record: The body is neither JSON nor a form',
    );
  });
});
