package io.github.wsclose;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.util.ReferenceCountUtil;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The client side of {@link MassCloseTest}, run in a JVM of its own so that each side has the
 * whole file descriptor limit to itself (10,000 connections take 20,000 descriptors when both
 * ends live in one process).
 *
 * <p>Arguments: the server's port and the number of connections. It opens them all (at most
 * 256 upgrades in flight), each with a client {@link ClosingHandshakeHandler}, and waits for
 * the server to tell each one by a text frame whether the peer or the server closes first.
 * Then it prints {@code READY n}, waits for {@code GO} on standard input, closes every
 * peer-first connection at once, waits for every connection's report, prints
 * {@code DONE reports=n clean=n failed=n} and exits. A watchdog ends it after two minutes
 * whatever happens.
 */
public final class MassCloseClient {

    static final String PEER_FIRST = "peer-first";
    static final String SERVER_FIRST = "server-first";
    static final CloseReason PEER_CLOSE = new CloseReason(CloseReason.Codes.NORMAL, "peer first");

    private static final long WAIT_SECONDS = 60;
    private static final int IN_FLIGHT = 256;

    private final CountDownLatch ready;
    private final CountDownLatch reported;
    private final Semaphore inFlight = new Semaphore(IN_FLIGHT);
    private final Queue<Channel> peerFirst = new ConcurrentLinkedQueue<>();
    private final AtomicInteger clean = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();

    private MassCloseClient(int connections) {
        ready = new CountDownLatch(connections);
        reported = new CountDownLatch(connections);
    }

    /** Runs the client; see the class comment. */
    public static void main(String[] args) throws Exception {
        ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "watchdog");
            t.setDaemon(true);
            return t;
        });
        watchdog.schedule(() -> {
            System.out.println("FAIL watchdog: still running after 120 s");
            Runtime.getRuntime().halt(3);
        }, 120, TimeUnit.SECONDS);
        int port = Integer.parseInt(args[0]);
        int connections = Integer.parseInt(args[1]);
        EventLoopGroup group = TestTransport.newGroup(2);
        try {
            System.exit(new MassCloseClient(connections).run(group, port, connections));
        } finally {
            group.shutdownGracefully(0, 5, TimeUnit.SECONDS);
        }
    }

    private int run(EventLoopGroup group, int port, int connections) throws Exception {
        InetSocketAddress server = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        WebSocketClientProtocolConfig protocol = WebSocketClientProtocolConfig.newBuilder()
                .webSocketUri("ws://127.0.0.1:" + port + "/ws")
                .handleCloseFrames(false) // close frames reach CloseFrameDecoder
                .sendCloseFrame(null) // channel.close() sends no close frame of Netty's own
                .handshakeTimeoutMillis(TimeUnit.SECONDS.toMillis(WAIT_SECONDS))
                .build();
        // as long as the wait for the reports, as the server's (MassCloseTest): the deadline, not load, decides a slow run
        ClosingHandshakeConfig close = ClosingHandshakeConfig.client().withCloseTimeout(Duration.ofSeconds(WAIT_SECONDS));
        Bootstrap bootstrap = new Bootstrap().group(group).channel(TestTransport.socketChannel())
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(8192),
                                new WebSocketClientProtocolHandler(protocol), CloseFrameDecoder.INSTANCE,
                                CloseFrameEncoder.INSTANCE, new ClosingHandshakeHandler(close), new Peer());
                    }
                });
        for (int i = 0; i < connections; i++) {
            inFlight.acquire(); // released once the server has told this connection its part
            bootstrap.connect(server).addListener(connected -> {
                if (!connected.isSuccess()) {
                    System.out.println("client connect failed: " + connected.cause());
                    failed.incrementAndGet();
                    inFlight.release();
                    ready.countDown();
                    reported.countDown();
                }
            });
        }
        if (!ready.await(WAIT_SECONDS, TimeUnit.SECONDS)) {
            System.out.println("FAIL only " + (connections - ready.getCount()) + " of " + connections + " connections ready");
            return 1;
        }
        System.out.println("READY " + (connections - failed.get()));
        String go = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII)).readLine();
        if (!"GO".equals(go)) {
            System.out.println("FAIL expected GO, got " + go);
            return 1;
        }
        peerFirst.forEach(channel -> channel.writeAndFlush(PEER_CLOSE));
        if (!reported.await(WAIT_SECONDS, TimeUnit.SECONDS)) {
            System.out.println("FAIL " + reported.getCount() + " connections without a report");
            return 1;
        }
        System.out.println("DONE reports=" + (connections - failed.get()) + " clean=" + clean.get() + " failed=" + failed.get());
        return 0;
    }

    /** One connection's application: learns its part, counts its report. */
    private final class Peer extends ChannelInboundHandlerAdapter {

        private boolean told;
        private boolean reportSeen;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof TextWebSocketFrame text && !told) {
                told = true;
                if (text.text().equals(PEER_FIRST)) {
                    peerFirst.add(ctx.channel());
                }
                inFlight.release();
                ready.countDown();
            }
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof CloseReport report && !reportSeen) {
                reportSeen = true;
                clean.addAndGet(report.clean() ? 1 : 0);
                reported.countDown();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            System.out.println("client exception on " + ctx.channel() + ": " + cause);
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!told) { // closed before the upgrade was done: no report will come
                told = true;
                failed.incrementAndGet();
                inFlight.release();
                ready.countDown();
                reported.countDown();
            }
        }
    }
}
