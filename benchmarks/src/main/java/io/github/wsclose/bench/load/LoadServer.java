package io.github.wsclose.bench.load;

import io.github.wsclose.CloseReason;
import io.github.wsclose.ClosingHandshakeConfig;
import io.github.wsclose.GracefulDrain;
import io.github.wsclose.ServerPipeline;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The server side of {@link CloseLoad}, run in its own JVM so that each side has its own file
 * descriptor limit: two WebSocket servers on 127.0.0.1, one built by {@link ServerPipeline} and one
 * stock Netty server ({@link WebSocketServerProtocolHandler} with {@code handleCloseFrames(true)}),
 * both on path {@value #PATH} with a handler that discards every message.
 *
 * <p>Prints {@code ready ours=PORT stock=PORT}, then answers commands read from standard input,
 * one a line: {@code drain CODE DEADLINE_MS} drains every connection of our server with
 * {@link GracefulDrain} and prints {@code drained connections=.. clean=.. unclean=.. forced=..
 * took_ns=..}; {@code quit}, or the end of input, stops the server.
 */
public final class LoadServer {

    static final String PATH = "/ws";

    private LoadServer() {
    }

    public static void main(String[] args) throws Exception {
        int threads = Runtime.getRuntime().availableProcessors();
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(threads, NioIoHandler.newFactory());
        ChannelGroup ours = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
        try {
            Channel oursServer = bind(boss, workers, new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    ours.add(ch);
                    ServerPipeline.configure(ch.pipeline(), PATH, ClosingHandshakeConfig.server(), Discard.INSTANCE);
                }
            });
            WebSocketServerProtocolConfig stockConfig = WebSocketServerProtocolConfig.newBuilder()
                    .websocketPath(PATH)
                    .maxFramePayloadLength(ServerPipeline.DEFAULT_MAX_CONTENT_LENGTH)
                    .handleCloseFrames(true)
                    .build();
            Channel stockServer = bind(boss, workers, new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    ch.pipeline().addLast(
                            new HttpServerCodec(),
                            new HttpObjectAggregator(ServerPipeline.DEFAULT_MAX_CONTENT_LENGTH),
                            new WebSocketServerProtocolHandler(stockConfig),
                            Discard.INSTANCE);
                }
            });
            System.out.println("ready ours=" + port(oursServer) + " stock=" + port(stockServer));
            System.out.flush();
            serveCommands(ours);
        } finally {
            boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private static void serveCommands(ChannelGroup ours) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null && !line.equals("quit"); line = in.readLine()) {
            String[] words = line.trim().split(" ");
            if (words[0].equals("drain") && words.length == 3) {
                CloseReason reason = CloseReason.of(Integer.parseInt(words[1]), "");
                Duration deadline = Duration.ofMillis(Long.parseLong(words[2]));
                GracefulDrain.Result result = GracefulDrain.drain(ours, reason, deadline)
                        .get(deadline.toMillis() + 30_000, TimeUnit.MILLISECONDS);
                System.out.println("drained connections=" + result.connections() + " clean=" + result.clean()
                        + " unclean=" + result.unclean() + " forced=" + result.forced() + " took_ns=" + result.took().toNanos());
            } else {
                System.out.println("error unknown command: " + line + " (expected: drain CODE DEADLINE_MS, or quit)");
            }
            System.out.flush();
        }
    }

    private static Channel bind(EventLoopGroup boss, EventLoopGroup workers, ChannelHandler initializer)
            throws InterruptedException {
        return new ServerBootstrap()
                .group(boss, workers)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childHandler(initializer)
                .bind(new InetSocketAddress("127.0.0.1", 0))
                .sync()
                .channel();
    }

    private static int port(Channel server) {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** The application: takes every message and releases it. */
    @ChannelHandler.Sharable
    private static final class Discard extends ChannelInboundHandlerAdapter {
        static final Discard INSTANCE = new Discard();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }
    }
}
