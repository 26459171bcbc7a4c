// Renders the pictures of the playground shown in the README and docs/metrics.md: a close from the page, then one
// from the server (the whole page); then a few more closes, and the close metrics chart alone. Start the example
// server on port 8080 with no connection closed yet, then: node screenshot.mjs [PAGE_FILE [METRICS_FILE]]
import { launchChromium } from './browser.mjs';

const file = process.argv[2] ?? new URL('../../docs/playground.png', import.meta.url).pathname;
const metricsFile = process.argv[3] ?? new URL('../../docs/metrics.png', import.meta.url).pathname;
const pageUrl = process.env.EXAMPLE_URL ?? 'http://127.0.0.1:8080/';

const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1360, height: 940 } });
  page.setDefaultTimeout(10_000);
  await page.goto(pageUrl);
  const connect = async () => {
    await page.click('#connect');
    await page.locator('#status[data-state="open"]').waitFor();
  };
  await connect();
  await page.fill('#message', 'hello, server');
  await page.click('#send-text');
  await page.locator('#log li.k-recv').waitFor();
  await page.selectOption('#close-code', '4000');
  await page.fill('#close-reason', 'bye from the page');
  await page.click('#close');
  await page.locator('#log li.k-close').nth(0).waitFor();
  await connect();
  await page.selectOption('#server-code', '1005');
  await page.click('#server-close');
  await page.locator('#log li.k-error').waitFor();
  await page.selectOption('#server-code', '1013');
  await page.fill('#server-reason', 'try again in a minute');
  await page.click('#server-close');
  await page.locator('#log li.k-close').nth(1).waitFor();
  const chartShows = (closes) => page.waitForFunction((n) => document.querySelector('#metrics-total').textContent === String(n), closes);
  await chartShows(2);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`saved ${file}`);

  const closeFromPage = async (code) => {
    await connect();
    await page.selectOption('#close-code', code);
    await page.click('#close');
  };
  const serverCloses = async (code, reason) => {
    await connect();
    await page.selectOption('#server-code', code);
    await page.fill('#server-reason', reason);
    await page.click('#server-close');
  };
  await closeFromPage('1000');
  await closeFromPage('4000');
  await serverCloses('1001', 'deploy');
  await serverCloses('1011', 'out of memory');
  await connect();
  await page.click('#disconnect');
  await page.locator('#log li.k-close').nth(6).waitFor();
  await chartShows(7);
  await page.locator('#metrics').screenshot({ path: metricsFile });
  console.log(`saved ${metricsFile}`);
} finally {
  await browser.close();
}
