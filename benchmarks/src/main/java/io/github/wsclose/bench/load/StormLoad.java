package io.github.wsclose.bench.load;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.HdrHistogram.Histogram;

/**
 * What a hostile neighbour does to a well-behaved client: a reconnect storm (connect, upgrade, close
 * at once, R cycles a second) and P peers that ping as fast as their channel takes it and read
 * every pong, against one {@link ServerProcess} of our {@code ServerPipeline} with its defaults,
 * while a probe connection of its own client keeps a window of W 64-byte echoes in flight and
 * records their round trips. The probe runs alone for a quiet phase first, then beside the attack,
 * so its latency shows what the attack costs it.
 *
 * <pre>
 * java -cp target/benchmarks.jar io.github.wsclose.bench.load.StormLoad
 *     [--rate 1000] [--duration-ms 60000] [--pingers 0] [--quiet-ms 5000] [--probe-window 1] [--threads 2]
 *     [--concurrency 256] [--timeout-ms 10000]
 * </pre>
 *
 * <p>The storm opens its connections in slots of 100 ms, {@code rate / 10} a slot, each closed
 * with 1000 as soon as its upgrade completed; a slot that cannot keep up delays the next, so the
 * rate reached is reported beside the rate asked for. At the end it reports the cycles done, the
 * {@code CloseReport}s the server fired (one per cycle, or it leaked a connection or a report), the
 * probe's round trips in both phases, the pings sent and pongs received, and the server's heap
 * after a GC, direct memory and resident set size before and after. Exits with 0 when every cycle
 * upgraded and closed cleanly, the server fired one report per cycle and the probe kept echoing,
 * 1 otherwise, and 2 on bad arguments; latency and rate never change the exit status.
 */
public final class StormLoad {

    private static final Map<String, Long> DEFAULTS = Map.of("rate", 1000L, "duration-ms", 60_000L, "pingers", 0L,
            "quiet-ms", 5000L, "probe-window", 1L, "threads", 2L, "concurrency", 256L, "timeout-ms", 10_000L);
    private static final long SLOT_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private StormLoad() {
    }

