package io.github.wsclose;

import static io.github.wsclose.CloseReport.Initiator.LOCAL;
import static io.github.wsclose.CloseReport.Initiator.REMOTE;
import static io.github.wsclose.HandshakeChannel.maskedFrame;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.wsclose.CloseReason.Codes;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.Utf8FrameValidator;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The closing handshake on raw bytes, behind Netty's RFC 6455 frame codec configured to leave
 * close handling to us: masked client frames in, exact server frames out.
 */
class ClosingHandshakeOnTheWireTest {

    private static final int OPCODE_TEXT = 0x81;
    private static final int OPCODE_CLOSE = 0x88;
    private static final byte[] NORMAL = {0x03, (byte) 0xE8};

    @Test
    void normalCloseIsEchoedAsExactlyItsCode() {
        try (HandshakeChannel ws = serverFrames(65536)) {
            ws.peerSendsBytes(maskedFrame(OPCODE_CLOSE, NORMAL));

            assertThat(ws.sentBytes()).isEqualTo("880203e8");
            assertThat(ws.channel.isOpen()).isFalse();
            CloseReason normal = new CloseReason(Codes.NORMAL, "");
            assertThat(ws.applicationReads()).isEqualTo(normal);
            assertThat(ws.report()).isEqualTo(new CloseReport(normal, normal, normal, REMOTE, true, Duration.ZERO, CloseReport.Cause.PEER, null));
        }
    }

    @Test
    void peersReasonIsNotEchoed() {
        try (HandshakeChannel ws = serverFrames(65536)) {
            ws.peerSendsBytes(maskedFrame(OPCODE_CLOSE, payload(1001, "bye")));

            assertThat(ws.sentBytes()).isEqualTo("880203e9");
            assertThat(ws.applicationReads()).isEqualTo(new CloseReason(Codes.GOING_AWAY, "bye"));
        }
    }

    @Test
    void emptyCloseIsEchoedEmpty() {
        try (HandshakeChannel ws = serverFrames(65536)) {
            ws.peerSendsBytes(maskedFrame(OPCODE_CLOSE, new byte[0]));

            assertThat(ws.sentBytes()).isEqualTo("8800");
            assertThat(ws.report().reason()).isEqualTo(new CloseReason(Codes.NO_STATUS_RECEIVED, ""));
        }
    }

    @Test
    void applicationCloseIsWrittenUnmasked() {
        try (HandshakeChannel ws = serverFrames(65536)) {
            ws.channel.writeAndFlush(new CloseReason(Codes.SERVICE_RESTART, "deploy"));

            assertThat(ws.sentBytes()).isEqualTo("880803f4" + ByteBufUtil.hexDump("deploy".getBytes(StandardCharsets.UTF_8)));

            ws.peerSendsBytes(maskedFrame(OPCODE_CLOSE, payload(1012, "")));

            assertThat(ws.channel.isOpen()).isFalse();
            assertThat(ws.report().clean()).isTrue();
        }
    }

    @Test
    void closeCodeNettyLetsThroughIsAnsweredWith1002() {
        try (HandshakeChannel ws = serverFrames(65536)) {
            ws.peerSendsBytes(maskedFrame(OPCODE_CLOSE, payload(5000, ""))); // Netty reads the code signed and passes it

            String message = "close status 5000 must not appear on the wire (out of range, expected 1000-1003, 1007-1014 or 3000-4999)";
            assertThat(ws.sentBytes()).isEqualTo(closeFrame(1002, message));
            assertThat(ws.channel.isOpen()).isFalse();
            CloseReport report = ws.report();
            assertThat(report.sent()).isEqualTo(new CloseReason(Codes.PROTOCOL_ERROR, message));
            assertThat(report.reason()).isEqualTo(new CloseReason(Codes.CLOSED_ABNORMALLY, ""));
            assertThat(report.initiator()).isEqualTo(LOCAL);
            assertThat(report.clean()).isFalse();
        }
    }

