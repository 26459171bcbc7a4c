package io.github.wsclose;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A WebSocket server on 127.0.0.1 (a free port) built with
 * {@link ServerPipeline#configure(io.netty.channel.ChannelPipeline, String, ClosingHandshakeConfig, io.netty.channel.ChannelHandler...)},
 * for tests with real clients.
 *
 * <p>On {@value #PATH} it echoes text and binary messages. The text command
 * {@code close CODE REASON} (REASON may be empty) makes the server start the closing handshake
 * with that code and reason. Every upgraded connection joins {@link #connections()} and is
 * handed out once by {@link #nextConnection()}; {@link #reportOf(Channel)} gives its
 * {@link CloseReport}. Tying each report to its connection keeps a test that failed halfway from
 * handing its report to the next one.
 *
 * <p>Thread-safe. Closing it closes every connection and stops its event loops.
 */
final class TestServer implements AutoCloseable {

    /** The WebSocket endpoint's path. */
    static final String PATH = "/ws";

    /** How long {@link #nextConnection()} and {@link #reportOf(Channel)} wait. */
    static final long TIMEOUT_SECONDS = 5;

    private static final String CLOSE_COMMAND = "close ";
    private static final AttributeKey<CompletableFuture<CloseReport>> REPORT = AttributeKey.valueOf(TestServer.class, "closeReport");

    private final EventLoopGroup loops = new MultiThreadIoEventLoopGroup(NioIoHandler.newFactory());
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final BlockingQueue<Channel> upgraded = new LinkedBlockingQueue<>();
    private final Channel listener;

    private TestServer(ClosingHandshakeConfig config, ChannelHandler... inFrontOfApp) {
        ChannelHandler[] app = Arrays.copyOf(inFrontOfApp, inFrontOfApp.length + 1);
        app[inFrontOfApp.length] = new EchoOrClose();
        try {
            listener = new ServerBootstrap()
                    .group(loops)
                    .channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ServerPipeline.configure(ch.pipeline(), PATH, config, app);
                        }
                    })
                    .bind("127.0.0.1", 0)
                    .syncUninterruptibly()
                    .channel();
        } catch (RuntimeException e) {
            loops.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** Starts a server with the default server configuration. */
    static TestServer start() {
        return new TestServer(ClosingHandshakeConfig.server());
    }

    /** Starts a server whose application handlers are {@code inFrontOfApp}, then the echo. */
    static TestServer startWith(ChannelHandler... inFrontOfApp) {
        return new TestServer(ClosingHandshakeConfig.server(), inFrontOfApp);
    }

    /** The text message that makes the server close with {@code code} and {@code reason}. */
    static String closeCommand(int code, String reason) {
        return CLOSE_COMMAND + code + " " + reason;
    }

    /** The WebSocket URI, {@code ws://127.0.0.1:PORT/ws}. */
    URI uri() {
        return URI.create("ws://127.0.0.1:" + ((InetSocketAddress) listener.localAddress()).getPort() + PATH);
    }

    /** The open WebSocket connections: each joins once its upgrade completed, and leaves when it closes. */
    ChannelGroup connections() {
        return connections;
    }

    /**
     * Takes the server side of the oldest upgraded connection not taken yet, waiting for it if
     * needed: a test that opens one connection at a time and takes it at once gets its own.
     */
    Channel nextConnection() throws InterruptedException {
        return next(upgraded, "upgraded connection");
    }

    /** Takes the head of {@code queue}, waiting up to {@value #TIMEOUT_SECONDS} s; fails naming {@code what} otherwise. */
    static <T> T next(BlockingQueue<T> queue, String what) throws InterruptedException {
        T head = queue.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        if (head == null) {
            throw new AssertionError("no " + what + " within " + TIMEOUT_SECONDS + " s");
        }
        return head;
    }

    /** Waits for the close report of {@code connection}, one of {@link #nextConnection()}'s. */
    CloseReport reportOf(Channel connection) throws InterruptedException, ExecutionException {
        try {
            return connection.attr(REPORT).get().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("no close report within " + TIMEOUT_SECONDS + " s for " + connection, e);
        }
    }

    @Override
    public void close() {
        listener.close().syncUninterruptibly();
        connections.close().awaitUninterruptibly(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        loops.shutdownGracefully(0, TIMEOUT_SECONDS, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** The application: echo, close on command, and record upgrades and reports. */
    @Sharable
    private final class EchoOrClose extends ChannelInboundHandlerAdapter {

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof TextWebSocketFrame text && text.text().startsWith(CLOSE_COMMAND)) {
                String[] codeAndReason = text.text().substring(CLOSE_COMMAND.length()).split(" ", 2);
                text.release();
                ctx.writeAndFlush(new CloseReason((short) Integer.parseInt(codeAndReason[0]),
                        codeAndReason.length > 1 ? codeAndReason[1] : ""));
            } else if (msg instanceof TextWebSocketFrame || msg instanceof BinaryWebSocketFrame) {
                ctx.writeAndFlush(msg); // the echo: the frame goes back out and the encoder releases it
            } else {
                ReferenceCountUtil.release(msg); // the peer's CloseReason: its CloseReport tells the tests
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
                ctx.channel().attr(REPORT).set(new CompletableFuture<>());
                connections.add(ctx.channel());
                upgraded.add(ctx.channel());
            } else if (evt instanceof CloseReport report) {
                ctx.channel().attr(REPORT).get().complete(report); // one report per upgraded connection
            }
            ctx.fireUserEventTriggered(evt);
        }
    }
}
