// The playground page in headless Chromium: connect, echo, close from the page with a code and reason, codes the
// browser or the server refuse, and a close the server starts on request. Saves a screenshot
// to target/playground.png.
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

  test('connects and echoes a message', async () => {
    await connect();
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

    mkdirSync(TARGET, { recursive: true });
    await page.screenshot({ path: `${TARGET}playground.png`, fullPage: true });
  });
});
