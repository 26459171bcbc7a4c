package io.github.wsclose.example.chat;

import io.github.wsclose.CloseFrameDecoder;
import io.github.wsclose.CloseFrameEncoder;
import io.github.wsclose.ClosingHandshakeConfig;
import io.github.wsclose.ClosingHandshakeHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;

/**
 * The {@link ChatHandler} behind a pipeline built by hand rather than with
 * {@code ServerPipeline.configure}: Netty's upgrade handler told to leave every close frame to
 * the library, then the library's codec and closing handshake.
 */
public final class OwnPipelineInitializer extends ChannelInitializer<SocketChannel> {

    private static final int MAX_MESSAGE_BYTES = 65536;

    @Override
    protected void initChannel(SocketChannel ch) {
        ChannelPipeline pipeline = ch.pipeline();
        WebSocketServerProtocolConfig protocol = WebSocketServerProtocolConfig.newBuilder()
                .websocketPath("/ws")
                .maxFramePayloadLength(MAX_MESSAGE_BYTES)
                .handleCloseFrames(false)          // close frames reach CloseFrameDecoder
                .sendCloseFrame(null)              // channel.close() sends no close frame of Netty's own
                .closeOnProtocolViolation(false)   // a protocol error is an exception, answered by ClosingHandshakeHandler
                .build();
        pipeline.addLast(new HttpServerCodec(), new HttpObjectAggregator(MAX_MESSAGE_BYTES),
                new WebSocketServerProtocolHandler(protocol));
        pipeline.addLast(CloseFrameDecoder.INSTANCE, CloseFrameEncoder.INSTANCE,
                new ClosingHandshakeHandler(ClosingHandshakeConfig.server()),
                new WebSocketFrameAggregator(MAX_MESSAGE_BYTES), new ChatHandler());
    }
}
