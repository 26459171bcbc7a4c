package io.github.wsclose;

import static io.github.wsclose.TestBytes.ascii;
import static io.github.wsclose.UpgradeAttemptsTest.endsBy;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes the upgrade request itself on real loopback sockets: malformed requests, requests split into 1-byte writes,
 * huge headers, obsolete and unknown versions, and random mutations of a good request. Nothing escapes (only a
 * request for version 13, 8 or 7 is upgraded), every connection ends (an answer that is not 101 closes it once
 * written, long before the upgrade timeout; an upgraded one closes cleanly), and nothing leaks (the leak detector
 * runs at paranoid).
 */
class UpgradeRequestFuzzTest {

    private static final Duration TIMEOUT = Duration.ofMillis(1500);
    /** How soon after its answer the server ends a connection it does not upgrade: well within {@link #TIMEOUT}. */
    private static final Duration ANSWERED_CLOSE = Duration.ofMillis(500);
    private static final int MUTATIONS = 300;
    private static final String GOOD = HandshakeChannel.upgradeRequest("13");
    private static final String UPGRADED = "upgraded";
    private static final Pattern RFC6455_VERSION = Pattern.compile("\r\nSec-WebSocket-Version: (13|8|7)\r\n");

    @Test
    void everyUpgradeRequestEndsAndOnlyRfc6455IsUpgraded() throws Exception {
        List<Case> cases = new ArrayList<>();
        cases.add(new Case("good", ascii(GOOD), false));
        cases.add(new Case("good in 1-byte writes", ascii(GOOD), true));
        for (String version : List.of("7", "8", "0", "6", "12", "14", "13, 8", "")) {
            cases.add(new Case("version " + version, ascii(GOOD.replace("Version: 13", "Version: " + version)), false));
        }
        cases.add(new Case("hixie-76 in 1-byte writes", ascii(GOOD.replace("Sec-WebSocket-Version: 13\r\n", "")
                + "^n:ds[4U"), true));
        cases.add(new Case("huge header", ascii(GOOD.replace("\r\n\r\n", "\r\nX-Big: " + "x".repeat(20_000) + "\r\n\r\n")), false));
        cases.add(new Case("many headers", ascii(GOOD.replace("\r\n\r\n", "\r\n" + "X-A: b\r\n".repeat(3000) + "\r\n")), false));
        cases.add(new Case("huge uri", ascii(GOOD.replace("/ws", "/ws?" + "q".repeat(10_000))), false));
        cases.add(new Case("not http", ascii("\u0016\u0003\u0001\u0002\u0000\u0001\u0000\r\n\r\n"), false));
        cases.add(new Case("post with a body over the limit", ascii(GOOD.replace("GET", "POST")
                .replace("\r\n\r\n", "\r\nContent-Length: 1000000\r\n\r\n")), false));
        cases.add(new Case("chunked body", ascii(GOOD.replace("\r\n\r\n", "\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")), false));
        Random random = new Random(6455);
        for (int i = 0; i < MUTATIONS; i++) {
            cases.add(new Case("mutation " + i, mutate(ascii(GOOD), random), random.nextInt(8) == 0));
        }

        try (TestServer server = TestServer.builder().protection(ServerProtection.defaults().withUpgradeTimeout(TIMEOUT)).start()) {
            ExecutorService pool = Executors.newFixedThreadPool(32);
            try {
                List<Future<String>> outcomes = new ArrayList<>();
                for (Case c : cases) {
                    outcomes.add(pool.submit(() -> c.run(server.port())));
                }
                int upgraded = 0;
                for (int i = 0; i < cases.size(); i++) {
                    String outcome = outcomes.get(i).get(30, TimeUnit.SECONDS);
                    assertThat(outcome).as(cases.get(i).name).isIn("ok", UPGRADED);
                    upgraded += outcome.equals(UPGRADED) ? 1 : 0;
                }
                assertThat(upgraded).as("the good requests, at least").isGreaterThanOrEqualTo(4);
                for (int i = 0; i < upgraded; i++) { // every upgraded connection reported once: closing the server checks "once"
                    assertThat(server.nextConnection().report().cause()).isIn(CloseReport.Cause.PEER, CloseReport.Cause.PROTOCOL_ERROR);
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(server.connections().size()).as("WebSocket connections still open on the server").isZero();
        }
    }

    /** Flips, drops, duplicates or inserts a few bytes, or cuts the request short. */
    private static byte[] mutate(byte[] request, Random random) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int cut = random.nextInt(10) == 0 ? random.nextInt(request.length) : request.length;
        for (int i = 0; i < cut; i++) {
            int roll = random.nextInt(request.length / 2);
            if (roll == 0) {
                out.write(request[i] ^ 1 << random.nextInt(8)); // flip
            } else if (roll == 1) {
                continue; // drop
            } else if (roll == 2) {
                out.write(request[i]);
                out.write(request[i]); // duplicate
            } else if (roll == 3) {
                out.write(random.nextInt(256)); // insert
                out.write(request[i]);
            } else {
                out.write(request[i]);
            }
        }
        return out.toByteArray();
    }

    /** One connection: sends the request, reads the answer, and checks how the connection ends. */
    private record Case(String name, byte[] request, boolean oneByteWrites) {

        /** Whether the server may upgrade it: it still asks for version 13, 8 or 7. */
        boolean mayUpgrade() {
            String text = new String(request, StandardCharsets.ISO_8859_1);
            return RFC6455_VERSION.matcher(text).find() && text.contains("\r\n\r\n");
        }

        String run(int port) throws IOException {
            try (Socket socket = new Socket()) {
                long start = System.nanoTime();
                socket.setTcpNoDelay(true);
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 10_000);
                OutputStream out = socket.getOutputStream();
                try {
                    if (oneByteWrites) {
                        for (byte b : request) {
                            out.write(b);
                            out.flush();
                        }
                    } else {
                        out.write(request);
                    }
                } catch (SocketException closedWhileWriting) {
                    return "ok"; // the server answered and closed before the request was all sent
                }
                socket.setSoTimeout((int) TIMEOUT.plus(UpgradeAttemptsTest.SLACK).toMillis());
                String status = statusLine(socket.getInputStream());
                if (status.startsWith("HTTP/1.1 101")) {
                    if (!mayUpgrade()) {
                        return "upgraded without a version of RFC 6455: " + status;
                    }
                    out.write(WireFrame.close(1000, "").masked(0x11223344));
                } else if (status.startsWith("HTTP/")) {
                    // an answer that is not 101 closes the connection once written, without waiting for the timeout: the end
                    // follows the answer, counted from when this thread read it (a loaded machine may run it late)
                    if (!endsBy(socket, System.nanoTime() + ANSWERED_CLOSE.toNanos())) {
                        return "still open after answering " + status;
                    }
                    return "ok";
                }
                boolean ended = endsBy(socket, start + TIMEOUT.plus(UpgradeAttemptsTest.SLACK).toNanos());
                return !ended ? "never ended: " + status : status.startsWith("HTTP/1.1 101") ? UPGRADED : "ok";
            }
        }

        /** The first line of the answer, or "" if the server closed without one. */
        private static String statusLine(InputStream in) throws IOException {
            StringBuilder line = new StringBuilder();
            try {
                for (int b; (b = in.read()) >= 0 && b != '\n'; ) {
                    line.append((char) b);
                }
            } catch (SocketException reset) {
                return line.toString();
            }
            return line.toString().strip();
        }
    }
}
