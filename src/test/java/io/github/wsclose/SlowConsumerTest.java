package io.github.wsclose;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The limit of bytes waiting for a peer, on an {@code EmbeddedChannel}: writes that are not flushed stay in the outbound
 * buffer, as they do for a peer that does not read. A write made while more than
 * {@link ServerProtection#DEFAULT_MAX_PENDING_BYTES} wait is the last: the close starts with 1008, and later writes fail
 * with a clear exception and are released.
 */
class SlowConsumerTest {

    private static final int MIB = 1 << 20;

    @Test
    void moreThanTheLimitPendingStartsTheCloseAndLaterWritesFail() {
        try (HandshakeChannel ws = upgraded()) {
            for (int i = 0; i < 5; i++) { // 5 MiB written, none flushed: all of it waits, as for a peer that does not read
                ws.channel.write(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[MIB])));
            }

            assertThat(lastCloseFrameSent(ws)).isEqualTo(ServerProtection.DEFAULT_SLOW_CONSUMER_REASON);
            BinaryWebSocketFrame later = new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[10]));
            ChannelFuture refused = ws.channel.writeAndFlush(later);
            assertThat(refused.cause()).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("BinaryWebSocketFrame").hasMessageContaining("closing handshake");
            assertThat(later.refCnt()).as("released").isZero();
        }
    }

    @Test
    void oneMessageLargerThanTheLimitGoesOutAndTheNextWriteStartsTheClose() {
        try (HandshakeChannel ws = upgraded()) {
            ws.channel.write(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[5 * MIB]))); // alone past the 4 MiB limit
            assertThat(ws.channel.unsafe().outboundBuffer().totalPendingWriteBytes())
                    .as("a message over the limit still goes to an empty queue: no close frame flushed it").isGreaterThan(5L * MIB);
            ws.channel.write(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[10]))); // while 5 MiB wait

            assertThat(lastCloseFrameSent(ws)).isEqualTo(ServerProtection.DEFAULT_SLOW_CONSUMER_REASON);
        }
    }

    @Test
    void aPeerThatReadsIsNeverClosed() {
        try (HandshakeChannel ws = upgraded()) {
            for (int i = 0; i < 64; i++) { // 64 MiB in all, each flushed to the peer at once
                ws.channel.writeAndFlush(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[MIB])));
                ws.sentBytes();
            }

            assertThat(ws.channel.isOpen()).isTrue();
        }
    }

    @Test
    void messagesLargerThanTheLimitGoToAPeerThatReads() {
        try (HandshakeChannel ws = upgraded()) {
            for (int i = 0; i < 3; i++) { // each 8 MiB waits whole in the outbound buffer until it is flushed, then the peer reads it
                ws.channel.writeAndFlush(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[8 * MIB])));
                assertThat(WireFrame.parseServerFrames(ByteBufUtil.decodeHexDump(ws.sentBytes())))
                        .as("message %d", i).singleElement().extracting(WireFrame::opcode).isEqualTo(WireFrame.BINARY);
            }

            assertThat(ws.channel.isOpen()).isTrue();
        }
    }

    /** A server pipeline on an {@code EmbeddedChannel}, upgraded, with nothing left to read on the wire. */
    private static HandshakeChannel upgraded() {
        HandshakeChannel ws = HandshakeChannel.serverPipeline(ClosingHandshakeConfig.server());
        ws.upgrade();
        return ws;
    }

    /** Reads everything written to the wire and decodes the close frame at its end. */
    private static CloseReason lastCloseFrameSent(HandshakeChannel ws) {
        byte[] wire = ByteBufUtil.decodeHexDump(ws.sentBytes());
        List<WireFrame> frames = WireFrame.parseServerFrames(wire);
        WireFrame close = frames.get(frames.size() - 1);
        assertThat(close.opcode()).isEqualTo(WireFrame.CLOSE);
        return ClosePayload.decode(Unpooled.wrappedBuffer(close.payload()));
    }
}
