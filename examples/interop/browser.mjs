// The headless browsers of the interop tests, both from Debian: Chromium (/usr/bin/chromium, or CHROMIUM_PATH),
// driven by playwright-core, and Firefox ESR (/usr/bin/firefox-esr, or FIREFOX_PATH), driven by puppeteer-core
// over WebDriver BiDi (Playwright drives only a Firefox build of its own).
import { chromium } from 'playwright-core';
import puppeteer from 'puppeteer-core';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const FIREFOX = process.env.FIREFOX_PATH || '/usr/bin/firefox-esr';

/** Launches headless Chromium; `args` are added to its command line. */
export function launchChromium({ args = [] } = {}) {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync', ...args],
  });
}

/**
 * Launches headless Firefox ESR with a fresh profile that accepts any certificate and makes no connection of
 * its own (no updates, telemetry, captive-portal or connectivity checks: the machine may have no internet),
 * with WebSockets over HTTP/2 on (RFC 8441; its default since Firefox 128, set here so that the test does not
 * depend on it).
 */
export function launchFirefox() {
  return puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: true,
    acceptInsecureCerts: true,
    extraPrefsFirefox: {
      'network.http.http2.websockets': true,
      'network.http.http3.enable': false,
      'network.captive-portal-service.enabled': false,
      'network.connectivity-service.enabled': false,
      'network.dns.disablePrefetch': true,
      'network.prefetch-next': false,
      'browser.safebrowsing.update.enabled': false,
      'toolkit.telemetry.enabled': false,
    },
  });
}
