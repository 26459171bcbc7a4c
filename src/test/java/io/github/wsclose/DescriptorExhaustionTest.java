package io.github.wsclose;

import static io.github.wsclose.TestBytes.ascii;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.wsclose.example.Transport;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The example server in a JVM of its own limited to 256 file descriptors, flooded with connections that send
 * nothing until it cannot accept any more ({@code EMFILE}): it stays up, says so in one line and no stack trace,
 * and once the flood is gone it accepts again, upgrades a new client and echoes it. Before, the first failed accept
 * ended the listening event loop's thread (its warning could not be logged without a descriptor) and the server
 * never accepted again.
 */
@Tag(TestTransport.TAG)
class DescriptorExhaustionTest {

    private static final int DESCRIPTORS = 256;
    private static final int FLOOD = 600; // well past the limit; the kernel's backlog holds what is not accepted
    private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(20);
    private static final Pattern ACCEPT_FAILED = Pattern.compile("^accept failed: .*Too many open files");
    private static final Pattern ACCEPTING_AGAIN = Pattern.compile("^accepting again after \\d+ failed accepts");

    @Test
    void serverOutOfDescriptorsAcceptsAgainOnceTheFloodEnds() throws Exception {
        // no upgrade timeout during the flood: the connections hold their descriptors until the test closes them
        try (ExampleServerProcess server = ExampleServerProcess.startWithFileLimit(DESCRIPTORS, List.of("-Xmx64m"),
                "--port", "0", "--upgrade-timeout-ms", "120000")) {
            List<Socket> flood = new ArrayList<>();
            try {
                String failed = null;
                for (int i = 0; i < FLOOD && failed == null; i++) {
                    Socket socket = new Socket();
                    flood.add(socket);
                    socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port()), 10_000);
                    failed = server.awaitLine(ACCEPT_FAILED, 0);
                }
                if (failed == null) {
                    failed = server.awaitLine(ACCEPT_FAILED, WAIT_NANOS);
                }
                assertThat(failed).as("the server runs out of descriptors: " + server.transcript()).isNotNull();
                assertThat(server.isAlive()).isTrue();
                assertThat(descriptors(server)).as("descriptors open in the server").isBetween(DESCRIPTORS - 8L, (long) DESCRIPTORS);
            } finally {
                for (Socket socket : flood) {
                    socket.close();
                }
            }

            RawClient client = RawClient.upgradeOnceBack(server.port(), WAIT_NANOS); // the server is back once it accepted what waited in the backlog and closed it
            try (RawClient served = client) {
                served.send(WireFrame.of(WireFrame.TEXT, ascii("back?")));
                assertThat(served.readFrame()).isEqualTo(WireFrame.of(WireFrame.TEXT, ascii("back?")));
            }
            assertThat(server.awaitLine(ACCEPTING_AGAIN, WAIT_NANOS)).as("the server says it accepts again").isNotNull();
            // On io_uring an accept and a close complete later, in a batch of the ring: while the backlog drains the server
            // may run out again for a moment, an episode of its own (docs/transports.md). Each starts and ends with a line.
            String transcript = server.transcript();
            while (count(transcript, ACCEPT_FAILED) > count(transcript, ACCEPTING_AGAIN)
                    && server.awaitLine(ACCEPTING_AGAIN, WAIT_NANOS) != null) {
                transcript = server.transcript();
            }
            assertThat(count(transcript, ACCEPT_FAILED)).as("one line when an episode starts, one when it ends: " + transcript)
                    .isPositive()
                    .isEqualTo(count(transcript, ACCEPTING_AGAIN));
            if (TestTransport.transport() != Transport.IO_URING) {
                assertThat(count(transcript, ACCEPT_FAILED)).as("one episode: " + transcript).isOne();
            }
            assertThat(transcript).as("no stack trace").doesNotContain("\tat ", "Exception");
        }
    }

    /** How many lines of {@code transcript} match {@code pattern}. */
    private static long count(String transcript, Pattern pattern) {
        return transcript.lines().filter(line -> pattern.matcher(line).find()).count();
    }

    /** How many descriptors the server process holds, from {@code /proc}. */
    private static long descriptors(ExampleServerProcess server) throws IOException {
        try (var fds = Files.list(Path.of("/proc", Long.toString(server.pid()), "fd"))) {
            return fds.count();
        }
    }
}
