package io.github.wsclose;

import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The size limits, extensions and protections of a server pipeline built by
 * {@link ServerPipeline#configure(io.netty.channel.ChannelPipeline, String, ClosingHandshakeConfig,
 * ServerOptions, io.netty.channel.ChannelHandler...)}.
 *
 * <p>Start from {@link #DEFAULTS} and adjust with the {@code with…} methods; every instance is
 * immutable, thread-safe and may be shared by any number of pipelines.
 *
 * <table>
 *   <caption>Settings and defaults</caption>
 *   <tr><th>setting</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@link #maxHttpRequestBytes()}</td><td>64 KiB</td><td>the largest plain HTTP request
 *       (headers aside) the pipeline aggregates, the upgrade request included; larger ones are
 *       answered with 413 by Netty</td></tr>
 *   <tr><td>{@link #maxFrameBytes()}</td><td>64 KiB</td><td>the largest WebSocket frame payload
 *       on the wire (compressed, if it is); a larger frame closes with 1009</td></tr>
 *   <tr><td>{@link #maxMessageBytes()}</td><td>64 KiB</td><td>the largest message, all its
 *       fragments together and after inflating; a larger one closes with 1009</td></tr>
 *   <tr><td>{@link #compression()}</td><td>off</td><td>permessage-deflate, when the client
 *       offers it (RFC 7692)</td></tr>
 *   <tr><td>{@link #protection()}</td><td>{@link ServerProtection#defaults()}</td><td>the timeouts
 *       and limits by which the server closes connections on its own</td></tr>
 *   <tr><td>{@link #drain()}</td><td>none</td><td>the {@link GracefulDrain} every connection joins:
 *       its readiness path is answered, and upgrades get 503 once it has started</td></tr>
 * </table>
 *
 * @param maxHttpRequestBytes the largest HTTP request body aggregated, positive
 * @param maxFrameBytes       the largest frame payload, positive and at most {@code maxMessageBytes}
 * @param maxMessageBytes     the largest message, positive
 * @param compressionOrNull   permessage-deflate settings, or null for none
 * @param protection          the server's own closes: upgrade timeout, keepalive, idle and slow-consumer limits
 * @param drainOrNull         the drain every connection joins, or null for none
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6455#section-10.4">RFC 6455 §10.4</a>
 */
public record ServerOptions(int maxHttpRequestBytes, int maxFrameBytes, int maxMessageBytes,
        @Nullable PerMessageDeflateConfig compressionOrNull, ServerProtection protection, @Nullable GracefulDrain drainOrNull) {

    /** The default of each size limit: 64 KiB. */
    public static final int DEFAULT_MAX_BYTES = 65536;

    /** 64 KiB for HTTP requests, frames and messages; no compression; every default protection. */
    public static final ServerOptions DEFAULTS = new ServerOptions(DEFAULT_MAX_BYTES, DEFAULT_MAX_BYTES, DEFAULT_MAX_BYTES, null,
            ServerProtection.defaults(), null);

    /**
     * Checks the limits.
     *
     * @param maxHttpRequestBytes the largest HTTP request body aggregated, positive
     * @param maxFrameBytes       the largest frame payload, positive and at most {@code maxMessageBytes}
     * @param maxMessageBytes     the largest message, positive
     * @param compressionOrNull   permessage-deflate settings, or null for none
     * @param protection          the server's own closes
     * @param drainOrNull         the drain every connection joins, or null for none
     * @throws NullPointerException     if {@code protection} is null
     * @throws IllegalArgumentException if a limit is not positive, or frames may be larger than
     *                                  messages
     */
    public ServerOptions {
        Objects.requireNonNull(protection, "protection");
        positive("maxMessageBytes", maxMessageBytes);
        positive("maxFrameBytes", maxFrameBytes);
        positive("maxHttpRequestBytes", maxHttpRequestBytes);
        if (maxFrameBytes > maxMessageBytes) {
            throw new IllegalArgumentException("maxFrameBytes larger than maxMessageBytes: " + maxFrameBytes
                    + " (expected: <= " + maxMessageBytes + ")");
        }
    }

    /**
     * The permessage-deflate settings, if compression is on.
     *
     * @return the settings, or empty
     */
    public Optional<PerMessageDeflateConfig> compression() {
        return Optional.ofNullable(compressionOrNull);
    }

    /**
     * Returns a copy that aggregates HTTP requests of at most {@code maxHttpRequestBytes}.
     *
     * @param maxHttpRequestBytes positive
     * @return the copy
     * @throws IllegalArgumentException if the limit is not positive
     */
    public ServerOptions withMaxHttpRequestBytes(int maxHttpRequestBytes) {
        return new ServerOptions(maxHttpRequestBytes, maxFrameBytes, maxMessageBytes, compressionOrNull, protection, drainOrNull);
    }

    /**
     * Returns a copy that accepts messages, and frames, of at most {@code maxMessageBytes};
     * narrow the frames with {@link #withMaxFrameBytes(int)} afterwards.
     *
     * @param maxMessageBytes positive
     * @return the copy
     * @throws IllegalArgumentException if the limit is not positive
     */
    public ServerOptions withMaxMessageBytes(int maxMessageBytes) {
        return new ServerOptions(maxHttpRequestBytes, maxMessageBytes, maxMessageBytes, compressionOrNull, protection, drainOrNull);
    }

    /**
     * Returns a copy that accepts frame payloads of at most {@code maxFrameBytes}.
     *
     * @param maxFrameBytes positive, at most {@link #maxMessageBytes()}
     * @return the copy
     * @throws IllegalArgumentException if the limit is not positive or above the message limit
     */
    public ServerOptions withMaxFrameBytes(int maxFrameBytes) {
        return new ServerOptions(maxHttpRequestBytes, maxFrameBytes, maxMessageBytes, compressionOrNull, protection, drainOrNull);
    }

    /**
     * Returns a copy that negotiates permessage-deflate with {@code compression}'s settings.
     *
     * @param compression the settings
     * @return the copy
     * @throws NullPointerException if {@code compression} is null
     */
    public ServerOptions withCompression(PerMessageDeflateConfig compression) {
        return new ServerOptions(maxHttpRequestBytes, maxFrameBytes, maxMessageBytes,
                Objects.requireNonNull(compression, "compression"), protection, drainOrNull);
    }

    /**
     * Returns a copy without compression.
     *
     * @return the copy
     */
    public ServerOptions withoutCompression() {
        return new ServerOptions(maxHttpRequestBytes, maxFrameBytes, maxMessageBytes, null, protection, drainOrNull);
    }

    /**
     * Returns a copy with the given protections.
     *
     * @param protection the timeouts and limits by which the server closes connections on its own
     * @return the copy
     * @throws NullPointerException if {@code protection} is null
     */
    public ServerOptions withProtection(ServerProtection protection) {
        return new ServerOptions(maxHttpRequestBytes, maxFrameBytes, maxMessageBytes, compressionOrNull, protection, drainOrNull);
    }

    /**
     * The drain every connection of these options joins, if any.
     *
     * @return the drain, or empty
     */
    public Optional<GracefulDrain> drain() {
        return Optional.ofNullable(drainOrNull);
    }

    /**
     * Returns a copy whose connections join {@code drain}: the pipeline answers its readiness
     * path, if it has one, and refuses upgrades with 503 once it has started.
     *
     * @param drain the drain, shared by every pipeline of the server
     * @return the copy
     * @throws NullPointerException if {@code drain} is null
     */
    public ServerOptions withDrain(GracefulDrain drain) {
        return new ServerOptions(maxHttpRequestBytes, maxFrameBytes, maxMessageBytes, compressionOrNull, protection,
                Objects.requireNonNull(drain, "drain"));
    }

    private static void positive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive: " + value);
        }
    }
}
