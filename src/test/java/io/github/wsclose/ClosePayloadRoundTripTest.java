package io.github.wsclose;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link ClosePayload#encode(CloseReason, ByteBufAllocator)} writes exactly the code and the UTF-8
 * reason, whatever the mix of 1- to 4-byte characters, up to the 123-byte limit, and
 * {@link ClosePayload#decode(ByteBuf)} reads them back.
 */
class ClosePayloadRoundTripTest {

    @ParameterizedTest
    @ValueSource(strings = {"normal close", "é", "サーバー再起動", "🔧 ok", "Grüße — サーバー 🔧 ½ € ñ",
            "éééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééx", // 123 bytes, 2-byte chars
            "🔧🔧🔧🔧🔧🔧🔧🔧🔧🔧🔧🔧🔧🔧🔧🔧🔧🔧🔧🔧🔧🔧🔧🔧🔧🔧🔧🔧🔧🔧abc"}) // 123 bytes, surrogate pairs
    void encodesExactlyTheCodeAndTheUtf8Reason(String message) {
        CloseReason reason = new CloseReason(CloseReason.Codes.GOING_AWAY, message);
        byte[] utf8 = message.getBytes(StandardCharsets.UTF_8);
        for (ByteBufAllocator alloc : new ByteBufAllocator[] {PooledByteBufAllocator.DEFAULT, UnpooledByteBufAllocator.DEFAULT}) {
            ByteBuf payload = ClosePayload.encode(reason, alloc);
            try {
                assertThat(payload.readableBytes()).isEqualTo(2 + utf8.length);
                assertThat(payload.getUnsignedShort(payload.readerIndex())).isEqualTo(1001);
                assertThat(ByteBufUtil.getBytes(payload, payload.readerIndex() + 2, utf8.length)).isEqualTo(utf8);
                assertThat(ClosePayload.decode(payload)).isEqualTo(reason);
            } finally {
                payload.release();
            }
        }
    }
}
