// A rolling restart behind a real load balancer (docs/deploy.md): HAProxy (haproxy.cfg) in
// front of three example servers, CLIENTS echo clients through HAProxy, and each server in turn
// stopped with SIGTERM, started again once it has exited, and put back by HAProxy's health check
// before the next one. Two rounds on the same fleet: first the servers drain with a spread
// window (SPREAD), then, restarted with NO_SPREAD, all at once. Run by .ci/run with
// EXAMPLE_SERVER_CLASSPATH set (see fleet.mjs); needs haproxy on PATH (or HAPROXY). The numbers
// are printed and written to DEPLOY_LOG_DIR/rolling-result.json.
//
// Checked from the clients' side: no message lost (every number echoed, in order, per client);
// every close is the drain's 1012 in a clean closing handshake (no 1006); no connection attempt
// fails (HAProxy retries a drain's 503 on another server); every client is connected at the end.
// Checked of each server: /ready answers 503 within READY_WITHIN_MS of SIGTERM; it exits with 0
// within its deadline plus EXIT_MARGIN_MS. With a spread window, no 100 ms holds more than
// BUSIEST_SHARE of the server's clients' reconnects; without one, the busiest 100 ms holds more:
// the reconnect storm that the spread prevents. The clients reconnect at once, with no jitter of
// their own, so that what is measured is the server's spread alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { EchoClient, Fleet, LOG_DIR, busiestWindow, drainFlags, poll } from './fleet.mjs';

const CLIENTS = 300;
/** Clients that connect right after each SIGTERM, so that some upgrades reach the draining server. */
const LATE_CLIENTS = 20;
const READY_WITHIN_MS = 300;
const EXIT_MARGIN_MS = 1000;
/**
 * An even spread of 3 s puts about 3% of a server's reconnects in each 100 ms, a storm most of
 * them; the margin up to 25% absorbs an event loop (the clients' or a server's) that stalls for a
 * few hundred ms on a busy machine and then handles a batch of closes at once.
 */
const BUSIEST_SHARE = 0.25;

// delay + spread + close timeout fit in the deadline, so the server need not shorten the spread
const SPREAD = { readinessDelayMs: 1000, spreadMs: 3000, closeTimeoutMs: 2000, deadlineMs: 8000, code: 1012 };
const NO_SPREAD = { ...SPREAD, spreadMs: 0 };

const round = (x) => Math.round(x);

/** SIGTERM to server `i`, drained with `plan`, then measured; it is started again and back in HAProxy at the end. */
async function restartOne(fleet, i, clients, plan) {
  const server = fleet.servers[i];
  const name = fleet.names[i];
  assert.equal(await server.readiness(), 200, `${name}'s /ready before SIGTERM`);
  const signalledAt = performance.now();
  server.signal('SIGTERM');
  // /ready, asked of the server directly, until it says 503
  const notReadyAt = await poll(`${name}'s /ready answering 503`, 2000, async () =>
    ((await server.readiness()) === 503 ? performance.now() : undefined), 5);
  // new clients now: HAProxy still sends some upgrades to the draining server, which refuses them with 503
  const late = Array.from({ length: LATE_CLIENTS }, (_, k) => new EchoClient(`late${clients.length + k}`, fleet.balancer.url));
  clients.push(...late);
  const lateOpen = Promise.all(late.map((client) => client.start().then(() => client.startTicking())));
  const downAt = await fleet.balancer.sees(name, 'DOWN', 3000);
  const exit = await Promise.race([server.exited, poll(`${name} exiting`, plan.deadlineMs + 5000, () => server.exitInfo)]);
  await lateOpen;
  const drained = server.text.match(/^drained connections=(\d+) clean=(\d+) unclean=(\d+) forced=(\d+) refused-upgrades=(\d+) .*took=(\d+)ms$/m);
  await fleet.startServer(i);
  const upAt = await fleet.balancer.sees(name, 'UP', 15_000);
  const closes = () => clients.flatMap((client) => client.closes)
    .filter((close) => close.server === name && close.at >= signalledAt && close.at <= upAt);
  return {
    server: name,
    readyAnswered503Ms: round(notReadyAt - signalledAt),
    haproxySawDownMs: round(downAt - signalledAt),
    exitMs: round(exit.at - signalledAt),
    exitCode: exit.code,
    exitSignal: exit.signal,
    drainedLine: drained?.[0],
    drainedConnections: drained ? Number(drained[1]) : undefined,
    clean: drained ? Number(drained[2]) : undefined,
    unclean: drained ? Number(drained[3]) : undefined,
    forced: drained ? Number(drained[4]) : undefined,
    refusedUpgrades: drained ? Number(drained[5]) : undefined,
    backInHaproxyMs: round(upAt - signalledAt),
    closes, // counted once every client has settled
  };
}

