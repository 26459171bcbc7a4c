package io.github.wsclose;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.wsclose.CloseReport.Cause;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The protections of {@link Http2ServerPipeline} on the wire, with {@link H2Client}: those of
 * each WebSocket stream (keepalive, idle timeout, frame and message limits), each on one stream
 * while another stream of the same connection keeps echoing, and those of the connection (no
 * open stream for the upgrade timeout, the bound on concurrent streams, the rapid reset), and
 * what a GOAWAY from the client does to the WebSocket streams it leaves open.
 */
@Tag(TestTransport.TAG)
class Http2ProtectionTest {

    private static final long T = TestServer.TIMEOUT_SECONDS;
    private static final ClosingHandshakeConfig QUICK = ClosingHandshakeConfig.server().withCloseTimeout(Duration.ofMillis(300));
    /**
     * The upgrade timeout of the cases where the client opens a stream after its connection is up: the test thread
     * does that, and on a loaded machine with two shared cores it may wait its turn for hundreds of milliseconds first.
     */
    private static final Duration UPGRADE_TIMEOUT = Duration.ofSeconds(1);

    @Test
    void keepalive_aStreamThatNeverAnswersPings_failedWith1011_theOtherStreamEchoes() throws Exception {
        ServerProtection protection = ServerProtection.defaults()
                .withPingInterval(Duration.ofMillis(500)).withPongTimeout(Duration.ofSeconds(1)); // well above a loaded machine's stalls
        try (TestServer server = TestServer.builder().config(QUICK).protection(protection).http2(null).start();
                H2Client client = H2Client.connect(server.address())) {
            H2Client.Stream silent = client.openWebSocket();
            TestServer.Connection silentOne = server.nextConnection();
            H2Client.Stream echoing = client.openWebSocket();
            TestServer.Connection echoingOne = server.nextConnection();

            CloseReport report = echoUntilReported(echoing, silentOne);
            assertThat(report.cause()).isEqualTo(Cause.KEEPALIVE_TIMEOUT);
            assertThat(report.sent()).isEqualTo(ConnectionGuard.KEEPALIVE_TIMED_OUT);
            assertThat(report.httpVersion()).isEqualTo(CloseReport.HttpVersion.HTTP_2);
            List<WireFrame> frames = silent.framesUntilEnd();
            assertThat(frames).last().isEqualTo(WireFrame.close(1011, "keepalive ping timeout"));
            assertThat(frames.subList(0, frames.size() - 1)).isNotEmpty().allSatisfy(ping -> assertThat(ping.opcode()).isEqualTo(WireFrame.PING));
            assertThat(silent.reset().get(T, TimeUnit.SECONDS)).as("never ended its side: reset at the close timeout")
                    .isEqualTo(Http2Error.CANCEL.code());

            closesCleanly(echoing, echoingOne);
        }
    }

    @Test
    void idleTimeout_aSilentStreamClosedWith1001_theOtherStreamEchoes() throws Exception {
        ServerProtection protection = ServerProtection.defaults().withIdleTimeout(Duration.ofSeconds(1)); // well above a loaded machine's stalls
        try (TestServer server = TestServer.builder().config(QUICK).protection(protection).http2(null).start();
                H2Client client = H2Client.connect(server.address())) {
            H2Client.Stream silent = client.openWebSocket();
            TestServer.Connection silentOne = server.nextConnection();
            H2Client.Stream echoing = client.openWebSocket();
            TestServer.Connection echoingOne = server.nextConnection();

            CloseReport report = echoUntilReported(echoing, silentOne);
            assertThat(report.cause()).isEqualTo(Cause.IDLE_TIMEOUT);
            assertThat(report.sent()).isNotNull();
            assertThat(report.sent().code()).isEqualTo(CloseReason.Codes.GOING_AWAY.code());
            WireFrame close = silent.nextFrame();
            assertThat(close).isNotNull();
            assertThat(close.opcode()).isEqualTo(WireFrame.CLOSE);
            assertThat(new String(close.payload(), 2, close.payload().length - 2, StandardCharsets.UTF_8))
                    .startsWith("idle for ");

            closesCleanly(echoing, echoingOne);
        }
    }

