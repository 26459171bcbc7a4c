package io.github.wsclose;

import io.github.wsclose.CloseReport.Cause;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Makes one HTTP/2 stream the TCP connection that RFC 6455 runs on (RFC 8441 §5), so that the
 * WebSocket frame codec, the connection's protections and the {@link ClosingHandshakeHandler}
 * run on the stream's channel unchanged.
 * <ul>
 *   <li>Inbound, the content of each DATA frame is passed on as a {@link ByteBuf} (the next
 *       handler releases it); an empty DATA frame is released here. The peer's END_STREAM is its
 *       TCP FIN: after its close frame, the stream ends when ours is sent too; before its close
 *       frame, the peer has gone away, and this end ends its side and closes the channel, which
 *       reports 1006, as TCP does.</li>
 *   <li>A RST_STREAM from the peer is a TCP reset: an {@link IOException} naming its error code
 *       goes to the closing handshake, which reports the connection closed abnormally; after both
 *       close frames were exchanged it only ends the stream, as TCP closed then does.</li>
 *   <li>Outbound, each {@link ByteBuf} goes out as a DATA frame; this handler releases nothing
 *       that it passed on.</li>
 *   <li>A close of the channel after an orderly close (both close frames exchanged, or a close
 *       frame sent when failing the connection) sends END_STREAM, an empty DATA frame, instead
 *       of a reset: the stream then ends when the peer ends its side. A peer that has not done
 *       so within the close timeout gets RST_STREAM(CANCEL). Every other close (a timeout, a
 *       drain's deadline, a broken stream) resets the stream at once, which is what Netty's
 *       stream channel does on a close before both sides ended.</li>
 * </ul>
 *
 * <p>Not sharable: one instance per stream, confined to its event loop.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc8441#section-5">RFC 8441 §5</a>
 */
final class Http2StreamTransport extends ChannelDuplexHandler {

    private final Duration linger;

    // stream state, confined to the event loop
    private State state = State.OPEN;
    private boolean peerEnded;
    private @Nullable ScheduledFuture<?> lingerTimer;

    /** @param linger how long to wait for the peer's END_STREAM after ours, before resetting the stream */
    Http2StreamTransport(Duration linger) {
        this.linger = linger;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Http2DataFrame data) {
            boolean end = data.isEndStream();
            if (end) {
                peerEnded = true; // before the bytes: a close frame in this frame must find the peer's side ended
            }
            if (data.content().isReadable()) {
                ctx.fireChannelRead(data.content()); // the frame's content is the frame: the decoder releases it
            } else {
                data.release();
            }
            if (end) {
                peerEnded(ctx);
            }
        } else if (msg instanceof Http2HeadersFrame trailers) {
            if (trailers.isEndStream()) {
                peerEnded = true;
                peerEnded(ctx);
            }
        } else {
            ReferenceCountUtil.release(msg); // nothing else belongs to the WebSocket connection
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof Http2ResetFrame reset && state != State.CLOSED && !closingHandshakeDone(handshake(ctx))) {
            // RST_STREAM is the TCP reset of RFC 6455 (RFC 8441 §5): the connection closed abnormally
            ctx.fireExceptionCaught(new IOException("stream reset by the peer: RST_STREAM(" + reset.errorCode() + ")"));
        }
        ctx.fireUserEventTriggered(evt);
    }

    /**
     * Tells whether both close frames were exchanged: a RST_STREAM then only ends the stream (either
     * end may end a stream at once with it, RFC 9113 §6.4), the way TCP closed after the closing
     * handshake closes the connection cleanly (RFC 6455 §7.1.4).
     */
    private static boolean closingHandshakeDone(@Nullable HandshakeState handshake) {
        return handshake != null && handshake.handshakeComplete();
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf bytes) {
            if (state != State.OPEN) {
                bytes.release();
                promise.setFailure(new IllegalStateException("cannot write: the stream has ended"));
                return;
            }
            ctx.write(new DefaultHttp2DataFrame(bytes, false), promise);
        } else {
            ctx.write(msg, promise);
        }
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        switch (state) {
            case OPEN -> {
                if (endsInOrder(handshake(ctx))) {
                    endStream(ctx, promise);
                } else {
                    reset(ctx, promise);
                }
            }
            case ENDING -> {
                if (closingHandshakeDone(handshake(ctx))) {
                    waitForClose(ctx, promise); // the peer answered: its END_STREAM follows, under the linger's bound
                } else {
                    reset(ctx, promise); // given up on: the close timeout or a drain's deadline
                }
            }
            case CLOSED -> ctx.close(promise);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        state = State.CLOSED;
        cancelLinger();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancelLinger();
    }

    /**
     * The HTTP version that carries the WebSocket of {@code channel}, for its report: HTTP/2 for
     * a stream's channel, HTTP/1.1 for any other (a TCP connection).
     */
    static CloseReport.HttpVersion httpVersion(Channel channel) {
        return channel instanceof Http2StreamChannel ? CloseReport.HttpVersion.HTTP_2 : CloseReport.HttpVersion.HTTP_1_1;
    }

    /**
     * Tells whether a close in {@code handshake}'s state ends the stream with END_STREAM: a close
     * frame went and the close was not given up on (a timeout, a drain's deadline or a broken
     * transport reset the stream instead).
     */
    static boolean endsInOrder(@Nullable HandshakeState handshake) {
        if (handshake == null || handshake.sent() == null) {
            return false;
        }
        Cause cause = handshake.cause();
        return handshake.received() != null
                || (cause != Cause.CLOSE_TIMEOUT && cause != Cause.DRAIN && cause != Cause.TRANSPORT);
    }

    private void peerEnded(ChannelHandlerContext ctx) {
        if (state != State.OPEN) {
            return; // both sides ended: Netty closes the stream and its channel
        }
        HandshakeState handshake = handshake(ctx);
        if (handshake == null || handshake.received() == null) {
            // the peer's side ended before its close frame: a TCP FIN without a close; end ours too, without a reset
            state = State.CLOSED;
            ctx.writeAndFlush(new DefaultHttp2DataFrame(true));
            ctx.close();
        }
    }

    private void endStream(ChannelHandlerContext ctx, ChannelPromise promise) {
        state = State.ENDING;
        ctx.writeAndFlush(new DefaultHttp2DataFrame(true)); // END_STREAM: the orderly TCP close of RFC 6455 (RFC 8441 §5)
        if (peerEnded) {
            state = State.CLOSED;
            ctx.close(promise); // both sides ended: no reset
            return;
        }
        long millis = linger.toMillis();
        lingerTimer = ctx.executor().schedule(() -> reset(ctx, ctx.newPromise()), millis, TimeUnit.MILLISECONDS);
        waitForClose(ctx, promise);
    }

    private static void waitForClose(ChannelHandlerContext ctx, ChannelPromise promise) {
        ctx.channel().closeFuture().addListener(closed -> promise.trySuccess());
    }

    /** Closes the channel now; Netty sends RST_STREAM(CANCEL) if a side of the stream is still open. */
    private void reset(ChannelHandlerContext ctx, ChannelPromise promise) {
        state = State.CLOSED;
        cancelLinger();
        ctx.close(promise);
    }

    private void cancelLinger() {
        if (lingerTimer != null) {
            lingerTimer.cancel(false);
            lingerTimer = null;
        }
    }

    private static @Nullable HandshakeState handshake(ChannelHandlerContext ctx) {
        ClosingHandshakeHandler handler = ctx.pipeline().get(ClosingHandshakeHandler.class);
        return handler == null ? null : handler.handshakeState();
    }

    /** Where this end's side of the stream stands. */
    enum State {
        /** Both may send. */
        OPEN,
        /** Our END_STREAM went: waiting for the peer's. */
        ENDING,
        /** The channel is closing or closed: the terminal state. */
        CLOSED
    }
}
