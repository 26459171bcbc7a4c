package io.github.wsclose.relay;

import io.github.wsclose.CloseReason;
import io.github.wsclose.CloseReport;
import io.github.wsclose.StatusCodeRange;
import java.util.Locale;

/**
 * The one home of the relay's close code mapping: what a close on one hop becomes on the other.
 *
 * <table>
 *   <caption>What the other hop gets</caption>
 *   <tr><th>on one hop</th><th>to the client</th><th>to the upstream</th></tr>
 *   <tr><td>a close frame with a code that may be sent (1000–1003, 1007–1014, 3000–4999)</td>
 *       <td colspan="2">the same code and reason</td></tr>
 *   <tr><td>an empty close frame (reported as 1005)</td><td colspan="2">an empty close frame</td></tr>
 *   <tr><td>no close frame: TCP gone, a keepalive or close timeout, a failure of that hop
 *       (reported as 1006), or a code that may not be sent (1015, reserved, out of range)</td>
 *       <td>{@code 1014 BAD_GATEWAY}, reason {@code upstream gone: CAUSE}</td>
 *       <td>{@code 1001 GOING_AWAY}, reason {@code client gone: CAUSE}</td></tr>
 *   <tr><td>a drain of the relay ({@link io.github.wsclose.DrainNotice})</td><td>the drain's own close</td>
 *       <td>{@code 1001 GOING_AWAY} with the drain's reason</td></tr>
 * </table>
 *
 * <p>Stateless; no method throws for any input.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6455#section-7.4.1">RFC 6455 §7.4.1</a>
 */
final class RelayCodes {

    private RelayCodes() {
    }

    /**
     * The close to send to the hop on {@code to}'s side for {@code received}, the close frame the
     * other hop's peer sent: itself when it may be sent (an empty close included), else as if that
     * peer had gone without one.
     */
    static CloseReason forward(Side to, CloseReason received) {
        int code = received.unsignedCode();
        boolean emptyClose = code == CloseReason.Codes.NO_STATUS_RECEIVED.unsignedCode() && received.message().isEmpty();
        if (emptyClose || StatusCodeRange.mayAppearOnWire(code)) {
            return received; // a close that came over the wire goes on as it came
        }
        // 1005 with a reason, 1006 and 1015 MUST NOT be set as a status code in a close frame (§7.4.1)
        return gone(to, "closed with " + code);
    }

    /**
     * The close to send to the hop on {@code to}'s side once the other hop ended as {@code report}
     * says: the close its peer sent if there was one, else that the peer went without one.
     */
    static CloseReason ended(Side to, CloseReport report) {
        CloseReason received = report.received();
        if (received != null) {
            return forward(to, received);
        }
        return gone(to, report.cause().name().toLowerCase(Locale.ROOT));
    }

    /** The close of the relay's drain, for the upstream: going away, with the drain's reason. */
    static CloseReason drained(CloseReason drain) {
        return CloseReason.truncated(CloseReason.Codes.GOING_AWAY, drain.message());
    }

    /** The close for a hop whose other side went without a close frame: 1014 to the client, 1001 to the upstream. */
    private static CloseReason gone(Side to, String why) {
        return switch (to) {
            case CLIENT -> CloseReason.truncated(CloseReason.Codes.BAD_GATEWAY, "upstream gone: " + why);
            case UPSTREAM -> CloseReason.truncated(CloseReason.Codes.GOING_AWAY, "client gone: " + why);
        };
    }

    /** The two hops of a relayed connection. */
    enum Side {
        /** The connection the relay accepted, from the client. */
        CLIENT,
        /** The connection the relay opened to the upstream server. */
        UPSTREAM;

        /** The other hop. */
        Side other() {
            return this == CLIENT ? UPSTREAM : CLIENT;
        }
    }
}
