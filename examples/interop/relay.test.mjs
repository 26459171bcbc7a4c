// The example server as a relay (--upstream), in Chromium: the playground page, served by the relay, connects
// through it to a Node ws upstream (upstream.mjs) that closes as the page asks. Each close code and reason arrives
// unchanged on the other side, both ways; the upstream killed with SIGKILL makes the browser see 1014; a browser tab
// closed makes the upstream see 1001; an unreachable upstream gets the upgrade a 502, not a 101 and a close.
// Starts both servers itself, on free ports: the relay as `java -cp EXAMPLE_SERVER_CLASSPATH` (see fleet.mjs),
// logs in RELAY_LOG_DIR (default target/relay at the project root); the relay runs on RELAY_TRANSPORT if set.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from './browser.mjs';
import { Child, ServerProcess, freePorts, poll } from './fleet.mjs';
import { PLAYGROUND, WAIT_MS } from './server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const LOG_DIR = process.env.RELAY_LOG_DIR ?? path.resolve(here, '../../target/relay');

/** upstream.mjs in a process of its own, whose JSON lines are its connections' events. */
class Upstream extends Child {
  constructor(port, generation) {
    super(process.execPath, [path.join(here, 'upstream.mjs'), '--port', String(port)], path.join(LOG_DIR, `upstream-${generation}.log`));
  }

  async listening() {
    await poll('the upstream listening', WAIT_MS, () => {
      if (this.text.includes('upstream listening on')) return true;
      if (!this.running) throw new Error(`the upstream exited:\n${this.text}`);
      return undefined;
    });
  }

  events() {
    return this.text.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
  }

  /** The event of `kind` for the connection opened after `opensBefore` others, once it came. */
  event(kind, opensBefore) {
    return poll(`the upstream's ${kind} of connection ${opensBefore + 1}`, WAIT_MS, () => {
      const opened = this.events().filter((e) => e.event === 'open')[opensBefore];
      return opened && this.events().find((e) => e.event === kind && e.id === opened.id);
    });
  }

  opens() {
    return this.events().filter((e) => e.event === 'open').length;
  }
}

