package io.github.wsclose;

import static io.github.wsclose.CloseReport.Cause.APPLICATION;
import static io.github.wsclose.CloseReport.Cause.PEER;
import static io.github.wsclose.CloseReport.Cause.PROTOCOL_ERROR;
import static io.github.wsclose.CloseReport.Initiator.LOCAL;
import static io.github.wsclose.CloseReport.Initiator.REMOTE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.github.wsclose.CloseReason.Codes;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import java.time.Duration;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link ClosingHandshakeHandler} reads and writes close frames itself, as in a {@link ServerPipeline};
 * with {@link CloseFrameDecoder} and {@link CloseFrameEncoder} in front, as in a pipeline of one's own,
 * everything happens the same. Each case runs on both pipelines, close frames allocated so that the
 * leak detector (PARANOID) tracks them.
 */
class HandshakeCloseFramesTest {

    /** The two pipelines: the handshake handler alone, and behind the close frame codec. */
    enum Pipeline {
        HANDLER_ALONE(HandshakeChannel::withoutCodec),
        CODEC_IN_FRONT(HandshakeChannel::new);

        private final Function<ClosingHandshakeConfig, HandshakeChannel> build;

        Pipeline(Function<ClosingHandshakeConfig, HandshakeChannel> build) {
            this.build = build;
        }

        HandshakeChannel server() {
            return build.apply(ClosingHandshakeConfig.server());
        }
    }

    private static final CloseReason RESTARTING = new CloseReason(Codes.GOING_AWAY, "restarting");

    @ParameterizedTest
    @EnumSource(Pipeline.class)
    void peersCloseFrameIsDecodedReleasedAnsweredAndReported(Pipeline pipeline) {
        try (HandshakeChannel ws = pipeline.server()) {
            CloseWebSocketFrame frame = allocated(TestBytes.payload(1001, "restarting"));
            ws.peerSends(frame);

            assertThat(frame.refCnt()).as("released").isZero();
            assertThat(ws.applicationReads()).as("the peer's close, for the application").isEqualTo(RESTARTING);
            assertThat(ws.applicationReads()).isNull();
            CloseReason answer = new CloseReason(Codes.GOING_AWAY, "");
            assertThat(ws.sentClose()).as("one close frame with the peer's code").isEqualTo(answer);
            assertThat(ws.channel.isOpen()).isFalse();
            assertThat(ws.report()).isEqualTo(new CloseReport(RESTARTING, RESTARTING, answer, REMOTE, true, Duration.ZERO, PEER, null));
        }
    }

    @ParameterizedTest
    @EnumSource(Pipeline.class)
    void emptyCloseFrameIsNoStatusAnsweredWithAnEmptyCloseFrame(Pipeline pipeline) {
        CloseReason noStatus = new CloseReason(Codes.NO_STATUS_RECEIVED, "");
        try (HandshakeChannel ws = pipeline.server()) {
            ws.peerSends(new CloseWebSocketFrame(true, 0, ByteBufAllocator.DEFAULT.buffer(0)));

            assertThat(ws.applicationReads()).isEqualTo(noStatus);
            assertThat(ws.sentClose()).isEqualTo(noStatus);
            assertThat(ws.report().clean()).isTrue();
        }
    }

    @ParameterizedTest
    @EnumSource(Pipeline.class)
    void applicationsCloseGoesOutAsACloseFrameAndTheAnswerEndsIt(Pipeline pipeline) {
        try (HandshakeChannel ws = pipeline.server()) {
            ChannelFuture closed = ws.channel.writeAndFlush(RESTARTING);

            assertThat(ws.sentClose()).isEqualTo(RESTARTING);
            assertThat(closed.isDone()).as("done when the connection is").isFalse();
            CloseWebSocketFrame answer = allocated(TestBytes.payload(1001, ""));
            ws.peerSends(answer);

            assertThat(answer.refCnt()).isZero();
            assertThat(ws.applicationReads()).isEqualTo(new CloseReason(Codes.GOING_AWAY, ""));
            assertThat(closed.isSuccess()).isTrue();
            assertThat(ws.channel.isOpen()).isFalse();
            assertThat(ws.report()).isEqualTo(new CloseReport(new CloseReason(Codes.GOING_AWAY, ""),
                    new CloseReason(Codes.GOING_AWAY, ""), RESTARTING, LOCAL, true, Duration.ZERO, APPLICATION, null));
        }
    }

    @ParameterizedTest
    @EnumSource(Pipeline.class)
    void failureGoesOutAsACloseFrameWithItsStatus(Pipeline pipeline) {
        try (HandshakeChannel ws = pipeline.server()) {
            ws.channel.pipeline().fireExceptionCaught(
                    new CorruptedWebSocketFrameException(WebSocketCloseStatus.PROTOCOL_ERROR, "fragmented control frame"));

            assertThat(ws.sentClose()).isEqualTo(CloseReason.of(1002, "fragmented control frame"));
            assertThat(ws.channel.isOpen()).as("closed without waiting for the answer").isFalse();
            assertThat(ws.report().cause()).isEqualTo(PROTOCOL_ERROR);
        }
    }

    /** Every bad close body of the decoder's table, on both pipelines. */
    static Stream<Arguments> badBodies() {
        return CloseFrameDecoderTest.invalidPayloads().flatMap(body ->
                Stream.of(Pipeline.values()).map(pipeline -> Arguments.of(pipeline, body.get()[0], body.get()[1])));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("badBodies")
    void badCloseBodyFailsTheConnectionInTheDecodersWordsAndIsReleasedOnce(Pipeline pipeline, String what, byte[] body) {
        CorruptedWebSocketFrameException refusal = catchThrowableOfType(CorruptedWebSocketFrameException.class,
                () -> ClosePayload.decode(Unpooled.wrappedBuffer(body)));
        CloseReason expected = CloseReason.of(refusal.closeStatus().code(), refusal.getMessage());
        try (HandshakeChannel ws = pipeline.server()) {
            CloseWebSocketFrame frame = allocated(body).retain(); // one reference is the test's: the handlers release once

            ws.peerSends(frame);

            assertThat(frame.refCnt()).as("released exactly once").isEqualTo(1);
            frame.release();
            assertThat(ws.sentClose()).as("the status and words of the decoder's exception").isEqualTo(expected);
            assertThat(ws.applicationReads()).as("nothing for the application").isNull();
            assertThat(ws.exceptions()).as("handled by the handshake, not passed on").isEmpty();
            assertThat(ws.channel.isOpen()).isFalse();
            CloseReport report = ws.report();
            assertThat(report.received()).as("a bad close frame is not a close received").isNull();
            assertThat(report.sent()).isEqualTo(expected);
            assertThat(report.clean()).isFalse();
            assertThat(report.cause()).isEqualTo(PROTOCOL_ERROR);
            assertThat(report.failure()).isInstanceOf(CorruptedWebSocketFrameException.class).hasMessage(refusal.getMessage());
        }
    }

    /** A close frame whose payload holds {@code body}, in a buffer from the default (leak-tracked) allocator. */
    private static CloseWebSocketFrame allocated(byte[] body) {
        return new CloseWebSocketFrame(true, 0, ByteBufAllocator.DEFAULT.buffer(body.length).writeBytes(body));
    }
}