    /** A message of 2,000 or 5,000 bytes: one frame over the frame limit, or fragments each under it. */
    static List<List<WireFrame>> messagesOverTheLimit() {
        List<WireFrame> fragments = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            fragments.add(new WireFrame(i == 4, 0, i == 0 ? WireFrame.BINARY : WireFrame.CONTINUATION, new byte[1000]));
        }
        return List.of(List.of(WireFrame.of(WireFrame.BINARY, new byte[2000])), fragments);
    }

    @ParameterizedTest
    @MethodSource("messagesOverTheLimit")
    void limits_aMessageOverTheLimit_failedWith1009_theOtherStreamEchoes(List<WireFrame> message) throws Exception {
        ServerOptions options = ServerOptions.DEFAULTS.withMaxMessageBytes(4096).withMaxFrameBytes(1024);
        try (TestServer server = TestServer.builder().options(options).http2(null).start();
                H2Client client = H2Client.connect(server.address())) {
            H2Client.Stream big = client.openWebSocket();
            TestServer.Connection bigOne = server.nextConnection();
            H2Client.Stream echoing = client.openWebSocket();
            TestServer.Connection echoingOne = server.nextConnection();
            echo(echoing, "before");

            for (WireFrame frame : message) {
                big.send(frame);
                echo(echoing, "meanwhile"); // the other stream is served between the frames
            }
            failedWith1009(big, bigOne);

            echo(echoing, "after");
            closesCleanly(echoing, echoingOne);
        }
    }

    @Test
    void aConnectionThatOpensNoStream_goesAwayAtTheUpgradeTimeout() throws Exception {
        ServerProtection protection = ServerProtection.defaults().withUpgradeTimeout(Duration.ofMillis(200));
        try (TestServer server = TestServer.builder().protection(protection).http2(null).start();
                H2Client client = H2Client.connect(server.address())) {
            assertThat(client.goAwayError().get(T, TimeUnit.SECONDS)).isEqualTo(Http2Error.NO_ERROR.code());
            assertThat(client.goAway().get()).as("no stream was processed").isZero();
            assertThat(client.connection().closeFuture().await(T, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void aConnectionWhoseStreamsEnded_goesAwayAtTheUpgradeTimeout_notWhileAStreamIsOpen() throws Exception {
        ServerProtection protection = ServerProtection.defaults().withUpgradeTimeout(UPGRADE_TIMEOUT)
                .withPingInterval(UPGRADE_TIMEOUT.dividedBy(4));
        try (TestServer server = TestServer.builder().protection(protection).http2(null).start();
                H2Client client = H2Client.connect(server.address())) {
            H2Client.Stream stream = client.openWebSocket();
            TestServer.Connection connection = server.nextConnection();
            for (int pings = 0; pings < 8; ) { // the server's pings are the clock: 8 × 250 ms, twice the timeout
                WireFrame frame = stream.nextFrame();
                assertThat(frame).isNotNull();
                assertThat(frame.opcode()).isEqualTo(WireFrame.PING);
                stream.send(WireFrame.of(WireFrame.PONG, frame.payload()));
                pings++;
            }
            assertThat(client.goAway()).as("a WebSocket stream is open").isNotDone();
            assertThat(client.connection().isActive()).isTrue();

            Http2Headers elsewhere = H2Client.webSocketConnect("/elsewhere");
            H2Client.Stream refused = client.open(elsewhere); // a stream beside it that opens and ends: 404, then closed
            assertThat(refused.response().get(T, TimeUnit.SECONDS).status().toString()).isEqualTo("404");
            assertThat(refused.channel().closeFuture().await(T, TimeUnit.SECONDS)).isTrue();
            assertThat(client.goAway()).as("the WebSocket stream is still open").isNotDone();

            stream.sendAndEnd(WireFrame.close(1000));
            assertThat(stream.framesUntilEnd()).endsWith(WireFrame.close(1000));
            assertThat(connection.report().clean()).isTrue();
            assertThat(client.goAwayError().get(T, TimeUnit.SECONDS)).as("then, with no stream open, the connection goes away")
                    .isEqualTo(Http2Error.NO_ERROR.code());
            assertThat(client.connection().closeFuture().await(T, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void goAwayFromTheClient_openWebSocketsFinishTheirClosingHandshake_eachReportedOnce() throws Exception {
        ServerProtection protection = ServerProtection.defaults().withUpgradeTimeout(UPGRADE_TIMEOUT);
        try (TestServer server = TestServer.builder().protection(protection).http2(null).start();
                H2Client client = H2Client.connect(server.address())) {
            H2Client.Stream first = client.openWebSocket();
            TestServer.Connection firstOne = server.nextConnection();
            H2Client.Stream second = client.openWebSocket();
            TestServer.Connection secondOne = server.nextConnection();

            client.sendGoAway(Http2Error.NO_ERROR); // the client opens no more streams; those open go on (RFC 9113 §6.8)
            echo(first, "after goaway");
            first.send(WireFrame.text(TestServer.closeCommand(1001, "bye")));
            assertThat(first.nextFrame()).isEqualTo(WireFrame.close(1001, "bye"));
            first.sendAndEnd(WireFrame.close(1001, "bye"));
            assertThat(first.framesUntilEnd()).isEmpty();
            second.sendAndEnd(WireFrame.close(1000));
            assertThat(second.framesUntilEnd()).containsExactly(WireFrame.close(1000));

            assertThat(firstOne.report().clean()).isTrue();
            assertThat(firstOne.report().cause()).isEqualTo(Cause.APPLICATION);
            assertThat(secondOne.report().clean()).isTrue();
            assertThat(secondOne.report().cause()).isEqualTo(Cause.PEER);
            assertThat(first.reset()).isNotDone();
            assertThat(second.reset()).isNotDone();
            // with no stream left, the server's GOAWAY and close follow at the upgrade timeout
            assertThat(client.goAwayError().get(T, TimeUnit.SECONDS)).isEqualTo(Http2Error.NO_ERROR.code());
            assertThat(client.connection().closeFuture().await(T, TimeUnit.SECONDS)).isTrue();
            assertThat(firstOne.recorder().reports()).hasSize(1);
            assertThat(secondOne.recorder().reports()).hasSize(1);
        }
    }

    @Test
    void concurrentStreams_theFirstHundredWork_theNextIsRefusedWithRefusedStream() throws Exception {
        try (TestServer server = TestServer.builder().http2(null).start(); H2Client client = H2Client.connect(server.address())) {
            client.ignoreConcurrentStreamLimit();
            List<H2Client.Stream> streams = new ArrayList<>();
            List<TestServer.Connection> connections = new ArrayList<>();
            for (int i = 0; i < Http2ServerPipeline.MAX_CONCURRENT_STREAMS; i++) {
                streams.add(client.openWebSocket());
                connections.add(server.nextConnection());
            }
            H2Client.Stream refused = client.open(H2Client.webSocketConnect(TestServer.PATH));
            assertThat(refused.reset().get(T, TimeUnit.SECONDS)).isEqualTo(Http2Error.REFUSED_STREAM.code());
            assertThat(refused.response()).isNotDone();

            for (int i = 0; i < streams.size(); i++) {
                echo(streams.get(i), "stream " + i);
            }
            closesCleanly(streams.get(0), connections.get(0));
            H2Client.Stream next = client.openWebSocket(); // a slot freed: accepted again
            closesCleanly(next, server.nextConnection());
            for (int i = 1; i < streams.size(); i++) {
                closesCleanly(streams.get(i), connections.get(i));
            }
            assertThat(client.connection().isActive()).isTrue();
            assertThat(server.connections().size()).isZero();
        }
    }

    @Test
    void rapidReset_goAwayEnhanceYourCalm_connectionClosed_eachUpgradedStreamReportedOnce_otherConnectionsUntouched() throws Exception {
        try (TestServer server = TestServer.builder().http2(null).start();
                H2Client bystander = H2Client.connect(server.address());
                H2Client attacker = H2Client.connect(server.address())) {
            H2Client.Stream calm = bystander.openWebSocket();
            TestServer.Connection calmOne = server.nextConnection();

            // each stream upgraded, then reset; one reset past the limit, then nothing more: bytes that a closing server
            // leaves unread make its TCP stack reset the connection, and the client's drops the GOAWAY not read yet (hence
            // the wait for each 200 too: one that came after our reset would be answered with RST_STREAM(STREAM_CLOSED))
            int opened = 0;
            for (int i = 0; i <= Http2ServerPipeline.MAX_RESETS_PER_WINDOW && !attacker.goAway().isDone(); i++) {
                try {
                    opened++;
                    attacker.openWebSocket().reset(Http2Error.CANCEL);
                } catch (Exception closedUnderUs) {
                    break; // the server's GOAWAY and close came while this stream opened
                }
            }
            assertThat(attacker.goAwayError().get(T, TimeUnit.SECONDS)).isEqualTo(Http2Error.ENHANCE_YOUR_CALM.code());
            assertThat(attacker.connection().closeFuture().await(T, TimeUnit.SECONDS)).isTrue();
            assertThat(opened).isGreaterThanOrEqualTo(Http2ServerPipeline.MAX_RESETS_PER_WINDOW);

            List<TestServer.Connection> upgraded = server.takeOpened(); // all of them: the connection closed after their HEADERS
            assertThat(upgraded).hasSizeBetween(Http2ServerPipeline.MAX_RESETS_PER_WINDOW, opened);
            for (TestServer.Connection stream : upgraded) {
                CloseReport report = stream.report();
                assertThat(report.cause()).isEqualTo(Cause.TRANSPORT);
                assertThat(report.clean()).isFalse();
                assertThat(stream.recorder().reports()).hasSize(1);
            }
            assertThat(List.copyOf(server.connections())).as("each of them closed with the connection").containsOnly(calmOne.channel());

            echo(calm, "still here");
            closesCleanly(calm, calmOne);
        }
    }

    /** Echoes on {@code echoing}, answering the server's pings, until {@code misbehaving} was reported, and returns its report. */
    private static CloseReport echoUntilReported(H2Client.Stream echoing, TestServer.Connection misbehaving) throws Exception {
        for (int i = 0; i < 20_000 && !misbehaving.recorder().firstReport().isDone(); i++) {
            echo(echoing, "beside " + i);
        }
        return misbehaving.report();
    }

    /** Sends {@code text} on {@code stream} and reads it back, answering the server's pings meanwhile. */
    private static void echo(H2Client.Stream stream, String text) throws Exception {
        stream.send(WireFrame.text(text));
        for (int frames = 0; frames < 100; frames++) {
            WireFrame frame = stream.nextFrame();
            assertThat(frame).as("the echo of %s", text).isNotNull();
            if (frame.opcode() == WireFrame.PING) {
                stream.send(WireFrame.of(WireFrame.PONG, frame.payload()));
                continue;
            }
            assertThat(frame).isEqualTo(WireFrame.text(text));
            return;
        }
        throw new AssertionError("no echo of " + text);
    }

    /** The client closes {@code stream} with 1000 and END_STREAM; the server answers and ends, cleanly, without a reset. */
    private static void closesCleanly(H2Client.Stream stream, TestServer.Connection connection) throws Exception {
        stream.sendAndEnd(WireFrame.close(1000));
        assertThat(stream.framesUntilEnd()).last().isEqualTo(WireFrame.close(1000));
        CloseReport report = connection.report();
        assertThat(report.clean()).isTrue();
        assertThat(report.cause()).isEqualTo(Cause.PEER);
        assertThat(stream.reset()).isNotDone();
    }

    /** The server failed {@code stream} with 1009: one close frame, END_STREAM; the client's answer ends it. */
    private static void failedWith1009(H2Client.Stream stream, TestServer.Connection connection) throws Exception {
        WireFrame close = stream.nextFrame();
        assertThat(close).isNotNull();
        assertThat(close.opcode()).isEqualTo(WireFrame.CLOSE);
        assertThat((close.payload()[0] & 0xFF) << 8 | close.payload()[1] & 0xFF).isEqualTo(1009);
        assertThat(stream.nextFrame()).as("END_STREAM after the close frame").isNull();
        stream.sendAndEnd(WireFrame.close(1009));
        CloseReport report = connection.report();
        assertThat(report.cause()).isEqualTo(Cause.MESSAGE_TOO_BIG);
        assertThat(report.httpVersion()).isEqualTo(CloseReport.HttpVersion.HTTP_2);
        assertThat(stream.reset()).isNotDone();
    }
}
