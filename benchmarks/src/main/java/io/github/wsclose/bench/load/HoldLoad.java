package io.github.wsclose.bench.load;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * What incomplete messages hold: N connections to a {@link ServerProcess} of our
 * {@code ServerPipeline} with messages of up to 16 MiB ({@code ours-16mib}) each send F fragments
 * of B bytes of one binary message and never its last frame, and the tool reads the server's heap
 * after a GC, direct memory and resident set size before the connections, with them idle, with
 * their fragments held, and after they closed.
 *
 * <pre>
 * java -cp target/benchmarks.jar io.github.wsclose.bench.load.HoldLoad
 *     [--connections 200] [--fragment-bytes 1048576] [--fragments 1] [--threads 2] [--concurrency 64] [--timeout-ms 60000]
 * </pre>
 *
 * <p>Each connection sends a ping after its fragments and waits for the pong, so the server has read
 * them before the memory is read. Exits with 0 when every connection opened, every fragment was
 * read, and the server fired one {@code CloseReport} per connection once they closed; 1 otherwise,
 * and 2 on bad arguments. The memory never changes the exit status.
 */
public final class HoldLoad {

    private static final Map<String, Long> DEFAULTS = Map.of("connections", 200L, "fragment-bytes", 1L << 20, "fragments", 1L,
            "threads", 2L, "concurrency", 64L, "timeout-ms", 60_000L);

    private HoldLoad() {
    }

    public static void main(String[] args) throws Exception {
        LoadOptions options = LoadOptions.parseOrExit(args, DEFAULTS);
        int count = options.intValue("connections");
        int fragments = options.intValue("fragments");
        long timeout = options.longValue("timeout-ms");
        ByteBuf fragment = Unpooled.unreleasableBuffer(Unpooled.directBuffer(options.intValue("fragment-bytes"))
                .writeZero(options.intValue("fragment-bytes")));
        int problems = 0;
        try (ServerProcess server = new ServerProcess(options.transport(), options.intValue("threads"), "ours-16mib");
                LoadClient client = new LoadClient(options.transport(), options.intValue("concurrency"))) {
            System.out.printf(Locale.ROOT, "hold: %s, %d cores%n", options, Runtime.getRuntime().availableProcessors());
            ServerProcess.Footprint before = server.footprint();
            long reportsBefore = server.reports();
            List<ClientConnection> connections = client.open(server.port(0), count, timeout);
            problems += count - connections.size();
            ServerProcess.Footprint idle = server.footprint();

            for (int i = 0; i < fragments; i++) {
                List<CompletableFuture<Void>> read = new ArrayList<>();
                for (ClientConnection connection : connections) {
                    ByteBuf payload = fragment.duplicate();
                    read.add(connection.sendThenPing(i == 0 ? new BinaryWebSocketFrame(false, 0, payload)
                            : new ContinuationWebSocketFrame(false, 0, payload))); // never the final frame
                }
                for (CompletableFuture<Void> pong : read) {
                    try {
                        pong.get(timeout, TimeUnit.MILLISECONDS);
                    } catch (Exception notRead) {
                        problems++;
                    }
                }
            }
            ServerProcess.Footprint holding = server.footprint();

            connections.forEach(ClientConnection::abort);
            LoadClient.awaitClosed(connections, timeout);
            long reports = reportsBefore;
            for (int i = 0; i < 100 && reports - reportsBefore < connections.size(); i++) {
                Thread.sleep(100); // the server fires a report when it sees TCP closed, which the client may see first
                reports = server.reports();
            }
            problems += (int) Math.abs(reports - reportsBefore - connections.size());
            ServerProcess.Footprint closed = server.footprint();

            long held = (long) connections.size() * fragments * options.longValue("fragment-bytes");
            System.out.printf(Locale.ROOT, "  %d connections, each %d fragment(s) of %d bytes without a final frame: %.1f MiB held%n",
                    connections.size(), fragments, options.longValue("fragment-bytes"), held / 1048576.0);
            System.out.printf(Locale.ROOT, "  before:       %s%n  idle:         %s%n  holding:      %s%n  closed:       %s%n",
                    before, idle, holding, closed);
            System.out.printf(Locale.ROOT, "  holding - idle: heap %+.1f MiB, direct %+.1f MiB, RSS %+.1f MiB (%.2f x the bytes held)%n",
                    (holding.heap() - idle.heap()) / 1048576.0, (holding.direct() - idle.direct()) / 1048576.0,
                    (holding.rss() - idle.rss()) / 1048576.0,
                    (holding.heap() - idle.heap() + holding.direct() - idle.direct()) / (double) Math.max(1, held));
            System.out.printf(Locale.ROOT, "  reports: %d for %d connections%n", reports - reportsBefore, connections.size());
        }
        if (problems > 0) {
            System.out.println("FAILED: " + problems + " connections did not open, a fragment was not read, or a report is missing");
        }
        System.exit(problems > 0 ? 1 : 0);
    }
}
