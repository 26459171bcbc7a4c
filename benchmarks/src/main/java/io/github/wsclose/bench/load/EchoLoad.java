package io.github.wsclose.bench.load;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.HdrHistogram.Histogram;

/**
 * Data-path load tool: what the close handling costs on every message. Starts three
 * {@link ServerProcess}es, our {@code ServerPipeline} server and two identical stock Netty servers
 * (an A/A pair, so that the machine's noise shows beside the difference) with the same echo
 * application, opens C connections to each, and then, on rounds that rotate which server goes
 * first, keeps W text messages of S bytes in flight on every connection for a fixed time. With
 * {@code --relay 1} the three are a {@code WebSocketRelay} in front of our server (both in one JVM,
 * on the same event loops) and two of our servers reached directly, so the ratios are those of
 * the relay to a direct connection, with the A/A pair of the direct ones beside them. With
 * {@code --http 2} the three are our server over HTTP/2 ({@code Http2ServerPipeline}, cleartext
 * with prior knowledge, each WebSocket an extended CONNECT stream, {@code --streams-per-connection}
 * of them on each HTTP/2 connection) and two of our servers over HTTP/1.1 with the same settings
 * (what {@code Http2ServerPipeline} gives an HTTP/1.1 connection): C WebSockets each, so the
 * ratios are those of HTTP/2 to HTTP/1.1 for the same number of WebSockets.
 * For each round it measures messages per second, the round trip of every message (p50, p99), and
 * the server JVM's CPU time per message (all its threads, from the operating system), which shows
 * the cost even when the client saturates first.
 *
 * <pre>
 * java -cp target/benchmarks.jar io.github.wsclose.bench.load.EchoLoad
 *     [--connections 64] [--size 64] [--window 16] [--rounds 7] [--warmup 2] [--round-ms 3000] [--threads 1]
 *     [--concurrency 64] [--timeout-ms 60000] [--relay 0] [--http 1] [--streams-per-connection 8]
 * </pre>
 *
 * <p>{@code --threads} is the number of event loop threads of each server (1: the server works on
 * one core). Exits with 0 when every connection opened and echoed every message, 1 otherwise, and
 * 2 on bad arguments; the numbers never change the exit status.
 */
public final class EchoLoad {

    private static final Map<String, Long> DEFAULTS = Map.ofEntries(Map.entry("connections", 64L), Map.entry("size", 64L),
            Map.entry("window", 16L), Map.entry("rounds", 7L), Map.entry("warmup", 2L), Map.entry("round-ms", 3000L),
            Map.entry("threads", 1L), Map.entry("concurrency", 64L), Map.entry("timeout-ms", 60_000L), Map.entry("relay", 0L),
            Map.entry("http", 1L), Map.entry("streams-per-connection", 8L));

    private EchoLoad() {
    }

    public static void main(String[] args) throws Exception {
        LoadOptions options = LoadOptions.parseOrExit(args, DEFAULTS);
        int connections = options.intValue("connections");
        ByteBuf message = Unpooled.unreleasableBuffer(Unpooled.directBuffer(options.intValue("size"))
                .writeBytes("x".repeat(options.intValue("size")).getBytes(StandardCharsets.US_ASCII)));
        int problems = 0;
        boolean relay = options.longValue("relay") != 0;
        boolean http2 = options.http2();
        if (relay && http2) {
            System.err.println("--relay 1 and --http 2 compare different things: choose one");
            System.exit(2);
        }
        // what the first server is compared with, twice for the A/A pair
        String baseline = relay ? "ours" : http2 ? "ours-h1" : "stock";
        try (ServerProcess oursProcess = relay
                        ? new ServerProcess(options.transport(), options.intValue("threads"), "ours", "ours-relay")
                        : new ServerProcess(options.transport(), options.intValue("threads"), http2 ? "ours-h2" : "ours");
                ServerProcess stockProcess = new ServerProcess(options.transport(), options.intValue("threads"), baseline);
                ServerProcess stockAgainProcess = new ServerProcess(options.transport(), options.intValue("threads"), baseline);
                LoadClient client = new LoadClient(options.transport(), options.intValue("concurrency"))) {
            List<Server> servers = relay
                    ? List.of(new Server("relay", oursProcess, 1), new Server("direct", stockProcess, 0),
                            new Server("direct-2", stockAgainProcess, 0))
                    : http2
                    ? List.of(new Server("h2", oursProcess, 0), new Server("h1", stockProcess, 0), new Server("h1-2", stockAgainProcess, 0))
                    : List.of(new Server("ours", oursProcess, 0), new Server("stock", stockProcess, 0),
                            new Server("stock-2", stockAgainProcess, 0));
            for (Server server : servers) {
                int port = server.process.port(server.port);
                server.connections = server == servers.get(0) && http2
                        ? client.openOverHttp2(port, connections, options.intValue("streams-per-connection"), options.longValue("timeout-ms"))
                        : client.open(port, connections, options.longValue("timeout-ms"));
                problems += connections - server.connections.size();
            }
            System.out.printf(Locale.ROOT, "echo: %s, %d cores%n", options, Runtime.getRuntime().availableProcessors());
            System.out.printf(Locale.ROOT, "  %-7s %-7s %10s %9s %9s %13s%n", "server", "round", "msgs/s", "p50 us", "p99 us", "cpu ns/msg");
            int warmup = options.intValue("warmup");
            List<Double> cpuRatios = new ArrayList<>();
            List<Double> aaCpuRatios = new ArrayList<>();
            for (int round = 1; round <= warmup + Math.max(1, options.intValue("rounds")); round++) {
                boolean measured = round > warmup;
                String label = measured ? Integer.toString(round - warmup) : "warm-up";
                // rotate which server goes first, so that none always runs on a warmer machine
                List<Server> order = new ArrayList<>(servers);
                Collections.rotate(order, round);
                for (Server server : order) {
                    Round result = round(server, message, options);
                    problems += result.problems;
                    result.print(server.name, label);
                    if (measured) {
                        server.add(result);
                    }
                }
                if (measured) {
                    double stockCpu = servers.get(1).cpuPerMessage.get(round - warmup - 1);
                    cpuRatios.add(servers.get(0).cpuPerMessage.get(round - warmup - 1) / stockCpu);
                    aaCpuRatios.add(servers.get(2).cpuPerMessage.get(round - warmup - 1) / stockCpu);
                }
            }
            Server stock = servers.get(1);
            System.out.println("summary (medians of the measured rounds)");
            servers.forEach(Server::print);
            printRatio(servers.get(0), stock, cpuRatios, "");
            printRatio(servers.get(2), stock, aaCpuRatios, " (A/A: two identical " + stock.name + " servers, the noise)");
            for (Server server : servers) {
                server.connections.forEach(ClientConnection::abort);
                for (ClientConnection connection : server.connections) {
                    connection.closed().join();
                }
            }
        }
        if (problems > 0) {
            System.out.println("FAILED: " + problems + " connections did not open, or stopped echoing");
        }
        System.exit(problems > 0 ? 1 : 0);
    }