/** The reconnects of each server's clients: one per close, made at the moment of the close. */
function countReconnects(restart) {
  const closes = restart.closes();
  delete restart.closes;
  const times = closes.map((close) => close.at);
  restart.reconnects = closes.length;
  restart.busiest100Ms = busiestWindow(times, 100);
  restart.busiestShare = closes.length ? Number((restart.busiest100Ms / closes.length).toFixed(3)) : 0;
  restart.reconnectWindowMs = closes.length ? round(Math.max(...times) - Math.min(...times)) : 0;
}

/** The whole rolling restart, twice; returns what was measured. */
async function rollingRestarts() {
  const started = performance.now();
  const fleet = await Fleet.start('rolling', drainFlags(SPREAD));
  fleet.flags = drainFlags(NO_SPREAD); // every server started from now on drains without a spread
  const clients = [];
  try {
    await fleet.connectClients(CLIENTS, clients);

    const rounds = { spread: [], noSpread: [] };
    for (let i = 0; i < fleet.names.length; i++) rounds.spread.push(await restartOne(fleet, i, clients, SPREAD));
    for (let i = 0; i < fleet.names.length; i++) rounds.noSpread.push(await restartOne(fleet, i, clients, NO_SPREAD));

    clients.forEach((client) => client.stopTicking());
    await poll('every client connected with every message echoed', 5000,
      () => (clients.every((client) => client.settled) ? true : undefined));
    [...rounds.spread, ...rounds.noSpread].forEach(countReconnects);

    const closes = clients.flatMap((client) => client.closes);
    const closeCodes = {};
    for (const close of closes) {
      const key = `${close.code}${close.wasClean ? '' : ' unclean'}`;
      closeCodes[key] = (closeCodes[key] ?? 0) + 1;
    }
    return {
      clients: clients.length,
      messages: clients.reduce((sum, client) => sum + client.next, 0),
      echoed: clients.reduce((sum, client) => sum + client.echoed, 0),
      writes: clients.reduce((sum, client) => sum + client.sends, 0),
      resent: clients.reduce((sum, client) => sum + client.resent, 0),
      closes: closes.length,
      closeCodes,
      outOfOrder: clients.flatMap((client) => client.outOfOrder.map((o) => ({ client: client.id, ...o }))),
      failedAttempts: clients.flatMap((client) => client.failedAttempts.map((f) => `${client.id}: ${f.message}`)),
      notConnected: clients.filter((client) => !client.open).map((client) => client.id),
      unsettled: clients.filter((client) => client.echoed !== client.next).map((client) => `${client.id} ${client.echoed}/${client.next}`),
      rounds,
      wallMs: round(performance.now() - started),
    };
  } finally {
    await Promise.all(clients.map((client) => client.stop()));
    // a drain with no connection left: each server exits after its readiness delay
    fleet.servers.forEach((server) => server.signal('SIGTERM'));
    await Promise.race([Promise.all(fleet.servers.map((server) => server.exited)), delay(5000)]);
    fleet.balancer?.signal('SIGTERM');
    await fleet.stop();
  }
}

