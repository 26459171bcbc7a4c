package io.github.wsclose;

import static io.github.wsclose.TestBytes.ascii;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A ping flood and an echo flood from a peer that never reads, against the example server in a JVM of its own with a
 * small heap and little direct memory: the server stays up, another connection is served all along, the offender is
 * closed, and the memory comes back (a second flood, after the first offender is gone, is survived as well). Before
 * the protections, either flood ran such a server out of memory within a few MiB.
 *
 * <p>The echo flood's offender is closed as a slow consumer: its echoes wait unread. The ping flood's offender gets at
 * most {@value ConnectionGuard#PONGS_IN_FLIGHT} pongs and one more per read of the server, some kilobytes for its
 * 64 MiB of pings, which its socket buffers may hold for long: whether a pong waits past the pong timeout first depends
 * on how large the kernel lets them grow. It costs the server its reads, as any peer that sends bytes does, and since
 * pings are no use of the connection, the idle timeout closes it; that test turns the pong timeout off so that the
 * idle timeout is the one way it ends.
 */
@Tag(TestTransport.TAG)
class FloodTest {

    private static final int FLOOD_MIB = 64;
    private static final long WAIT_MILLIS = 20_000;
    /** How often the other connection is asked for an echo: well within the idle timeout, which would close it too. */
    private static final long ECHO_EVERY_NANOS = TimeUnit.MILLISECONDS.toNanos(1_000);
    private static final String IDLE_TIMEOUT_MILLIS = "8000";

    private ExampleServerProcess server;

    @AfterEach
    void stopServer() throws Exception {
        if (server != null) {
            server.close(); // checks that it exits on SIGTERM with no OutOfMemoryError and no leak
        }
    }

    @Test
    void pingFloodFromAPeerThatNeverReads() throws Exception {
        // no pong timeout: no slow consumer found by its pongs, which may fit in its socket buffers for long
        server = start("--pong-timeout-ms", "0", "--idle-timeout-ms", IDLE_TIMEOUT_MILLIS);
        byte[] pings = repeat(WireFrame.of(WireFrame.PING, new byte[125]).masked(0x1234567), 1 << 20);
        floodTwiceWhileServing(pings, "idle-timeout");
    }

    @Test
    void echoFloodFromAPeerThatNeverReads() throws Exception {
        server = start("--pong-timeout-ms", "1000");
        byte[] messages = repeat(WireFrame.of(WireFrame.BINARY, new byte[65536]).masked(0x7654321), 1 << 20);
        floodTwiceWhileServing(messages, "slow-consumer");
    }

    /** The example server with a small heap, little direct memory, a short close timeout and a small pending-bytes limit. */
    private static ExampleServerProcess start(String... flags) throws Exception {
        List<String> all = new ArrayList<>(List.of("--port", "0", "--close-timeout-ms", "1000", "--max-pending-bytes", "1048576"));
        all.addAll(List.of(flags));
        return ExampleServerProcess.start(List.of("-Xmx48m", "-XX:MaxDirectMemorySize=48m"), all.toArray(String[]::new));
    }

    /**
     * Two offenders one after the other, each flooding up to FLOOD_MIB, while a third connection is served; the
     * report line the server prints for each offender names {@code cause}.
     */
    private void floodTwiceWhileServing(byte[] block, String cause) throws Exception {
        try (RawClient bystander = RawClient.upgrade(server.port())) {
            for (int round = 0; round < 2; round++) {
                int offender = floodUntilClosed(block, bystander);
                assertThat(offender).as("round %d: the offender is closed", round).isPositive();
                assertThat(server.awaitLine(Pattern.compile("closed [^ ]*:" + offender + " .* cause=" + cause + "( |$)"), TimeUnit.SECONDS.toNanos(10)))
                        .as("round %d: the offender's report, cause=%s, in:%n%s", round, cause, server.transcript()).isNotNull();
                assertEchoes(bystander, "after round " + round);
            }
        }
        assertThat(server.isAlive()).isTrue();
    }

    /**
     * Upgrades a connection that never reads and sends {@code block} again and again, up to FLOOD_MIB, then a small
     * ping every 50 ms; returns its local port if the server closed it (a write fails) within WAIT_MILLIS, else -1.
     */
    private int floodUntilClosed(byte[] block, RawClient bystander) throws Exception {
        long sent = 0;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
        byte[] ping = WireFrame.of(WireFrame.PING, new byte[0]).masked(0x1111);
        try (Socket offender = new Socket()) {
            offender.setReceiveBufferSize(4096); // before connecting, so that the window stays small
            offender.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port()), 10_000);
            OutputStream out = offender.getOutputStream();
            out.write(ascii(HandshakeChannel.upgradeRequest("13")));
            InputStream in = offender.getInputStream();
            for (int matched = 0; matched < 4; ) { // reads the 101 response, as a client MUST before it sends frames, then never again
                int b = in.read();
                assertThat(b).as("the 101 response").isNotNegative();
                matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : b == '\r' ? 1 : 0;
            }
            for (long nextEcho = System.nanoTime() + ECHO_EVERY_NANOS; System.nanoTime() < deadline; ) {
                boolean flooding = sent < (long) FLOOD_MIB << 20;
                try {
                    out.write(flooding ? block : ping);
                } catch (IOException closedByTheServer) {
                    return offender.getLocalPort();
                }
                if (flooding) {
                    sent += block.length;
                } else {
                    Thread.sleep(50); // the pace of the probe, bounded by the deadline: not a synchronisation
                }
                if (System.nanoTime() >= nextEcho) {
                    assertEchoes(bystander, "at " + (sent >> 20) + " MiB of flood");
                    nextEcho = System.nanoTime() + ECHO_EVERY_NANOS;
                }
            }
        }
        return -1;
    }

    private static void assertEchoes(RawClient bystander, String when) throws IOException {
        bystander.send(WireFrame.of(WireFrame.TEXT, ascii("still there?")));
        WireFrame echo = bystander.readFrame();
        while (echo != null && echo.opcode() == WireFrame.PING) { // the keepalive may ping it: answer as a live peer does
            bystander.send(WireFrame.of(WireFrame.PONG, echo.payload()));
            echo = bystander.readFrame();
        }
        assertThat(echo).as("the other connection is served " + when).isEqualTo(WireFrame.of(WireFrame.TEXT, ascii("still there?")));
    }

    private static byte[] repeat(byte[] frame, int atLeast) {
        ByteArrayOutputStream block = new ByteArrayOutputStream(atLeast + frame.length);
        while (block.size() < atLeast) {
            block.writeBytes(frame);
        }
        return block.toByteArray();
    }
}
