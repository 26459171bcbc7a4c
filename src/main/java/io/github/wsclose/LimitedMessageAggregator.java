package io.github.wsclose;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;

/**
 * Netty's {@link WebSocketFrameAggregator}, whose oversized message fails the connection with
 * 1009 MESSAGE_TOO_BIG (RFC 6455 §7.4.1) rather than with Netty's plain
 * {@code TooLongFrameException}, which a closing handshake can only read as 1011.
 *
 * <p>The fragments received so far are released by Netty; the rest of the message is dropped.
 * One instance per channel.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6455#section-7.4.1">RFC 6455 §7.4.1</a>
 */
final class LimitedMessageAggregator extends WebSocketFrameAggregator {

    LimitedMessageAggregator(int maxMessageBytes) {
        super(maxMessageBytes);
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, WebSocketFrame oversized) {
        ctx.fireExceptionCaught(new CorruptedWebSocketFrameException(WebSocketCloseStatus.MESSAGE_TOO_BIG,
                "message too big: more than " + maxContentLength() + " bytes (expected: <= " + maxContentLength() + ")"));
    }
}
