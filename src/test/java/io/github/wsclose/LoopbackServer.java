package io.github.wsclose;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A WebSocket server on 127.0.0.1 built with {@link ServerPipeline#configure}, for fault
 * injection tests: it hands each upgraded connection to the test as a {@link Connection} that
 * records every {@link CloseReport} fired on it.
 *
 * <p>Close it to stop the server; its event loops shut down with no quiet period.
 */
final class LoopbackServer implements AutoCloseable {

    private static final long WAIT_SECONDS = 10;

    private final EventLoopGroup group;
    private final Channel listener;
    private final BlockingQueue<Connection> upgraded = new LinkedBlockingQueue<>();

    private LoopbackServer(EventLoopGroup group, Channel listener) {
        this.group = group;
        this.listener = listener;
    }

    /** Starts a server; {@code tune} may set child options on the bootstrap. */
    static LoopbackServer start(ClosingHandshakeConfig close, Consumer<ServerBootstrap> tune) throws InterruptedException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        LoopbackServer[] server = new LoopbackServer[1];
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ServerPipeline.configure(ch.pipeline(), "/ws", close, new Recorder(server[0]));
                    }
                });
        tune.accept(bootstrap);
        Channel listener = bootstrap.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
        server[0] = new LoopbackServer(group, listener);
        return server[0];
    }

    /** Starts a server with Netty's default socket options. */
    static LoopbackServer start(ClosingHandshakeConfig close) throws InterruptedException {
        return start(close, bootstrap -> { });
    }

    /** The port the server listens on. */
    int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    /** Waits for the next connection to complete the WebSocket upgrade. */
    Connection nextConnection() throws InterruptedException {
        Connection next = upgraded.poll(WAIT_SECONDS, TimeUnit.SECONDS);
        if (next == null) {
            throw new AssertionError("no WebSocket upgrade within " + WAIT_SECONDS + " s");
        }
        return next;
    }

    @Override
    public void close() {
        listener.close().awaitUninterruptibly();
        group.shutdownGracefully(0, WAIT_SECONDS, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    /**
     * One upgraded connection on the server side.
     *
     * @param channel the server's channel
     * @param reports every report fired on it, in order
     * @param closed  completes with the first report
     */
    record Connection(Channel channel, List<CloseReport> reports, CompletableFuture<CloseReport> closed) {

        /** Waits for the report and for TCP to be closed, then checks that exactly one report was fired. */
        CloseReport report() throws Exception {
            CloseReport report = closed.get(WAIT_SECONDS, TimeUnit.SECONDS);
            if (!channel.closeFuture().await(WAIT_SECONDS, TimeUnit.SECONDS)) {
                throw new AssertionError("report fired but channel still open: " + report);
            }
            channel.eventLoop().submit(() -> { }).get(WAIT_SECONDS, TimeUnit.SECONDS); // after whatever the loop was doing
            if (reports.size() != 1) {
                throw new AssertionError("expected exactly one close report, got " + reports);
            }
            return report;
        }
    }

    /** The application: hands upgraded connections to the test, records reports, releases frames. */
    private static final class Recorder extends ChannelInboundHandlerAdapter {

        private final LoopbackServer server;
        private final List<CloseReport> reports = new CopyOnWriteArrayList<>();
        private final CompletableFuture<CloseReport> closed = new CompletableFuture<>();

        Recorder(LoopbackServer server) {
            this.server = server;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
                server.upgraded.add(new Connection(ctx.channel(), reports, closed));
            } else if (evt instanceof CloseReport report) {
                reports.add(report);
                closed.complete(report);
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }
    }
}
