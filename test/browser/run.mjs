// The playground in a real browser (Debian's Chromium, driven by playwright-core), against the Worker as
// `npm start` runs it: wrangler dev, sandbox mode, on a free port, so the static-asset routing is real too.
// It sends an SMS from the page, sees the documented error for a bad From, runs the exported curl snippet with
// the real curl and gets the same answer, dry-runs the webhook recipes given with --var RECIPES, checks that no
// request left the Worker's origin, and saves
// screenshots at desktop and phone width under test-results/. Its sandbox inbox replies STOP as the recipient, and
// the next send is refused. Run by `npm test` after vitest.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { root, startWorker } from '../../scripts/npm-start.mjs';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const SCREENSHOTS = join(root, 'test-results');
const OPTED_OUT = '[HTTP 400] Unable to create record: Attempt to send to unsubscribed recipient';
const INVALID_FROM =
  "[HTTP 400] Unable to create record: The 'From' number +15005550001 is not a valid phone number, shortcode, or alphanumeric sender ID.";

/**
 * The recipes the Worker runs with (README "Webhook recipes"): one signed by GitHub, one for a caller key. Passed
 * as `--var RECIPES:…` (and the GitHub secret it names), as a user would try them locally.
 */
const RECIPES = {
  'deploy-call': {
    block: 'makeCall',
    verify: { scheme: 'github', secret: 'GH_HOOK_SECRET' },
    fields: {
      from: '+15005550006',
      to: '+14155550100',
      twiml: '<Response><Say>Deploy of {{repository.name}} to {{deployment.environment}}</Say></Response>',
    },
  },
  'order-sms': {
    block: 'sendSms',
    eventId: '{{order.id}}',
    fields: { from: '+15005550006', to: '{{order.phone}}', body: 'Order {{order.id}} shipped' },
  },
};
const RECIPE_VARS = ` --var 'RECIPES:${JSON.stringify(RECIPES)}' --var GH_HOOK_SECRET:browser-test-hook-secret`;

/**
 * The recipes panel: GET /hooks lists the recipes; a dry run with a sample payload shows the rendered input and
 * the paths that rendered empty, and sends nothing. A signed recipe dry-runs with the caller key (or, on a local
 * sandbox without API_KEYS, with none) in place of its signature.
 */
async function dryRuns(page) {
  await page.locator('#recipe option').first().waitFor({ state: 'attached', timeout: 15_000 });
  assert.deepEqual(await page.locator('#recipe option').allTextContents(), [
    'deploy-call: makeCall, signed (github)',
    'order-sms: sendSms, caller key',
  ]);
  await page.selectOption('#recipe', 'order-sms');
  await page.fill('#recipe-payload', JSON.stringify({ order: { id: 'A-1001', phone: '+14155550100' } }));
  await page.click('#dry-run');
  await page.locator('#dry-run-missing').filter({ hasText: 'Missing paths: none' }).waitFor({ timeout: 15_000 });
  assert.equal(await page.locator('#dry-run-verdict').textContent(), 'Would send');
  assert.deepEqual(JSON.parse(await page.locator('#dry-run-input').textContent()), {
    from: '+15005550006',
    to: '+14155550100',
    body: 'Order A-1001 shipped',
  });
  await page.selectOption('#recipe', 'deploy-call');
  await page.fill('#recipe-payload', JSON.stringify({ repository: { name: 'web' } }));
  await page.click('#dry-run');
  await page
    .locator('#dry-run-missing')
    .filter({ hasText: 'Missing paths: deployment.environment' })
    .waitFor({ timeout: 15_000 });
  assert.equal(
    JSON.parse(await page.locator('#dry-run-input').textContent()).twiml,
    '<Response><Say>Deploy of web to </Say></Response>',
  );
}

const started = Date.now();
const step = (text) => console.log(`  ✓ ${text}`);

/** Debian's Chromium: installed with apt-get when missing and we are root; otherwise a clear failure. */
function ensureChromium() {
  if (existsSync(CHROMIUM)) return;
  if (process.getuid?.() !== 0) {
    throw new Error(
      `The browser test needs Chromium at ${CHROMIUM}. Install it (Debian/Ubuntu: sudo apt-get install -y chromium) and run npm test again.`,
    );
  }
  console.log('Chromium is missing: installing it with apt-get (root)…');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env });
  if (!existsSync(CHROMIUM)) throw new Error(`apt-get ran, but there is no ${CHROMIUM}`);
}

