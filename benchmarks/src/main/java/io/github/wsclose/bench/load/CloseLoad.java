package io.github.wsclose.bench.load;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * Close-handshake load tool. Starts a {@link ServerProcess} with three servers, our
 * {@code ServerPipeline} server and two identical stock Netty servers (an A/A pair, so that the
 * noise of the machine shows beside the difference under test), then, on rounds that rotate which
 * server goes first, opens N WebSocket connections, closes them all at once from the client side
 * (1000 "load"), and measures close handshakes per second and the latency from each close frame
 * sent until TCP closed (p50, p99, max). Finally it opens D connections to our server and drains
 * them with {@code GracefulDrain} (1012 SERVICE_RESTART): time until all closed, and how many
 * closed cleanly. With {@code --http 2} the three are our server over HTTP/2
 * ({@code Http2ServerPipeline}, cleartext with prior knowledge, each WebSocket an extended CONNECT
 * stream, {@code --streams-per-connection} of them on each HTTP/2 connection) and two of our servers
 * over HTTP/1.1 with the same settings (what {@code Http2ServerPipeline} gives an HTTP/1.1
 * connection); the latency of a stream runs from its close frame until the stream ended (both
 * END_STREAMs), the HTTP/2 connections are closed after their last stream, and there is no drain.
 *
 * <pre>
 * java -cp target/benchmarks.jar io.github.wsclose.bench.load.CloseLoad
 *     [--connections 2000] [--rounds 7] [--warmup 2] [--drain 10000] [--concurrency 256] [--timeout-ms 60000]
 *     [--http 1] [--streams-per-connection 8]
 * </pre>
 *
 * <p>Exits with 0 when every connection opened and closed cleanly, 1 otherwise, and 2 on bad
 * arguments; the numbers themselves never change the exit status.
 */
public final class CloseLoad {

    private static final int CLOSE_CODE = 1000;
    private static final int DRAIN_CODE = 1012; // SERVICE_RESTART
    private static final long DRAIN_DEADLINE_MILLIS = 10_000;
    private static final Map<String, Long> DEFAULTS = Map.of("connections", 2000L, "rounds", 7L, "warmup", 2L,
            "drain", 10_000L, "concurrency", 256L, "timeout-ms", 60_000L, "http", 1L, "streams-per-connection", 8L);

    private final LoadOptions options;
    private final LoadClient client;
    private int problems;

    private CloseLoad(LoadOptions options, LoadClient client) {
        this.options = options;
        this.client = client;
    }

    public static void main(String[] args) throws Exception {
        LoadOptions options = LoadOptions.parseOrExit(args, DEFAULTS);
        int problems;
        boolean http2 = options.http2();
        try (ServerProcess server = http2
                        ? new ServerProcess(options.transport(), Runtime.getRuntime().availableProcessors(), "ours-h2", "ours-h1", "ours-h1")
                        : new ServerProcess(options.transport(), Runtime.getRuntime().availableProcessors(), "ours", "stock", "stock");
                LoadClient client = new LoadClient(options.transport(), options.intValue("concurrency"))) {
            CloseLoad load = new CloseLoad(options, client);
            load.closeRounds(server);
            if (options.intValue("drain") > 0 && http2) {
                System.out.println("graceful drain: not run with --http 2 (it drains the first server's TCP connections)");
            } else if (options.intValue("drain") > 0) {
                load.drain(server);
            }
            problems = load.problems;
        }
        if (problems > 0) {
            System.out.println("FAILED: " + problems + " connections did not open, or did not close cleanly");
        }
        System.exit(problems > 0 ? 1 : 0);
    }

    private void closeRounds(ServerProcess server) throws InterruptedException {
        int warmup = options.intValue("warmup");
        int rounds = Math.max(1, options.intValue("rounds"));
        System.out.printf(Locale.ROOT, "close handshakes: %d connections a round, %d warm-up and %d measured rounds per server, %d cores%n",
                options.intValue("connections"), warmup, rounds, Runtime.getRuntime().availableProcessors());
        if (options.http2()) {
            System.out.printf(Locale.ROOT, "  h2: our server over HTTP/2, %d WebSocket streams per connection; h1, h1-2: ours over HTTP/1.1%n",
                    options.intValue("streams-per-connection"));
        }
        System.out.printf(Locale.ROOT, "  %-7s %-7s %7s %10s %9s %9s %9s %7s%n",
                "server", "round", "opened", "closes/s", "p50 ms", "p99 ms", "max ms", "clean");
        List<Totals> servers = options.http2()
                ? List.of(new Totals("h2", server.port(0)), new Totals("h1", server.port(1)), new Totals("h1-2", server.port(2)))
                : List.of(new Totals("ours", server.port(0)), new Totals("stock", server.port(1)), new Totals("stock-2", server.port(2)));
        for (int round = 1; round <= warmup + rounds; round++) {
            boolean measured = round > warmup;
            String label = measured ? Integer.toString(round - warmup) : "warm-up";
            for (int i = 0; i < servers.size(); i++) {
                // rotate which server goes first, so that none always runs on a warmer machine
                Totals totals = servers.get((round + i) % servers.size());
                Round result = closeRound(totals.port, options.http2() && totals == servers.get(0));
                result.print(totals.name, label);
                if (measured) {
                    totals.add(result);
                }
            }
        }
        System.out.println("summary (closes/s: median of the measured rounds; latency: all measured closes)");
        servers.forEach(Totals::print);
        Totals stock = servers.get(1);
        for (Totals other : List.of(servers.get(0), servers.get(2))) {
            System.out.printf(Locale.ROOT, "ratio %s/%s: throughput %.2fx, p50 latency %.2fx, p99 latency %.2fx%s%n",
                    other.name, stock.name, other.medianThroughput() / stock.medianThroughput(),
                    other.latency.getValueAtPercentile(50) / (double) stock.latency.getValueAtPercentile(50),
                    other.latency.getValueAtPercentile(99) / (double) stock.latency.getValueAtPercentile(99),
                    other == servers.get(2) ? " (A/A: two identical " + stock.name + " servers, the noise)" : "");
        }
    }

