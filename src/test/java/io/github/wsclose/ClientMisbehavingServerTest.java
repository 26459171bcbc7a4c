package io.github.wsclose;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.wsclose.CloseReport.Cause;
import io.github.wsclose.CloseReport.Initiator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A {@link ClientPipeline} against servers that misbehave ({@link RawServer}): one that never
 * closes TCP after the closing handshake, one that drops or resets TCP, one that sends an invalid
 * close code or a reason that is not UTF-8, one that keeps sending after its close, one that masks
 * its frames, sends too much or never answers a ping. The client sends at most one close frame,
 * and never keeps a connection longer than its close timeout, or its pong timeout.
 */
@Tag(TestTransport.TAG)
class ClientMisbehavingServerTest {

    private static final Duration CLOSE_TIMEOUT = Duration.ofMillis(500);
    private static final ClosingHandshakeConfig CLIENT = ClosingHandshakeConfig.client().withCloseTimeout(CLOSE_TIMEOUT);
    /**
     * The close timeout of a case where the server's answer must beat it: the server is the test thread, which reads the
     * client's close frame and then writes its answer, and on a loaded machine with two shared cores it may wait its turn
     * for hundreds of milliseconds in between.
     */
    private static final Duration ANSWERED_CLOSE_TIMEOUT = Duration.ofSeconds(2);

    @Test
    void aServerThatNeverClosesTcpAfterAnsweringIsClosedByTheClientAfterTheCloseTimeout() throws Exception {
        try (RawServer server = new RawServer(); TestClient client = new TestClient()) {
            TestServer.Connection ws = client.connect(server.uri(), CLIENT.withCloseTimeout(ANSWERED_CLOSE_TIMEOUT), ClientOptions.DEFAULTS);
            try (RawServer.Peer peer = server.acceptUpgraded()) {
                TestClient.upgraded(ws.channel());
                long start = System.nanoTime(); // before the write: the client starts its close timeout when its close frame goes, later
                ws.channel().writeAndFlush(CloseReason.of(1000, "bye"));
                assertThat(peer.readFrame()).isEqualTo(WireFrame.close(1000, "bye"));
                peer.send(WireFrame.close(1000));

                RawClient.Transcript rest = peer.readUntilClosed();
                long waited = System.nanoTime() - start;
                assertThat(rest.frames()).isEmpty();
                assertThat(rest.end()).isEqualTo(RawClient.TcpEnd.EOF);
                // the client left TCP to the server (§7.1.1) until its close timeout
                assertThat(Duration.ofNanos(waited)).isGreaterThanOrEqualTo(ANSWERED_CLOSE_TIMEOUT);
                CloseReport report = ws.report();
                assertThat(report.clean()).isTrue(); // both close frames went: the handshake completed (§7.1.4)
                assertThat(report.initiator()).isEqualTo(Initiator.LOCAL);
                assertThat(report.received()).isEqualTo(CloseReason.of(1000, ""));
                assertThat(report.duration()).isGreaterThanOrEqualTo(ANSWERED_CLOSE_TIMEOUT);
            }
        }
    }

    @Test
    void aServerThatClosesFirstAndNeverClosesTcpGetsOneAnswerThenTheClientCloses() throws Exception {
        try (RawServer server = new RawServer(); TestClient client = new TestClient()) {
            TestServer.Connection ws = client.connect(server.uri(), CLIENT, ClientOptions.DEFAULTS);
            try (RawServer.Peer peer = server.acceptUpgraded()) {
                TestClient.upgraded(ws.channel());
                peer.send(WireFrame.close(4000, "restarting"));

                RawClient.Transcript transcript = peer.readUntilClosed();
                assertThat(transcript.frames()).containsExactly(WireFrame.close(4000)); // one close frame, the code echoed (§5.5.1)
                assertThat(transcript.end()).isEqualTo(RawClient.TcpEnd.EOF);
                CloseReport report = ws.report();
                assertThat(report.clean()).isTrue();
                assertThat(report.initiator()).isEqualTo(Initiator.REMOTE);
                assertThat(report.reason()).isEqualTo(CloseReason.of(4000, "restarting"));
                assertThat(ws.recorder().reasons()).containsExactly(CloseReason.of(4000, "restarting"));
            }
        }
    }

