package io.github.wsclose.bench.load;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * Drain load tool: does a {@code GracefulDrain} of many connections keep the rate at which their
 * clients are told to come back within its bound, and end within its deadline? Each run starts a
 * {@link ServerProcess} whose connections join a drain ({@code ours-drain}), drains W connections
 * there at once so that the close path is compiled, as on a server that has served a while, then
 * opens N WebSocket connections, starts the drain with a plan (1012 SERVICE_RESTART, the readiness
 * delay, spread and deadline of the options), and records on the client when each close frame
 * arrived and when each connection closed. It reports the most close frames in one 100 ms bucket
 * (counted from the drain's start), as the server wrote them and as the client received them,
 * against the drain's bound {@code ⌈N × 100 ms / window⌉ + 2} and the even rate
 * {@code N × 100 ms / window}, the clean closes with 1012, and the time from the drain's start to
 * the last close and to the server's result, against the deadline. The bound holds for what the
 * server writes; the one client process receives close frames that its own pauses (a GC, no free
 * core) may bunch, which a fleet of clients on their own machines would not.
 *
 * <pre>
 * java -cp target/benchmarks.jar io.github.wsclose.bench.load.DrainLoad
 *     [--connections 10000] [--spread-ms 10000] [--deadline-ms 20000] [--readiness-delay-ms 0] [--runs 3]
 *     [--warmup-drain 2000] [--rate-check 1] [--concurrency 256] [--timeout-ms 120000]
 * </pre>
 *
 * <p>Exits with 0 when in every run every connection opened and closed cleanly with 1012, the
 * server wrote no more close frames in any 100 ms bucket than the bound (unless
 * {@code --rate-check 0}: the peak is then reported only), and the last close and the server's result came within the deadline; 1
 * otherwise, and 2 on bad arguments. {@code --spread-ms 0} sends every close frame at once: it has
 * no bound, and shows the reconnect storm a spread avoids.
 */
public final class DrainLoad {

    private static final int DRAIN_CODE = 1012; // SERVICE_RESTART
    private static final Map<String, Long> DEFAULTS = Map.of("connections", 10_000L, "spread-ms", 10_000L,
            "deadline-ms", 20_000L, "readiness-delay-ms", 0L, "runs", 3L, "warmup-drain", 2000L, "rate-check", 1L, "concurrency", 256L,
            "timeout-ms", 120_000L);

    private DrainLoad() {
    }

    public static void main(String[] args) throws Exception {
        LoadOptions options = LoadOptions.parseOrExit(args, DEFAULTS);
        System.out.printf(Locale.ROOT, "graceful drain with %d: %s, %d cores%n", DRAIN_CODE, options,
                Runtime.getRuntime().availableProcessors());
        List<Run> runs = new ArrayList<>();
        try (LoadClient client = new LoadClient(options.transport(), options.intValue("concurrency"))) {
            for (int run = 1; run <= Math.max(1, options.intValue("runs")); run++) {
                Run result = drain(client, options);
                result.print(run);
                runs.add(result);
            }
        }
        long failed = runs.stream().filter(run -> !run.passed()).count();
        if (runs.size() > 1) {
            System.out.println("summary (median, min-max of the runs)");
            summarise("peak received per 100 ms", runs, Run::peak);
            summarise("peak in any 100 ms", runs, run -> run.arrivals.peakInAny100Ms());
            summarise("server: peak written per 100 ms", runs, run -> run.drained.sentPeak());
            summarise("last close frame, ms", runs, run -> run.arrivals.lastNanos() / 1e6);
            summarise("last TCP close, ms", runs, run -> run.lastClosedNanos / 1e6);
            summarise("server's result, ms", runs, run -> run.resultNanos / 1e6);
        }
        if (failed > 0) {
            System.out.println("FAILED: " + failed + " of " + runs.size() + " runs exceeded the bound or the deadline,"
                    + " or had connections that did not open or close cleanly with " + DRAIN_CODE);
        }
        System.exit(failed > 0 ? 1 : 0);
    }

    private static Run drain(LoadClient client, LoadOptions options) throws Exception {
        int connections = options.intValue("connections");
        try (ServerProcess server = new ServerProcess(options.transport(), Runtime.getRuntime().availableProcessors(), "ours-drain")) {
            if (options.intValue("warmup-drain") > 0) { // the close path compiled first, as on a server that has served a while
                List<ClientConnection> warm = client.open(server.port(0), options.intValue("warmup-drain"), options.longValue("timeout-ms"));
                server.drain(DRAIN_CODE, options.longValue("deadline-ms"));
                LoadClient.awaitClosed(warm, options.longValue("timeout-ms"));
            }
            List<ClientConnection> open = client.open(server.port(0), connections, options.longValue("timeout-ms"));
            long start = System.nanoTime();
            ServerProcess.Drained drained = server.drain(DRAIN_CODE, options.longValue("deadline-ms"),
                    options.longValue("readiness-delay-ms"), options.longValue("spread-ms"));
            long resultNanos = System.nanoTime() - start;
            LoadClient.awaitClosed(open, options.longValue("timeout-ms"));
            CloseArrivals arrivals = new CloseArrivals(open.stream().filter(connection -> connection.closeCodeReceived() != -2)
                    .mapToLong(connection -> Math.max(0, connection.closeReceivedNanos() - start)).toArray());
            long lastClosed = 0;
            int clean = 0;
            for (ClientConnection connection : open) {
                lastClosed = Math.max(lastClosed, connection.closedNanos() - start);
                clean += connection.clean() && connection.closeCodeReceived() == DRAIN_CODE ? 1 : 0;
            }
            return new Run(connections, open.size(), clean, arrivals, lastClosed, resultNanos, TimeUnit.MILLISECONDS.toNanos(options.longValue("deadline-ms")),
                    options.longValue("rate-check") != 0, drained);
        }
    }

    private static void summarise(String figure, List<Run> runs, ToDoubleFunction<Run> value) {
        List<Double> values = runs.stream().map(value::applyAsDouble).toList();
        System.out.printf(Locale.ROOT, "  %-32s %.0f (%.0f-%.0f)%n", figure, Median.of(values), Collections.min(values),
                Collections.max(values));
    }

    /** One drain: what the client saw and what the server said. */
    private record Run(int requested, int opened, int clean, CloseArrivals arrivals, long lastClosedNanos, long resultNanos,
            long deadlineNanos, boolean rateChecked, ServerProcess.Drained drained) {

        int bound() {
            return CloseArrivals.bound(opened, drained.spreadNanos());
        }

        int peak() {
            return arrivals.peakPerBucket();
        }

        boolean passed() {
            return opened == requested && clean == opened && drained.forced() == 0 && drained.unclean() == 0
                    && (drained.sentPeak() <= bound() || !rateChecked) && lastClosedNanos <= deadlineNanos && resultNanos <= deadlineNanos;
        }

        void print(int run) {
            int[] buckets = arrivals.perBucket();
            int peak = peak();
            int peakAt = 0;
            int overBound = 0;
            for (int i = 0; i < buckets.length; i++) {
                peakAt = buckets[i] == peak && peakAt == 0 ? i : peakAt;
                overBound += buckets[i] > bound() ? 1 : 0;
            }
            System.out.printf(Locale.ROOT, "run %d: %d/%d connections opened%s%n", run, opened, requested, passed() ? "" : " FAILED");
            System.out.printf(Locale.ROOT, "  close frames received per 100 ms: peak %d at %d ms (%.1f%% of %d), bound %s, even rate %.1f;"
                    + " %d of %d buckets over the bound; peak in any 100 ms %d%n", peak, peakAt * 100, 100.0 * peak / Math.max(1, opened),
                    opened, drained.spreadNanos() == 0 ? "none (spread 0)" : Integer.toString(bound()),
                    CloseArrivals.ideal(opened, drained.spreadNanos()), overBound, buckets.length, arrivals.peakInAny100Ms());
            System.out.printf(Locale.ROOT, "  the server wrote at most %d close frames in one 100 ms bucket (bound %s)%n", drained.sentPeak(),
                    drained.spreadNanos() == 0 ? "none" : Integer.toString(bound()));
            System.out.printf(Locale.ROOT, "  clean with %d: %d, unclean or another code: %d%n", DRAIN_CODE, clean, opened - clean);
            System.out.printf(Locale.ROOT, "  from the drain's start: last close frame %.0f ms, last TCP close %.0f ms,"
                    + " server's result %.0f ms (deadline %.0f ms)%n", arrivals.lastNanos() / 1e6, lastClosedNanos / 1e6,
                    resultNanos / 1e6, deadlineNanos / 1e6);
            System.out.println("  server: " + drained);
        }
    }
}
