// A fleet for the rolling restart test (deploy.test.mjs) and the failure measurements
// (deploy-failures.mjs): three example servers started with plain `java` on free ports of
// 127.0.0.1, HAProxy in front of them with haproxy.cfg, and echo clients that count every message.
//
// The example server is started as `java [EXAMPLE_SERVER_JAVA_OPTS] -cp EXAMPLE_SERVER_CLASSPATH
// io.github.wsclose.example.ExampleServer FLAGS`: starting Maven for each restart would take
// seconds. .ci/run sets EXAMPLE_SERVER_CLASSPATH to the test class path (the example is compiled
// into target/test-classes). HAPROXY names another haproxy binary, DEPLOY_LOG_DIR another
// directory for the logs (default: target/deploy at the project root).
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

const here = path.dirname(fileURLToPath(import.meta.url));
export const HAPROXY_CONFIG = path.join(here, 'haproxy.cfg');
export const LOG_DIR = process.env.DEPLOY_LOG_DIR ?? path.resolve(here, '../../target/deploy');
const SERVER_NAMES = ['s1', 's2', 's3']; // as in haproxy.cfg

/** Every child process started here, killed with SIGKILL if this process exits (or is interrupted) while they run. */
const children = new Set();
const killChildren = () => {
  for (const child of children) child.kill('SIGKILL');
};
process.on('exit', killChildren);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    killChildren();
    process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
  });
}

/** Polls `check` every `everyMs` until it returns a value other than undefined; throws after `timeoutMs`. */
export async function poll(what, timeoutMs, check, everyMs = 20) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await delay(everyMs);
  }
}

/** `n` distinct free TCP ports of 127.0.0.1 (all bound at once, then released). */
export async function freePorts(n) {
  const listeners = [];
  try {
    for (let i = 0; i < n; i++) {
      const listener = net.createServer();
      listeners.push(listener);
      await new Promise((resolve, reject) => {
        listener.once('error', reject);
        listener.listen(0, '127.0.0.1', resolve);
      });
    }
    return listeners.map((listener) => listener.address().port);
  } finally {
    await Promise.all(listeners.map((listener) => new Promise((resolve) => listener.close(() => resolve()))));
  }
}

/** A child process whose output goes to a log file and is kept in memory; `exited` resolves with code, signal and time. */
export class Child {
  constructor(command, args, logFile, env = process.env) {
    mkdirSync(path.dirname(logFile), { recursive: true });
    this.logFile = logFile;
    this.text = '';
    const log = createWriteStream(logFile);
    this.process = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(this.process);
    const collect = (chunk) => {
      this.text += chunk;
      log.write(chunk);
    };
    this.process.stdout.setEncoding('utf8').on('data', collect);
    this.process.stderr.setEncoding('utf8').on('data', collect);
    this.exited = new Promise((resolve) => {
      this.process.on('error', (error) => {
        children.delete(this.process);
        this.text += `\n${error}\n`;
        resolve({ code: null, signal: null, at: performance.now(), error });
      });
      let exit;
      this.process.on('exit', (code, signal) => {
        exit = { code, signal, at: performance.now() };
      });
      // 'close' comes after 'exit', once the output streams have ended too: the log is complete
      this.process.on('close', (code, signal) => {
        children.delete(this.process);
        log.end(() => resolve(exit ?? { code, signal, at: performance.now() }));
      });
    });
    this.exitInfo = undefined;
    this.exited.then((info) => { this.exitInfo = info; });
  }

  get running() {
    return this.process.exitCode === null && this.process.signalCode === null;
  }

  signal(name) {
    if (this.running) this.process.kill(name);
  }

  /** SIGKILL if still running, then waits for the exit (5 s at most). */
  async kill() {
    this.signal('SIGKILL');
    await Promise.race([this.exited, delay(5000)]);
  }
}

