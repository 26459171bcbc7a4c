package io.github.wsclose;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Answers the peer's pings, in place of Netty's {@code WebSocketProtocolHandler}, which answers
 * every ping whatever the channel's writability, so that a peer that pings and never reads
 * fills the server's memory with pongs.
 *
 * <p>At most one pong is pending at a time, and none is written while the channel is not
 * writable: a ping that comes meanwhile replaces the one waiting for an answer, as RFC 6455
 * §5.5.3 allows ("an endpoint MAY elect to send a Pong frame for only the most recently
 * processed Ping frame"). So a ping flood costs one ping payload (at most 125 bytes) and one pong
 * on the wire. A peer that keeps pinging while a pong of ours has waited longer than the pong
 * timeout to be written is not reading: it is closed as a slow consumer, with the configured
 * reason ({@link CloseReport.Cause#SLOW_CONSUMER}). Nothing is answered after the first close
 * frame sent. Pings are consumed here; every other message passes on.
 *
 * <p>Not sharable, confined to the event loop. Releases the payload it holds when removed or
 * when the channel closes.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6455#section-5.5.3">RFC 6455 §5.5.3</a>
 */
final class PeerPings extends ChannelDuplexHandler {

    private final long pongTimeoutNanos;
    private final CloseReason slowConsumerReason;
    private final ClosingHandshakeHandler handshake;

    // connection state, confined to the event loop
    private @Nullable ByteBuf unanswered; // the payload of the latest ping without a pong yet
    private boolean pongPending; // a pong is written and not yet out of the channel
    private long pongWrittenNanos; // when the pending pong was written
    private boolean closing; // a close frame was sent: no more pongs

    /** A pong timeout of zero never closes a peer for not reading its pongs. */
    PeerPings(Duration pongTimeout, CloseReason slowConsumerReason, ClosingHandshakeHandler handshake) {
        this.pongTimeoutNanos = pongTimeout.toNanos();
        this.slowConsumerReason = slowConsumerReason;
        this.handshake = handshake;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof PingWebSocketFrame ping) {
            if (closing) {
                ping.release();
                return;
            }
            release();
            unanswered = ping.content(); // the frame is its content: holding it holds the ping
            if (pongPending && pongTimeoutNanos > 0 && now(ctx) - pongWrittenNanos > pongTimeoutNanos) {
                handshake.startClose(slowConsumerReason, CloseReport.Cause.SLOW_CONSUMER); // it pings, and does not read
            }
            answer(ctx);
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        answer(ctx);
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof CloseWebSocketFrame) {
            closing = true;
            release();
        }
        ctx.write(msg, promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closing = true;
        release();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        release();
    }

    private void answer(ChannelHandlerContext ctx) {
        if (unanswered == null || pongPending || !ctx.channel().isWritable()) {
            return;
        }
        ByteBuf payload = unanswered;
        unanswered = null;
        pongPending = true;
        pongWrittenNanos = now(ctx);
        // a pong sent in response MUST carry the ping's application data (§5.5.3)
        ctx.writeAndFlush(new PongWebSocketFrame(payload)).addListener(written -> {
            pongPending = false;
            answer(ctx);
        });
    }

    private static long now(ChannelHandlerContext ctx) {
        return ctx.executor().ticker().nanoTime();
    }

    private void release() {
        if (unanswered != null) {
            unanswered.release();
            unanswered = null;
        }
    }
}
