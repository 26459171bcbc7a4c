package io.github.wsclose.example.chat;

import io.github.wsclose.CloseReason;
import io.github.wsclose.CloseReport;
import io.github.wsclose.DrainNotice;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.lang.System.Logger.Level;

final class ChatHandler extends ChannelInboundHandlerAdapter {
    private static final System.Logger LOG = System.getLogger(ChatHandler.class.getName());

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof CloseReason peer) {
            // the peer's close frame: its close if it closed first (our answer is already on its way),
            // or its answer to ours if we closed first
            LOG.log(Level.INFO, "close from the peer: {0}", peer);   // e.g. "1001 GOING_AWAY: tab closed"
        } else if (msg instanceof TextWebSocketFrame text) {
            if (text.text().equals("bye")) {
                ctx.writeAndFlush(new CloseReason(CloseReason.Codes.NORMAL, "see you"));
            }
            text.release();
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof DrainNotice notice) {                     // a drain's close frame comes next: a last word first
            ctx.writeAndFlush(new TextWebSocketFrame("server leaving (" + notice.reason().message() + "), reconnect"));
        } else if (evt instanceof CloseReport report) {              // exactly once per WebSocket connection
            LOG.log(Level.INFO, "closed: {0}", report);              // e.g. "1000 NORMAL (LOCAL, APPLICATION, clean, 2 ms, received 1000 NORMAL, sent 1000 NORMAL: see you)"
        }
        ctx.fireUserEventTriggered(evt);
    }
}
