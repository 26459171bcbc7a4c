package io.github.wsclose;

import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * How one WebSocket connection ended: delivered once per connection by
 * {@link ClosingHandshakeHandler} as a user event, on every path.
 *
 * <p>{@link #reason()} is the close that ended the connection:
 * <ul>
 *   <li>the peer closed first: the peer's reason ({@code 1005 NO_STATUS_RECEIVED} for an
 *       empty close frame);</li>
 *   <li>this end closed first and the peer answered: the reason this end sent;</li>
 *   <li>this end failed the connection (protocol error, 1011): the close frame it sent;</li>
 *   <li>no close frame was received in time, or TCP died without one:
 *       {@code 1006 CLOSED_ABNORMALLY}, with a message that says what happened
 *       (RFC 6455 §7.1.5).</li>
 * </ul>
 *
 * <p>Immutable and thread-safe.
 *
 * @param reason    the close that ended the connection, never null
 * @param initiator who started the close
 * @param clean     true when both close frames were exchanged and TCP was then closed in
 *                  order (by the server, within the close timeout, with no failure)
 * @param duration  from the first close frame sent or received (or the failure) until TCP
 *                  was closed; zero when TCP died with no close started
 * @param cause     the exception that failed or broke the connection, if any
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6455#section-7.1.5">RFC 6455 §7.1.5</a>
 */
public record CloseReport(CloseReason reason, Initiator initiator, boolean clean, Duration duration, @Nullable Throwable cause) {

    /**
     * Checks that no field but {@code cause} is null.
     *
     * @param reason    the close that ended the connection
     * @param initiator who started the close
     * @param clean     whether the closing handshake completed in order
     * @param duration  how long the close took
     * @param cause     the exception that failed or broke the connection, or null
     * @throws NullPointerException if another argument is null
     */
    public CloseReport {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(initiator, "initiator");
        Objects.requireNonNull(duration, "duration");
    }

    /** Reads like {@code 1001 GOING_AWAY: restarting (REMOTE, clean, 3 ms)}. */
    @Override
    public String toString() {
        return reason + " (" + initiator + ", " + (clean ? "clean" : "unclean") + ", " + duration.toMillis() + " ms"
                + (cause == null ? ")" : ", " + cause + ")");
    }

    /** Who started the close. */
    public enum Initiator {
        /** This end: the application closed, or this end failed the connection. */
        LOCAL,
        /** The peer: it sent the first close frame, or the connection died under us. */
        REMOTE
    }
}
