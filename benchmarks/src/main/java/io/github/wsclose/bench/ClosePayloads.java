package io.github.wsclose.bench;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The close frame payloads every decode benchmark reads, the same bytes for every implementation.
 */
public enum ClosePayloads {
    /** An empty close frame: no status code (reported as 1005). */
    EMPTY(new byte[0]),
    /** 1000 with no reason. */
    CODE_ONLY(payload(1000, new byte[0])),
    /** 1000 with a 12-byte ASCII reason. */
    ASCII_REASON(payload(1000, CloseReasons.ASCII_12.getBytes(StandardCharsets.US_ASCII))),
    /** 1001 with a 123-byte reason of 1-, 2-, 3- and 4-byte UTF-8 sequences: the longest allowed. */
    UTF8_REASON(payload(1001, CloseReasons.UTF8_123.getBytes(StandardCharsets.UTF_8))),
    /** 1005, which must not appear on the wire, with a reason that is not UTF-8 (an overlong '/'). */
    INVALID(payload(1005, new byte[] {'f', 'o', 'o', (byte) 0xC0, (byte) 0xAF}));

    private final byte[] bytes;

    ClosePayloads(byte[] bytes) {
        this.bytes = bytes;
    }

    /** A fresh copy of the payload bytes. */
    public byte[] bytes() {
        return bytes.clone();
    }

    private static byte[] payload(int code, byte[] reason) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(code >> 8);
        out.write(code);
        out.writeBytes(reason);
        return out.toByteArray();
    }
}