    @Test
    void aServerThatClosesTcpAfterTheExchangeIsNotWaitedFor() throws Exception {
        try (RawServer server = new RawServer(); TestClient client = new TestClient()) {
            TestServer.Connection ws = client.connect(server.uri(), CLIENT.withCloseTimeout(Duration.ofSeconds(30)), ClientOptions.DEFAULTS);
            try (RawServer.Peer peer = server.acceptUpgraded()) {
                TestClient.upgraded(ws.channel());
                peer.send(WireFrame.close(1001, "going"));
                assertThat(peer.readFrame()).isEqualTo(WireFrame.close(1001));
                peer.close(); // the server closes TCP first, as it should (§7.1.1)

                CloseReport report = ws.report();
                assertThat(report.clean()).isTrue();
                assertThat(report.cause()).isEqualTo(Cause.PEER);
                assertThat(report.duration()).isLessThan(Duration.ofSeconds(30));
            }
        }
    }

    @Test
    void aServerThatDropsTcpIsAnAbnormalClose() throws Exception {
        try (RawServer server = new RawServer(); TestClient client = new TestClient()) {
            TestServer.Connection ws = client.connect(server.uri(), CLIENT, ClientOptions.DEFAULTS);
            try (RawServer.Peer peer = server.acceptUpgraded()) {
                TestClient.upgraded(ws.channel());
                peer.close();

                CloseReport report = ws.report();
                assertThat(report.clean()).isFalse();
                assertThat(report.reason().unsignedCode()).isEqualTo(1006);
                assertThat(report.cause()).isEqualTo(Cause.TRANSPORT);
                assertThat(report.initiator()).isEqualTo(Initiator.REMOTE);
                assertThat(report.sent()).isNull();
            }
        }
    }

    @Test
    void aServerThatResetsTcpIsAnAbnormalClose() throws Exception {
        try (RawServer server = new RawServer(); TestClient client = new TestClient()) {
            TestServer.Connection ws = client.connect(server.uri(), CLIENT, ClientOptions.DEFAULTS);
            RawServer.Peer peer = server.acceptUpgraded();
            TestClient.upgraded(ws.channel());
            peer.reset();

            CloseReport report = ws.report();
            assertThat(report.clean()).isFalse();
            assertThat(report.reason().unsignedCode()).isEqualTo(1006);
            assertThat(report.cause()).isEqualTo(Cause.TRANSPORT);
            assertThat(report.sent()).isNull();
        }
    }

    @ParameterizedTest(name = "close code {0}")
    @ValueSource(ints = {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535})
    void anInvalidCloseCodeIsAnsweredWith1002AndTcpClosed(int code) throws Exception {
        failsWith(WireFrame.close(code, "x"), 1002);
    }

    @Test
    void aOneByteCloseBodyIsAnsweredWith1002() throws Exception {
        failsWith(WireFrame.close(new byte[] {3}), 1002);
    }

    @Test
    void aReasonThatIsNotUtf8IsAnsweredWith1007() throws Exception {
        failsWith(WireFrame.close(1000, new byte[] {'o', 'k', (byte) 0xC3, 0x28}), 1007);
    }

