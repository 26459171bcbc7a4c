package io.github.wsclose;

import static io.github.wsclose.CloseReport.Cause.MESSAGE_TOO_BIG;
import static io.github.wsclose.CloseReport.Cause.PROTOCOL_ERROR;
import static io.github.wsclose.CloseReport.Cause.TRANSPORT;
import static io.github.wsclose.CloseReport.Cause.UNEXPECTED_ERROR;
import static io.github.wsclose.CloseReport.Initiator.LOCAL;
import static io.github.wsclose.CloseReport.Initiator.REMOTE;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.wsclose.CloseReason.Codes;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * _Fail the WebSocket Connection_ (RFC 6455 §7.1.7): a protocol error or an unexpected
 * exception sends exactly one close frame with the right code, then TCP closes; a broken
 * transport, or TCP closed with no close frame, is reported as 1006 (§7.1.5).
 */
class FailTheConnectionTest {

    /** The reason of a connection that ended with no close frame from the peer (§7.1.5). */
    private static final CloseReason NONE_RECEIVED = new CloseReason(Codes.CLOSED_ABNORMALLY, "");

    @ParameterizedTest
    @EnumSource(value = Codes.class, names = {"PROTOCOL_ERROR", "NOT_CONSISTENT", "TOO_BIG"})
    void corruptFrameClosesWithItsStatus(Codes status) {
        try (HandshakeChannel ws = HandshakeChannel.server()) {
            CorruptedWebSocketFrameException corrupt = corrupt(status.withoutMessage.toCloseStatus(), "bad frame");

            ws.channel.pipeline().fireExceptionCaught(corrupt);

            CloseReason sent = new CloseReason(status, "bad frame");
            assertThat(ws.sentClose()).isEqualTo(sent);
            assertThat(ws.channel.isOpen()).isFalse();
            CloseReport.Cause cause = status == Codes.TOO_BIG ? MESSAGE_TOO_BIG : PROTOCOL_ERROR;
            // failed by this end: the answer is not waited for, so the handshake never completes (§7.1.7)
            assertThat(ws.report()).isEqualTo(new CloseReport(NONE_RECEIVED, null, sent, LOCAL, false, Duration.ZERO, cause, corrupt));
        }
    }

    @Test
    void corruptFrameWrappedInADecoderExceptionClosesWithItsStatus() {
        try (HandshakeChannel ws = HandshakeChannel.server()) {
            DecoderException wrapped = new DecoderException(corrupt(WebSocketCloseStatus.MESSAGE_TOO_BIG, "frame too big"));

            ws.channel.pipeline().fireExceptionCaught(wrapped);

            CloseReason sent = new CloseReason(Codes.TOO_BIG, "frame too big");
            assertThat(ws.sentClose()).isEqualTo(sent);
            assertThat(ws.report()).isEqualTo(
                    new CloseReport(NONE_RECEIVED, null, sent, LOCAL, false, Duration.ZERO, MESSAGE_TOO_BIG, wrapped));
        }
    }

    @Test
    void messageOverAnAggregatorsLimitClosesWith1009() {
        try (HandshakeChannel ws = HandshakeChannel.server()) {
            // what Netty's WebSocketFrameAggregator throws for a fragmented message over its limit
            TooLongFrameException tooLong = new TooLongFrameException("content length exceeded 65536 bytes.");

            ws.channel.pipeline().fireExceptionCaught(tooLong);

            CloseReason sent = new CloseReason(Codes.TOO_BIG, "content length exceeded 65536 bytes.");
            assertThat(ws.sentClose()).isEqualTo(sent);
            assertThat(ws.report()).isEqualTo(
                    new CloseReport(NONE_RECEIVED, null, sent, LOCAL, false, Duration.ZERO, MESSAGE_TOO_BIG, tooLong));
        }
    }

