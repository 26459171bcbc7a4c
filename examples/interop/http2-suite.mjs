// The tests of WebSocket over HTTP/2 (RFC 8441, docs/http2.md) in a browser, one body for every browser: the
// example server runs with --tls (a certificate made at start, which the browser is told to accept), the
// playground page loads over HTTP/2, and the page's WebSockets open on that connection by extended CONNECT
// (a report naming HTTP/2 is made only for a WebSocket on a stream). Closes both ways must be clean, in the
// page and in the server's report lines (EXAMPLE_SERVER_LOG). Each test file gives a launcher: its browser
// and a page whose goto and evaluate work as Playwright's and Puppeteer's do.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { PLAYGROUND, WAIT_MS } from './server.mjs';

const pageUrl = process.env.EXAMPLE_TLS_URL;
const serverLog = process.env.EXAMPLE_SERVER_LOG;
/** The server's --close-timeout-ms (.ci/run: 1000). */
const closeTimeoutMs = Number(process.env.EXAMPLE_CLOSE_TIMEOUT_MS || 1000);

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

/** The server's lines of closed connections so far. */
function closedLinesNow() {
  return readFileSync(serverLog, 'utf8').split('\n').filter((line) => line.startsWith('closed '));
}

/** Waits for `count` lines of closed connections in the server's log, for WAIT_MS at most, and returns them. */
async function closedLines(count) {
  const deadline = Date.now() + WAIT_MS;
  let lines = [];
  while (Date.now() < deadline) {
    lines = closedLinesNow();
    if (lines.length >= count) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.equal(lines.length, count, lines.join('\n'));
  return lines;
}

/** The duration of a report line, in milliseconds. */
function durationMs(line) {
  const match = / duration=(\d+)ms /.exec(line);
  assert.ok(match, line);
  return Number(match[1]);
}

/**
 * The tests, in `name` (such as 'Chromium'), with the browser that `open` launches: it resolves with
 * `{ page, close }`, a page that accepts the server's certificate and a function that closes the browser.
 */
export function http2Tests(name, open) {
  describe(`WebSockets over HTTP/2 in ${name}`, { skip: !pageUrl && 'EXAMPLE_TLS_URL is not set' }, () => {
    let browser;
    let page;
    let linesBefore = 0; // lines of other browsers' tests against the same server

    before(async () => {
      if (serverLog) linesBefore = closedLinesNow().length;
      browser = await open();
      page = browser.page;
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

    test('the page closes first with 1000 and 3000, one after the other: clean', async () => {
      for (const code of [1000, 3000]) {
        const seen = await inPage(page, null, 'echo me', code, `code ${code}`);
        assert.deepEqual({ code: seen.code, reason: seen.reason, wasClean: seen.wasClean }, { code, reason: `code ${code}`, wasClean: true });
      }
    });

    test('five sockets at once on one connection, each closed cleanly', async () => {
      const all = await Promise.all([1, 2, 3, 4, 5].map((n) => inPage(page, PLAYGROUND, `close ${4000 + n} n${n}`)));
      assert.deepEqual(all.map((s) => [s.code, s.wasClean]), [[4001, true], [4002, true], [4003, true], [4004, true], [4005, true]]);
    });

    test('the server reports each close as carried by HTTP/2, with the codes the page saw', { skip: !serverLog && 'EXAMPLE_SERVER_LOG is not set' }, async () => {
      const lines = (await closedLines(linesBefore + 9)).slice(linesBefore);
      for (const line of lines) {
        assert.match(line, / clean=true .* http=HTTP\/2$/);
      }
      const codes = lines.map((line) => Number(/ code=(\d+) /.exec(line)[1])).sort();
      assert.deepEqual(codes, [1000, 3000, 4000, 4001, 4001, 4002, 4003, 4004, 4005]);
    });

    // Neither Chromium nor Firefox ESR ends its side of a WebSocket's stream after the closing handshake
    // (docs/http2.md, "Browsers"): the server resets each stream at its close timeout, and the report, printed
    // when the stream closes, comes then. The durations are printed; each stream must have ended by then.
    test('every stream ended by the close timeout, all on the page\'s one connection', { skip: !serverLog && 'EXAMPLE_SERVER_LOG is not set' }, async () => {
      const lines = (await closedLines(linesBefore + 9)).slice(linesBefore);
      const durations = lines.map(durationMs);
      console.log(`${name}: report durations in ms (close timeout ${closeTimeoutMs} ms): ${durations.join(' ')}`);
      for (const duration of durations) {
        assert.ok(duration < closeTimeoutMs + 2000, `${duration} ms: the stream outlived the close timeout`);
      }
      assert.equal(new Set(lines.map((line) => line.split(' ')[1])).size, 1, lines.join('\n'));
    });

    // A reset after END_STREAM once made browsers fall back to HTTP/1.1 for later sockets
    // (dotnet/aspnetcore #42328): the next socket must still go over HTTP/2.
    test('after the server reset the earlier streams, the next socket still goes over HTTP/2, on the same connection', { skip: !serverLog && 'EXAMPLE_SERVER_LOG is not set' }, async () => {
      await closedLines(linesBefore + 9); // every earlier stream has ended: its report is printed when the stream closes
      const seen = await inPage(page, PLAYGROUND, 'close 4100 again');
      assert.deepEqual([seen.code, seen.wasClean], [4100, true]);
      const lines = await closedLines(linesBefore + 10);
      assert.match(lines.at(-1), /code=4100 .* clean=true .* http=HTTP\/2$/);
      assert.equal(lines.at(-1).split(' ')[1], lines[linesBefore].split(' ')[1], 'the peer address of the first report');
    });
  });
}