    public static void main(String[] args) throws Exception {
        LoadOptions options = LoadOptions.parseOrExit(args, DEFAULTS);
        long timeout = options.longValue("timeout-ms");
        ByteBuf message = Unpooled.unreleasableBuffer(Unpooled.directBuffer(64)
                .writeBytes("x".repeat(64).getBytes(StandardCharsets.US_ASCII)));
        int problems = 0;
        try (ServerProcess server = new ServerProcess(options.transport(), options.intValue("threads"), "ours-counted");
                LoadClient probeClient = new LoadClient(options.transport(), 1);
                LoadClient pingerClient = new LoadClient(options.transport(), 1);
                LoadClient stormClient = new LoadClient(options.transport(), options.intValue("concurrency"))) {
            int port = server.port(0);
            System.out.printf(Locale.ROOT, "storm: %s, %d cores%n", options, Runtime.getRuntime().availableProcessors());
            List<ClientConnection> probe = probeClient.open(port, 1, timeout);
            List<ClientConnection> pingers = pingerClient.open(port, options.intValue("pingers"), timeout);
            if (probe.size() != 1 || pingers.size() != options.intValue("pingers")) {
                System.out.println("FAILED: the probe or a pinger did not open");
                System.exit(1);
            }
            ServerProcess.Footprint before = server.footprint();
            long reportsBefore = server.reports();

            CompletableFuture<Histogram> quietEcho = probe.get(0).startEcho(message, options.intValue("probe-window"));
            Thread.sleep(options.longValue("quiet-ms")); // the measurement period, not a wait for an event
            probe.get(0).stopEcho();
            Histogram quiet = quietEcho.join();

            CompletableFuture<Histogram> stormEcho = probe.get(0).startEcho(message, options.intValue("probe-window"));
            pingers.forEach(ClientConnection::startPingFlood);
            Storm storm = storm(stormClient, port, options);
            List<ClientConnection.Pings> pings = new ArrayList<>();
            for (ClientConnection pinger : pingers) {
                pings.add(pinger.stopPingFlood().join());
            }
            probe.get(0).stopEcho();
            Histogram during;
            try {
                during = stormEcho.join();
            } catch (RuntimeException closed) {
                problems++;
                during = new Histogram(3);
            }
            int upgraded = storm.closes.size();
            int clean = 0;
            try {
                CompletableFuture.allOf(storm.closes.toArray(CompletableFuture[]::new)).get(timeout, TimeUnit.MILLISECONDS);
            } catch (TimeoutException notAllClosed) {
                System.out.println("  not closed within " + timeout + " ms: "
                        + storm.closes.stream().filter(c -> !c.isDone()).count() + " cycles");
            }
            for (CompletableFuture<Boolean> close : storm.closes) {
                clean += close.getNow(false) ? 1 : 0;
            }
            long reports = reportsBefore;
            for (int i = 0; i < 100 && reports - reportsBefore < upgraded; i++) {
                Thread.sleep(100); // the server fires a report when TCP closed, which the client may see first
                reports = server.reports();
            }
            ServerProcess.Footprint after = server.footprint();

            System.out.printf(Locale.ROOT, "  cycles: %d asked for, %d upgraded, %d closed cleanly with 1000, %d not upgraded,"
                    + " in %.1f s: %.0f cycles/s (asked for %d)%n", storm.asked, upgraded, clean,
                    storm.asked - upgraded, storm.nanos / 1e9, upgraded * 1e9 / storm.nanos,
                    options.longValue("rate"));
            System.out.printf(Locale.ROOT, "  reports: %d fired by the server for %d cycles%n", reports - reportsBefore,
                    upgraded);
            print("probe alone", quiet);
            print("probe in the storm", during);
            for (ClientConnection.Pings p : pings) {
                System.out.printf(Locale.ROOT, "  pinger: %d pings sent, %d pongs received%n", p.sent(), p.pongs());
            }
            System.out.printf(Locale.ROOT, "  server before: %s%n  server after:  %s%n", before, after);

            problems += storm.asked - clean;
            problems += (int) Math.abs(reports - reportsBefore - upgraded);
            List<ClientConnection> rest = new ArrayList<>(probe);
            rest.addAll(pingers);
            rest.forEach(connection -> connection.startClose(1000, ""));
            LoadClient.awaitClosed(rest, timeout);
            for (ClientConnection connection : rest) {
                if (!connection.clean()) {
                    System.out.println("  " + (connection == probe.get(0) ? "probe" : "pinger") + " did not close cleanly: close code "
                            + connection.closeCodeReceived() + " received, failure " + connection.failure());
                    problems++;
                }
            }
        }
        if (problems > 0) {
            System.out.println("FAILED: " + problems + " cycles, reports or probe connections went wrong");
        }
        System.exit(problems > 0 ? 1 : 0);
    }

    /** Runs the storm for the duration: {@code rate / 10} connect-upgrade-close cycles every 100 ms. */
    private static Storm storm(LoadClient client, int port, LoadOptions options) throws InterruptedException {
        long rate = options.longValue("rate");
        int perSlot = rate == 0 ? 0 : (int) Math.max(1, rate / 10); // 0: no storm, the pingers alone
        long start = System.nanoTime();
        long end = start + TimeUnit.MILLISECONDS.toNanos(options.longValue("duration-ms"));
        List<CompletableFuture<Boolean>> closes = new ArrayList<>(); // not the connections: 100,000 pipelines would fill the heap
        int asked = 0;
        for (long slot = start; slot < end && System.nanoTime() < end; slot += SLOT_NANOS) { // a slot late delays the rest
            long wait = slot - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait); // pacing to the next slot, not a wait for an event
            }
            asked += perSlot;
            if (perSlot == 0) {
                continue;
            }
            for (ClientConnection connection : client.open(port, perSlot, options.longValue("timeout-ms"))) {
                connection.startClose(1000, "");
                closes.add(connection.closed().thenApply(c -> c.clean() && c.closeCodeReceived() == 1000));
            }
        }
        return new Storm(asked, closes, System.nanoTime() - start);
    }

    private static void print(String what, Histogram roundTrips) {
        System.out.printf(Locale.ROOT, "  %-19s %8d echoes, round trip p50 %.0f us, p99 %.0f us, max %.1f ms%n", what + ":",
                roundTrips.getTotalCount(), roundTrips.getValueAtPercentile(50) / 1e3, roundTrips.getValueAtPercentile(99) / 1e3,
                roundTrips.getMaxValue() / 1e6);
    }

    /** The storm's cycles: how many were asked for, whether each that upgraded closed cleanly with 1000, and how long it ran. */
    private record Storm(int asked, List<CompletableFuture<Boolean>> closes, long nanos) {
    }
}
