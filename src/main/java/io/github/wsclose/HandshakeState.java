package io.github.wsclose;

import io.github.wsclose.CloseReport.Cause;
import io.github.wsclose.CloseReport.Initiator;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Where one connection stands in the closing handshake, as a value: the {@link State}, the close
 * frame received and the one sent (each, or none), who started the close, why, the first failure,
 * and when the close started. Everything else is derived: whether the handshake completed, whether
 * it was clean, the report. Each transition is a pure function that returns the next value, so
 * {@link ClosingHandshakeHandler} only decides which one applies and does the I/O.
 *
 * <p>Immutable and thread-safe.
 *
 * @param state      where the connection stands
 * @param received   the peer's close frame, or null
 * @param sent       the close frame this end sent or is sending, or null
 * @param initiator  who started the close; null while open
 * @param cause      why the connection is closing; null while open
 * @param failure    the first exception that failed or broke the connection, or null
 * @param startNanos when the close started, on the event loop's ticker
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6455#section-7">RFC 6455 §7</a>
 */
record HandshakeState(State state, @Nullable CloseReason received, @Nullable CloseReason sent, @Nullable Initiator initiator,
        @Nullable Cause cause, @Nullable Throwable failure, long startNanos) {

    /** Next to Netty's upgrade handler, before the HTTP upgrade. */
    static final HandshakeState AWAITING_UPGRADE = new HandshakeState(State.AWAITING_UPGRADE, null, null, null, null, null, 0);
    /** A WebSocket connection with no close started. */
    static final HandshakeState OPEN = new HandshakeState(State.OPEN, null, null, null, null, null, 0);

    /** The upgrade completed: the connection is open. */
    HandshakeState upgraded() {
        return state == State.AWAITING_UPGRADE ? OPEN : this;
    }

    /** Starts the close for {@code why} at {@code nowNanos}, if the connection is open; no change otherwise. */
    HandshakeState started(Cause why, long nowNanos) {
        if (state != State.OPEN) {
            return this;
        }
        // the peer starts with its close frame or by dropping TCP; every other cause is this end's
        Initiator by = why == Cause.PEER || why == Cause.TRANSPORT ? Initiator.REMOTE : Initiator.LOCAL;
        return new HandshakeState(State.CLOSING, null, null, by, why, failure, nowNanos);
    }

    /** The peer's close frame arrived. */
    HandshakeState withReceived(CloseReason peer) {
        return new HandshakeState(state, peer, sent, initiator, cause, failure, startNanos);
    }

    /** This end's close frame is on its way. */
    HandshakeState withSent(CloseReason ours) {
        return new HandshakeState(state, received, ours, initiator, cause, failure, startNanos);
    }

    /**
     * Something went wrong: a timeout, a failure or a broken transport. It starts the close if
     * none was started, and replaces an orderly cause unless the handshake completed (see
     * {@link Cause}).
     */
    HandshakeState troubled(Cause trouble, long nowNanos) {
        if (state == State.OPEN) {
            return started(trouble, nowNanos);
        }
        boolean orderlySoFar = cause != null && cause.orderly() && !(handshakeComplete() && failure == null);
        return orderlySoFar ? new HandshakeState(state, received, sent, initiator, trouble, failure, startNanos) : this;
    }

    /** Records {@code failed}, unless an earlier failure was recorded: the first one is the report's. */
    HandshakeState withFailure(Throwable failed) {
        return failure != null ? this : new HandshakeState(state, received, sent, initiator, cause, failed, startNanos);
    }

    /** TCP closed: the terminal state. */
    HandshakeState closed() {
        return new HandshakeState(State.CLOSED, received, sent, initiator, cause, failure, startNanos);
    }

    /** Both close frames were exchanged (§7.1.4: the closing handshake is complete). */
    boolean handshakeComplete() {
        return received != null && sent != null;
    }

    /**
     * The report of a connection carried by {@code httpVersion} whose TCP closed at
     * {@code nowNanos}, with the keepalive's latest round trip, if any; only for a close that started.
     */
    CloseReport report(long nowNanos, @Nullable Duration lastPingRoundTrip, CloseReport.HttpVersion httpVersion) {
        if (initiator == null || cause == null) {
            throw new IllegalStateException("no close started: " + this);
        }
        // a connection that died with no close frame either way took no closing handshake at all
        Duration took = received == null && sent == null ? Duration.ZERO : Duration.ofNanos(nowNanos - startNanos);
        return CloseReport.of(received, sent, initiator, took, cause, failure, lastPingRoundTrip, httpVersion);
    }

    /** Where the connection stands in the closing handshake. */
    enum State {
        /** Next to Netty's upgrade handler, before the HTTP upgrade completed: not ours yet. */
        AWAITING_UPGRADE,
        /** Open: no close frame sent or received. */
        OPEN,
        /** A close started: a close frame went or came (see {@link #sent()} and {@link #received()}), or TCP is closing. */
        CLOSING,
        /** Terminal: TCP closed and the report delivered. */
        CLOSED
    }
}
