// Refreshes docs/playground.png, the README's picture of the playground: `npm start` on a free port, the page
// in Chromium at 1280 x 800, Send pressed once on the block it opens on (sendSms), the first screen saved.
//   npm run screenshot
import { chromium } from 'playwright-core';
import { root, startWorker } from './npm-start.mjs';

const OUT = `${root}/docs/playground.png`;
const worker = await startWorker();
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run'],
  headless: true,
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`${worker.origin}/`);
  await page.locator('body[data-ready="true"]').waitFor({ timeout: 15_000 });
  await page.click('#send');
  await page.locator('#http-status').filter({ hasText: 'HTTP 200' }).waitFor({ timeout: 15_000 });
  await page.screenshot({ path: OUT });
  console.log(`wrote ${OUT}`);
} finally {
  await browser.close();
  worker.stop();
}
