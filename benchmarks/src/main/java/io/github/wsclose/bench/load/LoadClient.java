package io.github.wsclose.bench.load;

import io.github.wsclose.example.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Opens WebSocket connections to a server on 127.0.0.1 with Netty's client handshaker, at most
 * {@code concurrency} upgrades at a time. Thread-safe.
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

    @Override
    public void close() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
