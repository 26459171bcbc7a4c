package io.github.wsclose.bench.load;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Idle-connection load tool: what an upgraded connection that sends nothing costs a server, in
 * memory and in CPU time. For each variant, in a fresh {@link ServerProcess}, it opens N WebSocket
 * connections and leaves them idle, then measures the server JVM's heap and direct memory after a
 * full GC (less the same before the connections opened) per connection, and its CPU time over an
 * idle period, as a share of one core.
 *
 * <pre>
 * java -cp target/benchmarks.jar io.github.wsclose.bench.load.IdleLoad
 *     [--connections 10000] [--idle-ms 10000] [--settle-ms 2000] [--rounds 1] [--concurrency 256] [--timeout-ms 120000]
 * </pre>
 *
 * <p>Variants: {@code stock} (Netty's own pipeline) and {@code ours} ({@code ServerPipeline} with its
 * defaults) for memory; {@code ours-ping-1s} (a ping after every second of quiet, so every idle
 * connection is pinged every second) and {@code ours-no-keepalive} (no pings) for the cost of
 * keepalive, beside {@code stock-ping-1s}, stock Netty with the usual keepalive recipe (an
 * {@code IdleStateHandler} whose reader-idle event sends a ping after a second with nothing read)
 * for what the same pings cost there. Each round runs every variant once, in an order that rotates. Exits with 0 when every
 * connection opened, 1 otherwise, and 2 on bad arguments.
 */
public final class IdleLoad {

    private static final List<String> VARIANTS = List.of("stock", "ours", "ours-ping-1s", "ours-no-keepalive", "stock-ping-1s");
    private static final Map<String, Long> DEFAULTS = Map.of("connections", 10_000L, "idle-ms", 10_000L,
            "settle-ms", 2000L, "rounds", 1L, "concurrency", 256L, "timeout-ms", 120_000L);

    private IdleLoad() {
    }

    public static void main(String[] args) throws Exception {
        LoadOptions options = LoadOptions.parseOrExit(args, DEFAULTS);
        Map<String, List<Idle>> results = new LinkedHashMap<>();
        VARIANTS.forEach(variant -> results.put(variant, new ArrayList<>()));
        int problems = 0;
        System.out.printf(Locale.ROOT, "idle connections: %s, %d cores%n", options, Runtime.getRuntime().availableProcessors());
        System.out.printf(Locale.ROOT, "  %-18s %-5s %13s %13s %12s %12s%n", "server", "round", "opened", "heap B/conn",
                "direct B/conn", "cpu % core");
        try (LoadClient client = new LoadClient(options.transport(), options.intValue("concurrency"))) {
            for (int round = 1; round <= Math.max(1, options.intValue("rounds")); round++) {
                for (int i = 0; i < VARIANTS.size(); i++) {
                    String variant = VARIANTS.get((round - 1 + i) % VARIANTS.size());
                    Idle idle = measure(variant, client, options);
                    problems += options.intValue("connections") - idle.opened;
                    idle.print(variant, round, options.intValue("connections"));
                    results.get(variant).add(idle);
                }
            }
        }
        System.out.println("summary (medians of the rounds)");
        results.forEach((variant, rounds) -> System.out.printf(Locale.ROOT, "  %-18s heap %.0f B/conn, direct %.0f B/conn, cpu %.2f%% of a core%n",
                variant, median(rounds, Idle::heapPerConnection), median(rounds, Idle::directPerConnection),
                median(rounds, Idle::cpuShare) * 100));
        System.out.printf(Locale.ROOT, "ours - stock: heap %+.0f B/conn, direct %+.0f B/conn%n",
                median(results.get("ours"), Idle::heapPerConnection) - median(results.get("stock"), Idle::heapPerConnection),
                median(results.get("ours"), Idle::directPerConnection) - median(results.get("stock"), Idle::directPerConnection));
        System.out.printf(Locale.ROOT, "keepalive, a ping a second on each connection: %+.2f%% of a core (ours-ping-1s - ours-no-keepalive)%n",
                (median(results.get("ours-ping-1s"), Idle::cpuShare) - median(results.get("ours-no-keepalive"), Idle::cpuShare)) * 100);
        System.out.printf(Locale.ROOT, "stock Netty's keepalive recipe, the same pings: %+.2f%% of a core (stock-ping-1s - stock)%n",
                (median(results.get("stock-ping-1s"), Idle::cpuShare) - median(results.get("stock"), Idle::cpuShare)) * 100);
        if (problems > 0) {
            System.out.println("FAILED: " + problems + " connections did not open");
        }
        System.exit(problems > 0 ? 1 : 0);
    }

    private static Idle measure(String variant, LoadClient client, LoadOptions options) throws Exception {
        try (ServerProcess server = new ServerProcess(options.transport(), Runtime.getRuntime().availableProcessors(), variant)) {
            closeAll(client.open(server.port(0), 100, options.longValue("timeout-ms"))); // loads the classes of a connection's life
            ServerProcess.Memory before = server.memory();
            List<ClientConnection> open = client.open(server.port(0), options.intValue("connections"), options.longValue("timeout-ms"));
            Thread.sleep(options.longValue("settle-ms")); // the upgrades' work and garbage end before the measurement
            ServerProcess.Memory after = server.memory();
            long cpuBefore = server.cpuNanos();
            long start = System.nanoTime();
            Thread.sleep(options.longValue("idle-ms")); // the measurement period, not a wait for an event
            double cpuShare = (server.cpuNanos() - cpuBefore) / (double) (System.nanoTime() - start);
            int opened = open.size();
            closeAll(open);
            return new Idle(opened, (after.heap() - before.heap()) / (double) Math.max(1, opened),
                    (after.direct() - before.direct()) / (double) Math.max(1, opened), cpuShare);
        }
    }

    private static void closeAll(List<ClientConnection> connections) {
        connections.forEach(ClientConnection::abort);
        connections.forEach(connection -> connection.closed().join());
    }

    private static double median(List<Idle> rounds, java.util.function.ToDoubleFunction<Idle> figure) {
        return Median.of(rounds.stream().map(figure::applyAsDouble).toList());
    }

    /** One variant's idle connections in one round. */
    private record Idle(int opened, double heapPerConnection, double directPerConnection, double cpuShare) {

        void print(String variant, int round, int requested) {
            System.out.printf(Locale.ROOT, "  %-18s %-5d %13s %13.0f %12.0f %12.2f%n", variant, round, opened + "/" + requested,
                    heapPerConnection, directPerConnection, cpuShare * 100);
        }
    }
}
