package io.github.wsclose;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;

/**
 * Closes a WebSocket connection whose peer reads too slowly: when more than the limit is queued
 * in the channel's outbound buffer (written, not yet taken by the socket), the closing handshake
 * starts with the configured reason ({@code 1008 VIOLATED_POLICY} by default) and the report's
 * cause is {@link CloseReport.Cause#SLOW_CONSUMER}. From then on the application's writes fail
 * with an {@link IllegalStateException} and are released, and the close timeout bounds the
 * rest, so a connection holds at most the limit, one message and a close frame.
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
        ctx.write(msg, promise);
        if (!exceeded) {
            ChannelOutboundBuffer queued = ctx.channel().unsafe().outboundBuffer();
            if (queued != null && queued.totalPendingWriteBytes() > maxPendingBytes) {
                exceeded = true;
                handshake.startClose(reason, CloseReport.Cause.SLOW_CONSUMER);
            }
        }
    }
}
