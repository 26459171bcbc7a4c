package io.github.wsclose;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketClientExtensionHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.concurrent.Future;
import java.net.URI;
import java.util.Locale;
import java.util.Objects;
import javax.net.ssl.SSLException;

/**
 * Builds, in one call, a WebSocket client pipeline whose close handling is right, for a
 * {@code ws://} or {@code wss://} URI: Netty's handshaker upgrades the connection and frames
 * messages, and this library alone sends close frames.
 *
 * <pre>{@code
 * Bootstrap bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class)
 *         .handler(new ChannelInitializer<SocketChannel>() {
 *             protected void initChannel(SocketChannel ch) {
 *                 ClientPipeline.configure(ch.pipeline(), uri, ClosingHandshakeConfig.client(), ClientOptions.DEFAULTS, new MyApp());
 *             }
 *         });
 * Channel channel = bootstrap.connect(uri.getHost(), port).channel();
 * ClientPipeline.upgrade(channel).addListener(...);
 * }</pre>
 *
 * builds, from head to tail, each handler under the name of its constant:
 * <ol>
 *   <li>{@value #TLS}, for {@code wss://} only: the {@link SslContext} of
 *       {@link ClientOptions#sslContext()}, or one with the JDK's trust store, which checks the
 *       server's host name;</li>
 *   <li>{@value #HTTP_CODEC}: {@link HttpClientCodec}, which Netty replaces at the upgrade with its
 *       WebSocket frame decoder and encoder; the encoder masks every frame (RFC 6455 §5.3), the
 *       decoder fails the connection on a masked frame from the server (§5.1) and on a frame over
 *       {@link ClientOptions#maxFrameBytes()} (1009). Right behind them, at the upgrade, the
 *       connection's protections (behind the inflater and the RSV check, with compression):
 *       keepalive pings with a pong timeout, the answers to the server's pings, idle timeout,
 *       message size, UTF-8 of text (§8.1, 1007 otherwise) and pending bytes;</li>
 *   <li>{@value #COMPRESSION}, when {@link ClientOptions#compression()} is set: Netty's
 *       extension negotiation with this library's permessage-deflate (RFC 7692), whose inflater
 *       has the message limit of a server's, followed by a handler that refuses RSV bits no
 *       extension negotiated;</li>
 *   <li>{@value #UPGRADE}: the opening handshake (RFC 6455 §4.1) with Netty's
 *       {@code WebSocketClientHandshaker13}; it reports the outcome through
 *       {@link #upgrade(Channel)}, and a failure also as an {@link UpgradeFailedException} user
 *       event; then it removes itself;</li>
 *   <li>{@value #MESSAGE_AGGREGATOR}: whole messages up to {@link ClientOptions#maxMessageBytes()},
 *       1009 beyond;</li>
 *   <li>{@value #CLOSING_HANDSHAKE}: a {@link ClosingHandshakeHandler} in the client role: one close
 *       frame in answer to the server's (§5.5.1), and after the closing handshake it waits for the
 *       server to close TCP (§7.1.1), closing it itself after the close timeout;</li>
 *   <li>the application's handlers;</li>
 *   <li>{@value #UNHANDLED_EXCEPTIONS}: an exception the application leaves unhandled fails the
 *       connection with 1011.</li>
 * </ol>
 *
 * <p>The application sees what it sees on a {@link ServerPipeline}: text and binary messages,
 * the server's {@link CloseReason} among its inbound messages, one {@link CloseReport} user event
 * per WebSocket connection; it writes a {@link CloseReason} or calls {@code channel.close()} to
 * close. Before the upgrade it sees Netty's {@code ClientHandshakeStateEvent}s
 * ({@code HANDSHAKE_ISSUED}, {@code HANDSHAKE_COMPLETE}). An upgrade that fails is never a close:
 * no {@link CloseReport}, but an {@link UpgradeFailedException} with the server's status, if any.
 *
 * <p>Thread-safe: its methods may be called from any thread.
 *
 * @see ClientOptions
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6455#section-4.1">RFC 6455 §4.1</a>
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6455#section-7.1.1">RFC 6455 §7.1.1</a>
 */
public final class ClientPipeline {

    /** The name of the TLS handler, first, for {@code wss://} only. */
    public static final String TLS = "tls";
    /** The name of the HTTP codec, which Netty replaces with its frame decoder and encoder at the upgrade. */
    public static final String HTTP_CODEC = ServerPipeline.HTTP_CODEC;
    /** The name of the permessage-deflate negotiation, present until the upgrade when compression is offered. */
    public static final String COMPRESSION = ServerPipeline.COMPRESSION;
    /** The name of the opening handshake, present until the upgrade. */
    public static final String UPGRADE = ServerPipeline.WEBSOCKET_UPGRADE;
    /** The name of the message aggregator. */
    public static final String MESSAGE_AGGREGATOR = ServerPipeline.MESSAGE_AGGREGATOR;
    /** The name of the {@link ClosingHandshakeHandler}; the application's handlers follow it. */
    public static final String CLOSING_HANDSHAKE = ServerPipeline.CLOSING_HANDSHAKE;
    /** The name of the last handler, which fails the connection with 1011 on an exception no handler dealt with. */
    public static final String UNHANDLED_EXCEPTIONS = ServerPipeline.UNHANDLED_EXCEPTIONS;

    static final String RESERVED_BITS = ServerPipeline.RESERVED_BITS;
    static final String CONNECTION_GUARD = ServerPipeline.CONNECTION_GUARD;

