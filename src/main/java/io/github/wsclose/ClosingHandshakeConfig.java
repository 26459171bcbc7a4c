package io.github.wsclose;

import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link ClosingHandshakeHandler} runs the closing handshake of RFC 6455 §7.
 *
 * <p>Start from {@link #server()} or {@link #client()} and adjust with the {@code with…}
 * methods; every instance is immutable, thread-safe and may be shared by any number of
 * handlers.
 *
 * <table>
 *   <caption>Settings and defaults</caption>
 *   <tr><th>setting</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@link #role()}</td><td>-</td><td>a server closes TCP as soon as both close frames
 *       are exchanged; a client waits for the server to close it (§7.1.1)</td></tr>
 *   <tr><td>{@link #closeTimeout()}</td><td>5 s</td><td>how long a started close may take, from the
 *       first close frame sent or received until TCP is closed; then TCP is closed anyway</td></tr>
 *   <tr><td>{@link #echoReason()}</td><td>false</td><td>whether the answer to a peer's close
 *       repeats its reason text as well as its code</td></tr>
 *   <tr><td>{@link #closeReasonOnClose()}</td><td>1001 GOING_AWAY</td><td>the close frame a
 *       plain {@code channel.close()} sends</td></tr>
 * </table>
 *
 * @param role               server or client
 * @param closeTimeout       the longest a started close may take, positive
 * @param echoReason         whether to echo the peer's reason text in the answer
 * @param closeReasonOnClose what a plain {@code channel.close()} sends, sendable
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6455#section-7">RFC 6455 §7</a>
 */
public record ClosingHandshakeConfig(Role role, Duration closeTimeout, boolean echoReason, CloseReason closeReasonOnClose) {

    /** The default close timeout: long enough for a slow peer, short enough to free a server quickly. */
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(5);

    /**
     * Checks the settings.
     *
     * @param role               server or client
     * @param closeTimeout       the longest a started close may take
     * @param echoReason         whether to echo the peer's reason text in the answer
     * @param closeReasonOnClose what a plain {@code channel.close()} sends
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code closeTimeout} is not positive or
     *                                  {@code closeReasonOnClose} may not be sent
     */
    public ClosingHandshakeConfig {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(closeTimeout, "closeTimeout");
        Objects.requireNonNull(closeReasonOnClose, "closeReasonOnClose").requireSendable();
        if (closeTimeout.isNegative() || closeTimeout.isZero()) {
            throw new IllegalArgumentException("closeTimeout must be positive: " + closeTimeout);
        }
    }

    private static final ClosingHandshakeConfig SERVER =
            new ClosingHandshakeConfig(Role.SERVER, DEFAULT_CLOSE_TIMEOUT, false, CloseReason.Codes.GOING_AWAY.withoutMessage);

    /**
     * The defaults for a server.
     *
     * @return a server configuration with the default close timeout, no reason echo, and
     *         {@code 1001 GOING_AWAY} on a plain {@code channel.close()}
     */
    public static ClosingHandshakeConfig server() {
        return SERVER; // one instance for every connection: a record, immutable
    }

    /**
     * The defaults for a client.
     *
     * @return the same as {@link #server()}, for a client
     */
    public static ClosingHandshakeConfig client() {
        return server().withRole(Role.CLIENT);
    }

    /**
     * Returns a copy with the given role.
     *
     * @param role server or client
     * @return the new configuration
     */
    public ClosingHandshakeConfig withRole(Role role) {
        return new ClosingHandshakeConfig(role, closeTimeout, echoReason, closeReasonOnClose);
    }

    /**
     * Returns a copy with the given close timeout.
     *
     * @param closeTimeout the longest a started close may take, positive
     * @return the new configuration
     * @throws IllegalArgumentException if {@code closeTimeout} is not positive
     */
    public ClosingHandshakeConfig withCloseTimeout(Duration closeTimeout) {
        return new ClosingHandshakeConfig(role, closeTimeout, echoReason, closeReasonOnClose);
    }

    /**
     * Returns a copy that does, or does not, echo the peer's reason text.
     *
     * @param echoReason whether the answer to a peer's close repeats its reason text
     * @return the new configuration
     */
    public ClosingHandshakeConfig withEchoReason(boolean echoReason) {
        return new ClosingHandshakeConfig(role, closeTimeout, echoReason, closeReasonOnClose);
    }

    /**
     * Returns a copy whose plain {@code channel.close()} sends {@code closeReasonOnClose}.
     *
     * @param closeReasonOnClose what a plain {@code channel.close()} sends
     * @return the new configuration
     * @throws IllegalArgumentException if {@code closeReasonOnClose} may not be sent
     */
    public ClosingHandshakeConfig withCloseReasonOnClose(CloseReason closeReasonOnClose) {
        return new ClosingHandshakeConfig(role, closeTimeout, echoReason, closeReasonOnClose);
    }

    /** Which end of the connection the handler runs on. */
    public enum Role {
        /** Closes TCP first, as soon as both close frames are exchanged (§7.1.1). */
        SERVER,
        /** Waits for the server to close TCP, up to the close timeout. */
        CLIENT
    }
}
