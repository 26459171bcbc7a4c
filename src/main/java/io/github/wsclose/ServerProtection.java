package io.github.wsclose;

import java.time.Duration;
import java.util.Objects;

/**
 * The limits and timeouts by which a {@link ServerPipeline} closes connections on its own, so
 * that no peer can hold a connection, or the server's memory, for longer or more than allowed.
 *
 * <p>Start from {@link #defaults()}, which are safe to put in front of a hostile network, and
 * adjust with the {@code with…} methods. A duration of zero turns that timeout off. Every
 * instance is immutable, thread-safe and may be shared by any number of pipelines.
 *
 * <table>
 *   <caption>Settings and defaults</caption>
 *   <tr><th>setting</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@link #upgradeTimeout()}</td><td>10 s</td><td>from accept until the WebSocket
 *       upgrade is done; a connection not upgraded by then is closed, and every plain HTTP
 *       exchange on it must end within the same time</td></tr>
 * </table>
 *
 * @param upgradeTimeout how long a connection may stay un-upgraded, zero for no limit
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6455#section-4.2">RFC 6455 §4.2</a>
 */
public record ServerProtection(Duration upgradeTimeout) {

    /** The default upgrade timeout: a slow client upgrades in far less, a silent one is gone soon. */
    public static final Duration DEFAULT_UPGRADE_TIMEOUT = Duration.ofSeconds(10);

    /**
     * Checks the settings.
     *
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if a duration is negative
     */
    public ServerProtection {
        requireNotNegative(upgradeTimeout, "upgradeTimeout");
    }

    /** The defaults: every protection on. */
    public static ServerProtection defaults() {
        return new ServerProtection(DEFAULT_UPGRADE_TIMEOUT);
    }

    /** Returns a copy with the given upgrade timeout; zero turns it off. */
    public ServerProtection withUpgradeTimeout(Duration upgradeTimeout) {
        return new ServerProtection(upgradeTimeout);
    }

    private static void requireNotNegative(Duration duration, String name) {
        if (Objects.requireNonNull(duration, name).isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative: " + duration);
        }
    }
}
