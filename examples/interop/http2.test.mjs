// WebSocket over HTTP/2 (RFC 8441, docs/http2.md) in headless Chromium, driven by playwright-core: the tests of
// http2-suite.mjs. Run the server with a short --close-timeout-ms (.ci/run: 1000): Chromium never ends its side of
// a WebSocket's stream after the closing handshake, so the server resets each stream at its close timeout.
import { launchChromium } from './browser.mjs';
import { http2Tests } from './http2-suite.mjs';

http2Tests('Chromium', async () => {
  const browser = await launchChromium({ args: ['--ignore-certificate-errors'] });
  const page = await browser.newPage({ ignoreHTTPSErrors: true });
  return { page, close: () => browser.close() };
});
