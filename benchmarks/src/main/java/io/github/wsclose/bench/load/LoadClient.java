package io.github.wsclose.bench.load;

import io.github.wsclose.example.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2SettingsFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.util.ReferenceCountUtil;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Opens WebSocket connections to a server on 127.0.0.1 with Netty's client handshaker, at most
 * {@code concurrency} upgrades at a time, or WebSockets over HTTP/2 (RFC 8441): several extended
 * CONNECT streams on each of its connections, opened with Netty's HTTP/2 client codec
 * ({@link Http2WebSocketStream}). Thread-safe.
 */
final class LoadClient implements AutoCloseable {

    private final Transport transport;
    private final EventLoopGroup group;
    private final int concurrency;

    /** A client on {@code transport}'s event loops, one per processor. */
    LoadClient(Transport transport, int concurrency) {
        this.transport = transport;
        this.group = transport.newGroup(Runtime.getRuntime().availableProcessors());
        this.concurrency = concurrency;
    }

    /**
     * Opens {@code count} connections to {@code port} and returns those whose upgrade completed
     * within {@code timeoutMillis}; the others are closed.
     */
    List<ClientConnection> open(int port, int count, long timeoutMillis) throws InterruptedException {
        URI uri = URI.create("ws://127.0.0.1:" + port + LoadServer.PATH);
        WebSocketClientProtocolConfig config = WebSocketClientProtocolConfig.newBuilder()
                .webSocketUri(uri)
                .handleCloseFrames(false) // ClientConnection answers close frames itself
                .sendCloseFrame(null)
                .dropPongFrames(false) // ClientConnection counts them
                .build();
        Bootstrap bootstrap = new Bootstrap().group(group).channel(transport.socketChannel());
        Semaphore inFlight = new Semaphore(concurrency);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        List<ClientConnection> connections = new ArrayList<>(count);
        List<Channel> channels = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            if (!inFlight.tryAcquire(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) {
                break;
            }
            ClientConnection connection = new ClientConnection();
            connection.upgraded().whenComplete((ok, failed) -> inFlight.release());
            ChannelFuture connect = bootstrap.handler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(8192),
                            new WebSocketClientProtocolHandler(config), connection);
                }
            }).connect(uri.getHost(), port);
            connect.addListener(connected -> {
                if (!connected.isSuccess()) {
                    connection.upgraded().completeExceptionally(connected.cause());
                }
            });
            connections.add(connection);
            channels.add(connect.channel());
        }
        List<ClientConnection> open = new ArrayList<>(connections.size());
        for (int i = 0; i < connections.size(); i++) {
            try {
                open.add(connections.get(i).upgraded().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
            } catch (ExecutionException | TimeoutException notUpgraded) {
                channels.get(i).close(); // the caller counts it as count - open.size()
            }
        }
        return open;
    }

    /**
     * Opens {@code count} WebSockets over HTTP/2 (cleartext, prior knowledge) to {@code port},
     * {@code streamsPerConnection} streams on each HTTP/2 connection (the last may have fewer), and
     * returns those whose extended CONNECT was answered 200 within {@code timeoutMillis}; the
     * others' streams are reset. Each stream is opened once the server's SETTINGS arrived (they
     * enable the extended CONNECT, and we acknowledge them first). An HTTP/2 connection is closed
     * once all its streams have closed: {@link ClientConnection#closed()} is the stream's end.
     */
    List<ClientConnection> openOverHttp2(int port, int count, int streamsPerConnection, long timeoutMillis) throws InterruptedException {
        String authority = "127.0.0.1:" + port;
        Semaphore inFlight = new Semaphore(concurrency);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        List<ClientConnection> connections = new ArrayList<>(count);
        List<CompletableFuture<Http2StreamChannel>> streams = new ArrayList<>(count);
        opening:
        while (connections.size() < count) {
            int onThisConnection = Math.min(streamsPerConnection, count - connections.size());
            CompletableFuture<Channel> settled = new CompletableFuture<>(); // the server's SETTINGS arrived
            ChannelFuture connect = new Bootstrap().group(group).channel(transport.socketChannel())
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(Http2FrameCodecBuilder.forClient().build(),
                                    new Http2MultiplexHandler(Http2WebSocketStream.NoPush.INSTANCE), new ServerSettings(settled));
                        }
                    })
                    .connect("127.0.0.1", port);
            connect.addListener(connected -> {
                if (!connected.isSuccess()) {
                    settled.completeExceptionally(connected.cause());
                }
            });
            AtomicInteger open = new AtomicInteger(onThisConnection);
            for (int i = 0; i < onThisConnection; i++) {
                if (!inFlight.tryAcquire(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) {
                    if (open.addAndGet(i - onThisConnection) == 0) {
                        connect.channel().close(); // none of its streams was opened
                    }
                    break opening;
                }
                ClientConnection connection = new ClientConnection();
                connection.upgraded().whenComplete((ok, failed) -> inFlight.release());
                connection.closed().whenComplete((closed, failed) -> {
                    if (open.decrementAndGet() == 0) {
                        connect.channel().close(); // its last stream has closed
                    }
                });
                CompletableFuture<Http2StreamChannel> stream = settled.thenCompose(parent -> {
                    CompletableFuture<Http2StreamChannel> opened = new CompletableFuture<>();
                    new Http2StreamChannelBootstrap(parent).handler(new ChannelInitializer<Http2StreamChannel>() {
                        @Override
                        protected void initChannel(Http2StreamChannel ch) {
                            ch.pipeline().addLast(new Http2WebSocketStream(authority), connection);
                        }
                    }).open().addListener(done -> {
                        if (done.isSuccess()) {
                            opened.complete((Http2StreamChannel) done.getNow());
                        } else {
                            opened.completeExceptionally(done.cause());
                        }
                    });
                    return opened;
                });
                stream.whenComplete((ok, failed) -> {
                    if (failed != null) {
                        connection.upgraded().completeExceptionally(failed);
                    }
                });
                connections.add(connection);
                streams.add(stream);
            }
        }
        List<ClientConnection> upgraded = new ArrayList<>(connections.size());
        for (int i = 0; i < connections.size(); i++) {
            try {
                upgraded.add(connections.get(i).upgraded().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
            } catch (ExecutionException | TimeoutException notUpgraded) {
                streams.get(i).thenAccept(Channel::close); // the caller counts it as count - upgraded.size()
            }
        }
        return upgraded;
    }

    /**
     * Waits until every connection closed; those still open after {@code timeoutMillis} are
     * closed then, and waited for.
     */
    static void awaitClosed(List<ClientConnection> connections, long timeoutMillis) throws InterruptedException {
        CompletableFuture<?>[] closed = connections.stream().map(ClientConnection::closed).toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(closed).get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            connections.stream().filter(c -> !c.closed().isDone()).forEach(ClientConnection::abort);
            CompletableFuture.allOf(closed).join();
        }
    }

    /**
     * The last handler of an HTTP/2 connection: completes a future with the connection when the
     * server's SETTINGS arrive (Netty's codec has acknowledged them by then), and releases the
     * connection's frames. Not sharable.
     */
    private static final class ServerSettings extends ChannelInboundHandlerAdapter {
        private final CompletableFuture<Channel> settled;

        ServerSettings(CompletableFuture<Channel> settled) {
            this.settled = settled;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Http2SettingsFrame) {
                settled.complete(ctx.channel());
            }
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            settled.completeExceptionally(new IllegalStateException("the HTTP/2 connection closed before the server's SETTINGS"));
            ctx.fireChannelInactive();
        }
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
