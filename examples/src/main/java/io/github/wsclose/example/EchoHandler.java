package io.github.wsclose.example;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.util.ReferenceCountUtil;

/**
 * Sends every text and binary message back to its sender, except the text command
 * {@link CloseCommand close CODE [REASON]}, which starts the closing handshake from the server
 * or is answered with a text message that says why it was refused.
 *
 * <p>Expects whole messages, as {@code ServerPipeline} aggregates them. Every other inbound
 * message, such as the peer's {@code CloseReason} or a pong, is dropped here. Stateless and
 * sharable.
 */
@Sharable
final class EchoHandler extends ChannelInboundHandlerAdapter {

    static final EchoHandler INSTANCE = new EchoHandler();

    private EchoHandler() {
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof TextWebSocketFrame text) {
            CloseCommand command = CloseCommand.parse(text.text());
            if (command == null) {
                ctx.writeAndFlush(text); // the echo: writing hands the frame on, and it is released once sent
            } else {
                text.release();
                run(ctx, command);
            }
        } else if (msg instanceof BinaryWebSocketFrame binary) {
            ctx.writeAndFlush(binary);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private static void run(ChannelHandlerContext ctx, CloseCommand command) {
        if (command instanceof CloseCommand.Accepted accepted) {
            ctx.writeAndFlush(accepted.reason()); // the closing handshake handler sends the first close frame
        } else if (command instanceof CloseCommand.Refused refused) {
            ctx.writeAndFlush(new TextWebSocketFrame(refused.reply()));
        }
    }
}
