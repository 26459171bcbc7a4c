package io.github.wsclose;

import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link GracefulDrain} takes a server out of a fleet: the close frame each connection
 * gets, how long to wait for the load balancer to see the readiness check fail, the window over
 * which the close frames are spread, and the deadline that bounds it all.
 *
 * <pre>{@code
 * DrainPlan plan = DrainPlan.of(new CloseReason(Codes.SERVICE_RESTART, "deploy"), Duration.ofSeconds(30))
 *         .withReadinessDelay(Duration.ofSeconds(5))  // the load balancer's checks see 503 meanwhile
 *         .withSpread(Duration.ofSeconds(20));        // no reconnect storm: closes over 20 s
 * }</pre>
 *
 * <p>From the drain's start: {@code readinessDelay} with no close frame sent, then each
 * connection's close frame at its own moment within the {@code spread} window, then the closing
 * handshakes; at {@code deadline} every connection still open is closed. When
 * {@code readinessDelay + spread + closeTimeout} (the connections' own
 * {@link ClosingHandshakeConfig#closeTimeout()}) does not fit in the deadline, the window is
 * shortened so that the last close frame still has its close timeout before the deadline, and
 * {@link GracefulDrain.Result#spreadShortened()} says so.
 *
 * <p>Immutable and thread-safe.
 *
 * @param reason         the close frame every connection gets, such as {@code 1012 SERVICE_RESTART}
 *                       (come back now) or {@code 1001 GOING_AWAY} (this server is going away)
 * @param readinessDelay how long after the start the first close frame may go, zero for none
 * @param spread         the window over which close frames go, zero for all at once
 * @param deadline       how long after the start the last connection is closed, at the latest
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6455#section-7.4.1">RFC 6455 §7.4.1</a>
 */
public record DrainPlan(CloseReason reason, Duration readinessDelay, Duration spread, Duration deadline) {

    /**
     * Checks the plan.
     *
     * @param reason         the close frame every connection gets
     * @param readinessDelay how long after the start the first close frame may go
     * @param spread         the window over which close frames go
     * @param deadline       how long after the start the last connection is closed
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code reason} may not be sent or a duration is negative
     */
    public DrainPlan {
        Objects.requireNonNull(reason, "reason").requireSendable();
        ServerProtection.requireNotNegative(readinessDelay, "readinessDelay");
        ServerProtection.requireNotNegative(spread, "spread");
        ServerProtection.requireNotNegative(deadline, "deadline");
    }

    /**
     * A plan that sends every close frame at once, with no readiness delay.
     *
     * @param reason   the close frame every connection gets
     * @param deadline how long the closing handshakes may take before the rest are closed
     * @return the plan
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code reason} may not be sent or {@code deadline} is negative
     */
    public static DrainPlan of(CloseReason reason, Duration deadline) {
        return new DrainPlan(reason, Duration.ZERO, Duration.ZERO, deadline);
    }

    /**
     * Returns a copy that waits {@code readinessDelay} before the first close frame.
     *
     * @param readinessDelay not negative; the time a load balancer needs to see the readiness check fail
     * @return the copy
     * @throws IllegalArgumentException if {@code readinessDelay} is negative
     */
    public DrainPlan withReadinessDelay(Duration readinessDelay) {
        return new DrainPlan(reason, readinessDelay, spread, deadline);
    }

    /**
     * Returns a copy that spreads the close frames over {@code spread}.
     *
     * @param spread not negative
     * @return the copy
     * @throws IllegalArgumentException if {@code spread} is negative
     */
    public DrainPlan withSpread(Duration spread) {
        return new DrainPlan(reason, readinessDelay, spread, deadline);
    }
}
