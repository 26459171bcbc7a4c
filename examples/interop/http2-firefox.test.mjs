// WebSocket over HTTP/2 (RFC 8441, docs/http2.md) in headless Firefox ESR, driven by puppeteer-core over
// WebDriver BiDi: the tests of http2-suite.mjs. Run the server with a short --close-timeout-ms (.ci/run: 1000):
// Firefox ESR, as Chromium, never ends its side of a WebSocket's stream after the closing handshake.
import { launchFirefox } from './browser.mjs';
import { http2Tests } from './http2-suite.mjs';

http2Tests('Firefox ESR', async () => {
  const browser = await launchFirefox();
  const page = await browser.newPage();
  return { page, close: () => browser.close() };
});
