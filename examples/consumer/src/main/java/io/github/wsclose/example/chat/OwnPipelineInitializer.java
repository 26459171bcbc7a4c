package io.github.wsclose.example.chat;

import io.github.wsclose.ClosingHandshakeConfig;
import io.github.wsclose.ServerOptions;
import io.github.wsclose.ServerPipeline;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;

/**
 * The {@link ChatHandler} behind a pipeline whose HTTP side is built by hand rather than by
 * {@code ServerPipeline.configure}, and which closes exactly as that one does: one call adds
 * Netty's upgrade handler with close frames left to the library, the library's codec and
 * closing handshake, the application, and a close with 1011 for what the application leaves
 * unhandled.
 */
public final class OwnPipelineInitializer extends ChannelInitializer<SocketChannel> {

    @Override
    protected void initChannel(SocketChannel ch) {
        ChannelPipeline pipeline = ch.pipeline();
        pipeline.addLast(new HttpServerCodec(), new HttpObjectAggregator(8192)); // your HTTP side: TLS, CORS, authentication …
        WebSocketServerProtocolConfig protocol = WebSocketServerProtocolConfig.newBuilder()
                .websocketPath("/ws")
                .subprotocols("chat.v2")
                .build();
        // Netty's upgrade handler, close frames left to us; then the closing handshake, the chat, and 1011 for the unhandled
        ServerPipeline.addWebSocketHandlers(pipeline, protocol, ClosingHandshakeConfig.server(), ServerOptions.DEFAULTS,
                new ChatHandler());
    }
}