    @Test
    void aTextThatIsNotUtf8IsAnsweredWith1007() throws Exception {
        failsWith(WireFrame.of(WireFrame.TEXT, new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}), 1007);
    }

    @Test
    void aMaskedFrameFromTheServerIsAnsweredWith1002() throws Exception {
        // a client MUST close the connection on a masked frame (§5.1)
        failsWithBytes(WireFrame.text("hello").masked(0x01020304), 1002);
    }

    @Test
    void aFrameOverTheLimitIsAnsweredWith1009() throws Exception {
        failsWith(WireFrame.of(WireFrame.BINARY, new byte[ServerOptions.DEFAULT_MAX_BYTES + 1]), 1009);
    }

    @Test
    void aFragmentedMessageOverTheLimitIsAnsweredWith1009() throws Exception {
        byte[] half = new byte[ServerOptions.DEFAULT_MAX_BYTES / 2 + 1];
        failsWithBytes(TestBytes.concat(new WireFrame(false, 0, WireFrame.BINARY, half).unmasked(),
                new WireFrame(true, 0, WireFrame.CONTINUATION, half).unmasked()), 1009);
    }

    @Test
    void aServerThatKeepsSendingAfterItsCloseGetsOneAnswerAndNothingReachesTheApplication() throws Exception {
        try (RawServer server = new RawServer(); TestClient client = new TestClient()) {
            TestServer.Connection ws = client.connect(server.uri(), CLIENT, ClientOptions.DEFAULTS);
            try (RawServer.Peer peer = server.acceptUpgraded()) {
                TestClient.upgraded(ws.channel());
                peer.send(WireFrame.text("before"), WireFrame.close(1000, "bye"), WireFrame.text("after"),
                        WireFrame.of(WireFrame.PING, new byte[] {1}), WireFrame.close(1002, "again"));
                assertThat(peer.readFrame()).isEqualTo(WireFrame.close(1000));
                peer.send(WireFrame.text("still talking"), WireFrame.of(WireFrame.PING, new byte[] {2}));

                RawClient.Transcript rest = peer.readUntilClosed();
                assertThat(rest.frames()).isEmpty(); // no pong, no second close
                assertThat(rest.end()).isEqualTo(RawClient.TcpEnd.EOF);
                CloseReport report = ws.report();
                assertThat(report.clean()).isTrue();
                assertThat(report.received()).isEqualTo(CloseReason.of(1000, "bye"));
                assertThat(ws.recorder().texts()).containsExactly("before");
                assertThat(ws.recorder().reasons()).containsExactly(CloseReason.of(1000, "bye"));
            }
        }
    }

    @Test
    void theServersPingIsAnsweredWithItsPayload() throws Exception {
        try (RawServer server = new RawServer(); TestClient client = new TestClient()) {
            TestServer.Connection ws = client.connect(server.uri(), CLIENT, ClientOptions.DEFAULTS);
            try (RawServer.Peer peer = server.acceptUpgraded()) {
                TestClient.upgraded(ws.channel());
                peer.send(WireFrame.of(WireFrame.PING, "are you there".getBytes(StandardCharsets.US_ASCII)));
                // a pong MUST carry the ping's application data (§5.5.3)
                assertThat(peer.readFrame()).isEqualTo(WireFrame.of(WireFrame.PONG, "are you there".getBytes(StandardCharsets.US_ASCII)));
                ws.channel().writeAndFlush(new TextWebSocketFrame("masked"));
                assertThat(peer.readFrame()).isEqualTo(WireFrame.text("masked")); // read as a masked frame (§5.3)
                ws.channel().close();
                assertThat(peer.readFrame()).isEqualTo(WireFrame.close(1001));
            }
        }
    }

    @Test
    void aServerThatNeverAnswersPingsFailsAfterThePongTimeout() throws Exception {
        ClientOptions keepalive = ClientOptions.DEFAULTS.withPingInterval(Duration.ofMillis(100)).withPongTimeout(Duration.ofMillis(200));
        try (RawServer server = new RawServer(); TestClient client = new TestClient()) {
            TestServer.Connection ws = client.connect(server.uri(), CLIENT, keepalive);
            try (RawServer.Peer peer = server.acceptUpgraded()) {
                TestClient.upgraded(ws.channel());

                RawClient.Transcript transcript = peer.readUntilClosed();
                List<WireFrame> frames = transcript.frames();
                assertThat(frames).hasSize(2);
                assertThat(frames.get(0).opcode()).isEqualTo(WireFrame.PING);
                assertThat(frames.get(1).closeCode()).isEqualTo(1011);
                assertThat(transcript.end()).isEqualTo(RawClient.TcpEnd.EOF);
                CloseReport report = ws.report();
                assertThat(report.cause()).isEqualTo(Cause.KEEPALIVE_TIMEOUT);
                assertThat(report.clean()).isFalse();
            }
        }
    }

    @Test
    void aCompressedMessageIsInflatedAndOursCompressedAndABombIsAnsweredWith1009() throws Exception {
        ClientOptions compressed = ClientOptions.DEFAULTS.withCompression(PerMessageDeflateConfig.DEFAULT);
        try (RawServer server = new RawServer(); TestClient client = new TestClient()) {
            TestServer.Connection ws = client.connect(server.uri(), CLIENT.withCloseTimeout(Duration.ofSeconds(30)), compressed);
            try (RawServer.Peer peer = server.accept()) {
                peer.upgrade("Sec-WebSocket-Extensions: permessage-deflate\r\n");
                assertThat(peer.requestHeader("Sec-WebSocket-Extensions")).isEqualTo("permessage-deflate;client_max_window_bits");
                peer.allowRsv(4);
                TestClient.upgraded(ws.channel());
                ClientCompression zlib = ClientCompression.accept("permessage-deflate", "permessage-deflate");
                try {
                    peer.send(new WireFrame(true, 4, WireFrame.TEXT, zlib.compress("hello, inflated".getBytes(StandardCharsets.UTF_8))));
                    ws.channel().writeAndFlush(new TextWebSocketFrame("compressed by the client"));
                    WireFrame ours = peer.readFrame();
                    assertThat(ours.rsv()).as("RSV1: compressed (RFC 7692 §6)").isEqualTo(4);
                    assertThat(new String(zlib.inflate(ours.payload()), StandardCharsets.UTF_8)).isEqualTo("compressed by the client");

                    // 1 MiB of zeros in about a kilobyte: inflated to one byte past the limit, then 1009
                    peer.send(new WireFrame(true, 4, WireFrame.BINARY, zlib.compress(new byte[1 << 20])));
                    RawClient.Transcript transcript = peer.readUntilClosed();
                    assertThat(transcript.frames()).hasSize(1);
                    assertThat(transcript.frames().get(0).closeCode()).isEqualTo(1009);
                    assertThat(transcript.end()).isEqualTo(RawClient.TcpEnd.EOF);
                } finally {
                    zlib.end();
                }
                CloseReport report = ws.report();
                assertThat(report.cause()).isEqualTo(Cause.MESSAGE_TOO_BIG);
                assertThat(ws.recorder().texts()).containsExactly("hello, inflated");
            }
        }
    }

    @Test
    void aServerThatDoesNotReadIsClosedAsASlowConsumer() throws Exception {
        // small socket buffers and limits: every byte a client sends is masked, and the leak detector records each access
        ClientOptions limited = ClientOptions.DEFAULTS.withMaxPendingBytes(16 * 1024);
        try (RawServer server = new RawServer(4096); TestClient client = new TestClient().sendBuffer(8192)) {
            TestServer.Connection ws = client.connect(server.uri(), CLIENT, limited);
            try (RawServer.Peer peer = server.acceptUpgraded()) {
                TestClient.upgraded(ws.channel());
                byte[] message = new byte[8 * 1024];
                int written = ws.channel().eventLoop().submit(() -> {
                    for (int i = 0; i < 400; i++) { // the server reads nothing
                        ChannelFuture write = ws.channel().writeAndFlush(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(message)));
                        if (write.isDone() && !write.isSuccess()) {
                            return i; // refused at once: the close has started
                        }
                    }
                    return 400;
                }).get(TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS);
                assertThat(written).as("messages written before the close").isLessThan(400);
                CloseReport report = ws.report();
                assertThat(report.cause()).isEqualTo(Cause.SLOW_CONSUMER);
                assertThat(report.sent()).isEqualTo(ServerProtection.DEFAULT_SLOW_CONSUMER_REASON);
                assertThat(report.initiator()).isEqualTo(Initiator.LOCAL);
            }
        }
    }

    /** The server sends {@code frame}: the client sends one close frame with {@code code} and closes TCP at once (§7.1.7). */
    private static void failsWith(WireFrame frame, int code) throws Exception {
        failsWithBytes(frame.unmasked(), code);
    }

    private static void failsWithBytes(byte[] bytes, int code) throws Exception {
        try (RawServer server = new RawServer(); TestClient client = new TestClient()) {
            // a long close timeout: the client must not wait for the server's answer after failing
            TestServer.Connection ws = client.connect(server.uri(), CLIENT.withCloseTimeout(Duration.ofSeconds(30)), ClientOptions.DEFAULTS);
            try (RawServer.Peer peer = server.acceptUpgraded()) {
                TestClient.upgraded(ws.channel());
                peer.sendRaw(bytes);

                RawClient.Transcript transcript = peer.readUntilClosed();
                assertThat(transcript.frames()).hasSize(1);
                assertThat(transcript.frames().get(0).closeCode()).isEqualTo(code);
                assertThat(transcript.end()).isEqualTo(RawClient.TcpEnd.EOF);
                CloseReport report = ws.report();
                assertThat(report.clean()).isFalse();
                assertThat(report.initiator()).isEqualTo(Initiator.LOCAL);
                assertThat(report.sent().unsignedCode()).isEqualTo(code);
                assertThat(report.cause()).isEqualTo(code == 1009 ? Cause.MESSAGE_TOO_BIG : Cause.PROTOCOL_ERROR);
                assertThat(report.duration()).isLessThan(Duration.ofSeconds(30));
            }
        }
    }
}
