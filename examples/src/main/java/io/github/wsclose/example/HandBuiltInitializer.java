package io.github.wsclose.example;

import io.github.wsclose.ClosingHandshakeConfig;
import io.github.wsclose.ServerOptions;
import io.github.wsclose.ServerPipeline;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;

/**
 * A pipeline whose HTTP side is built by hand, with the close behaviour of
 * {@link ServerPipeline} added by one call: the README's recipe for an own pipeline.
 */
final class HandBuiltInitializer extends ChannelInitializer<SocketChannel> {

    private final ChannelHandler application;

    HandBuiltInitializer(ChannelHandler application) {
        this.application = application;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(8192)); // your HTTP side: TLS, CORS, authentication …
        WebSocketServerProtocolConfig protocol = WebSocketServerProtocolConfig.newBuilder()
                .websocketPath("/chat")
                .subprotocols("chat.v2")
                .build();
        // Netty's upgrade handler, with close frames left to us, then the closing handshake, your handlers, and 1011 for the unhandled
        ServerPipeline.addWebSocketHandlers(ch.pipeline(), protocol, ClosingHandshakeConfig.server(), ServerOptions.DEFAULTS, application);
    }
}
