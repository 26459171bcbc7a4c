package io.github.wsclose;

import io.github.wsclose.CloseReason.Codes;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/**
 * The one table of close reasons that may and may not be sent (RFC 6455 §5.5, §7.4): every test of
 * the send rules, in the model, the codec, the encoder and the handshake, draws from it.
 */
final class CloseReasonTable {

    /** 12 ASCII bytes. */
    static final String ASCII_12 = "hello, world";
    /** 123 UTF-8 bytes, the longest reason: 40 three-byte, one two-byte and one one-byte character. */
    static final String MULTIBYTE_123 = "€".repeat(40) + "éa";

    private CloseReasonTable() {
    }

    /** Every sendable code (the named ones and the borders of 3000–4999), each with an empty, a short and the longest reason. */
    static Stream<Arguments> sendable() {
        List<Integer> codes = new ArrayList<>();
        for (Codes named : Codes.values()) {
            if (named.mayAppearOnWire()) {
                codes.add(named.unsignedCode());
            }
        }
        codes.addAll(List.of(3000, 3999, 4000, 4999));
        return codes.stream().flatMap(code -> Stream.of("", ASCII_12, MULTIBYTE_123).map(reason -> Arguments.of(code, reason)));
    }

    /** Close reasons that may not be sent, each with a part of the message that says why. */
    static Stream<Arguments> unsendable() {
        return Stream.of(
                Arguments.of(CloseReason.of(999, ""), "close status 999 must not appear on the wire"),
                Arguments.of(CloseReason.of(1004, ""), "close status 1004 must not appear on the wire"),
                Arguments.of(new CloseReason(Codes.NO_STATUS_RECEIVED, "x"), "close status 1005 must not appear on the wire"),
                Arguments.of(new CloseReason(Codes.CLOSED_ABNORMALLY, ""), "close status 1006 must not appear on the wire"),
                Arguments.of(new CloseReason(Codes.TLS_HANDSHAKE_FAILED, "tls"), "close status 1015 must not appear on the wire"),
                Arguments.of(CloseReason.of(5000, ""), "close status 5000 must not appear on the wire"),
                Arguments.of(CloseReason.of(65535, ""), "close status 65535 must not appear on the wire"),
                Arguments.of(new CloseReason(Codes.NORMAL, "a".repeat(124)), "close reason too long: 124 bytes"),
                Arguments.of(new CloseReason(Codes.NORMAL, "é".repeat(62)), "close reason too long: 124 bytes"),
                Arguments.of(new CloseReason(Codes.NORMAL, "x\uD800"), "unpaired surrogate at index 1"));
    }
}
