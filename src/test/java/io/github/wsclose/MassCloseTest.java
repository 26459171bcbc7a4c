package io.github.wsclose;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.UnixOperatingSystemMXBean;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.ref.WeakReference;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Thousands of connections on loopback closing at once, half of them by the peer and half by
 * the server: every connection gets exactly one clean report on both sides, the server still
 * serves a new connection afterwards, its heap returns to about where it started, and no
 * closed channel stays reachable.
 *
 * <p>The clients run in a JVM of their own ({@link MassCloseClient}), so that each process has
 * the whole file descriptor limit. 10,000 connections by default, or
 * {@code -Dmassclose.connections=N}. If {@code ulimit -n} is too low for the number asked, the
 * test fails and says how high to raise it.
 */
@Tag(TestTransport.TAG)
class MassCloseTest {

    private static final int DEFAULT_CONNECTIONS = 10_000;
    /** Descriptors each process keeps for itself: jars, selectors, pipes, the listening socket. */
    private static final int DESCRIPTOR_RESERVE = 300;
    private static final int WARM_UP_CONNECTIONS = 50;
    /**
     * Heap the test allows to stay in use after all connections closed: room for pools and
     * caches that warm up with load (recyclers, allocator caches), plus 256 bytes per
     * connection. Measured: 0.2 MiB stays after 2,000 connections and 0.7 MiB after 10,000,
     * while keeping just the closed channels (their pipelines already torn down) reachable
     * adds 1.8 KiB each, so a leak of any per-connection object graph exceeds this.
     */
    private static final long FIXED_HEAP_ALLOWANCE = 2L << 20;
    private static final long HEAP_ALLOWANCE_PER_CONNECTION = 256;
    private static final long WAIT_SECONDS = 60;

    @Test
    void everyConnectionClosingAtOnceGetsExactlyOneReport() throws Exception {
        int connections = Integer.getInteger("massclose.connections", DEFAULT_CONNECTIONS);
        requireDescriptorsFor(connections);
        // as long as the wait for the reports: a slow run fails there, by its deadline, never as closes made unclean by load
        ClosingHandshakeConfig config = ClosingHandshakeConfig.server().withCloseTimeout(Duration.ofSeconds(WAIT_SECONDS));
        try (TestServer server = TestServer.builder().config(config).echo(false)
                .bootstrap(bootstrap -> bootstrap.option(ChannelOption.SO_BACKLOG, 1024)).start()) {
            for (int i = 0; i < WARM_UP_CONNECTIONS; i++) {
                serveOneConnection(server);
            }
            long heapBefore = usedHeapAfterGc();

            List<WeakReference<Channel>> closed;
            try (ClientProcess clients = ClientProcess.start(server.port(), connections)) {
                closed = closeAllAtOnce(server, clients, connections);
                assertThat(clients.expectLine("DONE")).isEqualTo("DONE reports=" + connections + " clean=" + connections + " failed=0");
                assertThat(clients.exitCode()).isZero();
            }
            serveOneConnection(server);

            long heapAfter = usedHeapAfterGc();
            long allowance = FIXED_HEAP_ALLOWANCE + HEAP_ALLOWANCE_PER_CONNECTION * connections;
            System.out.printf("fault: %d connections closed at once: heap %d KiB before, %d KiB after (allowed growth %d KiB)%n",
                    connections, heapBefore >> 10, heapAfter >> 10, allowance >> 10);
            assertThat(heapAfter - heapBefore).as("heap growth in bytes after %s connections", connections).isLessThan(allowance);
            assertThat(closed).as("closed channels still reachable").noneMatch(channel -> channel.get() != null);
        }
    }

