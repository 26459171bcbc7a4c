package io.github.wsclose;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Closes an HTTP/2 connection that holds no open stream for a timeout: one that opens no stream
 * at all (as an HTTP/1.1 connection that never sends its upgrade request), and one whose streams
 * have all ended. The close is Netty's graceful one: GOAWAY(NO_ERROR) with the last stream id,
 * then the connection closes (RFC 9113 §9.1: an endpoint SHOULD send GOAWAY before it closes an
 * idle connection). A stream opened meanwhile stops the clock; the last one that ends starts it
 * again.
 *
 * <p>Not sharable: one per connection, after Netty's {@link Http2FrameCodec}, confined to the
 * connection's event loop.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc9113#section-9.1">RFC 9113 §9.1</a>
 */
final class Http2IdleConnection extends ChannelInboundHandlerAdapter {

    private final Duration timeout;

    // connection state, confined to the event loop
    private @Nullable Http2Connection connection;
    private @Nullable ScheduledFuture<?> timer;

    /** @param timeout how long the connection may hold no open stream, positive */
    Http2IdleConnection(Duration timeout) {
        this.timeout = timeout;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        Http2Connection streams = ctx.pipeline().get(Http2FrameCodec.class).connection();
        connection = streams;
        streams.addListener(new Http2ConnectionAdapter() {
            @Override
            public void onStreamActive(Http2Stream stream) {
                cancel();
            }

            @Override
            public void onStreamClosed(Http2Stream stream) {
                startIfIdle(ctx);
            }
        });
        startIfIdle(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancel();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancel();
    }

    private void startIfIdle(ChannelHandlerContext ctx) {
        if (timer == null && idle() && ctx.channel().isActive()) {
            timer = ctx.executor().schedule(() -> timedOut(ctx), timeout.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    private void timedOut(ChannelHandlerContext ctx) {
        timer = null;
        if (idle()) {
            ctx.channel().close(); // through the whole pipeline: Netty's GOAWAY(NO_ERROR), then the close
        }
    }

    private boolean idle() {
        return connection != null && connection.numActiveStreams() == 0;
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