/** The example server's flags for a drain plan: { readinessDelayMs, spreadMs, closeTimeoutMs, deadlineMs, code }. */
export function drainFlags(plan) {
  return ['--readiness-delay-ms', plan.readinessDelayMs, '--drain-spread-ms', plan.spreadMs,
    '--close-timeout-ms', plan.closeTimeoutMs, '--drain-deadline-ms', plan.deadlineMs, '--drain-code', plan.code].map(String);
}

/** One example server process on a fixed port. */
export class ServerProcess extends Child {
  constructor(name, port, flags, logFile) {
    const classpath = process.env.EXAMPLE_SERVER_CLASSPATH;
    if (!classpath) {
      throw new Error('EXAMPLE_SERVER_CLASSPATH is not set: set it to the test class path of the build, such as '
        + '"target/test-classes:target/classes:$(cat target/cp.txt)" after mvn test-compile and '
        + 'mvn dependency:build-classpath -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test (.ci/run does this)');
    }
    const options = (process.env.EXAMPLE_SERVER_JAVA_OPTS ?? '').split(/\s+/).filter(Boolean);
    super(process.env.JAVA ?? 'java', [...options, '-cp', classpath, 'io.github.wsclose.example.ExampleServer',
      '--port', String(port), ...flags], logFile);
    this.name = name;
    this.port = port;
  }

  /** Resolves when the server prints that it listens; rejects if it exits first or takes over 30 s. */
  async listening() {
    const line = `listening on ws://127.0.0.1:${this.port}/ws`;
    await poll(`${this.name} (${this.logFile}) printing "${line}"`, 30_000, () => {
      if (this.text.includes(line)) return true;
      if (!this.running) throw new Error(`${this.name} exited before it listened:\n${this.text.slice(-2000)}`);
      return undefined;
    });
  }

  /** The status of GET /ready, asked of this server directly, or 0 when it cannot be asked. */
  readiness() {
    return new Promise((resolve) => {
      const request = http.get({ host: '127.0.0.1', port: this.port, path: '/ready', agent: false, timeout: 1000 }, (response) => {
        response.resume();
        resolve(response.statusCode);
      });
      request.on('timeout', () => request.destroy(new Error('timeout')));
      request.on('error', () => resolve(0));
    });
  }
}

/** HAProxy, in the foreground in master-worker mode, with haproxy.cfg and the fleet's ports. */
export class Balancer extends Child {
  constructor(ports, logFile) {
    const socketDir = mkdtempSync(path.join(tmpdir(), 'wsclose-haproxy-'));
    const statsSocket = path.join(socketDir, 'stats.sock');
    super(process.env.HAPROXY ?? 'haproxy', ['-W', '-db', '-f', HAPROXY_CONFIG], logFile, {
      ...process.env,
      DEPLOY_FRONTEND_PORT: String(ports.frontend),
      DEPLOY_SERVER1_PORT: String(ports.servers[0]),
      DEPLOY_SERVER2_PORT: String(ports.servers[1]),
      DEPLOY_SERVER3_PORT: String(ports.servers[2]),
      DEPLOY_STATS_SOCKET: statsSocket,
    });
    this.socketDir = socketDir;
    this.statsSocket = statsSocket;
    this.url = `ws://127.0.0.1:${ports.frontend}/ws`;
    this.exited.then(() => rmSync(socketDir, { recursive: true, force: true }));
  }

  /** Runs a command on the stats socket and returns its answer (rejects after 2 s). */
  command(line) {
    return new Promise((resolve, reject) => {
      let answer = '';
      const socket = net.createConnection(this.statsSocket);
      socket.setTimeout(2000, () => socket.destroy(new Error(`no answer to "${line}" within 2 s`)));
      socket.setEncoding('utf8');
      socket.on('connect', () => socket.end(`${line}\n`));
      socket.on('data', (chunk) => { answer += chunk; });
      socket.on('error', reject);
      socket.on('close', () => resolve(answer));
    });
  }

