package io.github.wsclose;

import static io.github.wsclose.TestBytes.ascii;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.wsclose.WebSocketPeer.Http;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Each protection of an upgraded connection on real loopback sockets, with timeouts of milliseconds, next to a peer
 * that behaves and is not closed: keepalive, idle timeout, slow consumer, and the message size limit in one frame and
 * in many, and UTF-8 of text. Over HTTP/2 too, each WebSocket a stream: the protections run on the stream as on TCP, a slow consumer is
 * a stream whose flow-control window is not given back.
 */
@Tag(TestTransport.TAG)
class ConnectionProtectionTest {

    private static final Duration SHORT = Duration.ofMillis(200);
    /**
     * A timeout that the well-behaved peer of a test must beat: the test thread reads, then answers, and on a loaded
     * machine with two shared cores it may wait its turn for hundreds of milliseconds in between.
     */
    private static final Duration PATIENT = Duration.ofSeconds(1);
    private static final ServerProtection NO_KEEPALIVE = ServerProtection.defaults().withPingInterval(Duration.ZERO);

    @ParameterizedTest
    @EnumSource(Http.class)
    void peerThatNeverAnswersIsFailedAtThePongTimeout(Http http) throws Exception {
        ServerProtection keepalive = ServerProtection.defaults().withPingInterval(SHORT).withPongTimeout(SHORT);
        try (TestServer server = TestServer.builder().protection(keepalive).over(http).start()) {
            long requested = System.nanoTime(); // before the request: the server starts its timers at its answer, later
            try (WebSocketPeer dead = http.connect(server)) {
                WireFrame ping = dead.readFrame();
                WireFrame close = dead.readFrame();

                assertThat(ping.opcode()).isEqualTo(WireFrame.PING);
                assertThat(ping.payload()).as("a ping counter").hasSize(8);
                assertThat(close).isEqualTo(WireFrame.close(1011, "keepalive ping timeout"));
                assertThat(dead.readFrame()).as("TCP closed (END_STREAM sent) at once").isNull();
                assertThat(Duration.ofNanos(System.nanoTime() - requested)).isGreaterThanOrEqualTo(SHORT.plus(SHORT));
                CloseReport report = server.nextConnection().report();
                assertThat(report.sent()).isEqualTo(ConnectionGuard.KEEPALIVE_TIMED_OUT);
                assertThat(report.cause()).isEqualTo(CloseReport.Cause.KEEPALIVE_TIMEOUT);
                assertThat(report.lastPingRoundTrip()).as("no pong ever came").isNull();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Http.class)
    void peerThatAnswersPingsStaysOpenAndItsRoundTripIsReported(Http http) throws Exception {
        ServerProtection keepalive = ServerProtection.defaults().withPingInterval(SHORT).withPongTimeout(PATIENT);
        try (TestServer server = TestServer.builder().protection(keepalive).over(http).start(); WebSocketPeer live = http.connect(server)) {
            for (int i = 1; i <= 8; i++) { // eight quiet spells of at least the ping interval: together longer than interval and pong timeout
                WireFrame ping = live.readFrame();
                assertThat(ping.opcode()).isEqualTo(WireFrame.PING);
                live.send(WireFrame.of(WireFrame.PONG, ping.payload())); // a pong MUST echo the ping's payload (§5.5.3)
            }
            live.send(WireFrame.close(1000, "done"));

            assertThat(live.readUntilClosed().frames()).containsExactly(WireFrame.close(1000, ""));
            CloseReport report = server.nextConnection().report();
            assertThat(report.cause()).isEqualTo(CloseReport.Cause.PEER);
            assertThat(report.clean()).isTrue();
            assertThat(report.lastPingRoundTrip()).isNotNull().isPositive().isLessThan(PATIENT);
        }
    }

    @ParameterizedTest
    @EnumSource(Http.class)
    void connectionWithoutMessagesIsClosedAtTheIdleTimeout(Http http) throws Exception {
        ServerProtection idle = NO_KEEPALIVE.withIdleTimeout(PATIENT);
        try (TestServer server = TestServer.builder().protection(idle).over(http).start(); WebSocketPeer client = http.connect(server)) {
            long quietSince = 0; // when the last message was sent: the server can only have seen it later
            for (int i = 0; i < 8; i++) { // messages every 250 ms keep it open well past the idle timeout
                Thread.sleep(i == 0 ? 0 : 250); // the peer's pace, not a synchronisation: each echo is awaited
                quietSince = System.nanoTime();
                client.send(WireFrame.of(WireFrame.TEXT, ascii("tick " + i)));
                assertThat(client.readFrame()).isEqualTo(WireFrame.of(WireFrame.TEXT, ascii("tick " + i)));
            }

            WireFrame close = client.readFrame();

            assertThat(Duration.ofNanos(System.nanoTime() - quietSince)).isGreaterThanOrEqualTo(PATIENT);
            assertThat(close.opcode()).isEqualTo(WireFrame.CLOSE);
            CloseReason sent = ClosePayload.decode(io.netty.buffer.Unpooled.wrappedBuffer(close.payload()));
            assertThat(sent.knownReason()).isEqualTo(CloseReason.Codes.GOING_AWAY);
            assertThat(sent.message()).startsWith("idle for ").endsWith(" ms: no message either way");
            client.send(WireFrame.close(1001, ""));
            assertThat(client.readUntilClosed().frames()).isEmpty();
            CloseReport report = server.nextConnection().report();
            assertThat(report.cause()).isEqualTo(CloseReport.Cause.IDLE_TIMEOUT);
            assertThat(report.clean()).isTrue();
        }
    }

    @ParameterizedTest
    @EnumSource(Http.class)
    void peerThatDoesNotReadIsClosedAsASlowConsumer(Http http) throws Exception {
        long limit = 256 * 1024;
        ServerProtection pending = NO_KEEPALIVE.withMaxPendingBytes(limit);
        ClosingHandshakeConfig close = ClosingHandshakeConfig.server().withCloseTimeout(Duration.ofMillis(500));
        byte[] message = new byte[60_000];
        try (TestServer server = TestServer.builder().config(close).protection(pending).over(http).start()) {
            try (WebSocketPeer reader = http.connect(server)) { // the opposite: as much data, read as it comes
                for (int i = 0; i < 100; i++) {
                    reader.send(WireFrame.of(WireFrame.BINARY, message));
                    assertThat(reader.readFrame()).isEqualTo(WireFrame.of(WireFrame.BINARY, message));
                }
                reader.send(WireFrame.close(1000, ""));
                assertThat(reader.readUntilClosed().frames()).containsExactly(WireFrame.close(1000, ""));
                assertThat(server.nextConnection().report().cause()).isEqualTo(CloseReport.Cause.PEER);
            }
            try (WebSocketPeer stalled = http.connectWithoutReading(server)) {
                try {
                    for (int i = 0; i < 300; i++) { // 18 MB at most: far more than the socket buffers hold
                        stalled.send(WireFrame.of(WireFrame.BINARY, message));
                    }
                } catch (IOException closedByTheServer) {
                    // the close timeout ended it (TCP closed, the stream reset) while the peer was still sending
                }

                CloseReport report = server.nextConnection().report();
                assertThat(report.cause()).isEqualTo(CloseReport.Cause.SLOW_CONSUMER);
                assertThat(report.sent()).isEqualTo(ServerProtection.DEFAULT_SLOW_CONSUMER_REASON);
                assertThat(report.received()).as("the peer never read the close frame").isNull();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Http.class)
    void messageOverTheLimitFailsWith1009InOneFrameOrInMany(Http http) throws Exception {
        ServerOptions limit = ServerOptions.DEFAULTS.withMaxMessageBytes(50_000).withProtection(NO_KEEPALIVE);
        byte[] fragment = new byte[20_000];
        try (TestServer server = TestServer.builder().options(limit).over(http).start()) {
            try (WebSocketPeer within = http.connect(server)) { // the opposite: 50,000 bytes in three frames
                within.send(new WireFrame(false, 0, WireFrame.BINARY, fragment));
                within.send(new WireFrame(false, 0, WireFrame.CONTINUATION, fragment));
                within.send(new WireFrame(true, 0, WireFrame.CONTINUATION, new byte[10_000]));
                within.send(WireFrame.close(1000, ""));
                assertThat(within.readUntilClosed().frames()).last().isEqualTo(WireFrame.close(1000, ""));
                assertThat(server.nextConnection().report().cause()).isEqualTo(CloseReport.Cause.PEER);
            }
            try (WebSocketPeer fragmented = http.connect(server)) {
                fragmented.send(new WireFrame(false, 0, WireFrame.BINARY, fragment));
                fragmented.send(new WireFrame(false, 0, WireFrame.CONTINUATION, fragment));
                fragmented.send(new WireFrame(false, 0, WireFrame.CONTINUATION, fragment));
                assertThat(fragmented.readUntilClosed().frames()).as("counted before the aggregator, which holds the fragments")
                        .last().isEqualTo(WireFrame.close(1009, "message too big: 60000 bytes so far (expected: <= 50000)"));
                assertThat(server.nextConnection().report().cause()).isEqualTo(CloseReport.Cause.MESSAGE_TOO_BIG);
            }
            try (WebSocketPeer oneFrame = http.connect(server)) {
                oneFrame.send(WireFrame.of(WireFrame.BINARY, new byte[50_000])); // the opposite: just at the limit
                assertThat(oneFrame.readFrame()).isEqualTo(WireFrame.of(WireFrame.BINARY, new byte[50_000]));
                oneFrame.send(WireFrame.of(WireFrame.TEXT, new byte[50_001]));
                // one frame over the limit is refused by Netty's frame decoder (frames are limited to the message size)
                assertThat(oneFrame.readUntilClosed().frames())
                        .containsExactly(WireFrame.close(1009, "Max frame length of 50000 has been exceeded."));
                assertThat(server.nextConnection().report().cause()).isEqualTo(CloseReport.Cause.MESSAGE_TOO_BIG);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Http.class)
    void textThatIsNotUtf8FailsWith1007AtTheFrameThatShowsIt(Http http) throws Exception {
        byte[] e9 = "\u00e9".getBytes(java.nio.charset.StandardCharsets.UTF_8); // two bytes: split between two frames
        try (TestServer server = TestServer.builder().protection(NO_KEEPALIVE).over(http).start()) {
            try (WebSocketPeer split = http.connect(server)) { // the opposite: a sequence split between fragments is UTF-8
                split.send(new WireFrame(false, 0, WireFrame.TEXT, new byte[] {'a', e9[0]}));
                split.send(new WireFrame(true, 0, WireFrame.CONTINUATION, new byte[] {e9[1], 'b'}));
                assertThat(split.readFrame()).isEqualTo(WireFrame.of(WireFrame.TEXT, new byte[] {'a', e9[0], e9[1], 'b'}));
                split.send(WireFrame.close(1000, ""));
                assertThat(split.readUntilClosed().frames()).last().isEqualTo(WireFrame.close(1000, ""));
                assertThat(server.nextConnection().report().cause()).isEqualTo(CloseReport.Cause.PEER);
            }
            try (WebSocketPeer invalid = http.connect(server)) {
                invalid.send(new WireFrame(false, 0, WireFrame.TEXT, ascii("fine so far")));
                invalid.send(new WireFrame(false, 0, WireFrame.CONTINUATION, new byte[] {'x', (byte) 0xc0, (byte) 0xaf}));
                // no final frame: the message fails at the fragment that shows the fault
                assertThat(invalid.readUntilClosed().frames()).containsExactly(WireFrame.close(1007, "bytes are not UTF-8"));
                CloseReport report = server.nextConnection().report();
                assertThat(report.sent()).isEqualTo(new CloseReason(CloseReason.Codes.NOT_CONSISTENT, "bytes are not UTF-8"));
                assertThat(report.initiator()).isEqualTo(CloseReport.Initiator.LOCAL);
            }
        }
    }
}
