// WebSocket over HTTP/2 (RFC 8441, docs/http2.md) in headless Chromium: the example server runs with --tls
// (a certificate made at start, which Chromium is told to accept), the playground page loads over HTTP/2, and
// the page's WebSockets open on that connection by extended CONNECT. Closes both ways must be clean, and the
// server's report lines (EXAMPLE_SERVER_LOG) must name HTTP/2. Run the server with a short --close-timeout-ms
// (.ci/run: 1000): each Chromium stream is reset at the close timeout.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { CHROMIUM } from './browser.mjs';
import { PLAYGROUND, WAIT_MS } from './server.mjs';

const pageUrl = process.env.EXAMPLE_TLS_URL;
const serverLog = process.env.EXAMPLE_SERVER_LOG;

/**
 * Opens a WebSocket from the page on its own host and resolves with what happened. Once open it sends
 * `first`; then, if `closeCode` is set, the page closes with it, else the server is expected to close.
 */
function inPage(page, protocol, first, closeCode = 0, closeReason = '') {
  return page.evaluate(([protocol, first, closeCode, closeReason, waitMs]) => new Promise((resolve) => {
    const ws = protocol ? new WebSocket(`wss://${location.host}/ws`, protocol) : new WebSocket(`wss://${location.host}/ws`);
    const seen = { messages: [] };
    ws.onopen = () => {
      seen.protocol = ws.protocol;
      ws.send(first);
      if (closeCode) ws.close(closeCode, closeReason);
    };
    ws.onmessage = (event) => seen.messages.push(event.data);
    ws.onclose = (event) => resolve({ ...seen, code: event.code, reason: event.reason, wasClean: event.wasClean });
    setTimeout(() => resolve({ ...seen, timedOut: true }), waitMs);
  }), [protocol, first, closeCode, closeReason, WAIT_MS]);
}

/** Waits for `count` lines of closed connections in the server's log, for WAIT_MS at most, and returns them. */
async function closedLines(count) {
  const deadline = Date.now() + WAIT_MS;
  let lines = [];
  while (Date.now() < deadline) {
    lines = readFileSync(serverLog, 'utf8').split('\n').filter((line) => line.startsWith('closed '));
    if (lines.length >= count) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.equal(lines.length, count, lines.join('\n'));
  return lines;
}

describe('WebSockets over HTTP/2 in Chromium', { skip: !pageUrl && 'EXAMPLE_TLS_URL is not set' }, () => {
  let browser;
  let page;

  before(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--ignore-certificate-errors',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ ignoreHTTPSErrors: true });
    page.setDefaultTimeout(WAIT_MS);
    const response = await page.goto(pageUrl);
    assert.equal(response.status(), 200);
  });

  after(async () => {
    await browser?.close();
  });

  test('the playground loads over HTTP/2', async () => {
    const protocol = await page.evaluate(() => performance.getEntriesByType('navigation')[0].nextHopProtocol);
    assert.equal(protocol, 'h2');
  });

  test('the server closes first with 4001: clean', async () => {
    const seen = await inPage(page, PLAYGROUND, 'close 4001 bye');
    assert.equal(seen.protocol, PLAYGROUND);
    assert.deepEqual({ code: seen.code, reason: seen.reason, wasClean: seen.wasClean }, { code: 4001, reason: 'bye', wasClean: true });
  });

  test('the page closes first with 4000: clean', async () => {
    const seen = await inPage(page, null, 'echo me', 4000, 'from page');
    assert.deepEqual({ code: seen.code, reason: seen.reason, wasClean: seen.wasClean }, { code: 4000, reason: 'from page', wasClean: true });
  });

  test('five sockets at once on one connection, each closed cleanly', async () => {
    const all = await Promise.all([1, 2, 3, 4, 5].map((n) => inPage(page, PLAYGROUND, `close ${4000 + n} n${n}`)));
    assert.deepEqual(all.map((s) => [s.code, s.wasClean]), [[4001, true], [4002, true], [4003, true], [4004, true], [4005, true]]);
  });

  test('the server reports each close as carried by HTTP/2', { skip: !serverLog && 'EXAMPLE_SERVER_LOG is not set' }, async () => {
    const lines = await closedLines(7);
    for (const line of lines) {
      assert.match(line, / clean=true .* http=HTTP\/2$/);
    }
  });

  // Chromium does not end its side of a WebSocket's stream after the closing handshake: the server resets the
  // stream at its close timeout (docs/http2.md). A reset after END_STREAM once made browsers fall back to
  // HTTP/1.1 for later sockets (dotnet/aspnetcore #42328): the next socket must still go over HTTP/2.
  test('after the server reset the streams, the next socket still goes over HTTP/2', { skip: !serverLog && 'EXAMPLE_SERVER_LOG is not set' }, async () => {
    await closedLines(7); // every earlier stream has ended: its report is printed when the stream closes
    const seen = await inPage(page, PLAYGROUND, 'close 4100 again');
    assert.deepEqual([seen.code, seen.wasClean], [4100, true]);
    const lines = await closedLines(8);
    assert.match(lines[7], /code=4100 .* clean=true .* http=HTTP\/2$/);
  });
});
