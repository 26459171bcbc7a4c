package io.github.wsclose;

import static io.github.wsclose.TestBytes.bytes;
import static io.github.wsclose.TestBytes.payload;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.wsclose.CloseReason.Codes;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.buffer.UnpooledDirectByteBuf;
import io.netty.buffer.UnpooledHeapByteBuf;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import java.nio.ReadOnlyBufferException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class ClosePayloadEncodeTest {

    private static final ByteBufAllocator ALLOC = UnpooledByteBufAllocator.DEFAULT;


    // ---- round trips ------------------------------------------------------------------------------

    @Test
    void fixturesHaveTheirSizes() {
        assertThat(Utf8.encodedLength(CloseReasonTable.ASCII_12)).isEqualTo(12);
        assertThat(payload(0, CloseReasonTable.MULTIBYTE_123)).hasSize(2 + 123);
        assertThat(CloseReasonTable.sendable()).hasSize((12 + 4) * 3);
    }

    @ParameterizedTest(name = "{0} \"{1}\"")
    @MethodSource("io.github.wsclose.CloseReasonTable#sendable")
    void encodesTheCodeBigEndianThenTheUtf8Reason(int code, String message) {
        CloseReason reason = CloseReason.of(code, message);
        ByteBuf encoded = ClosePayload.encode(reason, ALLOC);
        try {
            assertThat(bytes(encoded)).isEqualTo(payload(code, message));
            assertThat(ClosePayload.decode(encoded)).isEqualTo(reason);
        } finally {
            encoded.release();
        }
    }

    @ParameterizedTest(name = "{0} \"{1}\"")
    @MethodSource("io.github.wsclose.CloseReasonTable#sendable")
    void newFrameCarriesThePayloadInAFinalFrame(int code, String message) {
        CloseWebSocketFrame frame = ClosePayload.newFrame(CloseReason.of(code, message), ALLOC);
        try {
            assertThat(frame.isFinalFragment()).isTrue();
            assertThat(frame.rsv()).isZero();
            assertThat(bytes(frame.content())).isEqualTo(payload(code, message));
            // Netty reads the same frame back
            assertThat(frame.statusCode()).isEqualTo(code);
            assertThat(frame.reasonText()).isEqualTo(message);
            assertThat(ClosePayload.decode(frame)).isEqualTo(CloseReason.of(code, message));
        } finally {
            frame.release();
        }
    }

    @Test
    void noStatusReceivedWithoutMessageEncodesToAnEmptyPayload() {
        ByteBuf encoded = ClosePayload.encode(new CloseReason(Codes.NO_STATUS_RECEIVED, ""), ALLOC);
        try {
            assertThat(encoded.readableBytes()).isZero();
            assertThat(ClosePayload.decode(encoded)).isEqualTo(new CloseReason(Codes.NO_STATUS_RECEIVED, ""));
        } finally {
            encoded.release();
        }

        CloseWebSocketFrame frame = ClosePayload.newFrame(new CloseReason(Codes.NO_STATUS_RECEIVED, null), ALLOC);
        try {
            assertThat(frame.content().readableBytes()).isZero();
            assertThat(frame.isFinalFragment()).isTrue();
            assertThat(frame.statusCode()).isEqualTo(-1); // Netty: no status code
        } finally {
            frame.release();
        }
    }

    @Test
    void encodedLengthIsThePayloadSize() {
        assertThat(ClosePayload.encodedLength(new CloseReason(Codes.NO_STATUS_RECEIVED, ""))).isZero();
        assertThat(ClosePayload.encodedLength(new CloseReason(Codes.NORMAL, ""))).isEqualTo(2);
        assertThat(ClosePayload.encodedLength(new CloseReason(Codes.NORMAL, CloseReasonTable.MULTIBYTE_123))).isEqualTo(125);
    }

    // ---- rejections -------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(ints = {0, 999, 1004, 1006, 1015, 1016, 2999, 5000, 65535})
    void rejectsCodesThatMayNotBeSent(int code) {
        for (String message : new String[] {"", "why"}) {
            assertRejected(CloseReason.of(code, message), "close status " + code + " must not appear on the wire");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"x", "no status", "€"})
    void rejectsNoStatusReceivedWithAMessage(String message) {
        assertRejected(new CloseReason(Codes.NO_STATUS_RECEIVED, message),
                "close status 1005 must not appear on the wire (reported locally only)");
    }

    @ParameterizedTest
    @ValueSource(ints = {1000, 3000, 4999})
    void acceptsTheBoundaryCodesWithEmptyAndFullReasons(int code) {
        for (String message : new String[] {"", "a".repeat(123)}) {
            ByteBuf encoded = ClosePayload.encode(CloseReason.of(code, message), ALLOC);
            try {
                assertThat(bytes(encoded)).isEqualTo(payload(code, message));
            } finally {
                encoded.release();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("reasonsOf124Bytes")
    void rejectsAReasonOf124Bytes(String message) {
        assertRejected(new CloseReason(Codes.NORMAL, message), "close reason too long: 124 bytes (expected: <= 123)");
    }

    static Stream<String> reasonsOf124Bytes() {
        return Stream.of("a".repeat(124), "é".repeat(62), "a" + "€".repeat(41), "😀".repeat(31));
    }

    @Test
    void rejectsAMuchLongerReason() {
        assertRejected(new CloseReason(Codes.NORMAL, "€".repeat(1000)), "too long: 3000 bytes");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "\uD800       | 0",
        "bye \uDC00   | 4",
        "bye \uD83D   | 4",
        "\uDE00\uD83D | 0",
    })
    void rejectsAnUnpairedSurrogate(String message, int index) {
        assertRejected(new CloseReason(Codes.NORMAL, message), "unpaired surrogate at index " + index);
    }

    @Test
    void rejectsNulls() {
        assertThatNullPointerException().isThrownBy(() -> ClosePayload.encode(null, ALLOC));
        assertThatNullPointerException().isThrownBy(() -> ClosePayload.encode(new CloseReason(Codes.NORMAL, ""), null));
    }

    // ---- the pre-built payloads of reasonless named codes ----------------------------------------

    @Test
    void reasonlessNamedCodePayloadsAreReadOnlyDuplicates() {
        CloseReason normal = new CloseReason(Codes.NORMAL, "");
        ByteBuf first = ClosePayload.encode(normal, ALLOC);
        ByteBuf second = ClosePayload.encode(normal, ALLOC);
        try {
            assertThat(first).isNotSameAs(second);
            assertThat(first.isReadOnly()).isTrue();
            assertThatThrownBy(() -> first.setByte(0, 0)).isInstanceOf(ReadOnlyBufferException.class);

            // each has its own indexes
            first.readShort();
            assertThat(first.readableBytes()).isZero();
            assertThat(bytes(second)).containsExactly(0x03, 0xE8);
        } finally {
            first.release();
            second.release();
        }
    }

    @Test
    void releasingAReasonlessNamedCodePayloadManyTimesIsHarmless() {
        for (Codes named : Codes.values()) {
            if (!named.mayAppearOnWire()) {
                continue;
            }
            CloseReason reason = new CloseReason(named, "");
            for (int i = 0; i < 10; i++) {
                ByteBuf encoded = ClosePayload.encode(reason, ALLOC);
                encoded.release();
                encoded.release();
                encoded.release(3);
            }
            ByteBuf encoded = ClosePayload.encode(reason, ALLOC);
            try {
                assertThat(encoded.refCnt()).as(named.name()).isPositive();
                assertThat(bytes(encoded)).as(named.name()).isEqualTo(payload(named.unsignedCode(), ""));
            } finally {
                encoded.release();
            }
        }
    }

    @Test
    void releasingAFrameWithAPreBuiltPayloadIsHarmless() {
        for (int i = 0; i < 5; i++) {
            CloseWebSocketFrame frame = ClosePayload.newFrame(new CloseReason(Codes.GOING_AWAY, ""), ALLOC);
            assertThat(bytes(frame.content())).containsExactly(0x03, 0xE9);
            frame.release();
        }
    }

    // ---- helpers ----------------------------------------------------------------------------------

    /** Checks that both encode and newFrame reject {@code reason} with an IAE naming {@code fault}, allocating nothing. */
    private static void assertRejected(CloseReason reason, String fault) {
        CountingAllocator alloc = new CountingAllocator();

        assertThatThrownBy(() -> ClosePayload.encode(reason, alloc))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(fault);
        assertThatThrownBy(() -> ClosePayload.newFrame(reason, alloc))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(fault);
        assertThatThrownBy(reason::requireSendable)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(fault);
        assertThat(alloc.allocations).as("buffers allocated").isZero();
    }

    /** Counts the buffers it hands out. */
    private static final class CountingAllocator extends AbstractByteBufAllocator {
        int allocations;

        @Override
        protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
            allocations++;
            return new UnpooledHeapByteBuf(this, initialCapacity, maxCapacity);
        }

        @Override
        protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
            allocations++;
            return new UnpooledDirectByteBuf(this, initialCapacity, maxCapacity);
        }

        @Override
        public boolean isDirectBufferPooled() {
            return false;
        }
    }
}
