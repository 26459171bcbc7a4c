package io.github.wsclose;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;

/**
 * Fails the connection with 1002 on a frame whose RSV bits are still set when it reaches this
 * handler, after every negotiated extension had its turn (RFC 6455 §5.2).
 *
 * <p>A server that offers compression has to let Netty's frame decoder pass RSV bits, since
 * it cannot know beforehand whether a client accepts; on a connection without an extension,
 * this handler does the check the decoder then skips. The frame is released here when it is
 * refused, and the {@link CorruptedWebSocketFrameException} goes to {@code exceptionCaught}.
 *
 * <p>Stateless and {@link Sharable}.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6455#section-5.2">RFC 6455 §5.2</a>
 */
@Sharable
final class ReservedBits extends ChannelInboundHandlerAdapter {

    static final ReservedBits INSTANCE = new ReservedBits();

    private ReservedBits() {
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof WebSocketFrame frame && frame.rsv() != 0) {
            int rsv = frame.rsv();
            frame.release();
            // RSV1-3 MUST be 0 unless an extension defines them (§5.2)
            throw new CorruptedWebSocketFrameException(WebSocketCloseStatus.PROTOCOL_ERROR,
                    "rsv bits set without an extension: " + rsv + " (expected: 0)");
        }
        ctx.fireChannelRead(msg);
    }
}
