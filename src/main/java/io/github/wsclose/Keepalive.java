package io.github.wsclose;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The keepalive of a WebSocket connection: when nothing has come from the peer for the ping
 * interval, it sends a ping; when nothing comes back within the pong timeout, it fails the
 * connection with {@link #TIMED_OUT 1011} and {@link CloseReport.Cause#KEEPALIVE_TIMEOUT}. Any
 * frame from the peer is a sign of life, not only the pong. It measures the round trip of each
 * pong that answers its ping (the pong MUST carry the ping's payload, RFC 6455 §5.5.3) and tells
 * it to the {@link ClosingHandshakeHandler}, whose {@link CloseReport} carries the latest.
 *
 * <p>A pong timeout of zero sends the pings and never fails the connection. It stops at the
 * first close frame sent. Sits between Netty's frame decoder and the rest of the pipeline;
 * not sharable, confined to the event loop.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6455#section-5.5.2">RFC 6455 §5.5.2</a>
 */
final class Keepalive extends ChannelDuplexHandler {

    /** The close frame sent when no pong came in time, as Python's websockets sends. */
    static final CloseReason TIMED_OUT = new CloseReason(CloseReason.Codes.UNEXPECTED_CONDITION, "keepalive ping timeout");

    private final long intervalNanos;
    private final long timeoutNanos;
    private final ClosingHandshakeHandler handshake;

    // connection state, confined to the event loop
    private State state = State.WAITING;
    private long lastReadNanos;
    private long pingSentNanos;
    private long pings; // the payload of the last ping: how many were sent
    private @Nullable ScheduledFuture<?> tick;

    Keepalive(Duration interval, Duration pongTimeout, ClosingHandshakeHandler handshake) {
        this.intervalNanos = interval.toNanos();
        this.timeoutNanos = pongTimeout.toNanos();
        this.handshake = handshake;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        lastReadNanos = now(ctx);
        schedule(ctx, intervalNanos);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        stop();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        stop();
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof WebSocketFrame && state != State.STOPPED) {
            lastReadNanos = now(ctx); // any frame is a sign of life
            if (state == State.AWAITING_PONG) {
                if (msg instanceof PongWebSocketFrame pong && answersLastPing(pong.content())) {
                    handshake.pingAnswered(Duration.ofNanos(lastReadNanos - pingSentNanos)); // for the report
                }
                state = State.WAITING;
                schedule(ctx, intervalNanos);
            }
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof CloseWebSocketFrame) {
            stop(); // the close has its own timeout
        }
        ctx.write(msg, promise);
    }

    private void tick(ChannelHandlerContext ctx) {
        switch (state) {
            case WAITING -> {
                long quiet = now(ctx) - lastReadNanos;
                if (quiet >= intervalNanos) {
                    ping(ctx);
                } else {
                    schedule(ctx, intervalNanos - quiet);
                }
            }
            case AWAITING_PONG -> {
                if (timeoutNanos == 0) {
                    ping(ctx); // no pong timeout: keep pinging, never fail
                } else {
                    state = State.STOPPED;
                    handshake.failConnection(TIMED_OUT, CloseReport.Cause.KEEPALIVE_TIMEOUT);
                }
            }
            case STOPPED -> { }
        }
    }

    private void ping(ChannelHandlerContext ctx) {
        state = State.AWAITING_PONG;
        pingSentNanos = now(ctx);
        ctx.writeAndFlush(new PingWebSocketFrame(Unpooled.copyLong(++pings)));
        schedule(ctx, timeoutNanos == 0 ? intervalNanos : timeoutNanos);
    }

    private boolean answersLastPing(ByteBuf payload) {
        return payload.readableBytes() == Long.BYTES && payload.getLong(payload.readerIndex()) == pings;
    }

    private void schedule(ChannelHandlerContext ctx, long delayNanos) {
        if (tick != null) {
            tick.cancel(false);
        }
        tick = ctx.executor().schedule(() -> tick(ctx), delayNanos, TimeUnit.NANOSECONDS);
    }

    private void stop() {
        state = State.STOPPED;
        if (tick != null) {
            tick.cancel(false);
            tick = null;
        }
    }

    private static long now(ChannelHandlerContext ctx) {
        return ctx.executor().ticker().nanoTime();
    }

    /** Where the keepalive stands. */
    enum State {
        /** Watching for a quiet spell as long as the ping interval. */
        WAITING,
        /** A ping went: waiting for any frame, up to the pong timeout. */
        AWAITING_PONG,
        /** Terminal: a close started, the connection closed, or the keepalive failed it. */
        STOPPED
    }
}