    /**
     * Tells every client its part, starts all closes at once, and checks every server-side
     * report; returns the closed channels, weakly held.
     */
    private static List<WeakReference<Channel>> closeAllAtOnce(TestServer server, ClientProcess clients, int connections)
            throws Exception {
        List<TestServer.Connection> peerFirst = new ArrayList<>(connections / 2 + 1);
        List<TestServer.Connection> serverFirst = new ArrayList<>(connections / 2 + 1);
        for (int i = 0; i < connections; i++) {
            TestServer.Connection connection = server.nextConnection();
            boolean peerCloses = i % 2 == 0;
            (peerCloses ? peerFirst : serverFirst).add(connection);
            connection.channel().writeAndFlush(new TextWebSocketFrame(peerCloses ? MassCloseClient.PEER_FIRST : MassCloseClient.SERVER_FIRST));
        }
        assertThat(clients.expectLine("READY")).isEqualTo("READY " + connections);

        clients.send("GO");
        serverFirst.forEach(connection -> connection.channel().close());

        // The transports take the 10,000 closes in an order of their own: under load, epoll finished the first
        // connection's close 14.6 s after GO and all 5,000 of the peer's closes within 17.4 s (docs/transports.md).
        // So all reports get one deadline, and then each is checked.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        awaitReports(peerFirst, deadline);
        awaitReports(serverFirst, deadline);
        for (TestServer.Connection connection : peerFirst) {
            CloseReport report = connection.report();
            assertThat(report.clean()).as("%s", report).isTrue();
            assertThat(report.initiator()).isEqualTo(CloseReport.Initiator.REMOTE);
            assertThat(report.reason()).isEqualTo(MassCloseClient.PEER_CLOSE);
        }
        for (TestServer.Connection connection : serverFirst) {
            CloseReport report = connection.report();
            assertThat(report.clean()).as("%s", report).isTrue();
            assertThat(report.initiator()).isEqualTo(CloseReport.Initiator.LOCAL);
            assertThat(report.reason()).isEqualTo(ClosingHandshakeConfig.server().closeReasonOnClose());
        }
        List<WeakReference<Channel>> closed = new ArrayList<>(connections);
        peerFirst.forEach(connection -> closed.add(new WeakReference<>(connection.channel())));
        serverFirst.forEach(connection -> closed.add(new WeakReference<>(connection.channel())));
        return closed;
    }

    /** Waits until each connection has fired its report, up to {@code deadline} ({@link System#nanoTime()}) for all. */
    private static void awaitReports(List<TestServer.Connection> connections, long deadline) throws Exception {
        for (TestServer.Connection connection : connections) {
            try {
                connection.recorder().firstReport().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                throw new AssertionError("no close report within " + WAIT_SECONDS + " s of GO for " + connection.channel(), e);
            }
        }
    }

    /** A whole connection from a raw client: upgrade, close, answer, clean report. */
    private static void serveOneConnection(TestServer server) throws Exception {
        try (RawClient peer = RawClient.upgrade(server.port())) {
            TestServer.Connection connection = server.nextConnection();
            peer.send(WireFrame.close(1000, ""));
            assertThat(peer.readUntilClosed().frames()).containsExactly(WireFrame.close(1000, ""));
            assertThat(connection.report().clean()).isTrue();
        }
    }

    /** Fails unless each process's descriptor limit holds {@code connections} connections and the reserve. */
    private static void requireDescriptorsFor(int connections) {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof UnixOperatingSystemMXBean unix) {
            long limit = unix.getMaxFileDescriptorCount();
            long fit = limit - Math.max(unix.getOpenFileDescriptorCount(), DESCRIPTOR_RESERVE) - DESCRIPTOR_RESERVE;
            assertThat(fit).as("connections that fit in ulimit -n %s (raise it to %s, or run fewer with -Dmassclose.connections)",
                    limit, connections + 2 * DESCRIPTOR_RESERVE).isGreaterThanOrEqualTo(connections);
        }
    }

    private static long usedHeapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** The client JVM: lines it prints as answers, others passed on to this test's output. */
    private static final class ClientProcess implements AutoCloseable {

        private final Process process;
        private final BlockingQueue<String> answers = new LinkedBlockingQueue<>();

        private ClientProcess(Process process) {
            this.process = process;
            Thread reader = new Thread(this::readOutput, "mass-close-client-output");
            reader.setDaemon(true);
            reader.start();
        }

        static ClientProcess start(int port, int connections) throws IOException {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            return new ClientProcess(new ProcessBuilder(java, "-Xmx512m", "-XX:+UseSerialGC",
                    "-D" + TestTransport.PROPERTY + "=" + TestTransport.flag(),
                    "-cp", System.getProperty("java.class.path"), MassCloseClient.class.getName(),
                    Integer.toString(port), Integer.toString(connections))
                    .redirectErrorStream(true)
                    .start());
        }

        /** Waits for the next answer; fails on a FAIL line or after the wait. */
        String expectLine(String expected) throws InterruptedException {
            String line = answers.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            if (line == null || !line.startsWith(expected)) {
                throw new AssertionError("expected " + expected + " from the client process, got " + line);
            }
            return line;
        }

        void send(String line) throws IOException {
            OutputStream in = process.getOutputStream();
            in.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
            in.flush();
        }

        int exitCode() throws InterruptedException {
            assertThat(process.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)).as("client process exited").isTrue();
            return process.exitValue();
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }

        private void readOutput() {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    if (line.startsWith("READY") || line.startsWith("DONE") || line.startsWith("FAIL")) {
                        answers.add(line);
                    } else {
                        System.out.println("mass-close client: " + line);
                    }
                }
            } catch (IOException e) {
                answers.add("FAIL reading the client's output: " + e);
            }
        }
    }
}
