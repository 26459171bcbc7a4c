package io.github.wsclose.bench;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;

/**
 * Stock Netty's check of a received close frame body, exactly as its frame decoder runs it:
 * {@code WebSocket08FrameDecoder.checkCloseFrameBody}, the protected hook the decoder calls for
 * every close frame (length, status code, and the reason through Netty's own UTF-8 validator).
 * The decoder sits on an {@link EmbeddedChannel} only to give the check its context; with
 * {@code closeOnProtocolViolation(false)} a bad body throws and nothing is written.
 *
 * <p>Not thread-safe: one per benchmark thread.
 */
final class NettyCloseFrameBody extends WebSocket08FrameDecoder {

    private final EmbeddedChannel channel;
    private final ChannelHandlerContext ctx;

    NettyCloseFrameBody() {
        super(WebSocketDecoderConfig.newBuilder()
                .expectMaskedFrames(true)
                .closeOnProtocolViolation(false)
                .build());
        channel = new EmbeddedChannel(this);
        ctx = channel.pipeline().context(this);
    }

    /**
     * Checks {@code body} as the frame decoder does; on a violation its readable bytes are
     * skipped (as the decoder skips them) and the exception is thrown.
     *
     * @throws CorruptedWebSocketFrameException if Netty rejects the body
     */
    void check(ByteBuf body) {
        checkCloseFrameBody(ctx, body);
    }

    /** Closes the channel the check runs on. */
    void close() {
        channel.finishAndReleaseAll();
    }
}
