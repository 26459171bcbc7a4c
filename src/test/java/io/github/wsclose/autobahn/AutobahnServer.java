package io.github.wsclose.autobahn;

import io.github.wsclose.ClosingHandshakeConfig;
import io.github.wsclose.PerMessageDeflateConfig;
import io.github.wsclose.ServerOptions;
import io.github.wsclose.ServerPipeline;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.codec.http.websocketx.extensions.compression.WebSocketServerCompressionHandler;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * An echo server on 127.0.0.1 for the Autobahn replay: ours, configured as the example server
 * started with {@code --compression --max-message-bytes 16777216}, or stock Netty with its own
 * close handling and compression, for comparison.
 */
final class AutobahnServer implements AutoCloseable {

    /** The message limit of the example server in the replay: 16 MiB, the largest message of section 9. */
    static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel channel;

    private AutobahnServer(Consumer<ChannelPipeline> pipeline) {
        channel = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        pipeline.accept(ch.pipeline());
                    }
                })
                .bind("127.0.0.1", 0)
                .syncUninterruptibly()
                .channel();
    }

    /** Our pipeline, as {@code --compression --max-message-bytes 16777216} builds it. */
    static AutobahnServer ours() {
        ServerOptions options = ServerOptions.DEFAULTS.withMaxMessageBytes(MAX_MESSAGE_BYTES)
                .withCompression(PerMessageDeflateConfig.DEFAULT);
        return new AutobahnServer(p -> ServerPipeline.configure(p, "/ws", ClosingHandshakeConfig.server(), options, Echo.INSTANCE));
    }

    /** Stock Netty: its compression handler, its upgrade handler with its own close handling, its aggregator. */
    static AutobahnServer stockNetty() {
        WebSocketServerProtocolConfig protocol = WebSocketServerProtocolConfig.newBuilder()
                .websocketPath("/ws")
                .allowExtensions(true)
                .maxFramePayloadLength(MAX_MESSAGE_BYTES)
                .build();
        return new AutobahnServer(p -> p.addLast(new HttpServerCodec(), new HttpObjectAggregator(65536),
                new WebSocketServerCompressionHandler(MAX_MESSAGE_BYTES), new WebSocketServerProtocolHandler(protocol),
                new WebSocketFrameAggregator(MAX_MESSAGE_BYTES), Echo.INSTANCE));
    }

    InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Sends each text and binary message back; drops everything else. Stateless and sharable. */
    @Sharable
    static final class Echo extends ChannelInboundHandlerAdapter {

        static final Echo INSTANCE = new Echo();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof TextWebSocketFrame || msg instanceof BinaryWebSocketFrame) {
                ctx.writeAndFlush(msg); // the echo: writing hands the frame on
            } else {
                ReferenceCountUtil.release(msg);
            }
        }
    }
}
