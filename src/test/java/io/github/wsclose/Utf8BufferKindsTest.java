package io.github.wsclose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Utf8#decode(ByteBuf, int, int)} gives the same answer whatever holds the bytes: a heap
 * buffer read in place (also at a non-zero array offset), a direct buffer or a composite one copied
 * first, and whatever comes before the reason in the buffer.
 */
class Utf8BufferKindsTest {

    /** Two bytes before the reason that are not part of it: they must neither be read nor counted in offsets. */
    private static final byte[] PREFIX = {(byte) 0xFF, (byte) 0xC3};

    static Stream<Arguments> bufferKinds() {
        return Stream.of(
                Arguments.of("heap", (Function<byte[], ByteBuf>) Unpooled::wrappedBuffer),
                Arguments.of("heap slice at an array offset", (Function<byte[], ByteBuf>) bytes -> {
                    byte[] larger = new byte[bytes.length + 7];
                    System.arraycopy(bytes, 0, larger, 7, bytes.length);
                    return Unpooled.wrappedBuffer(larger).slice(7, bytes.length);
                }),
                Arguments.of("pooled direct", (Function<byte[], ByteBuf>) bytes ->
                        PooledByteBufAllocator.DEFAULT.directBuffer(bytes.length).writeBytes(bytes)),
                Arguments.of("composite", (Function<byte[], ByteBuf>) bytes -> {
                    CompositeByteBuf composite = Unpooled.compositeBuffer();
                    int half = bytes.length / 2;
                    composite.addComponent(true, Unpooled.wrappedBuffer(bytes, 0, half));
                    composite.addComponent(true, Unpooled.directBuffer(bytes.length - half).writeBytes(bytes, half, bytes.length - half));
                    return composite;
                }));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bufferKinds")
    void decodesAsciiMultiByteAndSurrogatePairs(String kind, Function<byte[], ByteBuf> holder) {
        for (String reason : new String[] {"normal close", "ü", "Grüße — サーバー 🔧 ok", "🔧", "ascii first, then é"}) {
            assertThat(decode(holder, reason.getBytes(StandardCharsets.UTF_8))).isEqualTo(reason);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bufferKinds")
    void decodesTheLongestReason(String kind, Function<byte[], ByteBuf> holder) {
        String reason = "é".repeat(61) + "x"; // 123 bytes
        assertThat(decode(holder, reason.getBytes(StandardCharsets.UTF_8))).isEqualTo(reason);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bufferKinds")
    void rejectsInvalidUtf8WithItsOffsetInTheReason(String kind, Function<byte[], ByteBuf> holder) {
        byte[] overlongSlash = {'f', 'o', 'o', (byte) 0xC0, (byte) 0xAF};
        assertThatThrownBy(() -> decode(holder, overlongSlash))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("close reason is not valid UTF-8: overlong 2-byte sequence at byte 3");
        byte[] truncated = {'o', 'k', (byte) 0xE3, (byte) 0x82};
        assertThatThrownBy(() -> decode(holder, truncated))
                .hasMessage("close reason is not valid UTF-8: truncated 3-byte sequence at byte 2");
    }

    /** Decodes {@code reason} placed after {@link #PREFIX} in a buffer made by {@code holder}, and releases it. */
    private static String decode(Function<byte[], ByteBuf> holder, byte[] reason) {
        byte[] bytes = new byte[PREFIX.length + reason.length];
        System.arraycopy(PREFIX, 0, bytes, 0, PREFIX.length);
        System.arraycopy(reason, 0, bytes, PREFIX.length, reason.length);
        ByteBuf buf = holder.apply(bytes);
        try {
            return Utf8.decode(buf, buf.readerIndex() + PREFIX.length, reason.length);
        } finally {
            buf.release();
        }
    }
}
