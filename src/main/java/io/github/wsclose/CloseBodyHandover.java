package io.github.wsclose;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;

/**
 * Hands the checks of close frame bodies from Netty's frame decoder to {@link CloseFrameDecoder}.
 *
 * <p>Netty's decoder answers a 1-byte close body with 1007 where RFC 6455 §5.5.1 makes it a
 * protocol error (1002), and names invalid codes in words no peer should read. When the
 * upgrade completes, this handler swaps the frame decoder Netty installed for one that keeps
 * all of Netty's framing, masking and size checks but passes close bodies on unchecked, then
 * removes itself. No frame can have arrived before: a client MUST NOT send frames before the
 * server's handshake response (§4.1).
 *
 * <p>One instance per channel (it removes itself).
 */
final class CloseBodyHandover extends ChannelInboundHandlerAdapter {

    private final WebSocketDecoderConfig decoderConfig;

    CloseBodyHandover(WebSocketDecoderConfig decoderConfig) {
        this.decoderConfig = decoderConfig;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
            ChannelHandlerContext netty = ctx.pipeline().context(WebSocket08FrameDecoder.class);
            if (netty != null) {
                ctx.pipeline().replace(netty.name(), netty.name(), new FrameDecoder(decoderConfig));
            }
            ctx.pipeline().remove(this);
        }
        ctx.fireUserEventTriggered(evt);
    }

    /** Netty's RFC 6455 frame decoder, less its checks of close frame bodies. */
    static final class FrameDecoder extends WebSocket13FrameDecoder {

        FrameDecoder(WebSocketDecoderConfig decoderConfig) {
            super(decoderConfig);
        }

        @Override
        protected void checkCloseFrameBody(ChannelHandlerContext ctx, ByteBuf buffer) {
            // CloseFrameDecoder checks the body: length, status code and UTF-8, each with its right close code
        }
    }
}
