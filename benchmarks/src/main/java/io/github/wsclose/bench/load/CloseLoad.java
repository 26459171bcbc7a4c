package io.github.wsclose.bench.load;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.HdrHistogram.Histogram;

/**
 * Close-handshake load tool. Starts {@link LoadServer} in a second JVM (each side needs a file
 * descriptor per connection), then, on alternating rounds against our {@code ServerPipeline}
 * server and a stock Netty server, opens N WebSocket connections, closes them all at once from the
 * client side (1000 "load"), and measures close handshakes per second and the latency from each
 * close frame sent until TCP closed (p50, p99, max). Finally it opens D connections to our server
 * and drains them with {@code GracefulDrain} (1012 SERVICE_RESTART): time until all closed, and how
 * many closed cleanly.
 *
 * <pre>
 * java -cp target/benchmarks.jar io.github.wsclose.bench.load.CloseLoad
 *     [--connections 2000] [--rounds 5] [--warmup 2] [--drain 10000] [--concurrency 256] [--timeout-ms 60000]
 * </pre>
 *
 * <p>Exits with 0 when every connection opened and closed cleanly, 1 otherwise, and 2 on bad
 * arguments; the numbers themselves never change the exit status.
 */
public final class CloseLoad {

    private static final int CLOSE_CODE = 1000;
    private static final int DRAIN_CODE = 1012; // SERVICE_RESTART
    private static final long DRAIN_DEADLINE_MILLIS = 10_000;

    private final Options options;
    private final LoadClient client;
    private int problems;

    private CloseLoad(Options options, LoadClient client) {
        this.options = options;
        this.client = client;
    }

    public static void main(String[] args) throws Exception {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        Process server = startServer();
        int problems;
        try (LoadClient client = new LoadClient(options.concurrency)) {
            ServerConnection control = new ServerConnection(server);
            String[] ready = control.readLine().split(" ");
            if (ready.length != 3 || !ready[0].equals("ready")) {
                throw new IllegalStateException("server did not start: " + String.join(" ", ready));
            }
            CloseLoad load = new CloseLoad(options, client);
            load.closeRounds(Integer.parseInt(ready[1].substring("ours=".length())),
                    Integer.parseInt(ready[2].substring("stock=".length())));
            if (options.drain > 0) {
                load.drain(Integer.parseInt(ready[1].substring("ours=".length())), control);
            }
            control.send("quit");
            problems = load.problems;
        } finally {
            if (!server.waitFor(10, TimeUnit.SECONDS)) {
                server.destroy();
            }
        }
        if (problems > 0) {
            System.out.println("FAILED: " + problems + " connections did not open, or did not close cleanly");
        }
        System.exit(problems > 0 ? 1 : 0);
    }

    private void closeRounds(int oursPort, int stockPort) throws InterruptedException {
        System.out.printf(Locale.ROOT, "close handshakes: %d connections a round, %d warm-up and %d measured rounds per server, %d cores%n",
                options.connections, options.warmup, options.rounds, Runtime.getRuntime().availableProcessors());
        System.out.printf(Locale.ROOT, "  %-6s %-7s %7s %10s %9s %9s %9s %7s%n",
                "server", "round", "opened", "closes/s", "p50 ms", "p99 ms", "max ms", "clean");
        Totals ours = new Totals("ours");
        Totals stock = new Totals("stock");
        for (int round = 1; round <= options.warmup + options.rounds; round++) {
            boolean measured = round > options.warmup;
            String label = measured ? Integer.toString(round - options.warmup) : "warm-up";
            // alternate which server goes first, so that neither always runs on a warmer machine
            Totals first = round % 2 == 1 ? ours : stock;
            Totals second = first == ours ? stock : ours;
            for (Totals server : List.of(first, second)) {
                Round result = closeRound(server == ours ? oursPort : stockPort);
                result.print(server.name, label);
                if (measured) {
                    server.add(result);
                }
            }
        }
        System.out.println("summary (closes/s: median of the measured rounds; latency: all measured closes)");
        ours.print();
        stock.print();
        System.out.printf(Locale.ROOT, "ratio ours/stock: throughput %.2fx, p50 latency %.2fx, p99 latency %.2fx%n",
                ours.medianThroughput() / stock.medianThroughput(),
                ours.latency.getValueAtPercentile(50) / (double) stock.latency.getValueAtPercentile(50),
                ours.latency.getValueAtPercentile(99) / (double) stock.latency.getValueAtPercentile(99));
    }

    private Round closeRound(int port) throws InterruptedException {
        List<ClientConnection> open = client.open(port, options.connections, options.timeoutMillis);
        long start = System.nanoTime();
        for (ClientConnection connection : open) {
            connection.startClose(CLOSE_CODE, "load");
        }
        Round round = awaitClosed(open, start);
        problems += options.connections - open.size() + open.size() - round.clean;
        return new Round(options.connections, round);
    }

