package io.github.wsclose;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketServerExtensionHandler;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Builds, in one call, a WebSocket server pipeline whose close handling is right: Netty
 * upgrades the connection and frames messages, and this library alone sends close frames.
 *
 * <pre>{@code
 * protected void initChannel(SocketChannel ch) {
 *     ServerPipeline.configure(ch.pipeline(), "/ws", ClosingHandshakeConfig.server(), new MyApp());
 * }
 * }</pre>
 *
 * builds, from head to tail, each handler under the name of its constant:
 * <ol>
 *   <li>{@value #HTTP_CODEC}: {@link HttpServerCodec}; at the upgrade Netty replaces it with its
 *       WebSocket frame decoder and encoder ({@code wsdecoder}, {@code wsencoder});</li>
 *   <li>{@value #UPGRADE_GUARD}: the protections of {@link ServerOptions#protection()} before the
 *       upgrade (upgrade timeout, RFC 6455 versions only, error answers that close, no frames
 *       before the 101) and, with a {@link ServerOptions#drain() drain}, its readiness check and
 *       503 to upgrades while it drains; at the upgrade it puts those of the WebSocket connection (keepalive,
 *       the answers to the peer's pings, idle timeout, message size, UTF-8 of text and pending bytes), one
 *       inbound handler, in its place;</li>
 *   <li>{@value #HTTP_AGGREGATOR}: {@link HttpObjectAggregator}, bounded by
 *       {@link ServerOptions#maxHttpRequestBytes()} and removed by Netty at the upgrade;</li>
 *   <li>{@value #COMPRESSION}, with compression only: the permessage-deflate negotiation
 *       (RFC 7692), which puts the deflater and inflater in its place at the upgrade, followed
 *       by a handler that refuses RSV bits no extension negotiated;</li>
 *   <li>{@value #WEBSOCKET_UPGRADE}: {@link WebSocketServerProtocolHandler} configured so that it
 *       never sends a close frame of its own ({@code handleCloseFrames(false)},
 *       {@code sendCloseFrame(null)}, {@code closeOnProtocolViolation(false)}, and no
 *       {@code Utf8FrameValidator} of Netty's: the connection's protections check that text is UTF-8,
 *       1007 otherwise); Netty adds its own handshake handler before it. After the
 *       upgrade its only work would be to answer pings and drop pongs, which the connection's
 *       protections do, so it is removed then;</li>
 *   <li>a handler that leaves the checks of close frame bodies to the closing handshake;</li>
 *   <li>{@value #MESSAGE_AGGREGATOR}, with {@link ServerOptions} only: messages aggregated up to
 *       {@link ServerOptions#maxMessageBytes()}, larger ones closing with 1009;</li>
 *   <li>{@value #CLOSING_HANDSHAKE}: a {@link ClosingHandshakeHandler}, which reads and writes
 *       close frames itself (no {@link CloseFrameDecoder} or {@link CloseFrameEncoder} in front);</li>
 *   <li>the application's handlers;</li>
 *   <li>{@value #UNHANDLED_EXCEPTIONS}: a last handler that turns any exception the application
 *       leaves unhandled into a close with 1011 UNEXPECTED_CONDITION.</li>
 * </ol>
 * After the upgrade a data frame passes, inbound, Netty's frame decoder, the protections, the
 * {@link ClosingHandshakeHandler} and the application (one handler fewer than behind Netty's
 * protocol handler, which needs its {@code Utf8FrameValidator} in front); outbound, the
 * application, the {@code ClosingHandshakeHandler}, which tells the protections of each write, and
 * Netty's frame encoder.
 * Add your own handlers at a known place: TLS first ({@code pipeline.addFirst("tls", sslHandler)}),
 * a logger before {@value #HTTP_CODEC}, an authentication check of the upgrade request (a
 * {@code FullHttpRequest}) before {@value #WEBSOCKET_UPGRADE}. HTTP requests for other paths
 * reach the application's handlers as {@code FullHttpRequest}s.
 *
 * <p>The application sees {@link CloseReason}s (the peer's close) among its inbound messages,
 * one {@link CloseReport} user event per WebSocket connection (and, with a drain, a
 * {@link DrainNotice} right before the drain's close frame), and may write a
 * {@link CloseReason} or call {@code channel.close()} to close.
 *
 * @see ClosingHandshakeHandler
 * @see ServerOptions
 */
public final class ServerPipeline {

    /** Largest HTTP request and WebSocket frame payload accepted by {@link #configure(ChannelPipeline, String, ClosingHandshakeConfig, ChannelHandler...)}. */
    public static final int DEFAULT_MAX_CONTENT_LENGTH = ServerOptions.DEFAULT_MAX_BYTES;

    /** The name of the HTTP codec, the first handler. */
    public static final String HTTP_CODEC = "http-codec";
    /** The name of the guard of the connection before its upgrade, right after {@link #HTTP_CODEC}. */
    public static final String UPGRADE_GUARD = "ws-upgrade-guard";
    /** The name of the HTTP request aggregator, after {@link #UPGRADE_GUARD}. */
    public static final String HTTP_AGGREGATOR = "http-aggregator";
    /** The name of the permessage-deflate negotiation, present until the upgrade when compression is on. */
    public static final String COMPRESSION = "ws-compression";
    /** The name of Netty's {@link WebSocketServerProtocolHandler}, which runs the opening handshake. */
    public static final String WEBSOCKET_UPGRADE = "ws-upgrade";
    /** The name of the message aggregator, with {@link ServerOptions} only. */
    public static final String MESSAGE_AGGREGATOR = "ws-message-aggregator";
    /** The name of the {@link ClosingHandshakeHandler}; the application's handlers follow it. */
    public static final String CLOSING_HANDSHAKE = "ws-closing-handshake";
    /** The name of the last handler, which closes with 1011 on an exception no handler dealt with. */
    public static final String UNHANDLED_EXCEPTIONS = "ws-unhandled-exceptions";

    static final String CLOSE_BODY_HANDOVER = "ws-close-body-handover";
    static final String RESERVED_BITS = "ws-reserved-bits";
    static final String CONNECTION_GUARD = "ws-connection-guard";

    private ServerPipeline() {
    }

    /**
     * Configures {@code pipeline} for WebSocket connections on {@code websocketPath}, with
     * Netty's defaults and frames up to {@value #DEFAULT_MAX_CONTENT_LENGTH} bytes (larger ones
     * close with 1009), passed to the application as they come, not aggregated.
     *
     * @param pipeline      the new channel's pipeline
     * @param websocketPath the request path of the WebSocket upgrade, such as {@code "/ws"}
     * @param close         the closing handshake's configuration, for a server
     * @param application   the application's handlers, added after the close handling
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code close} is not a server configuration
     */
    public static void configure(ChannelPipeline pipeline, String websocketPath, ClosingHandshakeConfig close,
            ChannelHandler... application) {
        WebSocketServerProtocolConfig protocol = WebSocketServerProtocolConfig.newBuilder()
                .websocketPath(Objects.requireNonNull(websocketPath, "websocketPath"))
                .maxFramePayloadLength(DEFAULT_MAX_CONTENT_LENGTH)
                .build();
        configure(pipeline, protocol, close, application);
    }

    /**
     * Configures {@code pipeline} with the caller's Netty settings (path, subprotocols, frame
     * size, handshake timeout …), except for close handling, which is taken out of Netty's hands
     * whatever {@code protocol} says. Frames reach the application as they come, not
     * aggregated; HTTP requests are limited to {@value #DEFAULT_MAX_CONTENT_LENGTH} bytes, a
     * message (all its fragments) to the frame limit or {@value #DEFAULT_MAX_CONTENT_LENGTH}
     * bytes, whichever is larger; the protections are {@link ServerProtection#defaults()}.
     *
     * @param pipeline    the new channel's pipeline
     * @param protocol    Netty's WebSocket server settings
     * @param close       the closing handshake's configuration, for a server
     * @param application the application's handlers, added after the close handling
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code close} is not a server configuration
     */
    public static void configure(ChannelPipeline pipeline, WebSocketServerProtocolConfig protocol,
            ClosingHandshakeConfig close, ChannelHandler... application) {
        int frames = Objects.requireNonNull(protocol, "protocol").decoderConfig().maxFramePayloadLength();
        // messages as they come, in frames of the caller's limit; a fragmented message is limited to that or 64 KiB
        int messages = Math.max(frames, ServerOptions.DEFAULT_MAX_BYTES);
        ServerOptions options = messages == ServerOptions.DEFAULTS.maxMessageBytes()
                ? ServerOptions.DEFAULTS // shared by every connection, which holds it
                : ServerOptions.DEFAULTS.withMaxMessageBytes(messages);
        build(pipeline, protocol, close, options, false, application);
    }

    /**
     * Configures {@code pipeline} for WebSocket connections on {@code websocketPath} with the
     * size limits and compression of {@code options}; the application receives whole messages.
     *
     * <pre>{@code
     * ServerOptions options = ServerOptions.DEFAULTS
     *         .withMaxMessageBytes(16 * 1024 * 1024)
     *         .withCompression(PerMessageDeflateConfig.DEFAULT);
     * ServerPipeline.configure(ch.pipeline(), "/ws", ClosingHandshakeConfig.server(), options, new MyApp());
     * }</pre>
     *
     * @param pipeline      the channel's pipeline, empty or holding only what goes first (TLS, a logger)
     * @param websocketPath the path of the WebSocket endpoint
     * @param close         the closing handshake's settings, a server configuration
     * @param options       size limits and compression
     * @param application   the application's handlers, in order
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code close} is not a server configuration
     */
    public static void configure(ChannelPipeline pipeline, String websocketPath, ClosingHandshakeConfig close,
            ServerOptions options, ChannelHandler... application) {
        WebSocketServerProtocolConfig protocol = WebSocketServerProtocolConfig.newBuilder()
                .websocketPath(Objects.requireNonNull(websocketPath, "websocketPath"))
                .build();
        configure(pipeline, protocol, close, options, application);
    }

    /**
     * Configures {@code pipeline} with the caller's Netty settings, except for close handling,
     * which is taken out of Netty's hands, and for the frame size and extensions, which
     * {@code options} sets; the application receives whole messages.
     *
     * @param pipeline    the channel's pipeline, empty or holding only what goes first (TLS, a logger)
     * @param protocol    Netty's settings: path, subprotocols, handshake timeout …
     * @param close       the closing handshake's settings, a server configuration
     * @param options     size limits and compression
     * @param application the application's handlers, in order
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code close} is not a server configuration
     */
    public static void configure(ChannelPipeline pipeline, WebSocketServerProtocolConfig protocol,
            ClosingHandshakeConfig close, ServerOptions options, ChannelHandler... application) {
        build(pipeline, limited(protocol, options), close, options, true, application);
    }

    /**
     * Adds, at the tail of a pipeline whose HTTP side is the caller's own (TLS, HTTP codec,
     * request aggregator, authentication …), everything else {@link ServerPipeline} builds, so
     * that a hand-built pipeline closes exactly as a {@code ServerPipeline} does: the
     * {@value #UPGRADE_GUARD} with the protections of {@code options}, right after the
     * pipeline's {@link HttpServerCodec} if it has one (else at the tail); with
     * compression, the permessage-deflate negotiation; Netty's
     * {@link WebSocketServerProtocolHandler} with the caller's settings, close handling taken
     * out of its hands; the message aggregator; the
     * {@link ClosingHandshakeHandler}; the application's handlers; and the last handler, which
     * turns an exception the application leaves unhandled into a close with 1011. Each under the
     * name of its constant. The caller's pipeline must end with a {@code FullHttpRequest}
     * producer such as {@link HttpObjectAggregator}; {@link ServerOptions#maxHttpRequestBytes()}
     * is left to it.
     *
     * <pre>{@code
     * pipeline.addLast(new HttpServerCodec(), new HttpObjectAggregator(65536), new MyAuthentication());
     * ServerPipeline.addWebSocketHandlers(pipeline, protocol, ClosingHandshakeConfig.server(), ServerOptions.DEFAULTS, new MyApp());
     * }</pre>
     *
     * @param pipeline    the channel's pipeline, holding the caller's HTTP side
     * @param protocol    Netty's settings: path, subprotocols, handshake timeout …
     * @param close       the closing handshake's settings, a server configuration
     * @param options     frame and message limits, and compression
     * @param application the application's handlers, in order
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code close} is not a server configuration
     */
    public static void addWebSocketHandlers(ChannelPipeline pipeline, WebSocketServerProtocolConfig protocol,
            ClosingHandshakeConfig close, ServerOptions options, ChannelHandler... application) {
        Objects.requireNonNull(pipeline, "pipeline");
        WebSocketServerProtocolConfig limited = limited(protocol, options);
        UpgradeGuard guard = new UpgradeGuard(options, limited.dropPongFrames());
        ChannelHandlerContext codec = pipeline.context(HttpServerCodec.class);
        if (codec != null) {
            pipeline.addAfter(codec.name(), UPGRADE_GUARD, guard); // where it sees every HTTP object and the 413s Netty writes
        } else {
            pipeline.addLast(UPGRADE_GUARD, guard);
        }
        addWebSocket(pipeline, limited, close, options, true, application);
    }

    /** {@code protocol} with the frame limit of {@code options}, and extensions allowed if it compresses. */
    private static WebSocketServerProtocolConfig limited(WebSocketServerProtocolConfig protocol, ServerOptions options) {
        Objects.requireNonNull(options, "options");
        WebSocketDecoderConfig decoder = Objects.requireNonNull(protocol, "protocol").decoderConfig().toBuilder()
                .maxFramePayloadLength(options.maxFrameBytes())
                .allowExtensions(protocol.decoderConfig().allowExtensions() || options.compressionOrNull() != null)
                .build();
        return protocol.toBuilder().decoderConfig(decoder).build();
    }

    /** The decoder settings of the last pipeline built: the next with the same settings shares them. */
    private static volatile @Nullable WebSocketDecoderConfig lastDecoderConfig;

    /** {@code settings}, or an equal instance of an earlier pipeline. */
    private static WebSocketDecoderConfig shared(WebSocketDecoderConfig settings) {
        WebSocketDecoderConfig last = lastDecoderConfig;
        if (last != null && last.maxFramePayloadLength() == settings.maxFramePayloadLength()
                && last.expectMaskedFrames() == settings.expectMaskedFrames()
                && last.allowMaskMismatch() == settings.allowMaskMismatch()
                && last.allowExtensions() == settings.allowExtensions()
                && last.closeOnProtocolViolation() == settings.closeOnProtocolViolation()
                && last.withUTF8Validator() == settings.withUTF8Validator()) {
            return last;
        }
        lastDecoderConfig = settings;
        return settings;
    }

    /** Builds the pipeline; {@code aggregate} says whether messages are aggregated up to the options' limit. */
    private static void build(ChannelPipeline pipeline, WebSocketServerProtocolConfig protocol, ClosingHandshakeConfig close,
            ServerOptions options, boolean aggregate, ChannelHandler... application) {
        Objects.requireNonNull(pipeline, "pipeline");
        pipeline.addLast(HTTP_CODEC, new HttpServerCodec());
        pipeline.addLast(UPGRADE_GUARD, new UpgradeGuard(options, protocol.dropPongFrames()));
        pipeline.addLast(HTTP_AGGREGATOR, new HttpObjectAggregator(options.maxHttpRequestBytes()));
        addWebSocket(pipeline, protocol, close, options, aggregate, application);
    }

    private static void addWebSocket(ChannelPipeline pipeline, WebSocketServerProtocolConfig protocol, ClosingHandshakeConfig close,
            ServerOptions options, boolean aggregate, ChannelHandler... application) {
        Objects.requireNonNull(application, "application");
        if (Objects.requireNonNull(close, "close").role() != ClosingHandshakeConfig.Role.SERVER) {
            throw new IllegalArgumentException("a server pipeline needs a server configuration, got " + close.role());
        }
        WebSocketDecoderConfig decoder = protocol.decoderConfig().toBuilder()
                .closeOnProtocolViolation(false) // a protocol error is an exception, not Netty's close frame
                .withUTF8Validator(false) // the connection's guard checks text frames for UTF-8 itself, as they arrive
                .build();
        WebSocketServerProtocolConfig closeHandledByUs = protocol.toBuilder()
                .handleCloseFrames(false) // close frames reach the ClosingHandshakeHandler
                .sendCloseFrame(null) // channel.close() sends no close frame of Netty's own
                // every connection's handshaker and frame decoder hold the decoder settings as long as it lives: share them
                .decoderConfig(shared(decoder))
                .build();
        PerMessageDeflateConfig compression = options.compressionOrNull();
        if (compression != null) {
            pipeline.addLast(COMPRESSION, new WebSocketServerExtensionHandler(
                    new PerMessageDeflateHandshaker(compression, options.maxMessageBytes())));
            pipeline.addLast(RESERVED_BITS, ReservedBits.INSTANCE); // the inflater, if negotiated, goes before it
        }
        pipeline.addLast(WEBSOCKET_UPGRADE, new WebSocketServerProtocolHandler(closeHandledByUs));
        pipeline.addLast(CLOSE_BODY_HANDOVER, new CloseBodyHandover(closeHandledByUs.decoderConfig()));
        if (aggregate) {
            pipeline.addLast(MESSAGE_AGGREGATOR, new WebSocketFrameAggregator(options.maxMessageBytes()));
        }
        pipeline.addLast(CLOSING_HANDSHAKE, new ClosingHandshakeHandler(close));
        pipeline.addLast(application);
        pipeline.addLast(UNHANDLED_EXCEPTIONS, UnhandledExceptions.INSTANCE);
        GracefulDrain drain = options.drainOrNull();
        if (drain != null) {
            drain.join(pipeline.channel());
        }
    }
}
