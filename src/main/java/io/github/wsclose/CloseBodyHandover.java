package io.github.wsclose;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.util.List;

/**
 * Hands the checks of close frame bodies from Netty's frame decoder to this library's payload
 * codec ({@link ClosePayload#decode(ByteBuf)}, which {@link ClosingHandshakeHandler} applies),
 * so that every bad close body is answered and reported in this library's words.
 *
 * <p>Netty 4.2.18's decoder answers with the right codes, but in its own words, and only for
 * some faults (measured in {@code StockNettyCloseBodyTest}): a code in 0–2999 that may not be
 * sent is refused as {@code Invalid close frame getStatus code: 1004}; a reason that is not
 * UTF-8 as {@code bytes are not UTF-8}, without the fault or its offset; a 1-byte body, found
 * while reading the frame header, as {@code received close control frame with payload len 1};
 * codes 5000–65535 pass its check (it reads the code signed) and reach the payload codec.
 * When the upgrade completes, this handler swaps the frame decoder Netty installed for one that
 * keeps all of Netty's framing, masking and size checks but passes close bodies on unchecked,
 * and states a 1-byte body as {@link ClosePayload#decode(ByteBuf)} does; then it removes itself.
 * No frame can have arrived before: a client MUST NOT send frames before the server's handshake
 * response (§4.1).
 *
 * <p>One instance per channel (it removes itself).
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6455#section-5.5.1">RFC 6455 §5.5.1</a>
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

        /** How Netty 4.2.18 words a 1-byte close body, which it refuses while reading the frame header. */
        static final String NETTY_ONE_BYTE_BODY = "received close control frame with payload len 1";

        FrameDecoder(WebSocketDecoderConfig decoderConfig) {
            super(decoderConfig);
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
            try {
                super.decode(ctx, in, out);
            } catch (CorruptedWebSocketFrameException e) {
                throw NETTY_ONE_BYTE_BODY.equals(e.getMessage()) ? ClosePayload.oneByteBody() : e;
            }
        }

        @Override
        protected void checkCloseFrameBody(ChannelHandlerContext ctx, ByteBuf buffer) {
            // the payload codec checks the body: length, status code and UTF-8, each with its right close code
        }
    }
}
