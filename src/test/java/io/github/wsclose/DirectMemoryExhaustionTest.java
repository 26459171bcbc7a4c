package io.github.wsclose;

import static io.github.wsclose.TestBytes.ascii;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The example server in a JVM of its own with 16 MiB of direct memory and a 16 MiB message limit, flooded with
 * connections that each send 1 MiB of a message and never its end, until Netty's buffers run out: the connections
 * whose buffers could not grow are failed with 1011 and reported, the server stays up, and once the flood is gone a
 * new client upgrades and gets a message of the flood's size echoed, every connection is reported once, and the server
 * exits cleanly on SIGTERM.
 */
class DirectMemoryExhaustionTest {

    private static final int FLOOD = 64; // 64 MiB of incomplete messages against 16 MiB
    private static final byte[] FRAGMENT = new byte[1 << 20];
    private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(20);
    private static final Pattern OUT_OF_DIRECT_MEMORY =
            Pattern.compile("^closed .* cause=unexpected-error failure=\"java\\.lang\\.OutOfMemoryError: Cannot reserve \\d+ bytes of direct buffer memory");

    private static final Pattern REPORT = Pattern.compile("^closed ");

    @Test
    void serverOutOfDirectMemoryServesAgainOnceTheFloodEnds() throws Exception {
        try (ExampleServerProcess server = ExampleServerProcess.startWhereDirectMemoryRunsOut(
                List.of("-Xmx64m", "-XX:MaxDirectMemorySize=16m"), "--port", "0", "--max-message-bytes", "16777216")) {
            List<RawClient> flood = new ArrayList<>();
            try {
                String failed = null;
                for (int i = 0; i < FLOOD && failed == null; i++) {
                    RawClient client = RawClient.upgrade(server.port());
                    flood.add(client);
                    client.sendKeepingFailure(List.of(WireFrame.withFirstByte(WireFrame.BINARY, FRAGMENT))); // no FIN: the message goes on
                    failed = server.awaitLine(OUT_OF_DIRECT_MEMORY, TimeUnit.MILLISECONDS.toNanos(100));
                }
                if (failed == null) {
                    failed = server.awaitLine(OUT_OF_DIRECT_MEMORY, WAIT_NANOS);
                }
                assertThat(failed).as("the server runs out of direct memory: " + server.transcript()).isNotNull();
                assertThat(server.isAlive()).isTrue();
            } finally {
                for (RawClient client : flood) {
                    client.close();
                }
            }

            try (RawClient served = RawClient.upgrade(server.port())) {
                served.send(WireFrame.of(WireFrame.TEXT, ascii("back?")));
                assertThat(served.readFrame()).isEqualTo(WireFrame.of(WireFrame.TEXT, ascii("back?")));
                served.send(WireFrame.of(WireFrame.BINARY, FRAGMENT));
                assertThat(served.readFrame()).as("a message of the flood's size, echoed").isEqualTo(WireFrame.of(WireFrame.BINARY, FRAGMENT));
            }
            int connections = flood.size() + 1;
            long deadline = System.nanoTime() + WAIT_NANOS;
            while (reports(server) < connections && server.awaitLine(REPORT, Math.max(0, deadline - System.nanoTime())) != null) {
                // each line is counted in the transcript
            }
            assertThat(reports(server)).as("one report per connection: " + server.transcript()).isEqualTo(connections);
            assertThat(server.transcript()).as("no stack trace").doesNotContain("\tat ", "Exception in thread");
        }
    }

    private static long reports(ExampleServerProcess server) {
        return server.transcript().lines().filter(line -> REPORT.matcher(line).find()).count();
    }
}
