package io.github.wsclose.example;

import io.github.wsclose.CloseReason;
import io.github.wsclose.StatusCodeRange;
import org.jspecify.annotations.Nullable;

/**
 * The text message {@code close CODE [REASON]} by which a client asks the server to send the
 * first close frame, with that status code and reason (RFC 6455 §7.1.2). Only a connection that
 * negotiated the subprotocol {@value EchoHandler#PLAYGROUND} may ask so ({@link EchoHandler});
 * on any other, the same text is an ordinary message and comes back as it is.
 *
 * <p>A request the server may not carry out is {@link Refused} with an explanation: a code
 * that may not appear in a close frame (1005, 1006, 1015, 999, 1004, 5000 …, §7.4), a reason
 * over {@value CloseReason#MAX_REASON_BYTES} UTF-8 bytes (§5.5), or a code that is not a number.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6455#section-7.4">RFC 6455 §7.4</a>
 */
sealed interface CloseCommand {

    /** How to ask for a close. */
    String USAGE = "close CODE [REASON]";

    /**
     * Reads {@code text} as a close command: {@code close}, then the code, then, after one
     * space, the reason verbatim (spaces included). Returns null when the text is not a close
     * command at all (it is then an ordinary message).
     */
    static @Nullable CloseCommand parse(String text) {
        if (!text.equals("close") && !text.startsWith("close ")) {
            return null;
        }
        String rest = text.substring("close".length()).stripLeading();
        if (rest.isEmpty()) {
            return new Refused("missing status code (usage: " + USAGE + ")");
        }
        int space = rest.indexOf(' ');
        String codeText = space < 0 ? rest : rest.substring(0, space);
        String reason = space < 0 ? "" : rest.substring(space + 1);
        int code;
        try {
            code = Integer.parseInt(codeText);
        } catch (NumberFormatException e) {
            return new Refused("\"" + codeText + "\" is not a status code (usage: " + USAGE + ")");
        }
        StatusCodeRange range = StatusCodeRange.of(code);
        if (!range.mayAppearOnWire()) {
            // 1005, 1006 and 1015 MUST NOT be set as a status code in a close frame (§7.4.1)
            return new Refused(code + " may not be sent in a close frame: it is " + range
                    + " (RFC 6455 §7.4); a close frame may carry 1000-1003, 1007-1014 or 3000-4999");
        }
        try {
            return new Accepted(CloseReason.of(code, reason).requireSendable());
        } catch (IllegalArgumentException e) {
            return new Refused(e.getMessage());
        }
    }

    /** A close the server starts: {@code reason} is sendable. */
    record Accepted(CloseReason reason) implements CloseCommand {
    }

    /** A request the server declines, and why; the connection stays open. */
    record Refused(String explanation) implements CloseCommand {

        /** The text message sent back to the client. */
        String reply() {
            return "error: " + explanation + "; the connection stays open";
        }
    }
}
