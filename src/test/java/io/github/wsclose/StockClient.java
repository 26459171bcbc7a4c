package io.github.wsclose;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler.ClientHandshakeStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Stock Netty's WebSocket client, as the tests measure it ({@link StockNettyClientTest}, and
 * {@link ClientInteropMatrix} against each server): a {@link TcpCloseWatch}, Netty's HTTP client
 * codec and aggregator, its {@link WebSocketClientProtocolHandler} with the configuration given,
 * then this handler, which stands for the application and records what it learns: the close
 * frames that reach it (each released here) and its user events and {@code channelInactive}, in
 * order.
 *
 * <p>One instance per connection; what it recorded may be read from any thread.
 */
final class StockClient extends ChannelInboundHandlerAdapter {

    /** Recorded in {@link #events} when {@code channelInactive} reaches the application. */
    static final String INACTIVE = "channelInactive";

    /** The server's close frames that reached the application. */
    final List<CloseReason> closeFrames = new CopyOnWriteArrayList<>();
    /** The user events and {@link #INACTIVE}, in order. */
    final List<Object> events = new CopyOnWriteArrayList<>();
    /** Completes when {@code channelInactive} reaches the application. */
    final CompletableFuture<Void> inactive = new CompletableFuture<>();
    private final CompletableFuture<Void> upgraded = new CompletableFuture<>();
    private final Consumer<StockClient> onCloseFrame;
    Channel channel;

    private StockClient(Consumer<StockClient> onCloseFrame) {
        this.onCloseFrame = onCloseFrame;
    }

    /** Netty's defaults for {@code uri}. */
    static WebSocketClientProtocolConfig defaults(URI uri) {
        return WebSocketClientProtocolConfig.newBuilder().webSocketUri(uri).build();
    }

    /**
     * Connects to {@code server} on {@code loops} and waits for the upgrade; {@code onCloseFrame}
     * runs when a close frame reaches the application.
     */
    static StockClient connect(EventLoopGroup loops, InetSocketAddress server, WebSocketClientProtocolConfig config,
            Consumer<StockClient> onCloseFrame) throws Exception {
        StockClient client = new StockClient(onCloseFrame);
        client.channel = new Bootstrap().group(loops).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ChannelPipeline pipeline = ch.pipeline();
                        TcpCloseWatch.addFirst(pipeline);
                        pipeline.addLast(new HttpClientCodec(), new HttpObjectAggregator(8192),
                                new WebSocketClientProtocolHandler(config), client);
                    }
                })
                .connect(server).sync().channel();
        client.upgraded.get(TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS);
        return client;
    }

    /** Same, with an application that does nothing when a close frame reaches it. */
    static StockClient connect(EventLoopGroup loops, InetSocketAddress server, WebSocketClientProtocolConfig config) throws Exception {
        return connect(loops, server, config, client -> { });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof CloseWebSocketFrame close) {
                closeFrames.add(close.statusCode() < 0 ? CloseReason.Codes.NO_STATUS_RECEIVED.withoutMessage
                        : CloseReason.of(close.statusCode(), close.reasonText()));
                onCloseFrame.accept(this);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        events.add(evt);
        if (evt == ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
            upgraded.complete(null);
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        events.add(INACTIVE);
        inactive.complete(null);
        upgraded.completeExceptionally(new AssertionError("closed before the upgrade"));
        ctx.fireChannelInactive();
    }

    /** How the stock client is set up. */
    enum Style {
        /** Netty's defaults. */
        DEFAULTS,
        /**
         * {@code handleCloseFrames(false)}, and the application closes the channel when the
         * server's close frame reaches it, as Netty's example client ({@code WebSocketClientHandler}) does.
         */
        APPLICATION_CLOSES;

        /** Connects a client of this style to {@code server}. */
        StockClient connect(EventLoopGroup loops, TestServer server) throws Exception {
            return connect(loops, (InetSocketAddress) server.address(), server.uri());
        }

        /** Connects a client of this style to {@code uri}, at 127.0.0.1. */
        StockClient connect(EventLoopGroup loops, InetSocketAddress address, URI uri) throws Exception {
            return this == DEFAULTS ? StockClient.connect(loops, address, defaults(uri))
                    : StockClient.connect(loops, address, defaults(uri).toBuilder().handleCloseFrames(false).build(),
                            client -> client.channel.close());
        }

        @Override
        public String toString() {
            return this == DEFAULTS ? "defaults" : "handleCloseFrames(false), application closes";
        }
    }
}
