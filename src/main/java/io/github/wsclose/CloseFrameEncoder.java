package io.github.wsclose;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;

/**
 * Turns each outbound {@link CloseReason} into a {@link CloseWebSocketFrame} whose payload is
 * the big-endian status code followed by the UTF-8 reason; every other message passes
 * through untouched.
 *
 * <p>Place it before Netty's WebSocket frame encoder (closer to the application).
 * {@code 1005 NO_STATUS_RECEIVED} with an empty message is written as a close frame with an
 * empty payload. A reason that may not be sent (a code such as 999, 1005 with a message,
 * 1006 or 1015, a reason over 123 UTF-8 bytes or with an unpaired surrogate) fails the
 * write's promise with an {@link IllegalArgumentException} that says why, and nothing
 * reaches the wire; {@link CloseReason#truncated(int, String)} builds a reason that fits.
 *
 * <p>{@link ClosingHandshakeHandler} encodes its close frames itself and does not need this
 * handler; it is for pipelines of one's own that write {@link CloseReason}s without the
 * handshake. Behind a {@code ClosingHandshakeHandler} (closer to the wire) it passes the
 * handshake's close frames on untouched.
 *
 * <p>Stateless and {@link Sharable}: one instance can serve every channel.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6455#section-5.5.1">RFC 6455 §5.5.1</a>
 */
@Sharable
public final class CloseFrameEncoder extends ChannelOutboundHandlerAdapter {

    /** The shared instance. */
    public static final CloseFrameEncoder INSTANCE = new CloseFrameEncoder();

    private CloseFrameEncoder() {
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof CloseReason reason)) {
            ctx.write(msg, promise);
            return;
        }
        CloseWebSocketFrame frame;
        try {
            frame = ClosePayload.newFrame(reason, ctx.alloc());
        } catch (IllegalArgumentException e) {
            promise.setFailure(e); // a CloseReason holds no buffer: nothing to release
            return;
        }
        ctx.write(frame, promise);
    }
}
