package io.github.wsclose;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;

/**
 * Closes a WebSocket connection whose peer reads too slowly: when a write finds more than the
 * limit still queued in the channel's outbound buffer (written before, not yet taken by the
 * socket), the closing handshake starts with the configured reason ({@code 1008 VIOLATED_POLICY}
 * by default) and the report's cause is {@link CloseReport.Cause#SLOW_CONSUMER}. A single message
 * larger than the limit is no sign of a slow peer, and goes out. From then on the application's
 * writes fail with an {@link IllegalStateException} and are released, and the close timeout
 * bounds the rest, so a connection holds at most the limit, two messages and a close frame.
 *
 * <p>Sits next to Netty's frame encoder, so that what it counts is what goes on the wire. Not
 * sharable, confined to the event loop.
 *
 * @see ServerProtection#maxPendingBytes()
 */
final class PendingBytesLimit extends ChannelOutboundHandlerAdapter {

    private final long maxPendingBytes;
    private final CloseReason reason;
    private final ClosingHandshakeHandler handshake;

    // connection state, confined to the event loop
    private boolean exceeded;

    PendingBytesLimit(long maxPendingBytes, CloseReason reason, ClosingHandshakeHandler handshake) {
        this.maxPendingBytes = maxPendingBytes;
        this.reason = reason;
        this.handshake = handshake;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        long waiting = pendingBytes(ctx); // what the peer has not taken yet; this message is not counted against it
        ctx.write(msg, promise);
        if (!exceeded && waiting > maxPendingBytes) {
            exceeded = true;
            handshake.startClose(reason, CloseReport.Cause.SLOW_CONSUMER);
        }
    }

    private static long pendingBytes(ChannelHandlerContext ctx) {
        ChannelOutboundBuffer queued = ctx.channel().unsafe().outboundBuffer();
        return queued == null ? 0 : queued.totalPendingWriteBytes();
    }
}