let measured;
/** Runs the rolling restarts once, for every test below, and records the numbers. */
function result() {
  measured ??= rollingRestarts().then((r) => {
    writeFileSync(path.join(LOG_DIR, 'rolling-result.json'), `${JSON.stringify(r, null, 2)}\n`);
    console.log(`rolling restarts: ${JSON.stringify({ ...r, rounds: undefined })}`);
    for (const [name, restarts] of Object.entries(r.rounds)) {
      for (const restart of restarts) console.log(`${name} ${restart.server}: ${JSON.stringify(restart)}`);
    }
    return r;
  });
  return measured;
}

function assertDrains(restarts, plan) {
  for (const restart of restarts) {
    assert.ok(restart.readyAnswered503Ms <= READY_WITHIN_MS,
      `${restart.server}: /ready answered 503 ${restart.readyAnswered503Ms} ms after SIGTERM (at most ${READY_WITHIN_MS})`);
    assert.equal(restart.exitCode, 0, `${restart.server} exit code`);
    assert.ok(restart.exitMs <= plan.deadlineMs + EXIT_MARGIN_MS,
      `${restart.server} exited ${restart.exitMs} ms after SIGTERM (deadline ${plan.deadlineMs} ms + ${EXIT_MARGIN_MS} ms)`);
    assert.ok(restart.drainedLine, `${restart.server} printed its drain result`);
    assert.equal(restart.unclean, 0, `${restart.server}: ${restart.drainedLine}`);
    assert.equal(restart.forced, 0, `${restart.server}: ${restart.drainedLine}`);
    assert.ok(restart.reconnects > 0, `${restart.server} had clients when it was stopped`);
    assert.equal(restart.reconnects, restart.clean, `${restart.server}: a reconnect per connection drained (${restart.drainedLine})`);
  }
}

/** Every wait above has its own bound; this one bounds the whole run, in case. */
const TEST_TIMEOUT = { timeout: 180_000 };

test(`rolling restart with a spread window: no 100 ms holds over ${BUSIEST_SHARE * 100}% of a server's reconnects`, TEST_TIMEOUT, async () => {
  const { rounds } = await result();
  assertDrains(rounds.spread, SPREAD);
  for (const restart of rounds.spread) {
    assert.ok(restart.busiestShare <= BUSIEST_SHARE,
      `${restart.server}: ${restart.busiest100Ms} of ${restart.reconnects} reconnects in one 100 ms (at most ${BUSIEST_SHARE * 100}%)`);
  }
});

test(`rolling restart without a spread window: the reconnect storm, over ${BUSIEST_SHARE * 100}% in one 100 ms`, TEST_TIMEOUT, async () => {
  const { rounds } = await result();
  assertDrains(rounds.noSpread, NO_SPREAD);
  for (const restart of rounds.noSpread) {
    assert.ok(restart.busiestShare > BUSIEST_SHARE,
      `${restart.server}: ${restart.busiest100Ms} of ${restart.reconnects} reconnects in one 100 ms (expected over ${BUSIEST_SHARE * 100}%)`);
  }
});

test(`rolling restarts: ${CLIENTS} clients through HAProxy lose no message, see only clean 1012 closes and no failed upgrade`, TEST_TIMEOUT, async () => {
  const r = await result();
  assert.deepEqual(r.outOfOrder, [], 'every echo is the number its client waited for');
  assert.deepEqual(r.unsettled, [], 'every number sent was echoed');
  assert.equal(r.echoed, r.messages);
  assert.deepEqual(r.notConnected, [], 'every client is connected at the end');
  assert.deepEqual(r.failedAttempts, [], 'no connection attempt through HAProxy failed');
  assert.deepEqual(Object.keys(r.closeCodes), ['1012'], `every close is a clean 1012, seen: ${JSON.stringify(r.closeCodes)}`);
  const refused = [...r.rounds.spread, ...r.rounds.noSpread].reduce((sum, restart) => sum + restart.refusedUpgrades, 0);
  assert.ok(refused > 0, 'some upgrades reached a draining server, were refused with 503 and retried by HAProxy');
});
