package io.github.wsclose;

import java.time.Duration;
import java.util.Objects;

/**
 * The limits and timeouts by which a {@link ServerPipeline} closes connections on its own, so
 * that no peer can hold a connection, or the server's memory, for longer or more than allowed.
 *
 * <p>Start from {@link #defaults()}, which are safe to put in front of a hostile network, and
 * adjust with the {@code with…} methods. A duration of zero turns that timeout off; the byte
 * limits are always on. Every instance is immutable, thread-safe and may be shared by any number
 * of pipelines. docs/protection.md says what the peer sees and what the report says for each.
 *
 * <table>
 *   <caption>Settings and defaults</caption>
 *   <tr><th>setting</th><th>default</th><th>when it is exceeded</th></tr>
 *   <tr><td>{@link #upgradeTimeout()}</td><td>10 s</td><td>a connection not upgraded this long
 *       after accept is closed, whatever it sent (plain HTTP exchanges included), with an
 *       {@link UpgradeRejected} event; an HTTP/2 connection ({@link Http2ServerPipeline}) that
 *       holds no open stream this long gets GOAWAY and is closed</td></tr>
 *   <tr><td>{@link #pingInterval()}</td><td>20 s</td><td>after this long with nothing from the
 *       peer, a ping is sent</td></tr>
 *   <tr><td>{@link #pongTimeout()}</td><td>20 s</td><td>nothing from the peer this long after a
 *       ping fails the connection with {@code 1011} ({@link CloseReport.Cause#KEEPALIVE_TIMEOUT})</td></tr>
 *   <tr><td>{@link #idleTimeout()}</td><td>off</td><td>no text or binary message either way this
 *       long closes with {@code 1001} ({@link CloseReport.Cause#IDLE_TIMEOUT})</td></tr>
 *   <tr><td>{@link #maxPendingBytes()}</td><td>4 MiB</td><td>a write while more than this is queued to a peer that
 *       does not read closes with {@link #slowConsumerReason()} ({@link CloseReport.Cause#SLOW_CONSUMER})</td></tr>
 *   <tr><td>{@link #slowConsumerReason()}</td><td>{@code 1008}</td><td>the close frame sent to a slow consumer</td></tr>
 * </table>
 *
 * @param upgradeTimeout     how long a connection may stay un-upgraded after accept, zero for no limit
 * @param pingInterval       how long the peer may be quiet before a ping, zero for no pings
 * @param pongTimeout        how long after a ping the peer may stay quiet, zero to never fail for it
 * @param idleTimeout        how long no message may go either way, zero for no limit
 * @param maxPendingBytes    the most bytes that may wait in the outbound buffer for a peer to read, positive
 * @param slowConsumerReason the close frame sent when {@code maxPendingBytes} is exceeded, sendable
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6455#section-10.4">RFC 6455 §10.4</a>
 */
