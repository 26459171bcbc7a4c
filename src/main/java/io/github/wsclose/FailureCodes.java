package io.github.wsclose;

import io.github.wsclose.CloseReport.Cause;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * The one place that maps an exception to the close frame that fails the connection with it
 * (RFC 6455 §7.1.7), and that frame to its {@link Cause}:
 * <ul>
 *   <li>a {@link CorruptedWebSocketFrameException} anywhere in the cause chain: its status,
 *       1002, 1007 or 1009, with its message as the reason;</li>
 *   <li>a {@link TooLongFrameException} (Netty's aggregators, for a fragmented message over
 *       their limit): 1009 with its message;</li>
 *   <li>an {@link IOException}: none, the transport is broken;</li>
 *   <li>anything else: 1011 with no reason, as its details stay on this side.</li>
 * </ul>
 *
 * <p>Stateless.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6455#section-7.4.1">RFC 6455 §7.4.1</a>
 */
final class FailureCodes {

    private FailureCodes() {
    }

    /** The close frame that fails the connection for {@code failure}, or null when no frame can go. */
    static @Nullable CloseReason closeFrameFor(Throwable failure) {
        if (failure instanceof IOException) {
            return null;
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof CorruptedWebSocketFrameException corrupted) {
                int code = corrupted.closeStatus().code();
                return withMessage(StatusCodeRange.mayAppearOnWire(code) ? code : 1002, corrupted.getMessage());
            }
            if (t instanceof TooLongFrameException tooLong) {
                return withMessage(CloseReason.Codes.TOO_BIG.unsignedCode(), tooLong.getMessage());
            }
        }
        // an unexpected condition: its details stay on this side
        return CloseReason.Codes.UNEXPECTED_CONDITION.withoutMessage;
    }

    /** The cause of failing the connection with {@code frame}; {@link Cause#TRANSPORT} when there is none. */
    static Cause causeOf(@Nullable CloseReason frame) {
        if (frame == null) {
            return Cause.TRANSPORT;
        }
        return switch (frame.unsignedCode()) {
            case 1009 -> Cause.MESSAGE_TOO_BIG;
            case 1011 -> Cause.UNEXPECTED_ERROR;
            default -> Cause.PROTOCOL_ERROR;
        };
    }

    private static CloseReason withMessage(int code, @Nullable String message) {
        String text = message == null ? "" : message;
        // the reason MUST be valid UTF-8 (§5.5.1): a round trip turns each unpaired surrogate into '?'
        return CloseReason.truncated(code, new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8));
    }
}
