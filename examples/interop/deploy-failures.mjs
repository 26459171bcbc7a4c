// What clients see when a deploy goes wrong, measured by hand, not by CI (docs/deploy.md):
//
//   1. kill -9 of one of three example servers behind HAProxy: no close frame, so 1006;
//      how soon its clients are connected again, and whether a message was lost.
//   2. A reload of HAProxy itself (SIGUSR2 to its master process): what becomes of the
//      WebSocket connections the old worker holds (haproxy.cfg's hard-stop-after).
//
// Usage, from examples/interop, with the environment of deploy.test.mjs (see fleet.mjs):
//   EXAMPLE_SERVER_CLASSPATH=... node deploy-failures.mjs [CLIENTS]
// Prints one JSON line per measurement.
import { Fleet, drainFlags, poll } from './fleet.mjs';

const CLIENTS = Number(process.argv[2] ?? 300);
const PLAN = { readinessDelayMs: 1000, spreadMs: 3000, closeTimeoutMs: 2000, deadlineMs: 8000, code: 1012 };

const round = (x) => Math.round(x);
const quantile = (sorted, q) => (sorted.length ? round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]) : null);
const summary = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return { n: sorted.length, min: quantile(sorted, 0), median: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), max: quantile(sorted, 1) };
};

/** Closes after `since`, how soon the closed clients opened again, and whether every message came back. */
async function outcome(clients, since) {
  clients.forEach((client) => client.stopTicking());
  await poll('every client connected with every message echoed', 15_000,
    () => (clients.every((client) => client.settled) ? true : undefined)).catch((error) => console.error(String(error)));
  const codes = {};
  const closeDelays = [];
  const backDelays = [];
  for (const client of clients) {
    const closes = client.closes.filter((close) => close.at >= since);
    for (const close of closes) {
      const key = `${close.code}${close.wasClean ? '' : ' unclean'}`;
      codes[key] = (codes[key] ?? 0) + 1;
      closeDelays.push(close.at - since);
    }
    if (closes.length) {
      const back = client.openedAt.find((at) => at > closes[0].at);
      if (back !== undefined) backDelays.push(back - since);
    }
  }
  return {
    clients: clients.length,
    closed: closeDelays.length,
    closeCodes: codes,
    closedAfterMs: summary(closeDelays),
    connectedAgainAfterMs: summary(backDelays),
    failedAttempts: clients.reduce((sum, client) => sum + client.failedAttempts.filter((f) => f.at >= since).length, 0),
    messages: clients.reduce((sum, client) => sum + client.next, 0),
    echoed: clients.reduce((sum, client) => sum + client.echoed, 0),
    outOfOrder: clients.reduce((sum, client) => sum + client.outOfOrder.length, 0),
    notConnected: clients.filter((client) => !client.open).length,
  };
}

async function withFleet(run, measure) {
  const fleet = await Fleet.start(run, drainFlags(PLAN));
  const clients = [];
  try {
    await fleet.connectClients(CLIENTS, clients);
    const result = await measure(fleet, clients);
    console.log(JSON.stringify({ measurement: run, ...result }));
  } finally {
    await Promise.all(clients.map((client) => client.stop()));
    await fleet.stop();
  }
}

await withFleet('kill-9', async (fleet, clients) => {
  const before = (await fleet.balancer.servers()).get('s1').current;
  const killedAt = performance.now();
  fleet.servers[0].signal('SIGKILL');
  const downAt = await fleet.balancer.sees('s1', 'DOWN', 5000);
  await poll('the closes of s1', 5000, () => (clients.filter((c) => c.closes.some((x) => x.at >= killedAt)).length >= before ? true : undefined))
    .catch((error) => console.error(String(error)));
  return { s1Connections: before, haproxySawDownMs: round(downAt - killedAt), ...(await outcome(clients, killedAt)) };
});

await withFleet('haproxy-reload', async (fleet, clients) => {
  const reloadedAt = performance.now();
  fleet.balancer.signal('SIGUSR2'); // the master starts a new worker; the old one keeps its connections
  await poll('every client closed once', 15_000,
    () => (clients.every((c) => c.closes.some((x) => x.at >= reloadedAt)) ? true : undefined))
    .catch((error) => console.error(String(error)));
  const result = await outcome(clients, reloadedAt);
  const log = fleet.balancer.text;
  return { ...result, haproxyLog: log.split('\n').filter((line) => /reload|worker|hard-stop|Stopping|exit/i.test(line)).slice(-8) };
});