    private void drain(int oursPort, ServerConnection control) throws Exception {
        List<ClientConnection> open = client.open(oursPort, options.drain, options.timeoutMillis);
        long start = System.nanoTime();
        control.send("drain " + DRAIN_CODE + " " + DRAIN_DEADLINE_MILLIS);
        String drained = control.readLine();
        Round round = awaitClosed(open, start);
        int wrongCode = 0;
        for (ClientConnection connection : open) {
            wrongCode += connection.closeCodeReceived() == DRAIN_CODE ? 0 : 1;
        }
        problems += options.drain - round.clean + wrongCode;
        System.out.printf(Locale.ROOT, "graceful drain (1012 SERVICE_RESTART, deadline %d ms): %d of %d connections opened%n",
                DRAIN_DEADLINE_MILLIS, open.size(), options.drain);
        System.out.println("  server: " + drained.replaceFirst("took_ns=(\\d+)",
                "took=" + String.format(Locale.ROOT, "%.1f ms", Long.parseLong(drained.replaceAll(".*took_ns=(\\d+).*", "$1")) / 1e6)));
        System.out.printf(Locale.ROOT, "  client: all closed %.1f ms after the drain command, %d clean, %d with another code than 1012%n",
                round.elapsedNanos / 1e6, round.clean, wrongCode);
    }

    /** Waits until every connection closed (closing those still open at the timeout) and measures. */
    private Round awaitClosed(List<ClientConnection> open, long start) throws InterruptedException {
        CompletableFuture<?>[] closed = open.stream().map(ClientConnection::closed).toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(closed).get(options.timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
            open.stream().filter(c -> !c.closed().isDone()).forEach(ClientConnection::abort);
            CompletableFuture.allOf(closed).join();
        }
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

    private static Process startServer() throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g"));
        String leakDetection = System.getProperty("io.netty.leakDetection.level");
        if (leakDetection != null) {
            command.add("-Dio.netty.leakDetection.level=" + leakDetection);
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), LoadServer.class.getName()));
        return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
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
            System.out.printf(Locale.ROOT, "  %-6s %-7s %7s %10.0f %9.2f %9.2f %9.2f %7s%n", server, label,
                    opened + "/" + requested, throughput(), latency.getValueAtPercentile(50) / 1e6,
                    latency.getValueAtPercentile(99) / 1e6, latency.getMaxValue() / 1e6, clean + "/" + opened);
        }
    }

    /** The measured rounds of one server. */
    private static final class Totals {
        final String name;
        final Histogram latency = new Histogram(3);
        final List<Double> throughputs = new ArrayList<>();
        int closes;
        int clean;

        Totals(String name) {
            this.name = name;
        }

        void add(Round round) {
            latency.add(round.latency);
            throughputs.add(round.throughput());
            closes += round.opened;
            clean += round.clean;
        }

        double medianThroughput() {
            double[] sorted = throughputs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            int n = sorted.length;
            return n == 0 ? Double.NaN : n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        }

        void print() {
            System.out.printf(Locale.ROOT, "  %-6s %10.0f closes/s, p50 %.2f ms, p99 %.2f ms, max %.2f ms, clean %d/%d%n",
                    name, medianThroughput(), latency.getValueAtPercentile(50) / 1e6,
                    latency.getValueAtPercentile(99) / 1e6, latency.getMaxValue() / 1e6, clean, closes);
        }
    }

    /** Line-based control of the server process through its standard input and output. */
    private static final class ServerConnection {
        private final BufferedReader out;
        private final PrintWriter in;

        ServerConnection(Process server) {
            out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            in = new PrintWriter(new OutputStreamWriter(server.getOutputStream(), StandardCharsets.UTF_8), true);
        }

        String readLine() throws IOException {
            String line = out.readLine();
            if (line == null) {
                throw new IOException("the server process ended");
            }
            return line;
        }

        void send(String command) {
            in.println(command);
        }
    }

    /** Command-line options. */
    private record Options(int connections, int rounds, int warmup, int drain, int concurrency, long timeoutMillis) {

        static Options parse(String[] args) {
            int connections = 2000;
            int rounds = 5;
            int warmup = 2;
            int drain = 10_000;
            int concurrency = 256;
            long timeoutMillis = 60_000;
            for (int i = 0; i < args.length; i += 2) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("missing value after " + args[i]);
                }
                long value = Long.parseLong(args[i + 1]);
                switch (args[i]) {
                    case "--connections" -> connections = (int) value;
                    case "--rounds" -> rounds = (int) value;
                    case "--warmup" -> warmup = (int) value;
                    case "--drain" -> drain = (int) value;
                    case "--concurrency" -> concurrency = (int) value;
                    case "--timeout-ms" -> timeoutMillis = value;
                    default -> throw new IllegalArgumentException("unknown option " + args[i] + " (expected one of "
                            + Arrays.asList("--connections", "--rounds", "--warmup", "--drain", "--concurrency", "--timeout-ms") + ")");
                }
            }
            if (connections < 1 || rounds < 1 || warmup < 0 || drain < 0 || concurrency < 1 || timeoutMillis < 1) {
                throw new IllegalArgumentException("options must be positive (warm-up and drain may be 0)");
            }
            return new Options(connections, rounds, warmup, drain, concurrency, timeoutMillis);
        }
    }
}
