// The playground page in headless Chromium: connect (with the subprotocol wsclose.playground, which lets the page ask
// the server to close), echo, close from the page with a code and reason, codes the browser or the server refuse, a
// close the server starts on request, and the live chart of the server's close
// metrics counting those closes. Saves screenshots to target/playground.png and target/metrics.png.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { launchChromium } from './browser.mjs';
import { WAIT_MS, serverUrls } from './server.mjs';

const { pageUrl } = serverUrls();
const TARGET = fileURLToPath(new URL('../../target/', import.meta.url));

describe('the playground page in Chromium', () => {
  let browser;
  let page;
  let chartBefore; // the chart's counts when the page loaded: other clients of the server may have closed already
  const problems = []; // console errors and uncaught exceptions, such as a blocked request

  before(async () => {
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1360, height: 940 } });
    page.setDefaultTimeout(WAIT_MS);
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    const response = await page.goto(pageUrl);
    assert.equal(response.status(), 200);
    await page.locator('#metrics[data-polls]').waitFor();
    chartBefore = await chartCounts();
  });

  after(async () => {
    await browser?.close();
  });

  const status = () => page.locator('#status').textContent();
  const logEntry = (kind, n) => page.locator(`#log li.k-${kind}`).nth(n);
  const explanation = () => page.locator('#explain');

  async function connect() {
    await page.click('#connect');
    await page.locator('#status[data-state="open"]').waitFor();
  }

  // The counts the close metrics chart shows, as { 'code 4xxx': 2, 'cause peer': 3, … }.
  function chartCounts() {
    return page.evaluate(() => {
      const counts = {};
      for (const [chart, prefix] of [['#metrics-by-code', 'code'], ['#metrics-by-cause', 'cause']]) {
        for (const bar of document.querySelectorAll(`${chart} li[data-key]`)) counts[`${prefix} ${bar.dataset.key}`] = Number(bar.dataset.count);
      }
      return counts;
    });
  }

  async function closeEntry(n) {
    const entry = logEntry('close', n);
    await entry.waitFor();
    return {
      code: await entry.getAttribute('data-code'),
      reason: await entry.getAttribute('data-reason'),
      wasClean: await entry.getAttribute('data-was-clean'),
      text: await entry.locator('.what').textContent(),
    };
  }

  test('the page comes with everything it needs and no errors', async () => {
    assert.equal(await page.title(), 'WebSocket close playground');
    assert.equal(await status(), 'not connected');
    assert.equal(await page.locator('#close-code option').count(), await page.locator('#server-code option').count());
    assert.deepEqual(problems, []);
  });

  test('connects with the playground subprotocol and echoes a message', async () => {
    await connect();
    await page.locator('#log li.k-open', { hasText: 'subprotocol wsclose.playground' }).waitFor(); // the server chose it
    await page.fill('#message', 'hello from Chromium');
    await page.click('#send-text');
    await page.locator('#log li.k-recv', { hasText: 'text: hello from Chromium' }).waitFor();
  });

  test('closing from the page with 4000 and a reason: the server echoes both, wasClean is true', async () => {
    await page.selectOption('#close-code', '4000');
    await page.fill('#close-reason', 'bye from the page');
    await page.click('#close');
    const closed = await closeEntry(0);
    assert.deepEqual([closed.code, closed.reason, closed.wasClean], ['4000', 'bye from the page', 'true']);
    assert.match(closed.text, /^code 4000 Private use ?reason “bye from the page” ?wasClean true/);
    assert.equal(await explanation().getAttribute('data-initiator'), 'client');
    const said = await explanation().textContent();
    assert.match(said, /The browser sent the first close frame: close 4000 “bye from the page”/);
    assert.match(said, /an echo of the browser's code and reason/);
    assert.match(said, /wasClean is true/);
    assert.equal(await status(), 'closed 4000');
  });

  test('disconnecting sends an empty close frame: the close event reports 1005', async () => {
    await connect();
    await page.click('#disconnect');
    const closed = await closeEntry(1);
    assert.deepEqual([closed.code, closed.reason, closed.wasClean], ['1005', '', 'true']);
    assert.match(await explanation().textContent(), /reported as close 1005 No Status Received/);
  });

  test('a code only a server may send is refused by the browser, and the connection stays open', async () => {
    await connect();
    await page.selectOption('#close-code', '1001');
    await page.click('#close');
    await page.locator('#log li.k-error', { hasText: 'InvalidAccessError' }).waitFor();
    assert.match(await explanation().textContent(), /The browser refused to close/);
    assert.equal(await status(), 'open');
  });

  test('asking the server for 1005 is refused with a message, and the connection stays open', async () => {
    await page.selectOption('#server-code', '1005');
    await page.click('#server-close');
    await page.locator('#log li.k-error', { hasText: 'server: 1005 may not be sent in a close frame' }).waitFor();
    assert.match(await explanation().textContent(), /The server refused to close.*No close frame was sent/s);
    assert.equal(await status(), 'open');
  });

  test('asking the server to close with 1013: the server sends the first close frame, wasClean is true', async () => {
    await page.selectOption('#server-code', '1013');
    await page.fill('#server-reason', 'try again in a minute');
    await page.click('#server-close');
    const closed = await closeEntry(2);
    assert.deepEqual([closed.code, closed.reason, closed.wasClean], ['1013', 'try again in a minute', 'true']);
    assert.equal(await explanation().getAttribute('data-initiator'), 'server');
    const said = await explanation().textContent();
    assert.match(said, /You asked with the text message close 1013 try again in a minute/);
    assert.match(said, /The server sent the first close frame: close 1013 “try again in a minute”/);
    assert.match(said, /wasClean is true/);
    assert.deepEqual(problems, []);
  });

  test('the close metrics chart counts open connections and each close of this page by code and cause', async () => {
    await connect();
    await page.waitForFunction(() => Number(document.querySelector('#metrics-active').textContent) >= 1);
    await page.click('#disconnect');
    await closeEntry(3);

    // this page closed 4000 and 1013 once and 1005 twice: the peer (the browser) started three, the application one
    const expected = { 'code 4xxx': 1, 'code 1005': 2, 'code 1013': 1, 'cause peer': 3, 'cause application': 1 };
    const wanted = Object.fromEntries(Object.entries(expected).map(([key, n]) => [key, (chartBefore[key] ?? 0) + n]));
    await page.waitForFunction((want) => Object.entries(want).every(([key, n]) => {
      const [chart, tag] = key.split(' ');
      const bar = document.querySelector(`#metrics-by-${chart} li[data-key="${tag}"]`);
      return bar !== null && Number(bar.dataset.count) >= n;
    }), wanted);
    const now = await chartCounts();
    for (const [key, n] of Object.entries(wanted)) assert.ok(now[key] >= n, `${key}: ${now[key]} (expected: >= ${n})`);
    assert.match(await page.locator('#metrics-by-code li[data-key="4xxx"] .key').textContent(), /^4xxx Private use$/);
    const row = page.locator('#metrics-series tr[data-code="1013"][data-cause="application"]');
    assert.deepEqual(await row.locator('td').allTextContents().then((cells) => cells.slice(0, 4)), ['1013', 'application', 'local', 'true']);
    assert.deepEqual(problems, []);

    mkdirSync(TARGET, { recursive: true });
    await page.screenshot({ path: `${TARGET}playground.png`, fullPage: true });
    await page.locator('#metrics').screenshot({ path: `${TARGET}metrics.png` });
  });
});
