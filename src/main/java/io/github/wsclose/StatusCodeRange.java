package io.github.wsclose;

import org.jspecify.annotations.Nullable;

/**
 * The range a close status code falls in, and so whether it may appear on the wire.
 *
 * <p>This is the one place that holds the status code rules of
 * <a href="https://www.rfc-editor.org/rfc/rfc6455#section-7.4">RFC 6455 §7.4</a> and the
 * <a href="https://www.iana.org/assignments/websocket/websocket.xhtml#close-code-number">IANA
 * registry</a>. It works on any {@code int}, so it is usable without a {@link CloseReason}:
 *
 * <pre>{@code
 * StatusCodeRange.of(4000).mayAppearOnWire();  // true
 * StatusCodeRange.of(1005);                    // LOCAL_ONLY
 * StatusCodeRange.mayAppearOnWire(999);        // false
 * }</pre>
 *
 * <p>Immutable and thread-safe. No method throws.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6455#section-7.4.2">RFC 6455 §7.4.2</a>
 */
public enum StatusCodeRange {
    /** 1000–1003 and 1007–1014: defined by RFC 6455 or registered with IANA; may be sent. */
    DEFINED(true, null),
    /** 3000–3999: registered with IANA by libraries, frameworks and applications; may be sent. */
    REGISTERED(true, null),
    /** 4000–4999: private use by agreement between the endpoints; may be sent. */
    PRIVATE_USE(true, null),
    /**
     * 1005, 1006 and 1015: report a close locally (no status received, closed abnormally,
     * TLS handshake failed); they MUST NOT be set as a status code in a close frame.
     */
    LOCAL_ONLY(false, "reported locally only"),
    /** 1004 and 1016–2999: reserved for future protocol use; not sendable today. */
    RESERVED(false, "reserved"),
    /** Below 1000 or above 4999 (including negative ints): no valid status code at all. */
    OUT_OF_RANGE(false, "out of range, expected 1000-1003, 1007-1014 or 3000-4999");

    private final boolean mayAppearOnWire;
    private final @Nullable String why;

    StatusCodeRange(boolean mayAppearOnWire, @Nullable String why) {
        this.mayAppearOnWire = mayAppearOnWire;
        this.why = why;
    }

    /**
     * Returns the range {@code code} falls in; never throws, for any {@code int}.
     *
     * @param code a status code
     * @return its range
     */
    public static StatusCodeRange of(int code) {
        if (code < 1000 || code > 4999) {
            return OUT_OF_RANGE;
        }
        if (code >= 3000) {
            return code >= 4000 ? PRIVATE_USE : REGISTERED;
        }
        return switch (code) {
            case 1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014 -> DEFINED;
            case 1005, 1006, 1015 -> LOCAL_ONLY;
            default -> RESERVED;
        };
    }

    /**
     * Tells whether {@code code} may be sent or received as the status code of a close frame.
     *
     * @param code a status code
     * @return true for 1000–1003, 1007–1014 and 3000–4999
     */
    public static boolean mayAppearOnWire(int code) {
        return of(code).mayAppearOnWire;
    }

    /**
     * Tells whether status codes in this range may appear in a close frame.
     *
     * @return true for the ranges whose codes may be sent
     */
    public boolean mayAppearOnWire() {
        return mayAppearOnWire;
    }

    /**
     * Says why {@code code} may not appear on the wire, or returns null when it may.
     * This is the single source of the status code messages used by the decoder (as a
     * protocol error) and by the encoder and factories (as an argument error).
     */
    static @Nullable String violation(int code) {
        StatusCodeRange range = of(code);
        return range.why == null ? null : "close status " + code + " must not appear on the wire (" + range.why + ")";
    }
}
