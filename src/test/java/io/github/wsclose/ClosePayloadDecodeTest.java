package io.github.wsclose;

import static io.github.wsclose.TestBytes.payload;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.wsclose.CloseReason.Codes;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class ClosePayloadDecodeTest {

    // ---- payload length ---------------------------------------------------------------------------

    @Test
    void emptyPayloadIsNoStatusReceived() {
        CloseReason reason = decode(new byte[0]);

        assertThat(reason.unsignedCode()).isEqualTo(1005);
        assertThat(reason.knownReason()).isSameAs(Codes.NO_STATUS_RECEIVED);
        assertThat(reason.message()).isEmpty();
        assertThat(decode(new byte[0])).isSameAs(reason);
    }

    @Test
    void oneBytePayloadIsAProtocolError() {
        assertProtocolError(new byte[] {0x03}, "close frame payload of 1 byte is too short");
    }

    @Test
    void twoBytePayloadIsTheCodeAlone() {
        assertThat(decode(payload(1000, ""))).isEqualTo(new CloseReason(Codes.NORMAL, ""));
        assertThat(decode(payload(4000, ""))).isEqualTo(CloseReason.of(4000, ""));
    }

    @Test
    void payloadOf125BytesIsAccepted() {
        byte[] bytes = payload(1000, "a".repeat(123));
        assertThat(bytes).hasSize(125);

        assertThat(decode(bytes)).isEqualTo(new CloseReason(Codes.NORMAL, "a".repeat(123)));
    }

    @Test
    void payloadOf126BytesIsAProtocolError() {
        byte[] bytes = payload(1000, "a".repeat(124));
        assertThat(bytes).hasSize(126);

        assertProtocolError(bytes, "close frame payload too long: 126 bytes (expected: <= 125)");
    }

    @Test
    void muchLongerPayloadIsAProtocolError() {
        assertProtocolError(payload(1000, "a".repeat(998)), "too long: 1000 bytes");
    }

    /** Reasons of 123 bytes (the most that fits) in ASCII and in 2-, 3- and 4-byte characters. */
    @ParameterizedTest
    @MethodSource("reasonsOf123Bytes")
    void reasonOf123BytesIsAccepted(String reason) {
        byte[] bytes = payload(1001, reason);
        assertThat(bytes).hasSize(125);

        assertThat(decode(bytes)).isEqualTo(new CloseReason(Codes.GOING_AWAY, reason));
    }

    static Stream<String> reasonsOf123Bytes() {
        return Stream.of("a".repeat(123), "€".repeat(41), "a" + "é".repeat(61), "abc" + "😀".repeat(30), "€" + "😀".repeat(30));
    }

    /** Reasons of 124 bytes: one too many, whether ASCII or multi-byte. */
    @ParameterizedTest
    @MethodSource("reasonsOf124Bytes")
    void reasonOf124BytesIsAProtocolError(String reason) {
        byte[] bytes = payload(1001, reason);
        assertThat(bytes).hasSize(126);

        assertProtocolError(bytes, "too long: 126 bytes");
    }

    static Stream<String> reasonsOf124Bytes() {
        return Stream.of("a".repeat(124), "é".repeat(62), "a" + "€".repeat(41), "😀".repeat(31));
    }

    // ---- status codes -----------------------------------------------------------------------------

    @ParameterizedTest
    @CsvSource({
        "0,     false",
        "999,   false",
        "1000,  true",
        "1003,  true",
        "1004,  false",
        "1005,  false",
        "1006,  false",
        "1007,  true",
        "1014,  true",
        "1015,  false",
        "1016,  false",
        "2999,  false",
        "3000,  true",
        "4999,  true",
        "5000,  false",
        "65535, false",
    })
    void acceptsExactlyTheSendableCodes(int code, boolean sendable) {
        for (String reason : new String[] {"", "why", "€".repeat(41)}) {
            byte[] bytes = payload(code, reason);
            if (sendable) {
                CloseReason decoded = decode(bytes);
                assertThat(decoded.unsignedCode()).isEqualTo(code);
                assertThat(decoded.message()).isEqualTo(reason);
            } else {
                assertProtocolError(bytes, "close status " + code + " must not appear on the wire");
            }
        }
    }

    @Test
    void codeOnlyPayloadOfANamedCodeDecodesToTheSameInstance() {
        for (Codes named : Codes.values()) {
            if (!named.mayAppearOnWire()) {
                continue;
            }
            CloseReason first = decode(payload(named.unsignedCode(), ""));
            CloseReason second = decode(payload(named.unsignedCode(), ""));

            assertThat(first).as(named.name()).isEqualTo(new CloseReason(named, ""));
            assertThat(second).as(named.name()).isSameAs(first);
        }
    }

    @Test
    void codeOnlyPayloadOfAnUnnamedCodeDecodesToAnEqualValue() {
        assertThat(decode(payload(3000, ""))).isEqualTo(CloseReason.of(3000, ""));
        assertThat(decode(payload(4999, ""))).isEqualTo(CloseReason.of(4999, ""));
    }

    @Test
    void reasonIsDecodedAsUtf8() {
        assertThat(decode(payload(1001, "Grüße, 世界 😀")))
                .isEqualTo(new CloseReason(Codes.GOING_AWAY, "Grüße, 世界 😀"));
    }

    @Test
    void invalidUtf8ReasonIsInvalidPayloadData() {
        byte[] bytes = payload(1000, new byte[] {'o', 'k', (byte) 0xC3, 0x28});

        assertThatThrownBy(() -> decode(bytes))
                .isInstanceOf(CorruptedWebSocketFrameException.class)
                .hasMessageContaining("not valid UTF-8")
                .hasMessageContaining("at byte 2")
                .satisfies(e -> assertThat(status(e)).isEqualTo(1007));
    }

    @Test
    void theCodeIsCheckedBeforeTheReason() {
        assertProtocolError(payload(999, new byte[] {(byte) 0xFF}), "close status 999 must not appear on the wire");
    }

    // ---- indexes and reference count --------------------------------------------------------------

    static Stream<Arguments> payloads() {
        return Stream.of(
                Arguments.of("empty", new byte[0]),
                Arguments.of("code only", payload(1000, "")),
                Arguments.of("code and reason", payload(4000, "Grüße 😀")),
                Arguments.of("1 byte", new byte[] {0x03}),
                Arguments.of("126 bytes", payload(1000, "a".repeat(124))),
                Arguments.of("bad code", payload(1005, "x")),
                Arguments.of("bad UTF-8", payload(1000, new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80})));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("payloads")
    void decodeReadsTheReadableBytesAndMovesNoIndexNorTheRefCnt(String what, byte[] bytes) {
        ByteBuf buf = Unpooled.buffer();
        try {
            buf.writeBytes(new byte[] {0x0F, (byte) 0xA0, 'x'}); // skipped: would decode as 4000 "x"
            buf.writeBytes(bytes);
            buf.readerIndex(3);
            int writerIndex = buf.writerIndex();

            Object outcome;
            try {
                outcome = ClosePayload.decode(buf);
            } catch (CorruptedWebSocketFrameException e) {
                outcome = e.getClass();
            }

            assertThat(outcome).isEqualTo(outcome(bytes));
            assertThat(buf.readerIndex()).isEqualTo(3);
            assertThat(buf.writerIndex()).isEqualTo(writerIndex);
            assertThat(buf.refCnt()).isEqualTo(1);
        } finally {
            buf.release();
        }
    }

    @Test
    void decodesADirectBuffer() {
        ByteBuf buf = Unpooled.directBuffer();
        try {
            buf.writeBytes(payload(1000, "bye €"));

            assertThat(ClosePayload.decode(buf)).isEqualTo(new CloseReason(Codes.NORMAL, "bye €"));
            assertThat(buf.refCnt()).isEqualTo(1);
        } finally {
            buf.release();
        }
    }

    @Test
    void decodesACompositeBufferSplitInsideACharacter() {
        byte[] bytes = payload(1000, "a😀b");
        CompositeByteBuf buf = Unpooled.compositeBuffer();
        try {
            buf.addComponents(true,
                    Unpooled.wrappedBuffer(bytes, 0, 1),
                    Unpooled.wrappedBuffer(bytes, 1, 3),   // the code's second byte, 'a' and the 😀 lead byte
                    Unpooled.wrappedBuffer(bytes, 4, bytes.length - 4));

            assertThat(ClosePayload.decode(buf)).isEqualTo(new CloseReason(Codes.NORMAL, "a😀b"));
            assertThat(buf.refCnt()).isEqualTo(1);
        } finally {
            buf.release();
        }
    }

    // ---- Netty's CloseWebSocketFrame --------------------------------------------------------------

    @Test
    void decodesTheContentOfAFrameWithoutReleasingIt() {
        CloseWebSocketFrame frame = new CloseWebSocketFrame(WebSocketCloseStatus.ENDPOINT_UNAVAILABLE, "restarting");
        try {
            assertThat(ClosePayload.decode(frame)).isEqualTo(new CloseReason(Codes.GOING_AWAY, "restarting"));
            assertThat(frame.refCnt()).isEqualTo(1);
            assertThat(frame.content().readerIndex()).isZero();
        } finally {
            frame.release();
        }
    }

    @Test
    void decodesAnEmptyFrameAsNoStatusReceived() {
        CloseWebSocketFrame frame = new CloseWebSocketFrame();
        try {
            assertThat(ClosePayload.decode(frame)).isSameAs(Codes.NO_STATUS_RECEIVED.withoutMessage);
        } finally {
            frame.release();
        }
    }

    @Test
    void decodingAnInvalidFrameDoesNotReleaseIt() {
        CloseWebSocketFrame frame = new CloseWebSocketFrame(true, 0, Unpooled.wrappedBuffer(new byte[] {0x03}));
        try {
            assertThatThrownBy(() -> ClosePayload.decode(frame)).isInstanceOf(CorruptedWebSocketFrameException.class);
            assertThat(frame.refCnt()).isEqualTo(1);
        } finally {
            frame.release();
        }
    }

    // ---- helpers ----------------------------------------------------------------------------------

    static CloseReason decode(byte[] bytes) {
        ByteBuf buf = Unpooled.wrappedBuffer(bytes);
        try {
            return ClosePayload.decode(buf);
        } finally {
            buf.release();
        }
    }

    static void assertProtocolError(byte[] bytes, String fault) {
        assertThatThrownBy(() -> decode(bytes))
                .isInstanceOf(CorruptedWebSocketFrameException.class)
                .hasMessageContaining(fault)
                .satisfies(e -> assertThat(status(e)).isEqualTo(1002));
    }

    private static int status(Throwable e) {
        return ((CorruptedWebSocketFrameException) e).closeStatus().code();
    }

    /** What decoding {@code bytes} from offset 0 of a buffer of their own gives: a reason or the exception class. */
    private static Object outcome(byte[] bytes) {
        try {
            return decode(bytes);
        } catch (CorruptedWebSocketFrameException e) {
            return e.getClass();
        }
    }

    @Test
    void helperBuildsBigEndianPayloads() {
        // guards the independent payload builder the other tests rely on
        assertThat(payload(1000, "")).containsExactly(0x03, 0xE8);
        assertThat(payload(65535, "é")).containsExactly(0xFF, 0xFF, 0xC3, 0xA9);
        assertThat("é".getBytes(StandardCharsets.UTF_8)).hasSize(2);
    }
}
