package io.github.wsclose;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.jspecify.annotations.Nullable;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/**
 * Fuzzes the close frame payload codec, {@link ClosePayload}, against {@link CloseOracle}: mutated
 * and random payloads must decode to exactly what the oracle says or be refused with its status,
 * in buffers of every shape, and every reason must encode if and only if it may be sent.
 */
class ClosePayloadFuzzTest {

    @Test
    void decodeGivesTheOraclesReasonOrItsProtocolErrorAndLeavesTheBufferAlone() {
        FuzzRun.Tally tally = new FuzzRun.Tally("ClosePayload.decode");
        FuzzRun.qt(2_000).forAll(CloseInputs.payloads(), bufferShapes(), Generate.range(0, 1_000))
                .checkAssert((payload, shape, split) -> {
                    CloseOracle.Verdict expected = CloseOracle.judge(payload);
                    ByteBuf buf = shape.wrap(payload, split);
                    int readerIndex = buf.readerIndex();
                    int writerIndex = buf.writerIndex();
                    try {
                        CloseReason decoded = ClosePayload.decode(buf);
                        tally.count("decoded");
                        assertThat(decoded).as("decode of %s", hex(payload)).isEqualTo(expected.reason());
                        assertThat(CloseOracle.isValidOnWire(decoded)).as("valid on the wire: %s", decoded).isTrue();
                        assertThat(StatusCodeRange.mayAppearOnWire(decoded.unsignedCode()) || payload.length == 0)
                                .as("code %s may appear on the wire, or the payload is empty", decoded.unsignedCode()).isTrue();
                    } catch (CorruptedWebSocketFrameException e) {
                        int status = e.closeStatus().code();
                        tally.count("refused with " + status);
                        assertThat(status).as("status for %s (%s)", hex(payload), e.getMessage()).isEqualTo(expected.errorStatus());
                    } finally {
                        assertThat(buf.readerIndex()).as("reader index").isEqualTo(readerIndex);
                        assertThat(buf.writerIndex()).as("writer index").isEqualTo(writerIndex);
                        assertThat(buf.refCnt()).as("reference count").isEqualTo(1);
                        buf.release();
                    }
                });
        tally.print();
    }

    @Test
    void encodeTakesExactlyTheSendableReasonsAndTheyDecodeBackUnchanged() {
        FuzzRun.Tally tally = new FuzzRun.Tally("ClosePayload.encode");
        Gen<CloseReason> reasons = in -> CloseInputs.draw(in, 0, 1) == 0
                ? CloseInputs.sendableReasons().generate(in)
                : CloseInputs.anyReasons().generate(in);
        FuzzRun.qt(2_000).forAll(reasons).checkAssert(reason -> {
            byte[] expected = expectedPayload(reason);
            ByteBuf payload;
            try {
                payload = ClosePayload.encode(reason, UnpooledByteBufAllocator.DEFAULT);
            } catch (IllegalArgumentException refused) {
                tally.count("refused");
                assertThat(expected).as("refused %s: %s", reason, refused.getMessage()).isNull();
                return;
            }
            try {
                tally.count("encoded");
                assertThat(expected).as("encoded %s", reason).isNotNull();
                assertThat(ByteBufUtil.getBytes(payload)).isEqualTo(expected);
                assertThat(ClosePayload.decode(payload)).isEqualTo(reason);
            } finally {
                payload.release();
            }
        });
        tally.print();
    }

    /** The payload {@code reason} must encode to, or null if it may not be sent. */
    private static byte @Nullable [] expectedPayload(CloseReason reason) {
        if (!CloseOracle.isValidOnWire(reason)) {
            return null;
        }
        if (reason.unsignedCode() == 1005) {
            return new byte[0];
        }
        return new CloseInputs.Bytes().u16(reason.unsignedCode()).add(CloseOracle.encodeUtf8(reason.message())).toArray();
    }

    private static Gen<BufferShape> bufferShapes() {
        return in -> BufferShape.values()[CloseInputs.draw(in, 0, BufferShape.values().length - 1)];
    }

    private static String hex(byte[] bytes) {
        return bytes.length + " bytes " + ByteBufUtil.hexDump(bytes);
    }

    /** The kinds of buffer a payload may arrive in; each reads the same bytes, from different places. */
    enum BufferShape {
        HEAP {
            @Override
            ByteBuf wrap(byte[] payload, int split) {
                return Unpooled.buffer(payload.length).writeBytes(payload);
            }
        },
        DIRECT {
            @Override
            ByteBuf wrap(byte[] payload, int split) {
                return Unpooled.directBuffer(payload.length).writeBytes(payload);
            }
        },
        /** In the middle of a larger buffer: the reader index is not zero and bytes follow the writer index. */
        OFFSET {
            @Override
            ByteBuf wrap(byte[] payload, int split) {
                int before = split % 7 + 1;
                ByteBuf buf = Unpooled.buffer(before + payload.length + 3);
                buf.writeBytes(new byte[] {(byte) 0x88, (byte) 0xFF, 0x03, (byte) 0xE8, (byte) 0xC3, 0x28, (byte) 0xED}, 0, before);
                buf.writeBytes(payload).writeBytes(new byte[] {(byte) 0x80, (byte) 0xBF, (byte) 0xF4});
                return buf.readerIndex(before).writerIndex(before + payload.length);
            }
        },
        /** Split across two components, one heap and one direct, at any point. */
        COMPOSITE {
            @Override
            ByteBuf wrap(byte[] payload, int split) {
                int at = split % (payload.length + 1);
                ByteBuf direct = Unpooled.directBuffer(payload.length - at).writeBytes(payload, at, payload.length - at);
                return Unpooled.compositeBuffer(2).addComponents(true,
                        Unpooled.buffer(at).writeBytes(Arrays.copyOf(payload, at)), direct);
            }
        },
        READ_ONLY {
            @Override
            ByteBuf wrap(byte[] payload, int split) {
                return Unpooled.directBuffer(payload.length).writeBytes(payload).asReadOnly();
            }
        };

        /** A buffer of refCnt 1 whose readable bytes are {@code payload}; {@code split} picks where it is cut. */
        abstract ByteBuf wrap(byte[] payload, int split);
    }
}
