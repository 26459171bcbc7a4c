package io.github.wsclose.example;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;

/**
 * Sends every text and binary message back to its sender, unchanged, whatever it says. Only on
 * a connection that negotiated the subprotocol {@value #PLAYGROUND} (RFC 6455 §1.9), as the
 * playground page does, is a text message that is a {@link CloseCommand close CODE [REASON]}
 * taken as one: it starts the closing handshake from the server, or is answered with a text
 * message that says why it was refused. No ordinary message can turn into a command by accident.
 *
 * <p>Expects whole messages, as {@code ServerPipeline} aggregates them. Every other inbound
 * message, such as the peer's {@code CloseReason} or a pong, is dropped here. Sharable: what it
 * learns of a connection (the subprotocol) it keeps in a channel attribute.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6455#section-1.9">RFC 6455 §1.9</a>
 */
@Sharable
final class EchoHandler extends ChannelInboundHandlerAdapter {

    /** The subprotocol a client asks for ({@code Sec-WebSocket-Protocol}) to send close commands. */
    static final String PLAYGROUND = "wsclose.playground";

    static final EchoHandler INSTANCE = new EchoHandler();

    private static final AttributeKey<Boolean> TAKES_COMMANDS = AttributeKey.valueOf(EchoHandler.class, "takesCommands");

    private EchoHandler() {
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        // fired once the 101 that names the subprotocol is written: before any frame, which a client sends only after it
        if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete upgrade
                && PLAYGROUND.equals(upgrade.selectedSubprotocol())) {
            ctx.channel().attr(TAKES_COMMANDS).set(Boolean.TRUE);
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof TextWebSocketFrame text) {
            CloseCommand command = ctx.channel().hasAttr(TAKES_COMMANDS) ? CloseCommand.parse(text.text()) : null;
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