    @Test
    void invalidCloseCodeCaughtByNettysDecoderIsAnsweredWithOneCloseFrame() {
        try (HandshakeChannel ws = serverFrames(65536)) {
            ws.peerSendsBytes(maskedFrame(OPCODE_CLOSE, payload(999, "")));

            assertThat(ws.sentBytes()).isEqualTo(closeFrame(1002, "Invalid close frame getStatus code: 999"));
            assertThat(ws.channel.isOpen()).isFalse();
        }
    }

    @Test
    void invalidUtf8TextIsAnsweredWith1007() {
        try (HandshakeChannel ws = new HandshakeChannel(ClosingHandshakeConfig.server(),
                new WebSocket13FrameDecoder(decoderConfig(65536)), new WebSocket13FrameEncoder(false),
                new Utf8FrameValidator(false))) {
            ws.peerSendsBytes(maskedFrame(OPCODE_TEXT, new byte[] {'a', (byte) 0xC0, (byte) 0xAF}));

            String sent = ws.sentBytes();
            assertThat(sent.substring(0, 2)).isEqualTo("88");
            assertThat(sent.substring(4, 8)).as("status").isEqualTo("03ef");
            assertThat(ws.channel.isOpen()).isFalse();
            assertThat(ws.report().sent().knownReason()).isEqualTo(Codes.NOT_CONSISTENT);
        }
    }

    @Test
    void frameOverTheLimitIsAnsweredWith1009() {
        try (HandshakeChannel ws = serverFrames(16)) {
            ws.peerSendsBytes(maskedFrame(OPCODE_TEXT, new byte[17]));

            String sent = ws.sentBytes();
            assertThat(sent.substring(0, 2)).isEqualTo("88");
            assertThat(sent.substring(4, 8)).as("status").isEqualTo("03f1");
            assertThat(ws.channel.isOpen()).isFalse();
            assertThat(ws.report().sent().knownReason()).isEqualTo(Codes.TOO_BIG);
        }
    }

    @Test
    void textBeforeThePeersAnswerStillReachesTheApplication() {
        try (HandshakeChannel ws = serverFrames(65536)) {
            ws.channel.writeAndFlush(new CloseReason(Codes.NORMAL, ""));
            assertThat(ws.sentBytes()).isEqualTo("880203e8");

            ws.peerSendsBytes(maskedFrame(OPCODE_TEXT, "late".getBytes(StandardCharsets.UTF_8)));
            ws.peerSendsBytes(maskedFrame(OPCODE_CLOSE, NORMAL));

            TextWebSocketFrame text = ws.channel.readInbound();
            assertThat(text.text()).isEqualTo("late");
            text.release();
            assertThat(ws.sentBytes()).as("no second close frame").isEmpty();
            assertThat(ws.report().clean()).isTrue();
        }
    }

    /** Netty's RFC 6455 frame codec for a server that leaves every close frame to the closing handshake handler. */
    private static HandshakeChannel serverFrames(int maxFramePayloadLength) {
        return new HandshakeChannel(ClosingHandshakeConfig.server(),
                new WebSocket13FrameDecoder(decoderConfig(maxFramePayloadLength)), new WebSocket13FrameEncoder(false));
    }

    private static WebSocketDecoderConfig decoderConfig(int maxFramePayloadLength) {
        return WebSocketDecoderConfig.newBuilder()
                .expectMaskedFrames(true)
                .maxFramePayloadLength(maxFramePayloadLength)
                .closeOnProtocolViolation(false)
                .build();
    }

    private static byte[] payload(int code, String reason) {
        byte[] text = reason.getBytes(StandardCharsets.UTF_8);
        byte[] payload = new byte[2 + text.length];
        payload[0] = (byte) (code >> 8);
        payload[1] = (byte) code;
        System.arraycopy(text, 0, payload, 2, text.length);
        return payload;
    }

    /** An unmasked close frame with a payload of at most 125 bytes, in hex. */
    private static String closeFrame(int code, String reason) {
        byte[] payload = payload(code, reason);
        return "88" + ByteBufUtil.hexDump(new byte[] {(byte) payload.length}) + ByteBufUtil.hexDump(payload);
    }
}
