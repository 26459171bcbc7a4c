package io.github.wsclose.example.chat;

import io.github.wsclose.ClosingHandshakeConfig;
import io.github.wsclose.ServerPipeline;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;

public final class Initializer extends ChannelInitializer<SocketChannel> {
    @Override
    protected void initChannel(SocketChannel ch) {
        // HTTP upgrade on /ws; Netty never sends a close frame of its own, our handlers do the closing.
        // The aggregator joins a fragmented message into one frame, so a "bye" sent in pieces is one "bye".
        ServerPipeline.configure(ch.pipeline(), "/ws", ClosingHandshakeConfig.server(),
                new WebSocketFrameAggregator(ServerPipeline.DEFAULT_MAX_CONTENT_LENGTH), new ChatHandler());
    }
}
