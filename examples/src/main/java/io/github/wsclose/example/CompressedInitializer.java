package io.github.wsclose.example;

import io.github.wsclose.ClosingHandshakeConfig;
import io.github.wsclose.PerMessageDeflateConfig;
import io.github.wsclose.ServerOptions;
import io.github.wsclose.ServerPipeline;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.logging.LoggingHandler;

/**
 * A server pipeline with permessage-deflate, messages of up to 16 MiB, and a handler of the
 * application's own at a documented place: the README's recipe for compression and limits.
 */
final class CompressedInitializer extends ChannelInitializer<SocketChannel> {

    private final ChannelHandler application;

    CompressedInitializer(ChannelHandler application) {
        this.application = application;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        ServerOptions options = ServerOptions.DEFAULTS
                .withMaxMessageBytes(16 * 1024 * 1024)             // messages and frames up to 16 MiB, larger ones close with 1009
                .withCompression(PerMessageDeflateConfig.DEFAULT); // permessage-deflate when the client offers it
        ServerPipeline.configure(ch.pipeline(), "/ws", ClosingHandshakeConfig.server(), options, application);
        ch.pipeline().addBefore(ServerPipeline.HTTP_CODEC, "logger", new LoggingHandler()); // sees every byte, first
    }
}
