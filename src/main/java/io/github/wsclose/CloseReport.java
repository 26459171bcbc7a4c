package io.github.wsclose;

import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * How one WebSocket connection ended: delivered once per connection by
 * {@link ClosingHandshakeHandler}, as a user event and through
 * {@link ClosingHandshakeHandler#closeReport(io.netty.channel.Channel)}, on every path.
 *
 * <p>It holds both close frames, {@link #received()} (the peer's) and {@link #sent()} (ours),
 * and {@link #reason()}, the connection's close code and reason as RFC 6455 §7.1.5 defines
 * them: the close frame received first, {@code 1005 NO_STATUS_RECEIVED} if it had no body,
 * {@code 1006 CLOSED_ABNORMALLY} if none arrived. {@link #clean()} is true when TCP closed
 * after the closing handshake completed (§7.1.4): both close frames were exchanged, ours was
 * written, and nothing failed (the close frames alone say it: which end closed TCP does not). A connection this end failed (§7.1.7) is never clean: one close
 * frame is sent and TCP closed without waiting for the answer, so the handshake never completes.
 * {@link #httpVersion()} says what carried the connection: a TCP connection upgraded by HTTP/1.1,
 * or a stream of an HTTP/2 connection (RFC 8441), whose END_STREAM and RST_STREAM stand for TCP's
 * close and reset.
 *
 * <p>Immutable and thread-safe.
 *
 * @param reason    the connection's close code and reason (§7.1.5), never null
 * @param received  the close frame the peer sent, or null if none arrived
 * @param sent      the close frame this end sent (or began to send), or null if it sent none
 * @param initiator who started the close
 * @param clean     true when TCP closed after both close frames were exchanged, with no failure
 * @param duration  from the start of the close (first close frame sent or received, or the
 *                  failure) until TCP was closed; zero when no close frame went or came
 * @param cause     why the connection ended
 * @param failure   the exception that failed or broke the connection, if any
 * @param lastPingRoundTrip from our latest ping to the pong that answered it (the keepalive of
 *                  {@link ServerProtection#pingInterval()}), or null if no pong answered one
 * @param httpVersion the HTTP version that carried the connection: a TCP connection upgraded by
 *                  HTTP/1.1 (RFC 6455 §4), or a stream of an HTTP/2 connection (RFC 8441)
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6455#section-7.1.4">RFC 6455 §7.1.4</a>
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6455#section-7.1.5">RFC 6455 §7.1.5</a>
 */
public record CloseReport(CloseReason reason, @Nullable CloseReason received, @Nullable CloseReason sent,
        Initiator initiator, boolean clean, Duration duration, Cause cause, @Nullable Throwable failure,
        @Nullable Duration lastPingRoundTrip, HttpVersion httpVersion) {

    /** The reason of a connection that ended without a close frame from the peer (§7.1.5). */
    private static final CloseReason NONE_RECEIVED = CloseReason.Codes.CLOSED_ABNORMALLY.withoutMessage;

    /**
     * Checks that no field but {@code received}, {@code sent}, {@code failure} and
     * {@code lastPingRoundTrip} is null.
     *
     * @param reason    the connection's close code and reason (§7.1.5)
     * @param received  the close frame the peer sent, or null
     * @param sent      the close frame this end sent, or null
     * @param initiator who started the close
     * @param clean     whether TCP closed after the closing handshake completed
     * @param duration  how long the close took
     * @param cause     why the connection ended
     * @param failure   the exception that failed or broke the connection, or null
     * @param lastPingRoundTrip the round trip of the latest ping that a pong answered, or null
     * @param httpVersion the HTTP version that carried the connection
     * @throws NullPointerException if another argument is null
     */
    public CloseReport {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(initiator, "initiator");
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(cause, "cause");
        Objects.requireNonNull(httpVersion, "httpVersion");
    }

    /**
     * A report of a connection upgraded by HTTP/1.1.
     *
     * @param reason    the connection's close code and reason (§7.1.5)
     * @param received  the close frame the peer sent, or null
     * @param sent      the close frame this end sent, or null
     * @param initiator who started the close
     * @param clean     whether TCP closed after the closing handshake completed
     * @param duration  how long the close took
     * @param cause     why the connection ended
     * @param failure   the exception that failed or broke the connection, or null
     * @param lastPingRoundTrip the round trip of the latest ping that a pong answered, or null
     * @throws NullPointerException if another argument is null
     */
    public CloseReport(CloseReason reason, @Nullable CloseReason received, @Nullable CloseReason sent,
            Initiator initiator, boolean clean, Duration duration, Cause cause, @Nullable Throwable failure,
            @Nullable Duration lastPingRoundTrip) {
        this(reason, received, sent, initiator, clean, duration, cause, failure, lastPingRoundTrip, HttpVersion.HTTP_1_1);
    }

    /**
     * A report of a connection upgraded by HTTP/1.1, without a keepalive round trip: no ping of
     * ours was answered, or none was sent.
     *
     * @param reason    the connection's close code and reason (§7.1.5)
     * @param received  the close frame the peer sent, or null
     * @param sent      the close frame this end sent, or null
     * @param initiator who started the close
     * @param clean     whether TCP closed after the closing handshake completed
     * @param duration  how long the close took
     * @param cause     why the connection ended
     * @param failure   the exception that failed or broke the connection, or null
     * @throws NullPointerException if another argument is null
     */
    public CloseReport(CloseReason reason, @Nullable CloseReason received, @Nullable CloseReason sent,
            Initiator initiator, boolean clean, Duration duration, Cause cause, @Nullable Throwable failure) {
        this(reason, received, sent, initiator, clean, duration, cause, failure, null, HttpVersion.HTTP_1_1);
    }

    /**
     * The one place a report is built: derives {@link #reason()} from {@code received} and
     * {@link #clean()} from what was exchanged (a close frame that could not be written is a
     * failure).
     */
    static CloseReport of(@Nullable CloseReason received, @Nullable CloseReason sent, Initiator initiator,
            Duration duration, Cause cause, @Nullable Throwable failure, @Nullable Duration lastPingRoundTrip,
            HttpVersion httpVersion) {
        boolean clean = received != null && sent != null && failure == null;
        return new CloseReport(received != null ? received : NONE_RECEIVED, received, sent, initiator, clean, duration,
                cause, failure, lastPingRoundTrip, httpVersion);
    }

    /**
     * Reads like {@code 1000 NORMAL: bye (REMOTE, PEER, clean, 3 ms, received 1000 NORMAL: bye, sent 1000 NORMAL)},
     * with {@code none} for a frame that did not go or come, then the keepalive's round trip
     * ({@code ping 12 ms}), {@code HTTP/2} for a stream of an HTTP/2 connection, and the failure,
     * if any.
     */
    @Override
    public String toString() {
        return reason + " (" + initiator + ", " + cause + ", " + (clean ? "clean" : "unclean") + ", " + duration.toMillis()
                + " ms, received " + (received == null ? "none" : received) + ", sent " + (sent == null ? "none" : sent)
                + (lastPingRoundTrip == null ? "" : ", ping " + lastPingRoundTrip.toMillis() + " ms")
                + (httpVersion == HttpVersion.HTTP_1_1 ? "" : ", " + httpVersion)
                + (failure == null ? ")" : ", " + failure + ")");
    }

    /**
     * The HTTP version that carried the WebSocket connection; metrics tag it as {@link #number()}.
     *
     * @see <a href="https://www.rfc-editor.org/rfc/rfc8441">RFC 8441</a>
     */
    public enum HttpVersion {
        /** A TCP connection upgraded by an HTTP/1.1 request (RFC 6455 §4). */
        HTTP_1_1("1.1"),
        /** A stream of an HTTP/2 connection, opened by an extended CONNECT (RFC 8441). */
        HTTP_2("2");

        private final String number;

        HttpVersion(String number) {
            this.number = number;
        }

        /**
         * The version's number, {@code 1.1} or {@code 2}.
         *
         * @return the number, as HTTP writes it
         */
        public String number() {
            return number;
        }

        /** {@code HTTP/1.1} or {@code HTTP/2}. */
        @Override
        public String toString() {
            return "HTTP/" + number;
        }
    }

    /** Who started the close. */
    public enum Initiator {
        /** This end: the application closed, or this end failed the connection. */
        LOCAL,
        /** The peer: it sent the first close frame, or the connection died under us. */
        REMOTE
    }

    /**
     * Why the connection ended, one value per path; metrics may tag on its lowercase name.
     *
     * <p>The close starts with one cause; trouble before the closing handshake completes (a
     * timeout, a failure, a broken transport) replaces {@link #PEER} and {@link #APPLICATION},
     * which would otherwise claim an orderly end, and leaves every other cause as it was.
     */
    public enum Cause {
        /** The peer sent the first close frame. */
        PEER,
        /** The application closed first: it wrote a {@link CloseReason} or called {@code channel.close()}. */
        APPLICATION,
        /** This end failed the connection for a protocol violation: 1002, or 1007 for invalid data (§7.1.7). */
        PROTOCOL_ERROR,
        /** This end failed the connection because a message or frame was too big: 1009. */
        MESSAGE_TOO_BIG,
        /** This end failed the connection for an unexpected exception: 1011. */
        UNEXPECTED_ERROR,
        /** The close started, but did not end within {@link ClosingHandshakeConfig#closeTimeout()}. */
        CLOSE_TIMEOUT,
        /** {@link GracefulDrain} started the close, or closed TCP at its deadline. */
        DRAIN,
        /** TCP broke, or closed before the closing handshake completed. */
        TRANSPORT,
        /**
         * Nothing came from the peer within {@link ServerProtection#pongTimeout()} of a ping: this
         * end failed the connection with {@code 1011 keepalive ping timeout}.
         */
        KEEPALIVE_TIMEOUT,
        /**
         * No text or binary message went either way for {@link ServerProtection#idleTimeout()}:
         * this end closed with {@code 1001}.
         */
        IDLE_TIMEOUT,
        /**
         * The peer left more than {@link ServerProtection#maxPendingBytes()} unread, or kept
         * pinging without reading the pongs: this end closed with
         * {@link ServerProtection#slowConsumerReason()} ({@code 1008} by default).
         */
        SLOW_CONSUMER;

        /** Tells whether trouble before the handshake completes replaces this cause (see above). */
        boolean orderly() {
            return this == PEER || this == APPLICATION;
        }
    }
}