public record ServerProtection(Duration upgradeTimeout, Duration pingInterval, Duration pongTimeout, Duration idleTimeout,
        long maxPendingBytes, CloseReason slowConsumerReason) {

    /** The default upgrade timeout: a slow client upgrades in far less, a silent one is gone soon. */
    public static final Duration DEFAULT_UPGRADE_TIMEOUT = Duration.ofSeconds(10);

    /** The default ping interval, as Python's websockets: well within the idle timeouts of NATs and proxies. */
    public static final Duration DEFAULT_PING_INTERVAL = Duration.ofSeconds(20);

    /** The default pong timeout, as Python's websockets: a live peer answers in far less. */
    public static final Duration DEFAULT_PONG_TIMEOUT = Duration.ofSeconds(20);

    /** The default limit of bytes queued to a peer: 4 MiB, many messages deep, small beside a heap. */
    public static final long DEFAULT_MAX_PENDING_BYTES = 4L << 20;

    /** The default close frame for a peer that reads too slowly. */
    public static final CloseReason DEFAULT_SLOW_CONSUMER_REASON =
            new CloseReason(CloseReason.Codes.VIOLATED_POLICY, "too much data waiting for a slow reader");

    /**
     * Checks the settings.
     *
     * @param upgradeTimeout     how long a connection may stay un-upgraded after accept, zero for no limit
     * @param pingInterval       how long the peer may be quiet before a ping, zero for no pings
     * @param pongTimeout        how long after a ping the peer may stay quiet, zero to never fail for it
     * @param idleTimeout        how long no message may go either way, zero for no limit
     * @param maxPendingBytes    the most bytes that may wait for a peer to read, positive
     * @param slowConsumerReason the close frame sent when {@code maxPendingBytes} is exceeded, sendable
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if a duration is negative, a byte limit is not positive,
     *                                  or {@code slowConsumerReason} may not be sent
     */
    public ServerProtection {
        requireNotNegative(upgradeTimeout, "upgradeTimeout");
        requireNotNegative(pingInterval, "pingInterval");
        requireNotNegative(pongTimeout, "pongTimeout");
        requireNotNegative(idleTimeout, "idleTimeout");
        requirePositive(maxPendingBytes, "maxPendingBytes");
        Objects.requireNonNull(slowConsumerReason, "slowConsumerReason").requireSendable();
    }

    /**
     * The defaults: every protection on but the idle timeout.
     *
     * @return the settings of the table above
     */
    public static ServerProtection defaults() {
        return new ServerProtection(DEFAULT_UPGRADE_TIMEOUT, DEFAULT_PING_INTERVAL, DEFAULT_PONG_TIMEOUT, Duration.ZERO,
                DEFAULT_MAX_PENDING_BYTES, DEFAULT_SLOW_CONSUMER_REASON);
    }

    /**
     * Returns a copy with the given upgrade timeout; zero turns it off.
     *
     * @param upgradeTimeout how long a connection may stay un-upgraded after accept
     * @return the new settings
     */
    public ServerProtection withUpgradeTimeout(Duration upgradeTimeout) {
        return new ServerProtection(upgradeTimeout, pingInterval, pongTimeout, idleTimeout, maxPendingBytes,
                slowConsumerReason);
    }

    /**
     * Returns a copy with the given ping interval; zero turns the keepalive off.
     *
     * @param pingInterval how long the peer may be quiet before a ping
     * @return the new settings
     */
    public ServerProtection withPingInterval(Duration pingInterval) {
        return new ServerProtection(upgradeTimeout, pingInterval, pongTimeout, idleTimeout, maxPendingBytes,
                slowConsumerReason);
    }

    /**
     * Returns a copy with the given pong timeout; zero keeps the pings but never fails for a missing pong.
     *
     * @param pongTimeout how long after a ping the peer may stay quiet
     * @return the new settings
     */
    public ServerProtection withPongTimeout(Duration pongTimeout) {
        return new ServerProtection(upgradeTimeout, pingInterval, pongTimeout, idleTimeout, maxPendingBytes,
                slowConsumerReason);
    }

    /**
     * Returns a copy with the given idle timeout; zero turns it off.
     *
     * @param idleTimeout how long no message may go either way
     * @return the new settings
     */
    public ServerProtection withIdleTimeout(Duration idleTimeout) {
        return new ServerProtection(upgradeTimeout, pingInterval, pongTimeout, idleTimeout, maxPendingBytes,
                slowConsumerReason);
    }

    /**
     * Returns a copy with the given limit of bytes queued to a peer.
     *
     * @param maxPendingBytes the most bytes that may wait for a peer to read, positive
     * @return the new settings
     */
    public ServerProtection withMaxPendingBytes(long maxPendingBytes) {
        return new ServerProtection(upgradeTimeout, pingInterval, pongTimeout, idleTimeout, maxPendingBytes,
                slowConsumerReason);
    }

    /**
     * Returns a copy that closes a slow consumer with {@code slowConsumerReason}.
     *
     * @param slowConsumerReason the close frame sent to a slow consumer, sendable
     * @return the new settings
     */
    public ServerProtection withSlowConsumerReason(CloseReason slowConsumerReason) {
        return new ServerProtection(upgradeTimeout, pingInterval, pongTimeout, idleTimeout, maxPendingBytes,
                slowConsumerReason);
    }

    /** The one check of a duration setting of this library: not null, not negative. */
    static void requireNotNegative(Duration duration, String name) {
        if (Objects.requireNonNull(duration, name).isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative: " + duration);
        }
    }

    private static void requirePositive(long bytes, String name) {
        if (bytes <= 0) {
            throw new IllegalArgumentException(name + " must be positive: " + bytes);
        }
    }
}