describe('the example server as a relay, in Chromium', () => {
  let upstreamPort;
  let relay;
  let upstream;
  let generation = 0;
  let browser;
  let page;
  let wsUrl;

  async function startUpstream() {
    upstream = new Upstream(upstreamPort, ++generation);
    await upstream.listening();
  }

  before(async () => {
    let relayPort;
    [upstreamPort, relayPort] = await freePorts(2);
    await startUpstream();
    // on the example's default transport, or on RELAY_TRANSPORT (nio, epoll, io_uring): .ci/run runs all three
    const transport = process.env.RELAY_TRANSPORT ? ['--transport', process.env.RELAY_TRANSPORT] : [];
    relay = new ServerProcess('relay', relayPort, ['--upstream', `ws://127.0.0.1:${upstreamPort}/ws`, ...transport],
      path.join(LOG_DIR, 'relay.log'));
    await relay.listening();
    wsUrl = `ws://127.0.0.1:${relayPort}/ws`;
    browser = await launchChromium();
    page = await browser.newPage();
    page.setDefaultTimeout(WAIT_MS);
    assert.equal((await page.goto(`http://127.0.0.1:${relayPort}/`)).status(), 200);
  });

  after(async () => {
    await browser?.close();
    await upstream?.kill();
    relay?.signal('SIGTERM');
    await Promise.race([relay?.exited, new Promise((resolve) => setTimeout(resolve, WAIT_MS))]);
    await relay?.kill();
  });

  /** Opens a WebSocket to the relay in `tab` with the playground's subprotocol; resolves with its index there once open. */
  function open(tab = page) {
    return tab.evaluate(({ url, protocol }) => new Promise((resolve, reject) => {
      const ws = new WebSocket(url, protocol);
      window.sockets = window.sockets ?? [];
      window.sockets.push(ws);
      ws.closed = new Promise((closed) => ws.addEventListener('close',
        (e) => closed({ code: e.code, reason: e.reason, wasClean: e.wasClean })));
      ws.messages = [];
      ws.addEventListener('message', (e) => ws.messages.push(e.data));
      ws.onopen = () => resolve({ index: window.sockets.length - 1, protocol: ws.protocol });
      ws.onerror = () => reject(new Error('the WebSocket failed'));
    }), { url: wsUrl, protocol: PLAYGROUND });
  }

  /** Resolves with the close event of socket `index`, or rejects after WAIT_MS. */
  function closed(index, tab = page) {
    return Promise.race([
      tab.evaluate((i) => window.sockets[i].closed, index),
      new Promise((resolve, reject) => setTimeout(() => reject(new Error(`no close event within ${WAIT_MS} ms`)), WAIT_MS)),
    ]);
  }

  test('the playground connects through the relay: the upstream chooses its subprotocol and echoes', async () => {
    const before = upstream.opens();
    await page.click('#connect');
    await page.locator('#status[data-state="open"]').waitFor();
    await page.locator('#log li.k-open', { hasText: 'subprotocol wsclose.playground' }).waitFor();
    await page.fill('#message', 'hello through the relay');
    await page.click('#send-text');
    await page.locator('#log li.k-recv', { hasText: 'text: hello through the relay' }).waitFor();
    const opened = (await upstream.event('open', before));
    assert.equal(opened.protocol, PLAYGROUND);
    assert.equal(opened.forwardedFor, '127.0.0.1');

    await page.selectOption('#server-code', '1013'); // the page asks the upstream, through the relay, to close
    await page.fill('#server-reason', 'try again in a minute');
    await page.click('#server-close');
    const entry = page.locator('#log li.k-close').first();
    await entry.waitFor();
    assert.deepEqual([await entry.getAttribute('data-code'), await entry.getAttribute('data-reason'),
      await entry.getAttribute('data-was-clean')], ['1013', 'try again in a minute', 'true']);
  });

  const UPSTREAM_CLOSES = [[4001, 'kicked'], [1000, ''], [1001, 'bye'], [1003, 'no binary'], [1008, 'policy'],
    [1011, 'oops'], [1012, 'restarting'], [1014, 'bad gateway'], [3000, 'registered'], [4999, '😀'.repeat(30) + 'é!']];

  test('each close code and reason of the upstream reaches the browser unchanged', async () => {
    for (const [code, reason] of UPSTREAM_CLOSES) {
      const { index } = await open();
      await page.evaluate(([i, text]) => window.sockets[i].send(text), [index, `close ${code} ${reason}`]);
      assert.deepEqual(await closed(index), { code, reason, wasClean: true }, `close ${code} ${reason}`);
    }
  });

  const BROWSER_CLOSES = [[1000, 'done'], [3000, 'registered'], [4000, 'bye from the browser'], [4999, 'ünïcödé 🌍']];

  test('each close code and reason of the browser reaches the upstream unchanged, and an empty close stays empty', async () => {
    for (const [code, reason] of [...BROWSER_CLOSES, [undefined, '']]) {
      const before = upstream.opens();
      const { index } = await open();
      await upstream.event('open', before);
      await page.evaluate(([i, c, r]) => (c === null ? window.sockets[i].close() : window.sockets[i].close(c, r)),
        [index, code ?? null, reason]);
      const atUpstream = await upstream.event('close', before);
      assert.deepEqual([atUpstream.code, atUpstream.reason], [code ?? 1005, reason], `close ${code} ${reason}`);
      assert.equal((await closed(index)).wasClean, true);
    }
  });

  test('the browser tab closed: the upstream sees 1001', async () => {
    const tab = await browser.newPage();
    await tab.goto(new URL('/', wsUrl.replace('ws:', 'http:')).href);
    const before = upstream.opens();
    await open(tab);
    await upstream.event('open', before);
    await tab.close();
    assert.equal((await upstream.event('close', before)).code, 1001);
  });

  test('the upstream killed with SIGKILL: the browser sees 1014', async () => {
    const before = upstream.opens();
    const { index } = await open();
    await upstream.event('open', before);
    await upstream.kill();
    assert.deepEqual(await closed(index), { code: 1014, reason: 'upstream gone: transport', wasClean: true });
  });

  test('the upstream unreachable: the upgrade gets 502, not a 101 and a close', async () => {
    const status = await new Promise((resolve, reject) => {
      const request = http.get(wsUrl.replace('ws:', 'http:'), {
        headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13',
          'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' },
        timeout: WAIT_MS,
      });
      request.on('response', (response) => { response.resume(); resolve(response.statusCode); });
      request.on('upgrade', (response, socket) => { socket.destroy(); resolve(response.statusCode); });
      request.on('timeout', () => request.destroy(new Error('no answer')));
      request.on('error', reject);
    });
    assert.equal(status, 502);
    await startUpstream(); // and back: the next connection is relayed again
    const before = upstream.opens();
    const { index } = await open();
    await upstream.event('open', before);
    await page.evaluate((i) => window.sockets[i].close(1000, 'bye'), index);
    assert.equal((await upstream.event('close', before)).code, 1000);
  });

  test('the relay prints both hops of each connection, and drains on SIGTERM', async () => {
    const before = upstream.opens();
    const { index } = await open();
    await upstream.event('open', before);
    relay.signal('SIGTERM');
    assert.deepEqual(await closed(index), { code: 1001, reason: 'server shutting down', wasClean: true });
    assert.equal((await upstream.event('close', before)).code, 1001);
    await relay.exited;
    const log = relay.text;
    assert.match(log, new RegExp(`^relaying to ws://127\\.0\\.0\\.1:${upstreamPort}/ws$`, 'm'));
    assert.match(log, /^closed \S+ code=4001 \(PRIVATE_USE\) reason="kicked" started-by=server clean=true/m);
    assert.match(log, /^upstream-closed \S+ code=4001 \(PRIVATE_USE\) reason="kicked" started-by=upstream clean=true/m);
    assert.match(log, /^upstream-closed \S+ code=1006 \(CLOSED_ABNORMALLY\) reason="" started-by=upstream clean=false/m);
    assert.match(log, /^drained connections=1 clean=1 /m);
  });
});
