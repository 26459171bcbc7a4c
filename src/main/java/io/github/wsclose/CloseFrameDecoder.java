package io.github.wsclose;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;

/**
 * Turns each inbound {@link CloseWebSocketFrame} into the {@link CloseReason} it carries;
 * every other message passes through untouched.
 *
 * <p>Place it after Netty's WebSocket frame decoder. The close frame is always released here,
 * whether it decodes or not. A payload that breaks RFC 6455 (1 byte, over 125 bytes, a code
 * that may not appear on the wire, a reason that is not strictly valid UTF-8) is not passed
 * on: a {@link CorruptedWebSocketFrameException} whose {@code closeStatus()} is 1002 or 1007
 * and whose message names the fault reaches {@code exceptionCaught} of the next handlers.
 * See {@link ClosePayload#decode(io.netty.buffer.ByteBuf)} for the rules.
 *
 * <p>{@link ClosingHandshakeHandler} decodes close frames itself and does not need this
 * handler; it is for pipelines of one's own that want {@link CloseReason}s without the
 * handshake. Put in front of a {@code ClosingHandshakeHandler}, the two still work together:
 * the handshake takes the decoded {@link CloseReason} as the peer's close, and a bad payload's
 * exception fails the connection as it would have there.
 *
 * <p>Stateless and {@link Sharable}: one instance can serve every channel.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6455#section-5.5.1">RFC 6455 §5.5.1</a>
 */
@Sharable
public final class CloseFrameDecoder extends ChannelInboundHandlerAdapter {

    /** The shared instance. */
    public static final CloseFrameDecoder INSTANCE = new CloseFrameDecoder();

    private CloseFrameDecoder() {
    }

    /**
     * Decodes a close frame into a {@link CloseReason} and releases the frame.
     *
     * @throws CorruptedWebSocketFrameException for a close frame that breaks RFC 6455; Netty
     *                                          routes it to {@code exceptionCaught}
     */
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof CloseWebSocketFrame frame)) {
            ctx.fireChannelRead(msg);
            return;
        }
        CloseReason reason;
        try {
            reason = ClosePayload.decode(frame.content());
        } finally {
            frame.release();
        }
        ctx.fireChannelRead(reason);
    }
}