  /** The backend's servers as HAProxy sees them: name → { status, current, total } (status UP, DOWN, …). */
  async servers() {
    const csv = (await this.command('show stat')).trim().split('\n');
    const header = csv[0].replace(/^# /, '').split(',');
    const column = (name) => header.indexOf(name);
    const result = new Map();
    for (const row of csv.slice(1).map((line) => line.split(','))) {
      if (row[column('pxname')] === 'example_servers' && SERVER_NAMES.includes(row[column('svname')])) {
        result.set(row[column('svname')], {
          status: row[column('status')],
          current: Number(row[column('scur')]),
          total: Number(row[column('stot')]),
        });
      }
    }
    return result;
  }

  /** Waits until HAProxy reports `name` with a status starting with `status` ("UP" or "DOWN"); returns the time. */
  async sees(name, status, timeoutMs) {
    return poll(`HAProxy seeing ${name} ${status}`, timeoutMs, async () => {
      if (!this.running) throw new Error(`haproxy exited:\n${this.text.slice(-2000)}`);
      const servers = await this.servers().catch(() => new Map());
      return servers.get(name)?.status?.startsWith(status) ? performance.now() : undefined;
    });
  }
}

/**
 * Three example servers behind HAProxy, started with `flags` (which may change between starts).
 * `run` names the log files: DEPLOY_LOG_DIR/RUN-haproxy.log and DEPLOY_LOG_DIR/RUN-sN-G.log (G
 * counts the server's starts).
 */
export class Fleet {
  static async start(run, flags) {
    const [frontend, ...servers] = await freePorts(4);
    const fleet = new Fleet(run, flags, { frontend, servers });
    try {
      await Promise.all(SERVER_NAMES.map((name, i) => fleet.startServer(i)));
      fleet.balancer = new Balancer(fleet.ports, path.join(LOG_DIR, `${run}-haproxy.log`));
      for (const name of SERVER_NAMES) await fleet.balancer.sees(name, 'UP', 10_000);
      return fleet;
    } catch (error) {
      await fleet.stop();
      throw error;
    }
  }

  constructor(run, flags, ports) {
    this.run = run;
    this.flags = flags;
    this.ports = ports;
    this.servers = [];
    this.starts = [0, 0, 0];
    this.everyServer = []; // every ServerProcess started, for their logs
    this.balancer = undefined;
  }

  get names() {
    return SERVER_NAMES;
  }

  /** Starts server `i` (again) on its port with the fleet's current `flags` and waits until it listens. */
  async startServer(i) {
    const name = SERVER_NAMES[i];
    const server = new ServerProcess(name, this.ports.servers[i], this.flags,
      path.join(LOG_DIR, `${this.run}-${name}-${++this.starts[i]}.log`));
    this.servers[i] = server;
    this.everyServer.push(server);
    await server.listening();
    return server;
  }

  /**
   * Connects `count` EchoClients through HAProxy, in batches of 50 so that servers that have just
   * started are not asked for every upgrade at once, starts their ticking and waits until each
   * has had an echo. Each goes into `clients` before it connects, so that a caller that stops
   * them after a failure stops every one; returns `clients`.
   */
  async connectClients(count, clients = []) {
    for (let k = 0; k < count; k += 50) {
      const batch = Array.from({ length: Math.min(50, count - k) }, (_, j) => new EchoClient(`c${k + j}`, this.balancer.url));
      clients.push(...batch);
      await Promise.all(batch.map((client) => client.start()));
    }
    clients.forEach((client) => client.startTicking());
    await poll('every client having an echo', 5000, () => (clients.every((client) => client.echoed > 0) ? true : undefined));
    return clients;
  }

