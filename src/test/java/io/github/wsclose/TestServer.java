package io.github.wsclose;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalIoHandler;
import io.netty.channel.local.LocalServerChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The one test server: on 127.0.0.1 (a free port) on the socket transport of {@link TestTransport}, or on Netty's
 * local transport, built by
 * default with {@link ServerPipeline#configure(ChannelPipeline, String, ClosingHandshakeConfig, ChannelHandler...)}.
 *
 * <p>Options ({@link #builder()}): the close configuration; the {@link ServerProtection}, which
 * like {@link ServerOptions} builds with the options' {@code ServerPipeline.configure}; an echo of text and binary messages
 * (on by default), whose text command {@code close CODE REASON} (REASON may be empty) makes the
 * server start the closing handshake with that code and reason (unless turned off, for a pure echo); handlers in front of the echo
 * (an aggregator, say); socket options on the bootstrap; {@link ServerOptions} (limits, compression and protections:
 * whole messages reach the echo then); a pipeline of the test's own; Netty's
 * local transport. Each connection's test handlers (the echo if on, then a {@link Recorder} that
 * passes on what it reads) end its pipeline, unless the test's own pipeline places them before
 * an application handler of its own.
 *
 * <p>Every connection, once upgraded (at once for a pipeline without an upgrade), joins
 * {@link #connections()} and is handed out once by {@link #nextConnection()};
 * {@link Connection#report()} waits for its one report. Closing the server fails if a connection
 * was reported more than once, or if what its connections opened on the server's loops ({@link Builder#outlives}) did
 * not end. Connections closed before their upgrade are counted by the reason
 * of their {@link UpgradeRejected} ({@link #rejected(UpgradeRejected.Reason)}).
 *
 * <p>Thread-safe. Closing it closes every connection and stops its event loops. Public, with the
 * members the example tests use, for those outside this package.
 */
public final class TestServer implements AutoCloseable {

    /** The WebSocket endpoint's path. */
    static final String PATH = "/ws";

    /** How long {@link #nextConnection()} and {@link Connection#report()} wait. */
    public static final long TIMEOUT_SECONDS = 10;

    private static final String CLOSE_COMMAND = "close ";

    private final EventLoopGroup loops;
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final BlockingQueue<Connection> opened = new LinkedBlockingQueue<>();
    private final List<String> reportedTwice = new CopyOnWriteArrayList<>(); // no channel kept: a mass test must free them
    private final Map<UpgradeRejected.Reason, AtomicInteger> rejected = new ConcurrentHashMap<>();
    private final @Nullable Function<Channel, CompletableFuture<?>> outlives;
    private final List<CompletableFuture<?>> outliving = new CopyOnWriteArrayList<>();
    private final Channel listener;

    private TestServer(Builder options) {
        outlives = options.outlives;
        loops = options.local ? new MultiThreadIoEventLoopGroup(2, LocalIoHandler.newFactory()) : TestTransport.newGroup(2);
        try {
            ServerBootstrap bootstrap = new ServerBootstrap()
                    .group(loops)
                    .channel(options.local ? LocalServerChannel.class : TestTransport.serverChannel())
                    .childHandler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            if (options.http2 != null) {
                                options.http2.accept(ch.pipeline(), () -> application(options)); // per stream
                                return;
                            }
                            options.pipeline.accept(ch.pipeline(), application(options));
                            if (outlives != null) {
                                outliving.add(outlives.apply(ch));
                            }
                        }
                    });
            options.tune.accept(bootstrap);
            listener = bootstrap.bind(options.local ? LocalAddress.ANY : new InetSocketAddress("127.0.0.1", 0))
                    .syncUninterruptibly().channel();
        } catch (RuntimeException e) {
            loops.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** The test handlers of one connection (or HTTP/2 stream): those in front, the echo, the opener and the recorder. */
    private ChannelHandler[] application(Builder options) {
        List<ChannelHandler> application = new ArrayList<>();
        options.inFront.forEach(handler -> application.add(handler.get()));
        if (options.echo) {
            application.add(options.closeCommand ? EchoOrClose.WITH_CLOSE_COMMAND : EchoOrClose.ECHO_ONLY);
        }
        Recorder recorder = new Recorder(true); // a handler after it, or the tail, releases
        application.add(new Opener(recorder));
        application.add(recorder);
        return application.toArray(ChannelHandler[]::new);
    }

    /** Starts a server with the default server configuration and the echo. */
    static TestServer start() {
        return builder().start();
    }

    /** Starts a server with {@code config} and the echo. */
    static TestServer start(ClosingHandshakeConfig config) {
        return builder().config(config).start();
    }

    /** The options, all at their defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** The text message that makes the server close with {@code code} and {@code reason}. */
    static String closeCommand(int code, String reason) {
        return CLOSE_COMMAND + code + " " + reason;
    }

    /** The address the server listens on. */
    SocketAddress address() {
        return listener.localAddress();
    }

    /** The port it listens on (not for the local transport). */
    int port() {
        return ((InetSocketAddress) address()).getPort();
    }

    /** The WebSocket URI, {@code ws://127.0.0.1:PORT/ws}. */
    public URI uri() {
        return URI.create("ws://127.0.0.1:" + port() + PATH);
    }

    /** The server's event loops, for a client of the local transport to share. */
    EventLoopGroup loops() {
        return loops;
    }

    /**
     * How many connections were closed before their upgrade for {@code reason} so far: each is
     * counted before its channel closes.
     */
    int rejected(UpgradeRejected.Reason reason) {
        AtomicInteger count = rejected.get(reason);
        return count == null ? 0 : count.get();
    }

    /** The open connections: each joins once upgraded, and leaves when it closes. */
    ChannelGroup connections() {
        return connections;
    }

    /**
     * Takes the oldest connection not taken yet, waiting for it if needed: a test that opens one
     * connection at a time and takes it at once gets its own.
     */
    public Connection nextConnection() throws InterruptedException {
        return next(opened, "connection");
    }

    /** Takes every connection handed out and not taken yet, without waiting. */
    List<Connection> takeOpened() {
        List<Connection> taken = new ArrayList<>();
        opened.drainTo(taken);
        return taken;
    }

    /** Takes the head of {@code queue}, waiting up to {@value #TIMEOUT_SECONDS} s; fails naming {@code what} otherwise. */
    static <T> T next(BlockingQueue<T> queue, String what) throws InterruptedException {
        T head = queue.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        if (head == null) {
            throw new AssertionError("no " + what + " within " + TIMEOUT_SECONDS + " s");
        }
        return head;
    }

    @Override
    public void close() {
        listener.close().syncUninterruptibly();
        connections.close().awaitUninterruptibly(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        boolean ended = awaitOutliving();
        loops.shutdownGracefully(0, TIMEOUT_SECONDS, TimeUnit.SECONDS).syncUninterruptibly();
        if (!reportedTwice.isEmpty()) {
            throw new AssertionError("connections with more than one close report: " + reportedTwice);
        }
        if (!ended) {
            throw new AssertionError("what the connections opened on the server's event loops did not end within " + TIMEOUT_SECONDS + " s");
        }
    }

    /**
     * Waits for what the connections opened on the server's event loops (a relay's upstream connections) to end,
     * succeeded or failed: an io_uring loop that stops under an open channel can leak that channel's read buffer.
     */
    private boolean awaitOutliving() {
        try {
            CompletableFuture.allOf(outliving.stream().map(f -> f.handle((result, failure) -> null)).toArray(CompletableFuture[]::new))
                    .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException e) {
            throw new AssertionError(e); // each future was handled: not reached
        }
    }

    /**
     * One connection on the server side.
     *
     * @param channel  the server's channel
     * @param recorder what reached its test handlers
     */
    public record Connection(Channel channel, Recorder recorder) {

        /**
         * Waits for the report and for TCP to be closed, then checks that exactly one report was
         * fired, before {@code channelInactive}.
         */
        public CloseReport report() throws Exception {
            CloseReport report;
            try {
                report = recorder.firstReport().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                throw new AssertionError("no close report within " + TIMEOUT_SECONDS + " s for " + channel, e);
            }
            if (!channel.closeFuture().await(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new AssertionError("report fired but channel still open: " + report);
            }
            if (!channel.eventLoop().isShuttingDown()) {
                channel.eventLoop().submit(() -> { }).get(TIMEOUT_SECONDS, TimeUnit.SECONDS); // after whatever the loop was doing
            }
            return recorder.onlyReport();
        }
    }

    /** The server's options. */
    public static final class Builder {

        private ClosingHandshakeConfig config = ClosingHandshakeConfig.server();
        private @Nullable ServerProtection protection;
        private @Nullable ServerOptions options;
        private boolean echo = true;
        private boolean closeCommand = true;
        private final List<Supplier<ChannelHandler>> inFront = new ArrayList<>();
        private Consumer<ServerBootstrap> tune = bootstrap -> { };
        private boolean local;
        private BiConsumer<ChannelPipeline, ChannelHandler[]> pipeline = this::serverPipeline;
        private @Nullable BiConsumer<ChannelPipeline, Supplier<ChannelHandler[]>> http2;
        private @Nullable Function<Channel, CompletableFuture<?>> outlives;

        private Builder() {
        }

        /** The close configuration of {@link ServerPipeline}. */
        Builder config(ClosingHandshakeConfig config) {
            this.config = config;
            return this;
        }

        /** The protections of {@link ServerPipeline}, with {@link #options(ServerOptions)} or its defaults. */
        Builder protection(ServerProtection protection) {
            this.protection = protection;
            return this;
        }

        /** Whether the server echoes messages and obeys the close command. */
        public Builder echo(boolean echo) {
            this.echo = echo;
            return this;
        }

        /**
         * Whether the echo obeys the close command (on by default); off, every message comes back
         * as it is, whatever it says, as the Autobahn replay's payloads need.
         */
        Builder closeCommand(boolean closeCommand) {
            this.closeCommand = closeCommand;
            return this;
        }

        /** Adds a handler, made anew for each connection, in front of the echo. */
        Builder inFront(Supplier<ChannelHandler> handler) {
            inFront.add(handler);
            return this;
        }

        /** Sets options on the bootstrap: socket options, child options. */
        Builder bootstrap(Consumer<ServerBootstrap> tune) {
            this.tune = tune;
            return this;
        }

        /** {@link ServerPipeline} with the limits and compression of {@code options}: whole messages reach the echo. */
        Builder options(ServerOptions options) {
            this.options = options;
            return this;
        }

        /**
         * Builds each connection's pipeline with {@code pipeline} instead of {@code ServerPipeline}
         * (which leaves {@link #config(ClosingHandshakeConfig)} unused), given the test handlers
         * to place: last, or before an application handler of the test's own.
         */
        public Builder pipeline(BiConsumer<ChannelPipeline, ChannelHandler[]> pipeline) {
            this.pipeline = pipeline;
            return this;
        }

        /**
         * {@link Http2ServerPipeline} on cleartext HTTP/2 with prior knowledge, each stream with
         * its own test handlers; with {@code tls}, TLS with ALPN choosing HTTP/2 or HTTP/1.1.
         */
        Builder http2(@Nullable SslContext tls) {
            this.http2 = (p, application) -> {
                WebSocketServerProtocolConfig protocol = WebSocketServerProtocolConfig.newBuilder().websocketPath(PATH).build();
                ServerOptions chosen = options == null ? ServerOptions.DEFAULTS : options;
                ServerOptions serverOptions = protection == null ? chosen : chosen.withProtection(protection);
                if (tls == null) {
                    Http2ServerPipeline.configure(p, protocol, config, serverOptions, application);
                } else {
                    Http2ServerPipeline.configureTls(p, tls, protocol, config, serverOptions, application);
                }
            };
            return this;
        }

        /**
         * Serves over {@code http}: HTTP/1.1 as built so far, or HTTP/2 as {@link #http2(SslContext)} without TLS,
         * with the same options and test handlers on each stream.
         */
        Builder over(WebSocketPeer.Http http) {
            return http == WebSocketPeer.Http.HTTP_2 ? http2(null) : this;
        }

        /** Netty's local transport instead of TCP. */
        Builder local() {
            this.local = true;
            return this;
        }

        /** Without protections or options, the plain {@code ServerPipeline.configure}; with them, the options' one. */
        private void serverPipeline(ChannelPipeline p, ChannelHandler[] application) {
            if (options == null && protection == null) {
                ServerPipeline.configure(p, PATH, config, application);
                return;
            }
            ServerOptions chosen = options == null ? ServerOptions.DEFAULTS : options;
            ServerPipeline.configure(p, PATH, config, protection == null ? chosen : chosen.withProtection(protection), application);
        }

        /**
         * What each upgraded connection opens on the server's event loops and what completes when that has ended (a
         * relay's upstream connection, {@code WebSocketRelay::closeReports}): closing the server waits for it before
         * stopping the loops.
         */
        public Builder outlives(Function<Channel, CompletableFuture<?>> ended) {
            this.outlives = ended;
            return this;
        }

        public TestServer start() {
            return new TestServer(this);
        }
    }

    /** Hands each connection out once it is a WebSocket connection, counts its reports, or its rejection. One instance per connection. */
    private final class Opener extends ChannelInboundHandlerAdapter {

        private final Recorder recorder;
        private int reports;
        private boolean handedOut; // an HTTP/2 stream is open when added, and its upgrade event follows

        Opener(Recorder recorder) {
            this.recorder = recorder;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            if (ctx.pipeline().get(WebSocketServerProtocolHandler.class) == null) {
                open(ctx); // no upgrade to wait for
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
                open(ctx);
            } else if (evt instanceof CloseReport report && ++reports > 1) {
                reportedTwice.add(ctx.channel() + ": " + report);
            } else if (evt instanceof UpgradeRejected rejection) {
                rejected.computeIfAbsent(rejection.reason(), reason -> new AtomicInteger()).incrementAndGet();
            }
            ctx.fireUserEventTriggered(evt);
        }

        private void open(ChannelHandlerContext ctx) {
            if (handedOut) {
                return;
            }
            handedOut = true;
            Connection connection = new Connection(ctx.channel(), recorder);
            connections.add(ctx.channel());
            opened.add(connection);
        }
    }

    /** The echo: text and binary messages go back; the close command, if obeyed, starts the close. */
    @Sharable
    private static final class EchoOrClose extends ChannelInboundHandlerAdapter {

        static final EchoOrClose WITH_CLOSE_COMMAND = new EchoOrClose(true);
        static final EchoOrClose ECHO_ONLY = new EchoOrClose(false);

        private final boolean closeCommand;

        private EchoOrClose(boolean closeCommand) {
            this.closeCommand = closeCommand;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (closeCommand && msg instanceof TextWebSocketFrame text && text.text().startsWith(CLOSE_COMMAND)) {
                String[] codeAndReason = text.text().substring(CLOSE_COMMAND.length()).split(" ", 2);
                text.release();
                ctx.writeAndFlush(CloseReason.of(Integer.parseInt(codeAndReason[0]), codeAndReason.length > 1 ? codeAndReason[1] : ""));
            } else if (msg instanceof TextWebSocketFrame || msg instanceof BinaryWebSocketFrame) {
                ctx.writeAndFlush(msg); // the echo: the frame goes back out and the encoder releases it
            } else {
                ctx.fireChannelRead(msg); // the peer's CloseReason, for the recorder
            }
        }
    }
}