    private static void printRatio(Server server, Server stock, List<Double> cpuRatios, String note) {
        System.out.printf(Locale.ROOT, "ratio %s/" + stock.name + ": cpu/msg %.3fx (rounds %.2f-%.2fx), throughput %.3fx, p50 %.3fx, p99 %.3fx%s%n",
                server.name, Median.of(server.cpuPerMessage) / Median.of(stock.cpuPerMessage),
                cpuRatios.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN),
                cpuRatios.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN),
                Median.of(server.throughputs) / Median.of(stock.throughputs),
                Median.of(server.p50s) / Median.of(stock.p50s), Median.of(server.p99s) / Median.of(stock.p99s), note);
    }

    private static Round round(Server server, ByteBuf message, LoadOptions options) throws InterruptedException {
        long cpuBefore = server.process.cpuNanos();
        long start = System.nanoTime();
        List<CompletableFuture<Histogram>> stopped = new ArrayList<>();
        for (ClientConnection connection : server.connections) {
            stopped.add(connection.startEcho(message, options.intValue("window")));
        }
        Thread.sleep(options.longValue("round-ms")); // the measurement period, not a wait for an event
        server.connections.forEach(ClientConnection::stopEcho);
        Histogram roundTrips = new Histogram(3);
        int problems = 0;
        for (CompletableFuture<Histogram> echo : stopped) {
            try {
                roundTrips.add(echo.join());
            } catch (RuntimeException closed) {
                problems++;
            }
        }
        long elapsed = System.nanoTime() - start;
        long cpu = server.process.cpuNanos() - cpuBefore;
        long messages = roundTrips.getTotalCount();
        return new Round(messages * 1e9 / elapsed, roundTrips.getValueAtPercentile(50) / 1e3,
                roundTrips.getValueAtPercentile(99) / 1e3, cpu / (double) Math.max(1, messages), problems);
    }

    /** One round against one server. */
    private record Round(double throughput, double p50Micros, double p99Micros, double cpuPerMessage, int problems) {

        void print(String server, String label) {
            System.out.printf(Locale.ROOT, "  %-7s %-7s %10.0f %9.1f %9.1f %13.0f%n", server, label, throughput, p50Micros,
                    p99Micros, cpuPerMessage);
        }
    }

    /** A server under test, its connections and its measured rounds. */
    private static final class Server {
        final String name;
        final ServerProcess process;
        final int port; // which of its process's servers
        List<ClientConnection> connections;
        final List<Double> throughputs = new ArrayList<>();
        final List<Double> p50s = new ArrayList<>();
        final List<Double> p99s = new ArrayList<>();
        final List<Double> cpuPerMessage = new ArrayList<>();

        Server(String name, ServerProcess process, int port) {
            this.name = name;
            this.process = process;
            this.port = port;
        }

        void add(Round round) {
            throughputs.add(round.throughput);
            p50s.add(round.p50Micros);
            p99s.add(round.p99Micros);
            cpuPerMessage.add(round.cpuPerMessage);
        }

        void print() {
            System.out.printf(Locale.ROOT, "  %-7s %10.0f msgs/s, p50 %.1f us, p99 %.1f us, cpu %.0f ns/msg%n", name,
                    Median.of(throughputs), Median.of(p50s), Median.of(p99s), Median.of(cpuPerMessage));
        }
    }
}