  /** Kills whatever still runs (servers first, then HAProxy). */
  async stop() {
    await Promise.all(this.servers.map((server) => server?.kill()));
    await this.balancer?.kill();
  }
}

/**
 * One client of the echo service through HAProxy. Every 100 ms it sends the next number
 * ("ID:N"); every echo must be the number it waits for next. When its connection closes it
 * connects again at once (or 100 ms after a failed attempt) and sends again, in order, what
 * was not echoed. It records every close (code, wasClean, time, the server that closed it)
 * and every failed connection attempt.
 */
export class EchoClient {
  constructor(id, url) {
    this.id = id;
    this.url = url;
    this.next = 0; // the next number to send for the first time
    this.echoed = 0; // the next number to be echoed: all below it came back, in order
    this.sends = 0; // messages written, resends included
    this.resent = 0;
    this.outOfOrder = [];
    this.closes = []; // { code, wasClean, at, server }
    this.failedAttempts = []; // { message, at }
    this.connections = 0; // connections that opened
    this.openedAt = []; // when each connection opened
    this.ws = undefined;
    this.server = undefined; // X-Served-By of the current connection
    this.open = false;
    this.ticking = false;
    this.stopping = false;
    this.timer = undefined;
  }

  /** Connects; resolves when the first connection is open (rejects after 15 s). */
  start() {
    this.connect();
    return poll(`client ${this.id} connecting`, 15_000, () => (this.open ? true : undefined));
  }

  connect() {
    const ws = new WebSocket(this.url, { handshakeTimeout: 5000 });
    this.ws = ws;
    let opened = false;
    let server;
    ws.on('upgrade', (response) => { server = response.headers['x-served-by']; });
    ws.on('open', () => {
      opened = true;
      this.open = true;
      this.server = server;
      this.connections++;
      this.openedAt.push(performance.now());
      for (let n = this.echoed; n < this.next; n++) {
        this.send(n);
        this.resent++;
      }
    });
    ws.on('message', (data) => {
      const n = Number(String(data).slice(String(this.id).length + 1));
      if (n !== this.echoed) this.outOfOrder.push({ expected: this.echoed, got: String(data) });
      this.echoed = Math.max(this.echoed, n + 1);
    });
    ws.on('error', (error) => {
      if (!opened) this.failedAttempts.push({ message: error.message, at: performance.now() });
    });
    ws.addEventListener('close', (event) => {
      this.open = false;
      if (opened) this.closes.push({ code: event.code, wasClean: event.wasClean, at: performance.now(), server });
      if (this.stopping) return;
      if (opened) this.connect();
      else this.timer = setTimeout(() => this.connect(), 100);
    });
  }

  send(n) {
    this.ws.send(`${this.id}:${n}`);
    this.sends++;
  }

  /** Sends a new number every 100 ms from a random moment of the first 100 ms on. */
  startTicking() {
    this.ticking = true;
    const tick = () => {
      if (!this.ticking) return;
      if (this.open) this.send(this.next++);
      this.timer = setTimeout(tick, 100);
    };
    this.timer = setTimeout(tick, Math.random() * 100);
  }

  stopTicking() {
    this.ticking = false;
    clearTimeout(this.timer);
  }

  /** Whether every number sent was echoed and the connection is open. */
  get settled() {
    return this.open && this.echoed === this.next;
  }

  /** Closes with 1000 and stops reconnecting; resolves when closed (2 s at most). */
  async stop() {
    this.stopTicking();
    this.stopping = true;
    clearTimeout(this.timer);
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    const closed = new Promise((resolve) => ws.once('close', resolve));
    if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
    else ws.close(1000, 'test over');
    await Promise.race([closed, delay(2000)]);
    ws.terminate();
  }
}

/** The most entries of the sorted times `times` within any window of `windowMs` (a sliding window). */
export function busiestWindow(times, windowMs = 100) {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let start = 0, end = 0; start < sorted.length; start++) {
    while (end < sorted.length && sorted[end] < sorted[start] + windowMs) end++;
    most = Math.max(most, end - start);
  }
  return most;
}
