package io.github.wsclose;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
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
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An echo server on 127.0.0.1 built with {@link ServerPipeline} and a given
 * {@link ServerProtection}, for the protection tests: it counts every {@link UpgradeRejected}
 * by reason and keeps every {@link CloseReport}, and {@link #accepted()} holds every accepted
 * channel until it closes.
 *
 * <p>Close it to stop the server; its event loops shut down with no quiet period.
 */
final class ProtectedServer implements AutoCloseable {

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    private final ChannelGroup accepted = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final Map<UpgradeRejected.Reason, AtomicInteger> rejected = new ConcurrentHashMap<>();
    private final List<CloseReport> reports = new CopyOnWriteArrayList<>();
    private final Channel listener;

    private ProtectedServer(ClosingHandshakeConfig close, ServerProtection protection) throws InterruptedException {
        Echo echo = new Echo();
        listener = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .option(io.netty.channel.ChannelOption.SO_BACKLOG, 4096)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        accepted.add(ch);
                        ServerPipeline.configure(ch.pipeline(), "/ws", close, protection, echo);
                    }
                })
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
    }

    static ProtectedServer start(ServerProtection protection) throws InterruptedException {
        return new ProtectedServer(ClosingHandshakeConfig.server(), protection);
    }

    int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    /** Every accepted channel that is still open. */
    ChannelGroup accepted() {
        return accepted;
    }

    /** How many connections were rejected before their upgrade for {@code reason}. */
    int rejected(UpgradeRejected.Reason reason) {
        AtomicInteger count = rejected.get(reason);
        return count == null ? 0 : count.get();
    }

    /** Every report fired, in the order they came. */
    List<CloseReport> reports() {
        return reports;
    }

    @Override
    public void close() {
        listener.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 10, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    /** Echoes text and binary messages, releases the rest, counts rejections and keeps reports. */
    @Sharable
    private final class Echo extends ChannelInboundHandlerAdapter {

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof TextWebSocketFrame || msg instanceof BinaryWebSocketFrame) {
                ctx.writeAndFlush(msg);
            } else {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof UpgradeRejected rejection) {
                rejected.computeIfAbsent(rejection.reason(), reason -> new AtomicInteger()).incrementAndGet();
            } else if (evt instanceof CloseReport report) {
                reports.add(report);
            }
            ctx.fireUserEventTriggered(evt);
        }
    }
}