    private Round closeRound(int port, boolean http2) throws InterruptedException {
        int connections = options.intValue("connections");
        List<ClientConnection> open = http2
                ? client.openOverHttp2(port, connections, options.intValue("streams-per-connection"), options.longValue("timeout-ms"))
                : client.open(port, connections, options.longValue("timeout-ms"));
        long start = System.nanoTime();
        for (ClientConnection connection : open) {
            connection.startClose(CLOSE_CODE, "load");
        }
        Round round = awaitClosed(open, start);
        problems += connections - open.size() + open.size() - round.clean;
        return new Round(connections, round);
    }

    private void drain(ServerProcess server) throws Exception {
        int connections = options.intValue("drain");
        List<ClientConnection> open = client.open(server.port(0), connections, options.longValue("timeout-ms"));
        long start = System.nanoTime();
        ServerProcess.Drained drained = server.drain(DRAIN_CODE, DRAIN_DEADLINE_MILLIS);
        Round round = awaitClosed(open, start);
        int wrongCode = 0;
        for (ClientConnection connection : open) {
            wrongCode += connection.closeCodeReceived() == DRAIN_CODE ? 0 : 1;
        }
        problems += connections - round.clean + wrongCode;
        System.out.printf(Locale.ROOT, "graceful drain (1012 SERVICE_RESTART, deadline %d ms): %d of %d connections opened%n",
                DRAIN_DEADLINE_MILLIS, open.size(), connections);
        System.out.println("  server: " + drained);
        System.out.printf(Locale.ROOT, "  client: all closed %.1f ms after the drain command, %d clean, %d with another code than 1012%n",
                round.elapsedNanos / 1e6, round.clean, wrongCode);
    }

    /** Waits until every connection closed (closing those still open at the timeout) and measures. */
    private Round awaitClosed(List<ClientConnection> open, long start) throws InterruptedException {
        LoadClient.awaitClosed(open, options.longValue("timeout-ms"));
        Histogram latency = new Histogram(3);
        long last = start;
        int clean = 0;
        for (ClientConnection connection : open) {
            latency.recordValue(Math.max(0, connection.closeLatencyNanos()));
            last = Math.max(last, connection.closedNanos());
            clean += connection.clean() ? 1 : 0;
        }
        return new Round(open.size(), open.size(), clean, last - start, latency);
    }

    /** One round against one server. */
    private record Round(int requested, int opened, int clean, long elapsedNanos, Histogram latency) {

        Round(int requested, Round measured) {
            this(requested, measured.opened, measured.clean, measured.elapsedNanos, measured.latency);
        }

        double throughput() {
            return opened * 1e9 / Math.max(1, elapsedNanos);
        }

        void print(String server, String label) {
            System.out.printf(Locale.ROOT, "  %-7s %-7s %7s %10.0f %9.2f %9.2f %9.2f %7s%n", server, label,
                    opened + "/" + requested, throughput(), latency.getValueAtPercentile(50) / 1e6,
                    latency.getValueAtPercentile(99) / 1e6, latency.getMaxValue() / 1e6, clean + "/" + opened);
        }
    }

    /** The measured rounds of one server. */
    private static final class Totals {
        final String name;
        final int port;
        final Histogram latency = new Histogram(3);
        final List<Double> throughputs = new ArrayList<>();
        int closes;
        int clean;

        Totals(String name, int port) {
            this.name = name;
            this.port = port;
        }

        void add(Round round) {
            latency.add(round.latency);
            throughputs.add(round.throughput());
            closes += round.opened;
            clean += round.clean;
        }

        double medianThroughput() {
            return Median.of(throughputs);
        }

        void print() {
            System.out.printf(Locale.ROOT, "  %-7s %10.0f closes/s, p50 %.2f ms, p99 %.2f ms, max %.2f ms, clean %d/%d%n",
                    name, medianThroughput(), latency.getValueAtPercentile(50) / 1e6,
                    latency.getValueAtPercentile(99) / 1e6, latency.getMaxValue() / 1e6, clean, closes);
        }
    }
}
