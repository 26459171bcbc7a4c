package io.github.wsclose;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.Utf8FrameValidator;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Fuzzes a whole server's inbound path on an {@link EmbeddedChannel}: raw bytes from a
 * misbehaving client ({@link PeerInput}) go through Netty's frame decoder and UTF-8 validator
 * and a server {@link ClosingHandshakeHandler}, alone as in a {@link ServerPipeline} or behind
 * {@link CloseFrameDecoder} and {@link CloseFrameEncoder}, and Netty's frame encoder turns what the handler writes back into bytes, which the test
 * parses itself.
 *
 * <p>Whatever arrives, in whatever reads: at most one close frame is written, and it may be
 * sent; the application sees at most one {@link CloseReason}, and a valid one; exactly one
 * {@link CloseReport} is fired once the channel is closed, and counted once by {@link CloseMetrics}
 * with documented tag values only; no exception reaches the end of the pipeline; nothing leaks.
 */
class InboundPipelineFuzzTest {

    private static final ClosingHandshakeConfig SERVER = ClosingHandshakeConfig.server();

    private static final WebSocketDecoderConfig DECODER = WebSocketDecoderConfig.newBuilder()
            .maxFramePayloadLength(65_536)
            .expectMaskedFrames(true)
            .closeOnProtocolViolation(false)
            .build();

    @ParameterizedTest(name = "codec in front: {0}")
    @ValueSource(booleans = {false, true})
    void everyInputEndsInOneValidCloseFrameAtMostAndExactlyOneReport(boolean codecInFront) {
        FuzzRun.Tally tally = new FuzzRun.Tally(codecInFront ? "inbound pipeline, codec in front" : "inbound pipeline");
        CloseMeters meters = new CloseMeters();
        FuzzRun.qt(1_000).forAll(PeerInput.peerInputs()).checkAssert(input -> {
            double closesBefore = meters.closeCount();
            Recorder app = new Recorder(false);
            List<ChannelHandler> handlers = new ArrayList<>(List.of(
                    new WebSocket13FrameEncoder(false),
                    input.nettyChecksBody() ? new WebSocket13FrameDecoder(DECODER) : new CloseBodyHandover.FrameDecoder(DECODER),
                    new Utf8FrameValidator(false)));
            if (codecInFront) {
                handlers.addAll(List.of(CloseFrameDecoder.INSTANCE, CloseFrameEncoder.INSTANCE));
            }
            handlers.addAll(List.of(new ClosingHandshakeHandler(SERVER.withEchoReason(input.echoReason())), meters.handler, app));
            EmbeddedChannel channel = new EmbeddedChannel(handlers.toArray(ChannelHandler[]::new));
            try {
                feed(channel, input);
                if (channel.isOpen()) {
                    channel.pipeline().close(); // what the application does when the peer goes quiet
                }
                channel.advanceTimeBy(SERVER.closeTimeout().toMillis(), TimeUnit.MILLISECONDS);
                channel.runScheduledPendingTasks();
                channel.checkException(); // no exception reached the end of the pipeline

                assertThat(channel.isOpen()).as("closed at the latest by the close timeout").isFalse();
                List<WireFrame> written = WireFrame.parseServerFrames(drainOutbound(channel));
                check(written, app);
                assertThat(meters.closeCount()).as("closes counted").isEqualTo(closesBefore + 1);
                assertThat(meters.active()).as("connections counted as open").isZero();
                tally.count(outcome(app.onlyReport()));
            } finally {
                assertThat(channel.finishAndReleaseAll()).as("messages left in the channel").isFalse();
            }
        });
        meters.assertTagsBounded(); // whatever the peer sent, every tag value is a documented one
        tally.print();
    }

    private static void feed(EmbeddedChannel channel, PeerInput input) {
        List<byte[]> reads = input.reads();
        for (int i = 0; i < reads.size() && channel.isOpen(); i++) {
            if (i == input.appCloseAfter()) {
                appCloses(channel, input);
            }
            channel.writeInbound(Unpooled.wrappedBuffer(reads.get(i)));
        }
        if (input.appCloseAfter() >= reads.size() && channel.isOpen()) {
            appCloses(channel, input);
        }
    }

    private static void appCloses(EmbeddedChannel channel, PeerInput input) {
        if (input.appCloseReason() == null) {
            channel.pipeline().close();
        } else {
            channel.writeAndFlush(input.appCloseReason());
        }
    }

    private static void check(List<WireFrame> written, Recorder app) {
        assertThat(written).as("frames written").allSatisfy(f -> assertThat(f.opcode()).isEqualTo(WireFrame.CLOSE));
        assertThat(written).as("close frames written").hasSizeLessThanOrEqualTo(1);
        for (WireFrame close : written) {
            assertThat(close.fin()).as("FIN").isTrue();
            assertThat(close.rsv()).as("RSV").isZero();
            CloseOracle.Verdict sent = close.closeVerdict();
            assertThat(sent.reason()).as("close frame sent is valid: %s", close).isNotNull();
        }

        assertThat(app.exceptions()).as("exceptions past the handshake handler").isEmpty();
        assertThat(app.reasons()).as("close reasons delivered").hasSizeLessThanOrEqualTo(1);
        for (CloseReason peer : app.reasons()) {
            assertThat(CloseOracle.isValidOnWire(peer)).as("valid: %s", peer).isTrue();
        }

        CloseReport report = app.onlyReport(); // exactly one, fired before channelInactive
        assertThat(report.failure()).as("the only failures are the peer's protocol violations")
                .satisfiesAnyOf(cause -> assertThat(cause).isNull(),
                        cause -> assertThat(cause).isInstanceOf(CorruptedWebSocketFrameException.class));
        int code = report.reason().unsignedCode();
        assertThat(CloseOracle.sendable(code) || code == 1005 || code == 1006).as("report code %s", code).isTrue();
        if (report.clean()) {
            assertThat(written).as("a clean close sent a close frame").hasSize(1);
            assertThat(app.reasons()).as("a clean close received a close frame").hasSize(1);
        }
        if (report.initiator() == CloseReport.Initiator.REMOTE && !app.reasons().isEmpty()) {
            // the peer closed first: the answer echoes its code, or is empty for an empty close
            CloseReason peer = app.reasons().get(0);
            assertThat(report.reason()).isEqualTo(peer);
            if (!written.isEmpty()) {
                CloseReason answer = written.get(0).closeVerdict().reason();
                assertThat(answer.code()).as("echoed code").isEqualTo(peer.code());
            }
        }
    }

    private static byte[] drainOutbound(EmbeddedChannel channel) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object msg; (msg = channel.readOutbound()) != null; ) {
            ByteBuf buf = (ByteBuf) msg;
            try {
                byte[] bytes = new byte[buf.readableBytes()];
                buf.readBytes(bytes);
                out.writeBytes(bytes);
            } finally {
                buf.release();
            }
        }
        return out.toByteArray();
    }

    private static String outcome(CloseReport report) {
        CloseReason close = report.sent() != null && report.received() == null ? report.sent() : report.reason();
        String code = switch (close.unsignedCode()) {
            case 1002, 1005, 1006, 1007, 1009, 1011 -> Integer.toString(close.unsignedCode());
            default -> "other code";
        };
        return report.initiator() + " " + report.cause() + " " + (report.clean() ? "clean" : "unclean") + " " + code;
    }
}
