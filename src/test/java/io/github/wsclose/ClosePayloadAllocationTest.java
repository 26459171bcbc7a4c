package io.github.wsclose;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/**
 * Decoding a code-only payload of a named code hands out the one cached {@link CloseReason} of
 * that code and allocates nothing, so close handling costs no garbage on a busy server.
 */
class ClosePayloadAllocationTest {

    private static final int DECODES = 10_000;

    @Test
    void codeOnlyPayloadOfANamedCodeDecodesToTheCachedInstance() {
        for (CloseReason.Codes code : CloseReason.Codes.values()) {
            if (code.mayAppearOnWire()) {
                ByteBuf payload = codeOnly(code.unsignedCode());
                try {
                    assertThat(ClosePayload.decode(payload)).isSameAs(ClosePayload.decode(payload))
                            .isSameAs(code.withoutMessage);
                } finally {
                    payload.release();
                }
            }
        }
    }

    @Test
    void decodingCodeOnlyPayloadsAllocatesNothing() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        // wrapped, not allocated: the leak detector at PARANOID records every access to an allocated buffer
        ByteBuffer bytes = ByteBuffer.allocateDirect(2).putShort(CloseReason.Codes.GOING_AWAY.code()).flip();
        ByteBuf payload = Unpooled.wrappedBuffer(bytes);
        try {
            ClosePayload.decode(payload); // loads and initialises the classes on the path
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < DECODES; i++) {
                ClosePayload.decode(payload);
            }
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            // a single object per decode would be >= 16 bytes each, 160,000 bytes in all
            assertThat(allocated).as("bytes allocated by %d decodes", DECODES).isLessThan(DECODES);
        } finally {
            payload.release();
        }
    }

    private static ByteBuf codeOnly(int code) {
        return PooledByteBufAllocator.DEFAULT.directBuffer(2).writeShort(code);
    }
}