    @Test
    void corruptFrameWithAStatusThatMayNotBeSentClosesWith1002() {
        try (HandshakeChannel ws = HandshakeChannel.server()) {
            ws.channel.pipeline().fireExceptionCaught(corrupt(new WebSocketCloseStatus(1006, "abnormal", false), "odd"));

            assertThat(ws.sentClose()).isEqualTo(new CloseReason(Codes.PROTOCOL_ERROR, "odd"));
        }
    }

    @Test
    void longExceptionMessageIsCutToFitTheCloseFrame() {
        try (HandshakeChannel ws = HandshakeChannel.server()) {
            ws.channel.pipeline().fireExceptionCaught(corrupt(WebSocketCloseStatus.PROTOCOL_ERROR, "é".repeat(100)));

            assertThat(ws.sentClose()).isEqualTo(new CloseReason(Codes.PROTOCOL_ERROR, "é".repeat(61)));
        }
    }

    @Test
    void exceptionMessageWithAnUnpairedSurrogateStillFailsTheConnection() {
        try (HandshakeChannel ws = HandshakeChannel.server()) {
            ws.channel.pipeline().fireExceptionCaught(corrupt(WebSocketCloseStatus.PROTOCOL_ERROR, "bad \uD800 frame"));

            assertThat(ws.sentClose()).isEqualTo(new CloseReason(Codes.PROTOCOL_ERROR, "bad ? frame"));
            assertThat(ws.channel.isOpen()).isFalse();
        }
    }

    @Test
    void unexpectedExceptionClosesWith1011AndAnEmptyReason() {
        try (HandshakeChannel ws = HandshakeChannel.server()) {
            IllegalStateException bug = new IllegalStateException("internal detail");

            ws.channel.pipeline().fireExceptionCaught(bug);

            CloseReason sent = new CloseReason(Codes.UNEXPECTED_CONDITION, "");
            assertThat(ws.sentClose()).isEqualTo(sent);
            assertThat(ws.channel.isOpen()).isFalse();
            assertThat(ws.report()).isEqualTo(new CloseReport(NONE_RECEIVED, null, sent, LOCAL, false, Duration.ZERO, UNEXPECTED_ERROR, bug));
        }
    }

    @Test
    void brokenTransportClosesTcpWithoutACloseFrame() {
        try (HandshakeChannel ws = HandshakeChannel.server()) {
            IOException reset = new IOException("connection reset by peer");

            ws.channel.pipeline().fireExceptionCaught(reset);

            assertThat(ws.sentCloses()).isEmpty();
            assertThat(ws.channel.isOpen()).isFalse();
            assertThat(ws.report()).isEqualTo(new CloseReport(NONE_RECEIVED, null, null, REMOTE, false, Duration.ZERO, TRANSPORT, reset));
        }
    }

    @Test
    void protocolErrorAfterOurCloseSendsNoSecondCloseFrame() {
        try (HandshakeChannel ws = HandshakeChannel.server()) {
            CloseReason ours = new CloseReason(Codes.NORMAL, "done");
            ws.channel.writeAndFlush(ours);
            ws.advance(Duration.ofMillis(30));
            CorruptedWebSocketFrameException corrupt = corrupt(WebSocketCloseStatus.PROTOCOL_ERROR, "bad frame");

            ws.channel.pipeline().fireExceptionCaught(corrupt);

            assertThat(ws.sentClose()).isEqualTo(ours);
            assertThat(ws.channel.isOpen()).isFalse();
            // no close frame came back: 1006 (§7.1.5), with the protocol error as the cause
            assertThat(ws.report()).isEqualTo(
                    new CloseReport(NONE_RECEIVED, null, ours, LOCAL, false, Duration.ofMillis(30), PROTOCOL_ERROR, corrupt));
        }
    }

