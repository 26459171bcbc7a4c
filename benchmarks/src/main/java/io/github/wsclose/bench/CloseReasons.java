package io.github.wsclose.bench;

import java.nio.charset.StandardCharsets;

/**
 * The close reasons every encode benchmark writes, the same code and text for every implementation.
 */
public enum CloseReasons {
    /** 1001 GOING_AWAY with no reason: a named code, the common case. */
    CODE_ONLY(1001, ""),
    /** 1000 with a 12-byte ASCII reason. */
    ASCII_REASON(1000, CloseReasons.ASCII_12),
    /** 1001 with a 123-byte multi-byte UTF-8 reason: the longest allowed. */
    UTF8_REASON(1001, CloseReasons.UTF8_123);

    /** 12 ASCII bytes. */
    static final String ASCII_12 = "normal close";
    /** 91 chars, 123 UTF-8 bytes: ASCII, 2-byte, 3-byte and one 4-byte (surrogate pair) sequence. */
    static final String UTF8_123 = "Wartung läuft — サーバー再起動中 🔧 bitte später erneut verbinden; "
            + "Grüße, Ihr Betriebsteam ✓ ½ € ñ ü";

    static {
        int length = UTF8_123.getBytes(StandardCharsets.UTF_8).length;
        if (length != 123) {
            throw new IllegalStateException("multi-byte reason is " + length + " bytes (expected: 123)");
        }
    }

    private final int code;
    private final String text;

    CloseReasons(int code, String text) {
        this.code = code;
        this.text = text;
    }

    /** The status code. */
    public int code() {
        return code;
    }

    /** The reason text, empty when there is none. */
    public String text() {
        return text;
    }
}
