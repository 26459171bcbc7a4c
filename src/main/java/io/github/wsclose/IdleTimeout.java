package io.github.wsclose;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Closes a WebSocket connection on which no data frame (text, binary or continuation, RFC 6455
 * §5.6) went either way for the idle timeout: the closing handshake starts with
 * {@code 1001 GOING_AWAY} and a reason that says so, and the report's cause is
 * {@link CloseReport.Cause#IDLE_TIMEOUT}. Pings and pongs do not count: a connection kept alive
 * by the keepalive alone is idle.
 *
 * <p>Not sharable, confined to the event loop.
 */
final class IdleTimeout extends ChannelDuplexHandler {

    private final long timeoutNanos;
    private final ClosingHandshakeHandler handshake;

    // connection state, confined to the event loop
    private long lastDataNanos;
    private @Nullable ScheduledFuture<?> tick;

    IdleTimeout(Duration timeout, ClosingHandshakeHandler handshake) {
        this.timeoutNanos = timeout.toNanos();
        this.handshake = handshake;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        lastDataNanos = now(ctx);
        schedule(ctx, timeoutNanos);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancel();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancel();
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (isData(msg)) {
            lastDataNanos = now(ctx);
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (isData(msg)) {
            lastDataNanos = now(ctx);
        }
        ctx.write(msg, promise);
    }

    private void tick(ChannelHandlerContext ctx) {
        long quiet = now(ctx) - lastDataNanos;
        if (quiet < timeoutNanos) {
            schedule(ctx, timeoutNanos - quiet);
        } else {
            tick = null;
            handshake.startClose(new CloseReason(CloseReason.Codes.GOING_AWAY,
                    "idle for " + TimeUnit.NANOSECONDS.toMillis(quiet) + " ms: no message either way"), CloseReport.Cause.IDLE_TIMEOUT);
        }
    }

    private void schedule(ChannelHandlerContext ctx, long delayNanos) {
        tick = ctx.executor().schedule(() -> tick(ctx), delayNanos, TimeUnit.NANOSECONDS);
    }

    private void cancel() {
        if (tick != null) {
            tick.cancel(false);
            tick = null;
        }
    }

    private static boolean isData(Object msg) {
        return msg instanceof TextWebSocketFrame || msg instanceof BinaryWebSocketFrame || msg instanceof ContinuationWebSocketFrame;
    }

    private static long now(ChannelHandlerContext ctx) {
        return ctx.executor().ticker().nanoTime();
    }
}