    @Test
    void brokenTransportAfterOurCloseIsReportedAs1006() {
        try (HandshakeChannel ws = HandshakeChannel.server()) {
            CloseReason ours = new CloseReason(Codes.NORMAL, "done");
            ws.channel.writeAndFlush(ours);
            ws.advance(Duration.ofMillis(30));
            IOException reset = new IOException("connection reset by peer");

            ws.channel.pipeline().fireExceptionCaught(reset);

            assertThat(ws.sentCloses()).hasSize(1);
            assertThat(ws.channel.isOpen()).isFalse();
            assertThat(ws.report()).isEqualTo(
                    new CloseReport(NONE_RECEIVED, null, ours, LOCAL, false, Duration.ofMillis(30), TRANSPORT, reset));
        }
    }

    @Test
    void peersCloseWithACodeThatMayNotBeSentIsAProtocolError() {
        try (HandshakeChannel ws = HandshakeChannel.server()) {
            ws.peerSends(new CloseWebSocketFrame(true, 0, Unpooled.buffer(2).writeShort(999)));

            CloseReason sent = ws.sentClose();
            assertThat(sent.knownReason()).isEqualTo(Codes.PROTOCOL_ERROR);
            assertThat(sent.message()).startsWith("close status 999 must not appear on the wire");
            assertThat(ws.applicationReads()).as("nothing for the application").isNull();
            assertThat(ws.report().sent()).isEqualTo(sent);
            assertThat(ws.report().received()).as("an invalid close frame is not a close received").isNull();
            assertThat(ws.report().reason()).isEqualTo(NONE_RECEIVED);
        }
    }

    @Test
    void peersCloseWithInvalidUtf8IsInvalidPayloadData() {
        try (HandshakeChannel ws = HandshakeChannel.server()) {
            byte[] overlongSlash = {0x03, (byte) 0xE8, (byte) 0xC0, (byte) 0xAF};
            ws.peerSends(new CloseWebSocketFrame(true, 0, Unpooled.wrappedBuffer(overlongSlash)));

            CloseReason sent = ws.sentClose();
            assertThat(sent.knownReason()).isEqualTo(Codes.NOT_CONSISTENT);
            assertThat(sent.message()).startsWith("close reason is not valid UTF-8");
            assertThat(ws.report().clean()).isFalse();
        }
    }

    @Test
    void invalidAnswerToOurCloseSendsNoSecondCloseFrame() {
        try (HandshakeChannel ws = HandshakeChannel.server()) {
            CloseReason ours = new CloseReason(Codes.GOING_AWAY, "");
            ws.applicationCloses();

            ws.peerSends(new CloseWebSocketFrame(true, 0, Unpooled.buffer(1).writeByte(3)));

            assertThat(ws.sentClose()).isEqualTo(ours);
            assertThat(ws.channel.isOpen()).isFalse();
            CloseReport report = ws.report();
            assertThat(report.clean()).isFalse();
            assertThat(report.cause()).isEqualTo(PROTOCOL_ERROR);
            assertThat(report.failure()).isInstanceOf(CorruptedWebSocketFrameException.class)
                    .hasMessage("close frame payload of 1 byte is too short (expected: 0 or >= 2)");
            assertThat(report).isEqualTo(new CloseReport(NONE_RECEIVED, null, ours, LOCAL, false, Duration.ZERO, PROTOCOL_ERROR,
                    report.failure()));
        }
    }

    @Test
    void tcpClosedWithoutACloseFrameIsReportedAs1006() {
        try (HandshakeChannel ws = HandshakeChannel.server()) {
            ws.advance(Duration.ofMillis(300));

            ws.tcpCloses();

            assertThat(ws.sentCloses()).isEmpty();
            assertThat(ws.report()).isEqualTo(new CloseReport(NONE_RECEIVED, null, null, REMOTE, false, Duration.ZERO, TRANSPORT, null));
        }
    }

    private static CorruptedWebSocketFrameException corrupt(WebSocketCloseStatus status, String message) {
        return new CorruptedWebSocketFrameException(status, message);
    }
}
