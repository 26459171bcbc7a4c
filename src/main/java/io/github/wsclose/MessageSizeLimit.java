package io.github.wsclose;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;

/**
 * Fails a WebSocket connection with {@code 1009 TOO_BIG} and
 * {@link CloseReport.Cause#MESSAGE_TOO_BIG} as soon as a message from the peer exceeds the limit,
 * whether it comes in one frame or in many fragments (RFC 6455 §5.4): it adds up the payloads of
 * a message's frames as they arrive, without holding any. The frame that crosses the limit and
 * everything after it are released.
 *
 * <p>Not sharable, confined to the event loop.
 *
 * @see ServerProtection#maxMessageBytes()
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6455#section-7.4.1">RFC 6455 §7.4.1 (1009)</a>
 */
final class MessageSizeLimit extends ChannelInboundHandlerAdapter {

    private final long maxMessageBytes;
    private final ClosingHandshakeHandler handshake;

    // connection state, confined to the event loop
    private long messageBytes; // of the message being received, so far
    private boolean exceeded;

    MessageSizeLimit(long maxMessageBytes, ClosingHandshakeHandler handshake) {
        this.maxMessageBytes = maxMessageBytes;
        this.handshake = handshake;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (exceeded) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof TextWebSocketFrame || msg instanceof BinaryWebSocketFrame) {
            messageBytes = ((WebSocketFrame) msg).content().readableBytes();
        } else if (msg instanceof ContinuationWebSocketFrame continuation) {
            messageBytes += continuation.content().readableBytes();
        }
        if (messageBytes > maxMessageBytes) {
            exceeded = true;
            ReferenceCountUtil.release(msg);
            handshake.failConnection(new CloseReason(CloseReason.Codes.TOO_BIG,
                    "message too big: " + messageBytes + " bytes so far (expected: <= " + maxMessageBytes + ")"),
                    CloseReport.Cause.MESSAGE_TOO_BIG);
            return;
        }
        ctx.fireChannelRead(msg);
    }
}