    private ClientPipeline() {
    }

    /**
     * Configures {@code pipeline} for a WebSocket connection to {@code uri}; the connection itself
     * is the caller's ({@code Bootstrap.connect} to the URI's host and port). The upgrade request
     * goes as soon as the channel is active, or at once if it is already.
     *
     * @param pipeline    the new channel's pipeline, empty or holding only what goes first (a logger, a proxy)
     * @param uri         {@code ws://} or {@code wss://}, with a host; its path and query are the request's
     * @param close       the closing handshake's settings, a client configuration
     * @param options     limits, compression, protections, subprotocols, headers and TLS
     * @param application the application's handlers, in order
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code close} is not a client configuration, or {@code uri}
     *                                  is not an absolute {@code ws://} or {@code wss://} URI with a host
     * @throws IllegalStateException    if {@code wss://} needs the default TLS settings and the JDK cannot make them
     */
    public static void configure(ChannelPipeline pipeline, URI uri, ClosingHandshakeConfig close, ClientOptions options,
            ChannelHandler... application) {
        Objects.requireNonNull(pipeline, "pipeline");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(application, "application");
        if (Objects.requireNonNull(close, "close").role() != ClosingHandshakeConfig.Role.CLIENT) {
            throw new IllegalArgumentException("a client pipeline needs a client configuration, got " + close.role());
        }
        boolean tls = secure(Objects.requireNonNull(uri, "uri"));
        if (tls) {
            SslContext context = options.sslContextOrNull() != null ? options.sslContextOrNull() : DefaultTls.CONTEXT;
            pipeline.addLast(TLS, context.newHandler(pipeline.channel().alloc(), uri.getHost(), port(uri)));
        }
        PerMessageDeflateConfig compression = options.compressionOrNull();
        WebSocketDecoderConfig decoder = WebSocketDecoderConfig.newBuilder()
                .expectMaskedFrames(false) // a server MUST NOT mask (§5.1)
                .allowMaskMismatch(false) // a client MUST fail the connection on a masked frame (§5.1)
                .maxFramePayloadLength(options.maxFrameBytes())
                .allowExtensions(compression != null)
                .closeOnProtocolViolation(false) // a protocol error is an exception, not Netty's close frame
                .build();
        pipeline.addLast(HTTP_CODEC, new HttpClientCodec());
        if (compression != null) {
            pipeline.addLast(COMPRESSION, new WebSocketClientExtensionHandler(
                    new PerMessageDeflateClientHandshaker(compression, options.maxMessageBytes())));
            pipeline.addLast(RESERVED_BITS, ReservedBits.INSTANCE); // the inflater, if negotiated, goes before it
        }
        pipeline.addLast(UPGRADE, new ClientUpgrade(uri, options, decoder));
        pipeline.addLast(MESSAGE_AGGREGATOR, new WebSocketFrameAggregator(options.maxMessageBytes()));
        pipeline.addLast(CLOSING_HANDSHAKE, new ClosingHandshakeHandler(close));
        pipeline.addLast(application);
        pipeline.addLast(UNHANDLED_EXCEPTIONS, UnhandledExceptions.INSTANCE);
    }

    /**
     * Returns the future of {@code channel}'s WebSocket upgrade: it completes with the head of the
     * server's 101 answer (its {@code Sec-WebSocket-Protocol} is the subprotocol chosen, if any)
     * once the answer is checked and the connection is a WebSocket connection, or fails with an
     * {@link UpgradeFailedException}. It completes once, on the channel's event loop; callable from
     * any thread once the channel is registered (as it is when {@code Bootstrap.connect} returns),
     * before its pipeline is built too. The future of a channel without a {@code ClientPipeline}
     * never completes.
     *
     * @param channel a channel of a {@code ClientPipeline}, registered with its event loop
     * @return the future of its upgrade
     * @throws NullPointerException  if {@code channel} is null
     * @throws IllegalStateException if the channel is not registered with an event loop
     */
    public static Future<HttpResponse> upgrade(Channel channel) {
        return ClientUpgrade.upgradeOf(Objects.requireNonNull(channel, "channel"));
    }

    /**
     * The port of {@code uri}: its own, or 80 for {@code ws://} and 443 for {@code wss://}.
     *
     * @param uri a {@code ws://} or {@code wss://} URI
     * @return the port to connect to
     * @throws IllegalArgumentException if {@code uri} is not a {@code ws://} or {@code wss://} URI with a host
     */
    public static int port(URI uri) {
        boolean tls = secure(uri);
        return uri.getPort() != -1 ? uri.getPort() : tls ? 443 : 80;
    }

    /** Whether {@code uri} is {@code wss://}; it must be {@code ws://} otherwise, with a host. */
    private static boolean secure(URI uri) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("ws") && !scheme.equals("wss")) {
            throw new IllegalArgumentException("not a ws:// or wss:// URI: " + uri);
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("no host in " + uri);
        }
        return scheme.equals("wss");
    }

    /** The TLS settings of a {@code wss://} pipeline without its own: made once, when first needed. */
    private static final class DefaultTls {

        static final SslContext CONTEXT = build();

        private static SslContext build() {
            try {
                return SslContextBuilder.forClient().endpointIdentificationAlgorithm("HTTPS").build();
            } catch (SSLException e) {
                throw new IllegalStateException("cannot make the default TLS settings", e);
            }
        }
    }
}
