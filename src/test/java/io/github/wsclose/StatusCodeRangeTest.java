package io.github.wsclose;

import static io.github.wsclose.StatusCodeRange.DEFINED;
import static io.github.wsclose.StatusCodeRange.LOCAL_ONLY;
import static io.github.wsclose.StatusCodeRange.OUT_OF_RANGE;
import static io.github.wsclose.StatusCodeRange.PRIVATE_USE;
import static io.github.wsclose.StatusCodeRange.REGISTERED;
import static io.github.wsclose.StatusCodeRange.RESERVED;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class StatusCodeRangeTest {

    /** The range of every code 0–65535, filled from the RFC 6455 §7.4 / IANA ranges. */
    private static final StatusCodeRange[] EXPECTED = new StatusCodeRange[65_536];

    /** Whether each code 0–65535 may be sent: 1000–1003, 1007–1014, 3000–4999. */
    private static final boolean[] SENDABLE = new boolean[65_536];

    static {
        Arrays.fill(EXPECTED, OUT_OF_RANGE);
        Arrays.fill(EXPECTED, 1000, 1004, DEFINED);
        EXPECTED[1004] = RESERVED;
        Arrays.fill(EXPECTED, 1005, 1007, LOCAL_ONLY);
        Arrays.fill(EXPECTED, 1007, 1015, DEFINED);
        EXPECTED[1015] = LOCAL_ONLY;
        Arrays.fill(EXPECTED, 1016, 3000, RESERVED);
        Arrays.fill(EXPECTED, 3000, 4000, REGISTERED);
        Arrays.fill(EXPECTED, 4000, 5000, PRIVATE_USE);

        Arrays.fill(SENDABLE, 1000, 1004, true);
        Arrays.fill(SENDABLE, 1007, 1015, true);
        Arrays.fill(SENDABLE, 3000, 5000, true);
    }

    @Test
    void everyUnsignedShortFallsInItsRange() {
        List<String> mismatches = new ArrayList<>();
        Map<StatusCodeRange, Integer> counts = new EnumMap<>(StatusCodeRange.class);
        for (int code = 0; code <= 65_535; code++) {
            StatusCodeRange actual = StatusCodeRange.of(code);
            if (actual != EXPECTED[code]) {
                mismatches.add(code + ": expected " + EXPECTED[code] + " but was " + actual);
            }
            if (StatusCodeRange.mayAppearOnWire(code) != SENDABLE[code]) {
                mismatches.add(code + ": mayAppearOnWire should be " + SENDABLE[code]);
            }
            if ((StatusCodeRange.violation(code) == null) != SENDABLE[code]) {
                mismatches.add(code + ": violation is " + StatusCodeRange.violation(code));
            }
            counts.merge(actual, 1, Integer::sum);
        }

        assertThat(mismatches).isEmpty();
        assertThat(counts).containsOnly(
                Map.entry(DEFINED, 12),
                Map.entry(REGISTERED, 1000),
                Map.entry(PRIVATE_USE, 1000),
                Map.entry(LOCAL_ONLY, 3),
                Map.entry(RESERVED, 1 + 1984),
                Map.entry(OUT_OF_RANGE, 65_536 - 4000));
    }

    @ParameterizedTest
    @ValueSource(ints = {
        Integer.MIN_VALUE, Integer.MIN_VALUE + 1000, -65_536 + 1000, -64_536, -32_768, -4000, -1000, -1,
        65_536, 65_536 + 1000, 65_536 + 4000, 69_000, 1 << 20, Integer.MAX_VALUE - 1, Integer.MAX_VALUE})
    void intsOutsideZeroTo65535AreOutOfRange(int code) {
        assertThat(StatusCodeRange.of(code)).isEqualTo(OUT_OF_RANGE);
        assertThat(StatusCodeRange.mayAppearOnWire(code)).isFalse();
        assertThat(StatusCodeRange.violation(code))
                .isEqualTo("close status " + code + " must not appear on the wire"
                        + " (out of range, expected 1000-1003, 1007-1014 or 3000-4999)");
    }

    @ParameterizedTest
    @CsvSource({
        "DEFINED,      true",
        "REGISTERED,   true",
        "PRIVATE_USE,  true",
        "LOCAL_ONLY,   false",
        "RESERVED,     false",
        "OUT_OF_RANGE, false",
    })
    void rangeTellsWhetherItsCodesMayAppearOnTheWire(StatusCodeRange range, boolean sendable) {
        assertThat(range.mayAppearOnWire()).isEqualTo(sendable);
    }

    @Test
    void javadocExamplesHold() {
        assertThat(StatusCodeRange.of(4000).mayAppearOnWire()).isTrue();
        assertThat(StatusCodeRange.of(1005)).isEqualTo(LOCAL_ONLY);
        assertThat(StatusCodeRange.mayAppearOnWire(999)).isFalse();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "1005 | close status 1005 must not appear on the wire (reported locally only)",
        "1006 | close status 1006 must not appear on the wire (reported locally only)",
        "1015 | close status 1015 must not appear on the wire (reported locally only)",
        "1004 | close status 1004 must not appear on the wire (reserved)",
        "2999 | close status 2999 must not appear on the wire (reserved)",
        "999  | close status 999 must not appear on the wire (out of range, expected 1000-1003, 1007-1014 or 3000-4999)",
        "5000 | close status 5000 must not appear on the wire (out of range, expected 1000-1003, 1007-1014 or 3000-4999)",
    })
    void violationSaysWhy(int code, String expected) {
        assertThat(StatusCodeRange.violation(code)).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(ints = {1000, 1003, 1007, 1014, 3000, 3999, 4000, 4999})
    void sendableCodesHaveNoViolation(int code) {
        assertThat(StatusCodeRange.violation(code)).isNull();
    }

    @Test
    void namedCodesAgreeWithTheirRange() {
        for (CloseReason.Codes named : CloseReason.Codes.values()) {
            assertThat(named.mayAppearOnWire()).as(named.name()).isEqualTo(SENDABLE[named.unsignedCode()]);
            assertThat(StatusCodeRange.of(named.unsignedCode())).as(named.name()).isIn(DEFINED, LOCAL_ONLY);
        }
    }
}
