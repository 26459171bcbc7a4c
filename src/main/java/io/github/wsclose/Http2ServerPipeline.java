package io.github.wsclose;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2SettingsAckFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Builds, in one call, a server pipeline that accepts WebSockets over HTTP/2 (RFC 8441
 * extended CONNECT), and, with {@link #configureTls}, over HTTP/1.1 too on the same port, chosen
 * by ALPN. Each WebSocket is one HTTP/2 stream, with the closing handshake, protections, drain
 * and report of a connection built by {@link ServerPipeline}.
 *
 * <pre>{@code
 * SslContext tls = Http2ServerPipeline.withAlpn(SslContextBuilder.forServer(certificate, key)).build();
 * protected void initChannel(SocketChannel ch) {
 *     Http2ServerPipeline.configureTls(ch.pipeline(), tls, protocol, ClosingHandshakeConfig.server(), options,
 *             () -> new ChannelHandler[] {new MyApp()});
 * }
 * }</pre>
 *
 * <p>On an HTTP/2 connection it advertises SETTINGS_ENABLE_CONNECT_PROTOCOL = 1 (RFC 8441 §3)
 * and at most {@value #MAX_CONCURRENT_STREAMS} concurrent streams, and ends the connection with
 * GOAWAY(ENHANCE_YOUR_CALM) when a peer resets more than {@value #MAX_RESETS_PER_WINDOW} streams
 * within {@value #RESET_WINDOW_SECONDS} s (the "rapid reset" attack). A connection that holds no
 * open stream for the options' {@link ServerProtection#upgradeTimeout()} (10 s by default),
 * whether it never opened one or all of them ended, goes away: GOAWAY(NO_ERROR), then closed
 * (RFC 9113 §9.1), as an HTTP/1.1 connection that is not upgraded in that time is closed. Each stream gets its own
 * pipeline: an extended CONNECT to the WebSocket path becomes a WebSocket connection, answered
 * 200; any other request reaches the application's handlers as a {@code FullHttpRequest}, as
 * over HTTP/1.1. A refused CONNECT is answered 400, 404, 405, 501 or 503 (see docs/http2.md).
 * The application's handlers are made per stream by {@code application}, since each stream
 * has a pipeline of its own.
 *
 * <p>Stateless: its methods may be called from any thread.
 *
 * @see Http2StreamUpgrade
 * @see <a href="https://www.rfc-editor.org/rfc/rfc8441">RFC 8441</a>
 */
public final class Http2ServerPipeline {

    /** SETTINGS_MAX_CONCURRENT_STREAMS advertised, and enforced, on each HTTP/2 connection. */
    public static final int MAX_CONCURRENT_STREAMS = 100;
    /** How many RST_STREAM frames a peer may send within {@value #RESET_WINDOW_SECONDS} s before the connection ends. */
    public static final int MAX_RESETS_PER_WINDOW = 200;
    /** The window of {@value #MAX_RESETS_PER_WINDOW}, in seconds. */
    public static final int RESET_WINDOW_SECONDS = 30;

    /** The name of the TLS handler, the first of a {@link #configureTls} pipeline. */
    public static final String TLS = "tls";
    /** The name of Netty's HTTP/2 frame codec on the connection. */
    public static final String HTTP2_CODEC = "h2-codec";
    /** The name of Netty's HTTP/2 multiplexer on the connection, which gives each stream a channel. */
    public static final String HTTP2_STREAMS = "h2-streams";
    /** The name of the handler that closes a connection holding no open stream for the upgrade timeout. */
    public static final String IDLE_CONNECTION = "h2-idle";

    /** Set on the connection once the peer acknowledged our SETTINGS, which enable the extended CONNECT. */
    private static final AttributeKey<Boolean> CONNECT_PROTOCOL_ACKNOWLEDGED =
            AttributeKey.valueOf(Http2ServerPipeline.class, "connectProtocolAcknowledged");

    private Http2ServerPipeline() {
    }

    /**
     * Configures the pipeline of an HTTP/2 connection (after ALPN chose {@code h2}, or cleartext
     * HTTP/2 with prior knowledge) for WebSockets on {@code protocol}'s path.
     *
     * @param pipeline    the connection's pipeline, holding at most TLS
     * @param protocol    Netty's settings: path, subprotocols, frame size
     * @param close       the closing handshake's settings, a server configuration
     * @param options     limits, protections, compression and drain, per stream
     * @param application makes the application's handlers of one stream, in order
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code close} is not a server configuration
     */
    public static void configure(ChannelPipeline pipeline, WebSocketServerProtocolConfig protocol, ClosingHandshakeConfig close,
            ServerOptions options, Supplier<ChannelHandler[]> application) {
        Objects.requireNonNull(pipeline, "pipeline");
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(application, "application");
        if (Objects.requireNonNull(close, "close").role() != ClosingHandshakeConfig.Role.SERVER) {
            throw new IllegalArgumentException("a server pipeline needs a server configuration, got " + close.role());
        }
        Http2Settings settings = Http2Settings.defaultSettings()
                .connectProtocolEnabled(true) // SETTINGS_ENABLE_CONNECT_PROTOCOL = 1 (RFC 8441 §3)
                .maxConcurrentStreams(MAX_CONCURRENT_STREAMS);
        pipeline.addLast(HTTP2_CODEC, Http2FrameCodecBuilder.forServer()
                .initialSettings(settings)
                .decoderEnforceMaxRstFramesPerWindow(MAX_RESETS_PER_WINDOW, RESET_WINDOW_SECONDS)
                // after GOAWAY, the connection's last streams (HTTP requests) get a close timeout to finish
                .gracefulShutdownTimeoutMillis(close.closeTimeout().toMillis())
                .build());
        pipeline.addLast(HTTP2_STREAMS, new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel stream) {
                stream.pipeline().addLast(new Http2StreamUpgrade(protocol, close, options, application));
                stream.pipeline().addLast(ServerPipeline.UNHANDLED_EXCEPTIONS, UnhandledExceptions.INSTANCE);
            }
        }));
        Duration idle = options.protection().upgradeTimeout();
        if (!idle.isZero()) {
            pipeline.addLast(IDLE_CONNECTION, new Http2IdleConnection(idle)); // no open stream this long: GOAWAY, then closed
        }
        GracefulDrain drain = options.drainOrNull();
        pipeline.addLast(new ConnectionFrames(drain));
        pipeline.addLast(ServerPipeline.UNHANDLED_EXCEPTIONS, UnhandledExceptions.INSTANCE);
        if (drain != null) {
            drain.join(pipeline.channel()); // at its turn the connection closes, after its WebSocket streams (ConnectionFrames)
        }
    }

    /**
     * Configures the pipeline of a TLS connection on which ALPN chooses HTTP/2 ({@code h2}) or
     * HTTP/1.1: the first gets {@link #configure}'s handlers, the second {@link ServerPipeline}'s
     * (with {@code options}), so that one port accepts WebSockets both ways.
     *
     * @param pipeline    the new connection's pipeline, empty
     * @param tls         the server's TLS context, with ALPN as {@link #withAlpn(SslContextBuilder)} sets it
     * @param protocol    Netty's settings: path, subprotocols, frame size
     * @param close       the closing handshake's settings, a server configuration
     * @param options     limits, protections, compression and drain, per WebSocket
     * @param application makes the application's handlers of one connection or stream, in order
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code close} is not a server configuration
     */
    public static void configureTls(ChannelPipeline pipeline, SslContext tls, WebSocketServerProtocolConfig protocol,
            ClosingHandshakeConfig close, ServerOptions options, Supplier<ChannelHandler[]> application) {
        Objects.requireNonNull(application, "application");
        if (Objects.requireNonNull(close, "close").role() != ClosingHandshakeConfig.Role.SERVER) {
            throw new IllegalArgumentException("a server pipeline needs a server configuration, got " + close.role());
        }
        pipeline.addLast(TLS, Objects.requireNonNull(tls, "tls").newHandler(pipeline.channel().alloc()));
        pipeline.addLast(new ApplicationProtocolNegotiationHandler(ApplicationProtocolNames.HTTP_1_1) {
            @Override
            protected void configurePipeline(ChannelHandlerContext ctx, String chosen) {
                if (ApplicationProtocolNames.HTTP_2.equals(chosen)) {
                    configure(ctx.pipeline(), protocol, close, options, application);
                } else {
                    ServerPipeline.configure(ctx.pipeline(), protocol, close, options, application.get());
                }
            }
        });
    }

    /**
     * Sets on {@code server} the ALPN that {@link #configureTls} needs: {@code h2} preferred,
     * then {@code http/1.1}.
     *
     * @param server a builder of a server's TLS context
     * @return {@code server}
     * @throws NullPointerException if {@code server} is null
     */
    public static SslContextBuilder withAlpn(SslContextBuilder server) {
        return Objects.requireNonNull(server, "server").applicationProtocolConfig(new ApplicationProtocolConfig(
                ApplicationProtocolConfig.Protocol.ALPN,
                ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1));
    }

    /** Tells whether the peer of the HTTP/2 connection {@code connection} acknowledged our SETTINGS. */
    static boolean connectProtocolAcknowledged(Channel connection) {
        return connection != null && Boolean.TRUE.equals(connection.attr(CONNECT_PROTOCOL_ACKNOWLEDGED).get());
    }

    /**
     * The handler of an HTTP/2 connection in front of {@link UnhandledExceptions}, its last: it
     * takes the frames of the connection itself that Netty passes on, notes the acknowledgement of
     * our SETTINGS, and releases them. It
     * knows the connection's WebSocket streams: while a {@link GracefulDrain} drains, a close of
     * the connection (the drain's, at the connection's turn) waits until each of them has closed
     * with the drain's code (or was closed at the drain's deadline), then lets Netty send GOAWAY and
     * close the connection once its other streams are done.
     *
     * <p>Not sharable: one per connection, confined to its event loop.
     */
    static final class ConnectionFrames extends ChannelDuplexHandler {

        private final @Nullable GracefulDrain drain;
        private final Set<Channel> webSockets = new HashSet<>();

        ConnectionFrames(@Nullable GracefulDrain drain) {
            this.drain = drain;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Http2SettingsAckFrame) {
                // our first SETTINGS held ENABLE_CONNECT_PROTOCOL = 1: from its ACK on, :protocol is allowed (RFC 8441 §4)
                ctx.channel().attr(CONNECT_PROTOCOL_ACKNOWLEDGED).set(Boolean.TRUE);
            }
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
            if (drain == null || drain.phase() == GracefulDrain.Phase.SERVING || webSockets.isEmpty()) {
                ctx.close(promise); // Netty's graceful close: GOAWAY, then the connection closes when its streams are done
                return;
            }
            // a drain: each WebSocket stream closes with the drain's code at its own turn, then GOAWAY
            Channel last = webSockets.iterator().next();
            last.closeFuture().addListener(closed -> ctx.executor().execute(() -> close(ctx, promise)));
        }

        /** Counts {@code stream} among the connection's WebSockets until it closes. Call on the event loop. */
        void webSocketOpened(Channel stream) {
            webSockets.add(stream);
            stream.closeFuture().addListener(closed -> webSockets.remove(stream));
        }
    }

    /** Tells the connection of {@code stream} that the stream became a WebSocket. */
    static void webSocketOpened(Channel stream) {
        Channel connection = stream.parent();
        ConnectionFrames frames = connection == null ? null : connection.pipeline().get(ConnectionFrames.class);
        if (frames != null) {
            frames.webSocketOpened(stream);
        }
    }
}
