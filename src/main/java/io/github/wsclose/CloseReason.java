package io.github.wsclose;

import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The status code and reason of a close frame: why a WebSocket connection was closed.
 *
 * <p>A {@code CloseReason} is a plain value. It can hold any code, so that it can also
 * report closes that never crossed the wire ({@link Codes#NO_STATUS_RECEIVED} for an empty
 * close frame, {@link Codes#CLOSED_ABNORMALLY} for a connection that died without one).
 * Whether it may be <em>sent</em> is decided here, by {@link #requireSendable()}, which the
 * encoder ({@link ClosePayload}, {@link CloseFrameEncoder}) applies to every close it writes.
 *
 * <p>Immutable and thread-safe. The code is an unsigned 16-bit value held in a {@code short}:
 * use {@link #of(int, String)} to build one from an {@code int} and {@link #unsignedCode()} to
 * read it as an {@code int}.
 *
 * @param code    the status code (§7.4), as sent on the wire
 * @param message the reason (§7.1.6), never null; empty when there is none
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6455#section-5.5.1">RFC 6455 §5.5.1</a>
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6455#section-7.4">RFC 6455 §7.4</a>
 */
public record CloseReason(short code, String message) {

    /** The longest reason a close frame can carry: 125 payload bytes less the 2-byte code. */
    public static final int MAX_REASON_BYTES = 123;

    /**
     * Creates a close reason; a null {@code message} is taken as no reason (empty).
     *
     * @param code    the status code as sent on the wire, any 16-bit value
     * @param message the reason, or null for none
     */
    public CloseReason {
        message = message == null ? "" : message;
    }

    /**
     * Creates a close reason with a named code; a null {@code message} is taken as empty.
     *
     * @param code    the named status code
     * @param message the reason, or null for none
     * @throws NullPointerException if {@code code} is null
     */
    public CloseReason(Codes code, String message) {
        this(Objects.requireNonNull(code, "code").code(), message);
    }

    /**
     * Creates a close reason from an {@code int} code, without a cast. Any 16-bit code is
     * accepted: creating does not check whether it may be sent, sending does.
     *
     * @param code    the status code, 0–65535
     * @param message the reason text, possibly empty
     * @return the close reason
     * @throws IllegalArgumentException if {@code code} is outside 0–65535
     */
    public static CloseReason of(int code, String message) {
        return new CloseReason(requireUnsigned16(code), message);
    }

    /**
     * Creates a sendable close reason whose message is cut to at most {@value #MAX_REASON_BYTES}
     * UTF-8 bytes on a character boundary (a surrogate pair is never split).
     *
     * @param code    the status code, 0–65535
     * @param message the reason, cut if it is too long
     * @return a close reason that may be sent
     * @throws IllegalArgumentException if {@code code} may not appear on the wire, or if
     *                                  {@code message} holds an unpaired surrogate
     */
    public static CloseReason truncated(int code, String message) {
        String violation = StatusCodeRange.violation(code);
        if (violation != null) {
            throw new IllegalArgumentException(violation);
        }
        Utf8.encodedLength(Objects.requireNonNull(message, "message")); // rejects an unpaired surrogate anywhere
        return of(code, Utf8.truncate(message, MAX_REASON_BYTES));
    }

    /**
     * Same as {@link #truncated(int, String)} for a named code.
     *
     * @param code    the named status code
     * @param message the reason, cut if it is too long
     * @return a close reason that may be sent
     * @throws IllegalArgumentException if {@code code} may not appear on the wire, or if
     *                                  {@code message} holds an unpaired surrogate
     */
    public static CloseReason truncated(Codes code, String message) {
        return truncated(Objects.requireNonNull(code, "code").unsignedCode(), message);
    }

    /**
     * Converts Netty's close status (code and reason text) to a close reason. Any 16-bit code
     * converts: conversion does not check whether it may be sent, sending does.
     *
     * @param status Netty's close status
     * @return the same code and reason text
     * @throws IllegalArgumentException if the code is outside 0–65535
     */
    public static CloseReason of(WebSocketCloseStatus status) {
        return of(Objects.requireNonNull(status, "status").code(), status.reasonText());
    }

    /** {@code code} (0–65535) with an empty message; the shared cached instance for a named code. */
    static CloseReason withoutMessage(int code) {
        Codes known = Codes.byCode(code);
        return known != null ? known.withoutMessage : of(code, "");
    }

    /**
     * The status code as an unsigned value.
     *
     * @return the code, 0–65535
     */
    public int unsignedCode() {
        return Short.toUnsignedInt(code);
    }

    /**
     * The named code for {@link #code()}.
     *
     * @return the named code, or null when the code has no name here
     */
    public @Nullable Codes knownReason() {
        return Codes.byCode(code);
    }

    /**
     * Returns this close reason if it may be sent in a close frame.
     *
     * @return this close reason
     * @throws IllegalArgumentException naming the fault, if the code may not appear on the
     *                                  wire or the reason is longer than {@value #MAX_REASON_BYTES}
     *                                  UTF-8 bytes or holds an unpaired surrogate
     */
    public CloseReason requireSendable() {
        if (!isEmptyClose()) {
            sendableMessageBytes();
        }
        return this;
    }

    /** Tells whether this is {@code 1005 NO_STATUS_RECEIVED} without a message: sent as an empty close frame. */
    boolean isEmptyClose() {
        // "no status" is sent as a close frame without a body (§7.1.5), the echo of an empty close
        return code == Codes.NO_STATUS_RECEIVED.code && message.isEmpty();
    }

    /**
     * Checks that this reason, sent with a status code, may appear on the wire, and returns the
     * length of its message in UTF-8.
     *
     * @throws IllegalArgumentException naming the fault
     */
    int sendableMessageBytes() {
        String violation = StatusCodeRange.violation(unsignedCode());
        if (violation != null) {
            // endpoints MUST NOT send 1005, 1006, 1015 or codes outside the defined ranges (§7.4.1, §7.4.2)
            throw new IllegalArgumentException(violation);
        }
        int messageBytes = Utf8.encodedLength(message);
        if (messageBytes > MAX_REASON_BYTES) {
            // control frame payloads MUST be 125 bytes or less, the code included (§5.5)
            throw new IllegalArgumentException("close reason too long: " + messageBytes + " bytes (expected: <= "
                    + MAX_REASON_BYTES + "); CloseReason.truncated(...) cuts it to fit");
        }
        return messageBytes;
    }

    /**
     * Converts to Netty's close status. The status is built without Netty's validation, so
     * local-only codes such as 1006 convert as well.
     *
     * @return Netty's close status with the same code and reason text
     */
    public WebSocketCloseStatus toCloseStatus() {
        return new WebSocketCloseStatus(unsignedCode(), message, false);
    }

    /** Reads like {@code 1001 GOING_AWAY: restarting}, {@code 4000: busy} or {@code 1000 NORMAL}. */
    @Override
    public String toString() {
        Codes known = knownReason();
        String name = known == null ? Integer.toString(unsignedCode()) : unsignedCode() + " " + known.name();
        return message.isEmpty() ? name : name + ": " + message;
    }

    private static short requireUnsigned16(int code) {
        if (code < 0 || code > 0xFFFF) {
            throw new IllegalArgumentException("close status " + code + " is not a 16-bit code (expected: 0-65535)");
        }
        return (short) code;
    }

    /**
     * The status codes that RFC 6455 §7.4.1 and the IANA registry name, in code order.
     *
     * <p>{@link #NO_STATUS_RECEIVED}, {@link #CLOSED_ABNORMALLY} and {@link #TLS_HANDSHAKE_FAILED}
     * exist to report closes locally and are never sent on the wire.
     *
     * @see <a href="https://www.rfc-editor.org/rfc/rfc6455#section-7.4.1">RFC 6455 §7.4.1</a>
     */
    public enum Codes {
        /** 1000: the purpose for which the connection was established has been fulfilled. */
        NORMAL(1000),
        /** 1001: an endpoint is going away, such as a server going down or a page navigated away from. */
        GOING_AWAY(1001),
        /** 1002: the endpoint is closing the connection due to a protocol error. */
        PROTOCOL_ERROR(1002),
        /** 1003: the endpoint received a type of data it cannot accept. */
        CANNOT_ACCEPT(1003),
        /** 1005: local only; the close frame carried no status code. */
        NO_STATUS_RECEIVED(1005),
        /** 1006: local only; the connection closed without a close frame. */
        CLOSED_ABNORMALLY(1006),
        /** 1007: a message's data was not consistent with its type (such as invalid UTF-8 text). */
        NOT_CONSISTENT(1007),
        /** 1008: a message violated the endpoint's policy. */
        VIOLATED_POLICY(1008),
        /** 1009: a message was too big to process. */
        TOO_BIG(1009),
        /** 1010: the client expected the server to negotiate an extension it did not. */
        NO_EXTENSION(1010),
        /** 1011: the server met an unexpected condition that kept it from fulfilling the request. */
        UNEXPECTED_CONDITION(1011),
        /** 1012: the service is restarting (IANA). */
        SERVICE_RESTART(1012),
        /** 1013: the service is overloaded; try again later (IANA). */
        TRY_AGAIN_LATER(1013),
        /** 1014: a gateway or proxy received an invalid response from the upstream server (IANA). */
        BAD_GATEWAY(1014),
        /** 1015: local only; the TLS handshake failed. */
        TLS_HANDSHAKE_FAILED(1015);

        private static final int FIRST = 1000;
        private static final Codes[] BY_OFFSET = new Codes[TLS_HANDSHAKE_FAILED.code - FIRST + 1];

        static {
            for (Codes c : values()) {
                BY_OFFSET[c.code - FIRST] = c;
            }
        }

        private final short code;
        /** This code with an empty message, shared by every decode of a code-only payload. */
        final CloseReason withoutMessage;

        Codes(int code) {
            this.code = (short) code;
            this.withoutMessage = new CloseReason(this.code, "");
        }

        /**
         * Returns the named code for {@code code}, or null if it has none. An array index:
         * constant time, never throws.
         *
         * @param code the status code as sent on the wire
         * @return the named code, or null
         */
        public static @Nullable Codes byCode(short code) {
            return lookUp(code);
        }

        /**
         * Returns the named code for {@code code}, or null if it has none: any {@code int}, so
         * {@code Codes.byCode(1001)} needs no cast. Constant time, never throws.
         *
         * @param code any integer
         * @return the named code, or null
         */
        public static @Nullable Codes byCode(int code) {
            return lookUp(code);
        }

        /**
         * The status code, as sent on the wire.
         *
         * @return the code
         */
        public short code() {
            return code;
        }

        /**
         * The status code as an {@code int}.
         *
         * @return the code, 1000–1015
         */
        public int unsignedCode() {
            return code;
        }

        /**
         * Tells whether this code may be sent in a close frame.
         *
         * @return false for 1005, 1006 and 1015, true for the others
         */
        public boolean mayAppearOnWire() {
            return StatusCodeRange.mayAppearOnWire(code);
        }

        private static @Nullable Codes lookUp(int code) {
            int offset = code - FIRST;
            return offset >= 0 && offset < BY_OFFSET.length ? BY_OFFSET[offset] : null;
        }
    }
}
