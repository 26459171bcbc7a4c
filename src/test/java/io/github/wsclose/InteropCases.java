package io.github.wsclose;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.provider.Arguments;

/**
 * The closes every real-client test sends: each sendable status code named by RFC 6455 and the
 * IANA registry, 1012–1014 included, plus the edges of the 3000–4999 range, with reasons of 0,
 * 12 and 123 UTF-8 bytes (the 12-byte one ends in a 4-byte character, the 123-byte one is
 * 41 three-byte characters: the longest reason a close frame can carry).
 */
final class InteropCases {

    /** The sendable codes, in order. */
    static final int[] CODES = {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4999};

    /** The reasons: 0, 12 and 123 UTF-8 bytes. */
    static final String[] REASONS = {"", "see you \uD83D\uDC4B", "€".repeat(41)};

    private InteropCases() {
    }

    /** Every code with every reason, the reason named by its UTF-8 length. */
    static Stream<Arguments> codesAndReasons() {
        return Arrays.stream(CODES).boxed().flatMap(code -> Arrays.stream(REASONS)
                .map(reason -> Arguments.of(code, Named.of(utf8Length(reason) + "-byte reason", reason))));
    }

    private static int utf8Length(String reason) {
        return reason.getBytes(StandardCharsets.UTF_8).length;
    }
}
