package io.github.wsclose;

import static io.github.wsclose.TestBytes.ascii;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Upgrade attempts on real loopback sockets: 2,000 slow or silent ones are all closed within the upgrade timeout,
 * counted from accept, while a client that upgrades in time is served all along.
 */
@Tag(TestTransport.TAG)
class UpgradeAttemptsTest {

    private static final Duration TIMEOUT = Duration.ofMillis(500);
    /** What a loaded machine with two shared cores may add to a timeout. */
    static final Duration SLACK = Duration.ofSeconds(3);
    private static final int ATTEMPTS = 2000;

    @Test
    void twoThousandSlowOrSilentAttemptsAreClosedWithinTheUpgradeTimeout() throws Exception {
        try (TestServer server = TestServer.builder().protection(ServerProtection.defaults().withUpgradeTimeout(TIMEOUT)).start();
                RawClient behaving = RawClient.upgrade(server.port())) {
            TestServer.Connection served = server.nextConnection();
            List<Socket> attempts = new ArrayList<>();
            List<Future<Boolean>> closedInTime = new ArrayList<>();
            // one thread watches the attempts in order while the next ones are still being made: opening 2,000 may take
            // longer than the timeout and the slack on a loaded machine, and an end looked for only after that could not
            // tell whether it came in time
            ExecutorService watcher = Executors.newSingleThreadExecutor();
            try {
                for (int i = 0; i < ATTEMPTS; i++) {
                    long deadline = System.nanoTime() + TIMEOUT.plus(SLACK).toNanos(); // from before the connect: the timer starts at accept
                    Socket attempt = new Socket();
                    attempts.add(attempt);
                    attempt.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port()), 10_000);
                    if (i % 2 == 1) { // slow: half a request, and never the rest
                        attempt.getOutputStream().write(ascii("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: web"));
                    }
                    closedInTime.add(watcher.submit(() -> endsBy(attempt, deadline))); // the socket is the watcher's from now on
                }
                for (int i = 0; i < ATTEMPTS; i++) {
                    assertThat(closedInTime.get(i).get(TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS)).as("attempt %d closed by the server in time", i)
                            .isTrue();
                }
            } finally {
                watcher.shutdownNow();
                for (Socket attempt : attempts) {
                    attempt.close();
                }
            }

            // each was told to the application before its channel closed
            assertThat(server.rejected(UpgradeRejected.Reason.TIMEOUT)).isEqualTo(ATTEMPTS);
            // the client that upgraded in time outlived them all and is still served
            behaving.send(WireFrame.of(WireFrame.TEXT, ascii("still here")));
            assertThat(behaving.readFrame()).isEqualTo(WireFrame.of(WireFrame.TEXT, ascii("still here")));
            assertThat(served.recorder().reports()).as("the WebSocket connection goes on").isEmpty();
        }
    }

    /** Reads from {@code socket} until the server closes it, or until {@code deadlineNanos}; tells whether it closed. */
    static boolean endsBy(Socket socket, long deadlineNanos) throws IOException {
        InputStream in = socket.getInputStream();
        byte[] buffer = new byte[4096];
        while (true) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
            if (left <= 0) {
                return false;
            }
            socket.setSoTimeout((int) left);
            try {
                if (in.read(buffer) < 0) {
                    return true;
                }
            } catch (SocketTimeoutException e) {
                return false;
            } catch (SocketException reset) {
                return true; // a reset ends it too
            }
        }
    }
}
