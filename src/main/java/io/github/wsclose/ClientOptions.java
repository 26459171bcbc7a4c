package io.github.wsclose;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.ReadOnlyHttpHeaders;
import io.netty.handler.ssl.SslContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The size limits, extensions, protections and upgrade request of a client pipeline built by
 * {@link ClientPipeline#configure(io.netty.channel.ChannelPipeline, java.net.URI, ClosingHandshakeConfig,
 * ClientOptions, io.netty.channel.ChannelHandler...)}.
 *
 * <p>Start from {@link #DEFAULTS} and adjust with the {@code with…} methods; every instance is
 * immutable, thread-safe and may be shared by any number of pipelines. The limits and timeouts
 * are those of {@link ServerOptions} and {@link ServerProtection}, with the same defaults, and
 * do the same on a client; a duration of zero turns that timeout off.
 *
 * <table>
 *   <caption>Settings and defaults</caption>
 *   <tr><th>setting</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@link #maxFrameBytes()}</td><td>64 KiB</td><td>the largest frame payload from the
 *       server (compressed, if it is); a larger frame fails the connection with 1009</td></tr>
 *   <tr><td>{@link #maxMessageBytes()}</td><td>64 KiB</td><td>the largest message from the server,
 *       all its fragments together and after inflating; a larger one fails with 1009</td></tr>
 *   <tr><td>{@link #compression()}</td><td>off</td><td>permessage-deflate offered to the server
 *       (RFC 7692), see {@link PerMessageDeflateConfig} for what each setting means on a client</td></tr>
 *   <tr><td>{@link #upgradeTimeout()}</td><td>10 s</td><td>from {@code connect} (or the pipeline's
 *       creation on a connected channel) to the server's 101, TLS included; then the upgrade fails
 *       with {@link UpgradeFailedException.Reason#TIMEOUT}</td></tr>
 *   <tr><td>{@link #pingInterval()}</td><td>20 s</td><td>after this long with nothing from the
 *       server, a ping</td></tr>
 *   <tr><td>{@link #pongTimeout()}</td><td>20 s</td><td>nothing from the server this long after a
 *       ping fails the connection with 1011 ({@link CloseReport.Cause#KEEPALIVE_TIMEOUT})</td></tr>
 *   <tr><td>{@link #idleTimeout()}</td><td>off</td><td>no text or binary message either way this
 *       long closes with 1001 ({@link CloseReport.Cause#IDLE_TIMEOUT})</td></tr>
 *   <tr><td>{@link #maxPendingBytes()}</td><td>4 MiB</td><td>a write while more than this waits
 *       for a server that does not read closes with 1008 ({@link CloseReport.Cause#SLOW_CONSUMER})</td></tr>
 *   <tr><td>{@link #subprotocols()}</td><td>none</td><td>offered in {@code Sec-WebSocket-Protocol},
 *       in order of preference</td></tr>
 *   <tr><td>{@link #headers()}</td><td>none</td><td>added to the upgrade request, such as
 *       {@code Authorization} or {@code Cookie}</td></tr>
 *   <tr><td>{@link #sslContext()}</td><td>none</td><td>the TLS settings of {@code wss://}; without
 *       one, a {@code wss://} pipeline uses the JDK's trust store and checks the host name</td></tr>
 * </table>
 *
 * @param maxFrameBytes     the largest frame payload, positive and at most {@code maxMessageBytes}
 * @param maxMessageBytes   the largest message, positive
 * @param compressionOrNull permessage-deflate settings, or null for none
 * @param upgradeTimeout    how long the upgrade may take, zero for no limit
 * @param pingInterval      how long the server may be quiet before a ping, zero for no pings
 * @param pongTimeout       how long after a ping the server may stay quiet, zero to never fail for it
 * @param idleTimeout       how long no message may go either way, zero for no limit
 * @param maxPendingBytes   the most bytes that may wait for the server to read, positive
 * @param subprotocols      the subprotocols offered, in order; each an HTTP token
 * @param headers           extra headers of the upgrade request; copied, read-only
 * @param sslContextOrNull  the TLS settings of {@code wss://}, or null for the defaults
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6455#section-4.1">RFC 6455 §4.1</a>
 */
public record ClientOptions(int maxFrameBytes, int maxMessageBytes, @Nullable PerMessageDeflateConfig compressionOrNull,
        Duration upgradeTimeout, Duration pingInterval, Duration pongTimeout, Duration idleTimeout, long maxPendingBytes,
        List<String> subprotocols, HttpHeaders headers, @Nullable SslContext sslContextOrNull) {

    /** 64 KiB frames and messages, no compression, the default timeouts of {@link ServerProtection}, no extra headers. */
    public static final ClientOptions DEFAULTS = new ClientOptions(ServerOptions.DEFAULT_MAX_BYTES, ServerOptions.DEFAULT_MAX_BYTES,
            null, ServerProtection.DEFAULT_UPGRADE_TIMEOUT, ServerProtection.DEFAULT_PING_INTERVAL,
            ServerProtection.DEFAULT_PONG_TIMEOUT, Duration.ZERO, ServerProtection.DEFAULT_MAX_PENDING_BYTES, List.of(),
            new ReadOnlyHttpHeaders(true), null);

    /**
     * Checks the settings, and copies the subprotocols and headers.
     *
     * @param maxFrameBytes     the largest frame payload, positive and at most {@code maxMessageBytes}
     * @param maxMessageBytes   the largest message, positive
     * @param compressionOrNull permessage-deflate settings, or null for none
     * @param upgradeTimeout    how long the upgrade may take, zero for no limit
     * @param pingInterval      how long the server may be quiet before a ping, zero for no pings
     * @param pongTimeout       how long after a ping the server may stay quiet, zero to never fail for it
     * @param idleTimeout       how long no message may go either way, zero for no limit
     * @param maxPendingBytes   the most bytes that may wait for the server to read, positive
     * @param subprotocols      the subprotocols offered, in order
     * @param headers           extra headers of the upgrade request
     * @param sslContextOrNull  the TLS settings of {@code wss://}, or null for the defaults
     * @throws NullPointerException     if an argument but the nullable ones is null
     * @throws IllegalArgumentException if a limit is not positive, frames may be larger than
     *                                  messages, a duration is negative, or a subprotocol is not an
     *                                  HTTP token
     */
    public ClientOptions {
        positive("maxMessageBytes", maxMessageBytes);
        positive("maxFrameBytes", maxFrameBytes);
        if (maxFrameBytes > maxMessageBytes) {
            throw new IllegalArgumentException("maxFrameBytes larger than maxMessageBytes: " + maxFrameBytes
                    + " (expected: <= " + maxMessageBytes + ")");
        }
        if (maxPendingBytes <= 0) {
            throw new IllegalArgumentException("maxPendingBytes must be positive: " + maxPendingBytes);
        }
        ServerProtection.requireNotNegative(upgradeTimeout, "upgradeTimeout");
        ServerProtection.requireNotNegative(pingInterval, "pingInterval");
        ServerProtection.requireNotNegative(pongTimeout, "pongTimeout");
        ServerProtection.requireNotNegative(idleTimeout, "idleTimeout");
        subprotocols = List.copyOf(Objects.requireNonNull(subprotocols, "subprotocols"));
        subprotocols.forEach(ClientOptions::requireToken);
        headers = readOnly(Objects.requireNonNull(headers, "headers"));
    }

    /**
     * The permessage-deflate settings, if compression is offered.
     *
     * @return the settings, or empty
     */
    public Optional<PerMessageDeflateConfig> compression() {
        return Optional.ofNullable(compressionOrNull);
    }

    /**
     * The TLS settings of {@code wss://}, if set.
     *
     * @return the settings, or empty for the defaults
     */
    public Optional<SslContext> sslContext() {
        return Optional.ofNullable(sslContextOrNull);
    }

    /**
     * Returns a copy that accepts messages, and frames, of at most {@code maxMessageBytes};
     * narrow the frames with {@link #withMaxFrameBytes(int)} afterwards.
     *
     * @param maxMessageBytes positive
     * @return the copy
     * @throws IllegalArgumentException if the limit is not positive
     */
    public ClientOptions withMaxMessageBytes(int maxMessageBytes) {
        return new ClientOptions(maxMessageBytes, maxMessageBytes, compressionOrNull, upgradeTimeout, pingInterval,
                pongTimeout, idleTimeout, maxPendingBytes, subprotocols, headers, sslContextOrNull);
    }

    /**
     * Returns a copy that accepts frame payloads of at most {@code maxFrameBytes}.
     *
     * @param maxFrameBytes positive, at most {@link #maxMessageBytes()}
     * @return the copy
     * @throws IllegalArgumentException if the limit is not positive or above the message limit
     */
    public ClientOptions withMaxFrameBytes(int maxFrameBytes) {
        return new ClientOptions(maxFrameBytes, maxMessageBytes, compressionOrNull, upgradeTimeout, pingInterval,
                pongTimeout, idleTimeout, maxPendingBytes, subprotocols, headers, sslContextOrNull);
    }

    /**
     * Returns a copy that offers permessage-deflate with {@code compression}'s settings.
     *
     * @param compression the settings
     * @return the copy
     * @throws NullPointerException if {@code compression} is null
     */
    public ClientOptions withCompression(PerMessageDeflateConfig compression) {
        return new ClientOptions(maxFrameBytes, maxMessageBytes, Objects.requireNonNull(compression, "compression"),
                upgradeTimeout, pingInterval, pongTimeout, idleTimeout, maxPendingBytes, subprotocols, headers, sslContextOrNull);
    }

    /**
     * Returns a copy that offers no compression.
     *
     * @return the copy
     */
    public ClientOptions withoutCompression() {
        return new ClientOptions(maxFrameBytes, maxMessageBytes, null, upgradeTimeout, pingInterval, pongTimeout,
                idleTimeout, maxPendingBytes, subprotocols, headers, sslContextOrNull);
    }

    /**
     * Returns a copy with the given upgrade timeout; zero turns it off.
     *
     * @param upgradeTimeout how long from connect to the server's 101
     * @return the copy
     * @throws IllegalArgumentException if it is negative
     */
    public ClientOptions withUpgradeTimeout(Duration upgradeTimeout) {
        return new ClientOptions(maxFrameBytes, maxMessageBytes, compressionOrNull, upgradeTimeout, pingInterval,
                pongTimeout, idleTimeout, maxPendingBytes, subprotocols, headers, sslContextOrNull);
    }

    /**
     * Returns a copy with the given ping interval; zero turns the keepalive off.
     *
     * @param pingInterval how long the server may be quiet before a ping
     * @return the copy
     * @throws IllegalArgumentException if it is negative
     */
    public ClientOptions withPingInterval(Duration pingInterval) {
        return new ClientOptions(maxFrameBytes, maxMessageBytes, compressionOrNull, upgradeTimeout, pingInterval,
                pongTimeout, idleTimeout, maxPendingBytes, subprotocols, headers, sslContextOrNull);
    }

    /**
     * Returns a copy with the given pong timeout; zero keeps the pings but never fails for a missing pong.
     *
     * @param pongTimeout how long after a ping the server may stay quiet
     * @return the copy
     * @throws IllegalArgumentException if it is negative
     */
    public ClientOptions withPongTimeout(Duration pongTimeout) {
        return new ClientOptions(maxFrameBytes, maxMessageBytes, compressionOrNull, upgradeTimeout, pingInterval,
                pongTimeout, idleTimeout, maxPendingBytes, subprotocols, headers, sslContextOrNull);
    }

    /**
     * Returns a copy with the given idle timeout; zero turns it off.
     *
     * @param idleTimeout how long no message may go either way
     * @return the copy
     * @throws IllegalArgumentException if it is negative
     */
    public ClientOptions withIdleTimeout(Duration idleTimeout) {
        return new ClientOptions(maxFrameBytes, maxMessageBytes, compressionOrNull, upgradeTimeout, pingInterval,
                pongTimeout, idleTimeout, maxPendingBytes, subprotocols, headers, sslContextOrNull);
    }

    /**
     * Returns a copy with the given limit of bytes waiting for the server to read.
     *
     * @param maxPendingBytes positive
     * @return the copy
     * @throws IllegalArgumentException if it is not positive
     */
    public ClientOptions withMaxPendingBytes(long maxPendingBytes) {
        return new ClientOptions(maxFrameBytes, maxMessageBytes, compressionOrNull, upgradeTimeout, pingInterval,
                pongTimeout, idleTimeout, maxPendingBytes, subprotocols, headers, sslContextOrNull);
    }

    /**
     * Returns a copy that offers {@code subprotocols}, in order of preference, in
     * {@code Sec-WebSocket-Protocol}; none offers none.
     *
     * @param subprotocols HTTP tokens, such as {@code "graphql-transport-ws"}
     * @return the copy
     * @throws IllegalArgumentException if one is not an HTTP token
     */
    public ClientOptions withSubprotocols(String... subprotocols) {
        return new ClientOptions(maxFrameBytes, maxMessageBytes, compressionOrNull, upgradeTimeout, pingInterval,
                pongTimeout, idleTimeout, maxPendingBytes, List.of(subprotocols), headers, sslContextOrNull);
    }

    /**
     * Returns a copy whose upgrade request carries {@code headers} besides its own (they replace
     * the ones set before); {@code Sec-WebSocket-Protocol} is {@link #withSubprotocols(String...)}'s.
     *
     * @param headers the headers, copied
     * @return the copy
     */
    public ClientOptions withHeaders(HttpHeaders headers) {
        return new ClientOptions(maxFrameBytes, maxMessageBytes, compressionOrNull, upgradeTimeout, pingInterval,
                pongTimeout, idleTimeout, maxPendingBytes, subprotocols, headers, sslContextOrNull);
    }

    /**
     * Returns a copy that uses {@code sslContext} for {@code wss://}.
     *
     * @param sslContext a client context
     * @return the copy
     * @throws NullPointerException     if {@code sslContext} is null
     * @throws IllegalArgumentException if it is a server context
     */
    public ClientOptions withSslContext(SslContext sslContext) {
        if (!Objects.requireNonNull(sslContext, "sslContext").isClient()) {
            throw new IllegalArgumentException("a client needs a client SslContext, got a server one");
        }
        return new ClientOptions(maxFrameBytes, maxMessageBytes, compressionOrNull, upgradeTimeout, pingInterval,
                pongTimeout, idleTimeout, maxPendingBytes, subprotocols, headers, sslContext);
    }

    /** The protections of the open connection, for its {@link ConnectionGuard}. */
    ServerProtection protection() {
        return new ServerProtection(upgradeTimeout, pingInterval, pongTimeout, idleTimeout, maxPendingBytes,
                ServerProtection.DEFAULT_SLOW_CONSUMER_REASON);
    }

    private static HttpHeaders readOnly(HttpHeaders headers) {
        if (headers instanceof ReadOnlyHttpHeaders) {
            return headers;
        }
        List<CharSequence> pairs = new ArrayList<>(headers.size() * 2);
        for (Map.Entry<String, String> header : headers) {
            pairs.add(header.getKey());
            pairs.add(header.getValue());
        }
        return new ReadOnlyHttpHeaders(true, pairs.toArray(CharSequence[]::new));
    }

    /** A subprotocol is an HTTP token (RFC 6455 §4.1, RFC 7230 §3.2.6). */
    private static void requireToken(String subprotocol) {
        Objects.requireNonNull(subprotocol, "subprotocol");
        boolean token = !subprotocol.isEmpty() && subprotocol.chars().allMatch(
                c -> c > 0x20 && c < 0x7F && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0);
        if (!token) {
            throw new IllegalArgumentException("subprotocol is not an HTTP token: \"" + subprotocol + "\"");
        }
    }

    private static void positive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive: " + value);
        }
    }
}