/** Runs a shell snippet as a user would paste it, with the real curl; curl's config adds only -s and the status. */
function runSnippet(snippet, home) {
  const out = execFileSync('sh', ['-c', snippet], { env: { ...process.env, CURL_HOME: home }, encoding: 'utf8' });
  const cut = out.lastIndexOf('\n');
  return { status: Number(out.slice(cut + 1)), json: JSON.parse(out.slice(0, cut)) };
}

/** The page's answer: the HTTP status shown and the envelope shown. */
async function shownAnswer(page, status) {
  await page
    .locator('#http-status')
    .filter({ hasText: `HTTP ${status}` })
    .waitFor({ timeout: 15_000 });
  assert.match(await page.locator('#elapsed').textContent(), /^\d+ ms$/);
  return JSON.parse(await page.locator('#envelope').textContent());
}

/** The reply form's answer: its HTTP status shown, and the line after it. */
async function shownReply(page, status) {
  await page
    .locator('#reply-http-status')
    .filter({ hasText: `HTTP ${status}` })
    .waitFor({ timeout: 15_000 });
  return page.locator('#reply-status').textContent();
}

/**
 * The sandbox inbox replies as the recipient: to a person the page just texted (a number of its own, so the
 * other steps' sends stay allowed), STOP makes the next send a 21610 refusal that the emulator never sees; START
 * lets sends through again.
 */
async function replyAsTheRecipient(page, origin) {
  const them = '+14155550142';
  await page.selectOption('#block', 'sendSms');
  await page.fill('#f-from', '+15005550006');
  await page.fill('#f-to', them);
  await page.click('#send');
  assert.equal((await shownAnswer(page, 200)).callback, 'success');
  // The form follows the message just sent: the person replies to the number that texted them.
  assert.equal(await page.inputValue('#reply-from'), them);
  assert.equal(await page.inputValue('#reply-to'), '+15005550006');
  assert.equal(await page.inputValue('#reply-body'), 'STOP');
  const before = await page.locator('#inbox-list > li').count();
  await page.click('#reply');
  assert.match(await shownReply(page, 200), /Your webhook answered HTTP 200: <\?xml[\s\S]*<Response><\/Response>/);
  assert.match(
    (await page.locator('#inbox-list > li').allInnerTexts())[0],
    /HTTP 200 reply from \+14155550142 to \+15005550006: “STOP”/,
  );
  step('Reply as the recipient: STOP goes to /twilio/messages, signed by the emulator, and the webhook answers TwiML');

  await page.click('#send');
  const stopped = await shownAnswer(page, 400);
  assert.deepEqual(stopped, {
    callback: 'error',
    contextWrites: { to: OPTED_OUT },
    error: {
      status: 400,
      code: 21610,
      moreInfo: 'https://www.twilio.com/docs/errors/21610',
      hint: "This person opted out of this sender: they replied STOP, were added with addOptOut, or Twilio refused them with 21610. They opt back in by replying START; if they asked to be contacted again, removeOptOut clears the gateway's list (Twilio's own clears only with their START).",
      retryable: false,
      source: 'gateway',
    },
  });
  assert.ok((await page.locator('#inbox-list > li').allInnerTexts())[0].includes(OPTED_OUT));
  // Nothing was sent: the emulator holds no message to them but the first.
  const listed = await fetch(`${origin}/api/Twilio/messages?to=${encodeURIComponent(them)}`);
  const held = (await listed.json()).contextWrites.to.messages;
  assert.equal(held.length, 1, JSON.stringify(held));
  step('the next send to them is refused with 21610 (source: gateway), and the emulator holds no second message');

  await page.fill('#reply-body', 'START');
  await page.click('#reply');
  await shownReply(page, 200);
  await page.click('#send');
  assert.equal((await shownAnswer(page, 200)).callback, 'success');
  assert.equal(await page.locator('#inbox-list > li').count(), before + 4);
  step('START lets sends to them through again; the inbox lists the replies among the calls');
}

