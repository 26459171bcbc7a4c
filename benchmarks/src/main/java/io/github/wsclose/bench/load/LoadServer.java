package io.github.wsclose.bench.load;

import io.github.wsclose.CloseReason;
import io.github.wsclose.CloseReport;
import io.github.wsclose.ClosingHandshakeConfig;
import io.github.wsclose.DrainNotice;
import io.github.wsclose.DrainPlan;
import io.github.wsclose.GracefulDrain;
import io.github.wsclose.Http2ServerPipeline;
import io.github.wsclose.ServerOptions;
import io.github.wsclose.ServerPipeline;
import io.github.wsclose.ServerProtection;
import io.github.wsclose.example.Transport;
import io.github.wsclose.relay.RelayConfig;
import io.github.wsclose.relay.WebSocketRelay;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.internal.PlatformDependent;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * The server side of the load tools, run in its own JVM ({@link ServerProcess}): one WebSocket
 * server on 127.0.0.1 per {@link Variant} named on the command line, each on path {@value #PATH}
 * with the same application, which echoes every text and binary message.
 *
 * <pre>
 * LoadServer [--threads N] [--transport nio|epoll|io_uring] VARIANT...
 * </pre>
 *
 * <p>Prints {@code ready PORT...} (in the order of the variants), then answers commands read from
 * standard input, one a line:
 * <ul>
 *   <li>{@code drain CODE DEADLINE_MS} drains every connection of the first server at once
 *       ({@link GracefulDrain#drain(ChannelGroup, CloseReason, Duration)});</li>
 *   <li>{@code drain CODE DEADLINE_MS READINESS_DELAY_MS SPREAD_MS} starts the drain that every
 *       connection of an {@link Variant#OURS_DRAIN ours-drain} server joined, with that
 *       {@link DrainPlan} (once per JVM: a drain runs once);</li>
 * </ul>
 * both print, once the drain completed, {@code drained connections=.. clean=.. unclean=.. forced=..
 * refused=.. readiness_ns=.. spread_ns=.. spread_shortened=.. took_ns=.. sent_peak=..}
 * ({@link ServerProcess.Drained}; {@code sent_peak}: the most drain notices an {@code ours-drain}
 * server fired, that is close frames it wrote, in one 100 ms from the drain's start);
 * {@code memory} collects garbage and prints {@code memory heap=BYTES direct=BYTES};
 * {@code reports} prints {@code reports N}, the {@link CloseReport}s fired so far on the servers of
 * the variants that count them; {@code quit}, or the end of input, stops the servers.
 */
public final class LoadServer {

    static final String PATH = "/ws";

    /** The first {@link Variant#OURS ours} server of this JVM, which the {@link Variant#OURS_RELAY ours-relay} servers relay to. */
    private static volatile @Nullable URI relayUpstream;

    /** The drain every connection of an {@link Variant#OURS_DRAIN ours-drain} server joins. */
    private static final GracefulDrain DRAIN = new GracefulDrain();

    private LoadServer() {
    }

    public static void main(String[] args) throws Exception {
        int threads = Runtime.getRuntime().availableProcessors();
        Transport transport = Transport.NIO;
        List<Variant> variants = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--threads")) {
                threads = Integer.parseInt(args[++i]);
            } else if (args[i].equals("--transport")) {
                transport = Transport.of(args[++i]).requireAvailable();
            } else {
                variants.add(Variant.valueOf(args[i].toUpperCase(Locale.ROOT).replace('-', '_')));
            }
        }
        EventLoopGroup boss = transport.newGroup(1);
        EventLoopGroup workers = transport.newGroup(threads);
        List<ChannelGroup> connections = new ArrayList<>();
        try {
            StringBuilder ready = new StringBuilder("ready");
            for (Variant variant : variants) {
                ChannelGroup group = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
                connections.add(group);
                Channel server = new ServerBootstrap()
                        .group(boss, workers)
                        .channel(transport.serverChannel())
                        .option(ChannelOption.SO_BACKLOG, 4096)
                        .childHandler(new ChannelInitializer<SocketChannel>() {
                            @Override
                            protected void initChannel(SocketChannel ch) {
                                group.add(ch);
                                variant.configure(ch);
                            }
                        })
                        .bind(new InetSocketAddress("127.0.0.1", 0))
                        .sync()
                        .channel();
                int port = ((InetSocketAddress) server.localAddress()).getPort();
                if (variant == Variant.OURS && relayUpstream == null) {
                    relayUpstream = URI.create("ws://127.0.0.1:" + port + PATH); // what the ours-relay servers relay to
                }
                ready.append(' ').append(port);
            }
            System.out.println(ready);
            System.out.flush();
            serveCommands(connections);
        } finally {
            boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private static void serveCommands(List<ChannelGroup> connections) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null && !line.equals("quit"); line = in.readLine()) {
            String[] words = line.trim().split(" ");
            if (words[0].equals("drain") && (words.length == 3 || words.length == 5)) {
                CloseReason reason = CloseReason.of(Integer.parseInt(words[1]), "");
                Duration deadline = Duration.ofMillis(Long.parseLong(words[2]));
                DrainNoticeClock.INSTANCE.reset();
                long start = System.nanoTime();
                CompletableFuture<GracefulDrain.Result> drained = words.length == 3
                        ? GracefulDrain.drain(connections.get(0), reason, deadline)
                        : DRAIN.start(DrainPlan.of(reason, deadline)
                                .withReadinessDelay(Duration.ofMillis(Long.parseLong(words[3])))
                                .withSpread(Duration.ofMillis(Long.parseLong(words[4]))));
                GracefulDrain.Result result = drained.get(deadline.toMillis() + 30_000, TimeUnit.MILLISECONDS);
                System.out.println(describe(result) + " sent_peak=" + DrainNoticeClock.INSTANCE.since(start).peakPerBucket());
            } else if (words[0].equals("memory") && words.length == 1) {
                System.out.println("memory heap=" + heapAfterGc() + " direct=" + directMemory());
            } else if (words[0].equals("reports") && words.length == 1) {
                System.out.println("reports " + ReportCounter.INSTANCE.reports.sum());
            } else {
                System.out.println("error unknown command: " + line
                        + " (expected: drain CODE DEADLINE_MS [READINESS_DELAY_MS SPREAD_MS], memory, reports, or quit)");
            }
            System.out.flush();
        }
    }

    /** The answer to a drain command: its result, one {@code name=value} a field. */
    private static String describe(GracefulDrain.Result result) {
        return "drained connections=" + result.connections() + " clean=" + result.clean() + " unclean=" + result.unclean()
                + " forced=" + result.forced() + " refused=" + result.refusedUpgrades()
                + " readiness_ns=" + result.readinessDelay().toNanos() + " spread_ns=" + result.spread().toNanos()
                + " spread_shortened=" + result.spreadShortened() + " took_ns=" + result.took().toNanos();
    }

    /** Heap in use after full collections, once it stops shrinking. */
    private static long heapAfterGc() throws InterruptedException {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 10; i++) {
            System.gc();
            Thread.sleep(50); // lets reference processing and finalisation run between collections
            long now = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            if (now >= used) {
                return now;
            }
            used = now;
        }
        return used;
    }

    /** Direct memory Netty allocated without a cleaner, plus the JDK's direct buffers. */
    private static long directMemory() {
        long netty = Math.max(0, PlatformDependent.usedDirectMemory());
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                return netty + pool.getMemoryUsed();
            }
        }
        return netty;
    }

    /** The server pipelines under test. */
    enum Variant {
        /** {@link ServerPipeline} with its defaults: keepalive (a ping after 20 s of quiet) and the write and message limits on. */
        OURS {
            @Override
            void configure(SocketChannel ch) {
                ServerPipeline.configure(ch.pipeline(), PATH, ClosingHandshakeConfig.server(), Echo.INSTANCE);
            }
        },
        /**
         * A {@link WebSocketRelay} with its defaults to the first {@code ours} server named before it (same JVM, same event
         * loops): what a relay adds to the echo behind it.
         */
        OURS_RELAY {
            @Override
            void configure(SocketChannel ch) {
                URI upstream = relayUpstream;
                if (upstream == null) {
                    throw new IllegalStateException("ours-relay needs an ours server named before it");
                }
                WebSocketRelay.configure(ch.pipeline(), PATH_ONLY, ClosingHandshakeConfig.server(), ServerOptions.DEFAULTS,
                        RelayConfig.to(upstream));
            }
        },
        /**
         * {@link Http2ServerPipeline} over cleartext HTTP/2 with prior knowledge, with the default options: each
         * WebSocket an extended CONNECT stream (RFC 8441), the same echo on each stream.
         */
        OURS_H2 {
            @Override
            void configure(SocketChannel ch) {
                Http2ServerPipeline.configure(ch.pipeline(), PATH_ONLY, ClosingHandshakeConfig.server(), ServerOptions.DEFAULTS,
                        () -> new ChannelHandler[] {Echo.INSTANCE});
            }
        },
        /**
         * {@link ServerPipeline} with the settings and options of {@code ours-h2}: what {@link Http2ServerPipeline}
         * gives a connection on which ALPN chose HTTP/1.1, so that the two differ only in the HTTP version.
         */
        OURS_H1 {
            @Override
            void configure(SocketChannel ch) {
                ServerPipeline.configure(ch.pipeline(), PATH_ONLY, ClosingHandshakeConfig.server(), ServerOptions.DEFAULTS, Echo.INSTANCE);
            }
        },
        /** The same, with the {@link CloseReport}s counted for the {@code reports} command. */
        OURS_COUNTED {
            @Override
            void configure(SocketChannel ch) {
                ServerPipeline.configure(ch.pipeline(), PATH, ClosingHandshakeConfig.server(), Echo.INSTANCE, ReportCounter.INSTANCE);
            }
        },
        /**
         * {@link ServerPipeline} with its default protection and messages (and frames) of up to 16 MiB, as the example
         * server's Autobahn run, the {@link CloseReport}s counted: what incomplete messages hold at such a limit.
         */
        OURS_16MIB {
            @Override
            void configure(SocketChannel ch) {
                ServerPipeline.configure(ch.pipeline(), PATH, ClosingHandshakeConfig.server(),
                        ServerOptions.DEFAULTS.withMaxMessageBytes(16 << 20).withMaxFrameBytes(16 << 20),
                        Echo.INSTANCE, ReportCounter.INSTANCE);
            }
        },
        /** The same with a ping after every second of quiet (through the options, so messages are aggregated too). */
        OURS_PING_1S {
            @Override
            void configure(SocketChannel ch) {
                ServerPipeline.configure(ch.pipeline(), PATH, ClosingHandshakeConfig.server(),
                        ServerOptions.DEFAULTS.withProtection(ServerProtection.defaults().withPingInterval(Duration.ofSeconds(1))),
                        Echo.INSTANCE);
            }
        },
        /** The same with keepalive off: no pings at all (through the options, as the one above). */
        OURS_NO_KEEPALIVE {
            @Override
            void configure(SocketChannel ch) {
                ServerPipeline.configure(ch.pipeline(), PATH, ClosingHandshakeConfig.server(),
                        ServerOptions.DEFAULTS.withProtection(ServerProtection.defaults().withPingInterval(Duration.ZERO)),
                        Echo.INSTANCE);
            }
        },
        /**
         * {@link ServerPipeline} with its default protection, every connection joined to the JVM's {@link GracefulDrain}
         * (through the options, so messages are aggregated too): what the drain command with a plan drains.
         */
        OURS_DRAIN {
            @Override
            void configure(SocketChannel ch) {
                ServerPipeline.configure(ch.pipeline(), PATH, ClosingHandshakeConfig.server(), ServerOptions.DEFAULTS.withDrain(DRAIN),
                        Echo.INSTANCE, DrainNoticeClock.INSTANCE);
            }
        },
        /**
         * Stock Netty with the usual keepalive recipe: an {@link IdleStateHandler} in front whose reader-idle event, after
         * a second with nothing read, has {@link StockPinger} send a ping (it has no pong timeout).
         */
        STOCK_PING_1S {
            @Override
            void configure(SocketChannel ch) {
                ch.pipeline().addLast(new IdleStateHandler(1, 0, 0, TimeUnit.SECONDS));
                STOCK.configure(ch);
                ch.pipeline().addBefore(ch.pipeline().context(Echo.INSTANCE).name(), null, StockPinger.INSTANCE);
            }
        },
        /** Stock Netty: {@link WebSocketServerProtocolHandler} with its own close handling, the same frame size limit. */
        STOCK {
            @Override
            void configure(SocketChannel ch) {
                ch.pipeline().addLast(
                        new HttpServerCodec(),
                        new HttpObjectAggregator(ServerPipeline.DEFAULT_MAX_CONTENT_LENGTH),
                        new WebSocketServerProtocolHandler(STOCK_CONFIG),
                        Echo.INSTANCE);
            }
        };

        /** Netty's settings with the path only, those of the relay and of the HTTP/2 comparison. */
        private static final WebSocketServerProtocolConfig PATH_ONLY = WebSocketServerProtocolConfig.newBuilder()
                .websocketPath(PATH)
                .build();

        private static final WebSocketServerProtocolConfig STOCK_CONFIG = WebSocketServerProtocolConfig.newBuilder()
                .websocketPath(PATH)
                .maxFramePayloadLength(ServerPipeline.DEFAULT_MAX_CONTENT_LENGTH)
                .handleCloseFrames(true)
                .build();

        abstract void configure(SocketChannel ch);
    }

    /** Sends a ping at each reader-idle event of an upgraded connection (its HTTP codec is gone then). */
    @ChannelHandler.Sharable
    private static final class StockPinger extends ChannelInboundHandlerAdapter {
        static final StockPinger INSTANCE = new StockPinger();

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof IdleStateEvent idle && idle.state() == IdleState.READER_IDLE && ctx.pipeline().get(HttpServerCodec.class) == null) {
                ctx.writeAndFlush(new PingWebSocketFrame());
            }
            ctx.fireUserEventTriggered(evt);
        }
    }

    /** Records when each connection's drain notice fired: the moment its close frame was written, on the server's clock. */
    @ChannelHandler.Sharable
    private static final class DrainNoticeClock extends ChannelInboundHandlerAdapter {
        static final DrainNoticeClock INSTANCE = new DrainNoticeClock();

        private final Queue<Long> noticed = new ConcurrentLinkedQueue<>();

        /** Forgets the notices of earlier drains. */
        void reset() {
            noticed.clear();
        }

        /** The notices so far, from {@code startNanos} on. */
        CloseArrivals since(long startNanos) {
            return new CloseArrivals(noticed.stream().mapToLong(at -> Math.max(0, at - startNanos)).toArray());
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof DrainNotice) {
                noticed.add(System.nanoTime());
            }
            ctx.fireUserEventTriggered(evt);
        }
    }

    /** Counts the {@link CloseReport}s fired on the connections of the servers it is in. */
    @ChannelHandler.Sharable
    private static final class ReportCounter extends ChannelInboundHandlerAdapter {
        static final ReportCounter INSTANCE = new ReportCounter();

        private final LongAdder reports = new LongAdder();

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof CloseReport) {
                reports.increment();
            }
            ctx.fireUserEventTriggered(evt);
        }
    }

    /** The application: echoes every text and binary message, flushed once per read batch, and releases the rest. */
    @ChannelHandler.Sharable
    private static final class Echo extends ChannelInboundHandlerAdapter {
        static final Echo INSTANCE = new Echo();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof TextWebSocketFrame || msg instanceof BinaryWebSocketFrame) {
                ctx.write(msg);
            } else {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
            ctx.fireChannelReadComplete();
        }
    }
}
