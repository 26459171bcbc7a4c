// Run last and alone, by .ci/run: stops the example server with SIGTERM, as Ctrl-C would, and
// checks that open connections are drained with 1001 GOING_AWAY in clean closing handshakes and
// that the server prints the drain result. Needs EXAMPLE_SERVER_PID and EXAMPLE_SERVER_LOG.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import WebSocket from 'ws';
import { WAIT_MS, closeEvent, once, serverUrls } from './server.mjs';

const { wsUrl } = serverUrls();
const pid = Number(process.env.EXAMPLE_SERVER_PID);
const logFile = process.env.EXAMPLE_SERVER_LOG;

/** The server's output, without the colour resets Maven writes around it. */
function serverOutput() {
  return readFileSync(logFile, 'utf8').replace(/\x1b\[[0-9;]*m/g, '');
}

/** The server's output once it contains `pattern`; polls the log file, WAIT_MS at most. */
async function outputOnceItMatches(pattern) {
  for (const deadline = Date.now() + WAIT_MS; Date.now() < deadline; await delay(100)) {
    const output = serverOutput();
    if (pattern.test(output)) return output;
  }
  assert.fail(`the server did not print ${pattern} within ${WAIT_MS} ms:\n${serverOutput().slice(-2000)}`);
}

test('on SIGTERM the server drains open connections with 1001 GOING_AWAY and prints the result', async () => {
  assert.ok(pid > 0 && logFile, 'EXAMPLE_SERVER_PID and EXAMPLE_SERVER_LOG must be set');
  const clients = [new WebSocket(wsUrl), new WebSocket(wsUrl)];
  await Promise.all(clients.map((ws) => once(ws, 'open')));
  const closed = clients.map(closeEvent);

  process.kill(pid, 'SIGTERM');

  for (const event of await Promise.all(closed)) {
    assert.deepEqual(event, { code: 1001, reason: 'server shutting down', wasClean: true });
  }
  const log = await outputOnceItMatches(/^drained /m);
  assert.match(log, /^draining with 1001 GOING_AWAY: server shutting down \(readiness delay 0 ms, spread 0 ms, deadline \d+ ms\)$/m);
  assert.match(log, /^drained connections=2 clean=2 unclean=0 forced=0 refused-upgrades=0 readiness-delay=0ms spread=0ms took=\d+ms$/m);
  const drainedLines = log.match(/^closed \S+ code=1001 \(GOING_AWAY\) reason="server shutting down" started-by=server clean=true duration=\d+ms cause=drain http=HTTP\/1\.1$/gm);
  assert.equal(drainedLines?.length, 2, 'one line per drained connection');
});