/** Routing through the asset router, as deployed: the page is an asset, the Worker's routes stay the Worker's. */
async function checkRouting(origin) {
  const page = await fetch(`${origin}/`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
  assert.match(page.headers.get('content-security-policy') ?? '', /connect-src 'self'/);
  assert.match(await page.text(), /<script type="module" src="\/app\.js">/);
  const script = await fetch(`${origin}/app.js`);
  assert.equal(script.status, 200, 'public/app.js is built (wrangler [build]) and served');
  const doc = await fetch(`${origin}/openapi.json`);
  assert.equal(doc.status, 200);
  assert.ok(doc.headers.get('x-request-id'), '/openapi.json is answered by the Worker');
  const json = await doc.json();
  assert.equal(json.servers[0].url, origin);
  assert.equal(json.servers[0]['x-twilio-mode'], 'sandbox');
  const descriptor = await fetch(`${origin}/api/Twilio`);
  assert.equal((await descriptor.json()).package, 'Twilio');
  const missing = await fetch(`${origin}/no-such-page`);
  assert.equal(missing.status, 404);
  assert.equal(
    (await missing.json()).callback,
    'error',
    'a path with no asset reaches the Worker and its 404 envelope',
  );
  step('GET / and /app.js are assets (with the CSP); /openapi.json, /api/Twilio and unknown paths reach the Worker');
}

/**
 * The Worker with caller keys (as deployed): the page's API key field spends the stored credentials, a send
 * without it is the documented 401, and the exported snippet carries the key.
 */
async function withCallerKeys(curlHome) {
  const KEY = 'browser-test-caller-key-0123456789';
  const worker = await startWorker(` --var API_KEYS:${KEY}${RECIPE_VARS}`);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
  try {
    const page = await browser.newPage();
    await page.goto(`${worker.origin}/`);
    await page.locator('body[data-ready="true"]').waitFor({ timeout: 15_000 });
    assert.equal(await page.locator('#recipes-hint').textContent(), 'Enter the API key above to list the recipes.');
    await page.selectOption('#block', 'sendSms');
    await page.click('#send');
    const refused = await shownAnswer(page, 401);
    assert.match(refused.contextWrites.to, /^\[HTTP 401\] Refused by the gateway: A valid API key is required/);
    // The inbox's reply spends the stored credentials too: HELP, so that the person stays opted in.
    await page.fill('#reply-body', 'HELP');
    await page.click('#reply');
    assert.match(await shownReply(page, 401), /A valid API key is required/);
    await page.fill('#api-key', KEY);
    await page.click('#reply');
    await shownReply(page, 200);
    await page.click('#send');
    assert.equal((await shownAnswer(page, 200)).callback, 'success');
    await page.selectOption('#language', { label: 'Shell: curl' });
    const curl = await page.locator('#snippet').textContent();
    assert.ok(curl.includes(`Bearer ${KEY}`), curl);
    assert.equal(runSnippet(curl, curlHome).status, 200);
    step('with API_KEYS set: no key is a 401 (a send, a reply); the key field sends; the curl snippet has it');
    // The API key field lost focus on Send: the recipes are listed for it, and dry-run with it.
    await dryRuns(page);
    step('with API_KEYS set: the recipes are listed and dry-run (a signed one too) with the API key field');
  } catch (error) {
    console.error(`\nWorker log:\n${worker.log()}`);
    throw error;
  } finally {
    await browser.close();
    worker.stop();
  }
}

/** Whether the element is wholly inside the viewport as the page is scrolled now. */
const onScreen = (locator) =>
  locator.evaluate((e) => {
    const box = e.getBoundingClientRect();
    return box.top >= 0 && box.bottom <= window.innerHeight;
  });

/**
 * At phone width (390 x 844), freshly opened: Send is on the first screen without scrolling (it stays at the
 * bottom while the form is on screen), and after Send the answer is brought into view.
 */
async function onAPhone(browser, origin) {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  try {
    await page.goto(`${origin}/`);
    await page.locator('body[data-ready="true"]').waitFor({ timeout: 15_000 });
    assert.equal(await page.inputValue('#block'), 'sendSms');
    assert.equal(await page.evaluate(() => window.scrollY), 0);
    assert.ok(await onScreen(page.locator('#send')), 'Send is on the first screen of a phone');
    await page.click('#send');
    assert.equal((await shownAnswer(page, 200)).callback, 'success');
    assert.ok(await onScreen(page.locator('#status')), 'the answer is brought into view after Send');
    await page.screenshot({ path: join(SCREENSHOTS, 'playground-phone-answer.png') });
    step('on a phone (390 x 844): Send is on the first screen, and the answer scrolls into view after Send');
  } finally {
    await page.close();
  }
}

async function main() {
  ensureChromium();
  const worker = await startWorker(RECIPE_VARS);
  const curlHome = mkdtempSync(join(tmpdir(), 'curlrc-'));
  writeFileSync(join(curlHome, '.curlrc'), 'silent\nshow-error\nwrite-out = "\\n%{http_code}"\n');
  let browser;
  try {
    const { origin } = worker;
    step(`the Worker runs as npm start runs it, on ${origin} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    await checkRouting(origin);

    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
    const page = await context.newPage();
    const hosts = new Set();
    const problems = [];
    page.on('request', (request) => hosts.add(new URL(request.url()).host));
    page.on('console', (message) => {
      // The 400 asked for below is logged by Chromium as a failed load; anything else is a problem.
      if (message.type() === 'error' && !/status of 400 \(Bad Request\)/.test(message.text())) {
        problems.push(message.text());
      }
    });
    page.on('pageerror', (error) => problems.push(String(error)));

    await page.goto(`${origin}/`);
    await page.locator('body[data-ready="true"]').waitFor({ timeout: 15_000 });
    assert.match(await page.locator('#mode').textContent(), /^Sandbox mode/);
    // Every block of the table, in its order: the Worker's descriptor lists them from the same table.
    const described = (await (await fetch(`${origin}/api/Twilio`)).json()).blocks.map((b) => b.name);
    assert.deepEqual(
      await page.locator('#block option').evaluateAll((options) => options.map((o) => o.value)),
      described,
    );
    assert.deepEqual(described.slice(0, 3), ['makeCall', 'sendSms', 'sendMms']);
    assert.equal(await page.inputValue('#block'), 'sendSms', "the page opens on the README's first example");
    step('the page loads its blocks from /openapi.json, says it is in sandbox mode and opens on sendSms');

    // Every control has a label; the focused control shows its outline.
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll('input, select, textarea')].filter((e) => !e.labels?.length).map((e) => e.id),
    );
    assert.deepEqual(unlabelled, []);
    await page.keyboard.press('Tab');
    assert.notEqual(await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle), 'none');

    for (const block of ['makeCall', 'sendMms']) {
      await page.selectOption('#block', block);
      await page.click('#send');
      assert.equal((await shownAnswer(page, 200)).callback, 'success', block);
    }
    step('makeCall and sendMms succeed at the first click, with the defaults as they are');

    await page.selectOption('#block', 'sendSms');
    assert.equal(await page.inputValue('#f-from'), '+15005550006');
    assert.equal(await page.inputValue('#f-to'), '+14155550100');
    assert.equal(await page.inputValue('#f-body'), 'Hello from the gateway');
    assert.equal(await page.getAttribute('#f-sendAt', 'type'), 'datetime-local');
    assert.equal(await page.getAttribute('#f-provideFeedback', 'type'), 'checkbox');
    assert.equal(await page.locator('#f-addressRetention').evaluate((e) => e.tagName), 'SELECT');
    assert.equal(await page.locator('#f-mediaUrl').evaluate((e) => e.tagName), 'TEXTAREA');
    assert.equal(await page.getAttribute('#f-validityPeriod', 'type'), 'number');
    step("sendSms's form follows the kinds' widgets, prefilled with the sandbox's numbers and the tables' examples");

    await page.fill('#f-body', 'Hello from the browser test');
    await page.press('#f-body', 'Enter'); // keyboard only: Enter submits the form
    const sent = await shownAnswer(page, 200);
    assert.equal(sent.callback, 'success');
    assert.match(sent.contextWrites.to.sid, /^SM[0-9a-f]{32}$/);
    assert.equal(sent.contextWrites.to.body, 'Hello from the browser test');
    assert.equal(sent.contextWrites.to.status, 'queued');
    step(`Send: HTTP 200, the success envelope (${sent.contextWrites.to.sid}) and the time taken`);

    // The same call as curl, copied with the Copy button and run with the real curl.
    const success = await page.locator('#snippet').textContent();
    assert.match(success, /^curl http:\/\/127\.0\.0\.1:\d+\/api\/Twilio\/sendSms/);
    const again = runSnippet(success, curlHome);
    assert.equal(again.status, 200);
    assert.equal(again.json.callback, 'success');
    const volatile = new Set(['sid', 'uri', 'subresourceUris', 'dateCreated', 'dateUpdated']);
    const stable = (resource) => Object.fromEntries(Object.entries(resource).filter(([key]) => !volatile.has(key)));
    assert.deepEqual(stable(again.json.contextWrites.to), stable(sent.contextWrites.to));
    step('the exported curl snippet, run by curl, answers the same (a new sid and dates aside)');

    await page.fill('#f-from', '+15005550001');
    await page.click('#send');
    const refused = await shownAnswer(page, 400);
    assert.deepEqual(refused, {
      callback: 'error',
      contextWrites: { to: INVALID_FROM },
      error: {
        status: 400,
        code: 21212,
        moreInfo: 'https://www.twilio.com/docs/errors/21212',
        retryable: false,
        source: 'twilio',
      },
    });
    step('from +15005550001: HTTP 400 and the documented error');

    await page.selectOption('#language', { label: 'Shell: curl' });
    const curl = await page.locator('#snippet').textContent();
    await page.click('#copy');
    await page.locator('#copied').filter({ hasText: 'Copied.' }).waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), curl);
    const replay = runSnippet(curl, curlHome);
    assert.equal(replay.status, 400);
    assert.deepEqual(replay.json, refused);
    step('Copy puts the curl snippet on the clipboard; run by curl, it gets exactly the same 400 answer');

    const languages = await page.locator('#language option').allInnerTexts();
    assert.ok(languages.length >= 10, `only ${languages.length} languages`);
    for (const label of languages) {
      await page.selectOption('#language', { label });
      const code = await page.locator('#snippet').textContent();
      assert.ok(code.includes('/api/Twilio/sendSms') && code.includes('+15005550001'), `${label}: ${code}`);
    }
    step(`snippets in ${languages.length} languages: ${languages.join(', ')}`);

    const inbox = await page.locator('#inbox-list > li').allInnerTexts();
    assert.equal(inbox.length, 4);
    assert.match(inbox[0], /HTTP 400 sendSms/);
    assert.ok(inbox[0].includes(INVALID_FROM));
    assert.match(inbox[1], /HTTP 200 sendSms[\s\S]*SM[0-9a-f]{32} queued/);
    assert.match(inbox[2], /HTTP 200 sendMms[\s\S]*MM[0-9a-f]{32} queued/);
    assert.match(inbox[3], /HTTP 200 makeCall[\s\S]*CA[0-9a-f]{32} queued/);
    step('the sandbox inbox lists the four calls, newest first, with status and answer');

    await dryRuns(page);
    assert.equal(await page.locator('#inbox-list > li').count(), 4, 'a dry run sends nothing');
    step('the recipes (--var RECIPES) are listed, and a dry run shows the rendered input and the missing paths');

    await page.selectOption('#block', 'getMessage');
    await page.fill('#f-sid', sent.contextWrites.to.sid);
    await page.click('#send');
    const read = await shownAnswer(page, 200);
    assert.equal(read.contextWrites.to.sid, sent.contextWrites.to.sid);
    assert.equal(read.contextWrites.to.body, 'Hello from the browser test');
    await page.selectOption('#block', 'listMessages');
    await page.click('#send');
    const listed = await shownAnswer(page, 200);
    assert.ok(listed.contextWrites.to.messages.some((m) => m.sid === sent.contextWrites.to.sid));
    const reads = await page.locator('#inbox-list > li').allInnerTexts();
    assert.match(
      reads[1],
      new RegExp(`HTTP 200 getMessage ${sent.contextWrites.to.sid}[\\s\\S]*${sent.contextWrites.to.sid} \\w+`),
    );
    assert.match(reads[0], /HTTP 200 listMessages to any[\s\S]*\d+ messages on page 0/);
    step('getMessage reads the message sent by its sid (the form asks for sid), and listMessages lists it');

    await replyAsTheRecipient(page, origin);

    await page.click('#document summary');
    await page.locator('#document-text').filter({ hasText: '"openapi": "3.1.0"' }).waitFor({ timeout: 5_000 });
    step('the OpenAPI document is shown on the page');

    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, 'playground-desktop.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than a phone`);
    await page.screenshot({ path: join(SCREENSHOTS, 'playground-phone.png'), fullPage: true });
    step('no horizontal scroll at 390 px; screenshots in test-results/ (desktop, phone)');

    await onAPhone(browser, origin);

    assert.deepEqual([...hosts], [new URL(origin).host], 'every request of the page went to the Worker');
    assert.deepEqual(problems, [], 'no console error (a CSP violation would be one)');
    step('every request of the page went to the Worker itself; no console error');
  } catch (error) {
    console.error(`\nWorker log:\n${worker.log()}`);
    throw error;
  } finally {
    await browser?.close();
    worker.stop();
  }
  try {
    await withCallerKeys(curlHome);
  } finally {
    rmSync(curlHome, { recursive: true, force: true });
  }
  console.log(`browser test passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

console.log('browser test: the playground in Chromium against wrangler dev (npm start)');
main().catch((error) => {
  console.error(`browser test failed: ${error?.stack ?? error}`);
  process.exit(1);
});
