package io.github.wsclose;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.util.Objects;

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
 * builds, from head to tail: {@link HttpServerCodec}, a handler that guards the connection until
 * its upgrade is done (the protections of {@link ServerProtection} before the upgrade: a timeout
 * counted from accept, 426 for versions other than RFC 6455's, error answers that close the
 * connection, one {@link UpgradeRejected} event for each connection refused; once upgraded, it
 * leaves in its place, right behind Netty's frame decoder, the protections of the connection:
 * keepalive, the answers to the peer's pings, the idle timeout, the limits of message size and of
 * pending bytes), {@link HttpObjectAggregator},
 * {@link WebSocketServerProtocolHandler} configured so that it never sends a close frame of its
 * own ({@code handleCloseFrames(false)}, {@code sendCloseFrame(null)},
 * {@code closeOnProtocolViolation(false)}, UTF-8 validation of text frames on), a handler that
 * leaves the checks of close frame bodies to {@link CloseFrameDecoder} once the upgrade is done,
 * {@link CloseFrameDecoder}, {@link CloseFrameEncoder}, a {@link ClosingHandshakeHandler}, the
 * application's handlers, and a last handler that turns any exception the application leaves
 * unhandled into a close with 1011 UNEXPECTED_CONDITION. HTTP requests for other paths reach
 * the application's handlers as {@code FullHttpRequest}s.
 *
 * <p>The application sees {@link CloseReason}s (the peer's close) among its inbound messages,
 * one {@link CloseReport} user event per WebSocket connection, and may write a
 * {@link CloseReason} or call {@code channel.close()} to close.
 *
 * @see ClosingHandshakeHandler
 */
public final class ServerPipeline {

    /** Largest HTTP request and WebSocket frame payload accepted by {@link #configure(ChannelPipeline, String, ClosingHandshakeConfig, ChannelHandler...)}. */
    public static final int DEFAULT_MAX_CONTENT_LENGTH = 65536;

    private ServerPipeline() {
    }

    /**
     * Configures {@code pipeline} for WebSocket connections on {@code websocketPath}, with
     * Netty's defaults and frames up to {@value #DEFAULT_MAX_CONTENT_LENGTH} bytes (larger ones
     * close with 1009).
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
        configure(pipeline, websocketPath, close, ServerProtection.defaults(), application);
    }

    /**
     * Same, with the caller's {@code protection} instead of {@link ServerProtection#defaults()}.
     *
     * @param pipeline      the new channel's pipeline
     * @param websocketPath the request path of the WebSocket upgrade, such as {@code "/ws"}
     * @param close         the closing handshake's configuration, for a server
     * @param protection    the limits and timeouts by which the server closes connections on its own
     * @param application   the application's handlers, added after the close handling
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code close} is not a server configuration
     */
    public static void configure(ChannelPipeline pipeline, String websocketPath, ClosingHandshakeConfig close,
            ServerProtection protection, ChannelHandler... application) {
        WebSocketServerProtocolConfig protocol = WebSocketServerProtocolConfig.newBuilder()
                .websocketPath(Objects.requireNonNull(websocketPath, "websocketPath"))
                .maxFramePayloadLength(DEFAULT_MAX_CONTENT_LENGTH)
                .build();
        configure(pipeline, protocol, close, protection, application);
    }

    /**
     * Configures {@code pipeline} with the caller's Netty settings (path, subprotocols, frame
     * size, handshake timeout …), except for close handling, which is taken out of Netty's hands
     * whatever {@code protocol} says.
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
        configure(pipeline, protocol, close, ServerProtection.defaults(), application);
    }

    /**
     * Same, with the caller's {@code protection} instead of {@link ServerProtection#defaults()}.
     *
     * @param pipeline    the new channel's pipeline
     * @param protocol    Netty's WebSocket server settings
     * @param close       the closing handshake's configuration, for a server
     * @param protection  the limits and timeouts by which the server closes connections on its own
     * @param application the application's handlers, added after the close handling
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code close} is not a server configuration
     */
    public static void configure(ChannelPipeline pipeline, WebSocketServerProtocolConfig protocol,
            ClosingHandshakeConfig close, ServerProtection protection, ChannelHandler... application) {
        Objects.requireNonNull(pipeline, "pipeline");
        Objects.requireNonNull(protection, "protection");
        Objects.requireNonNull(application, "application");
        if (Objects.requireNonNull(close, "close").role() != ClosingHandshakeConfig.Role.SERVER) {
            throw new IllegalArgumentException("a server pipeline needs a server configuration, got " + close.role());
        }
        WebSocketServerProtocolConfig closeHandledByUs = Objects.requireNonNull(protocol, "protocol").toBuilder()
                .handleCloseFrames(false) // close frames reach CloseFrameDecoder
                .sendCloseFrame(null) // channel.close() sends no close frame of Netty's own
                .closeOnProtocolViolation(false) // a protocol error is an exception, not Netty's close frame
                .withUTF8Validator(true) // text frames MUST be valid UTF-8 (§8.1)
                .build();
        int maxContentLength = Math.max(closeHandledByUs.decoderConfig().maxFramePayloadLength(), DEFAULT_MAX_CONTENT_LENGTH);
        pipeline.addLast(
                new HttpServerCodec(),
                new UpgradeGuard(protection),
                new HttpObjectAggregator(maxContentLength),
                new WebSocketServerProtocolHandler(closeHandledByUs),
                new CloseBodyHandover(closeHandledByUs.decoderConfig()),
                CloseFrameDecoder.INSTANCE,
                CloseFrameEncoder.INSTANCE,
                new ClosingHandshakeHandler(close));
        pipeline.addLast(application);
        pipeline.addLast(UnhandledExceptions.INSTANCE);
    }
}
