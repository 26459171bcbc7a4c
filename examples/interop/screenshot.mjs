// Renders the picture of the playground shown in the README: a close from the page, then one
// from the server. Start the example server on port 8080, then: node screenshot.mjs [FILE]
import { launchChromium } from './browser.mjs';

const file = process.argv[2] ?? new URL('../../docs/playground.png', import.meta.url).pathname;
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
  await page.screenshot({ path: file, fullPage: true });
  console.log(`saved ${file}`);
} finally {
  await browser.close();
}
