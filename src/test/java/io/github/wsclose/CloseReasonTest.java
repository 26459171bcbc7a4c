package io.github.wsclose;

import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.wsclose.CloseReason.Codes;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class CloseReasonTest {

    /** The 15 named codes of RFC 6455 §7.4.1 and the IANA registry, written out independently of {@link Codes}. */
    private static final Map<Integer, String> NAMED = Map.ofEntries(
            entry(1000, "NORMAL"),
            entry(1001, "GOING_AWAY"),
            entry(1002, "PROTOCOL_ERROR"),
            entry(1003, "CANNOT_ACCEPT"),
            entry(1005, "NO_STATUS_RECEIVED"),
            entry(1006, "CLOSED_ABNORMALLY"),
            entry(1007, "NOT_CONSISTENT"),
            entry(1008, "VIOLATED_POLICY"),
            entry(1009, "TOO_BIG"),
            entry(1010, "NO_EXTENSION"),
            entry(1011, "UNEXPECTED_CONDITION"),
            entry(1012, "SERVICE_RESTART"),
            entry(1013, "TRY_AGAIN_LATER"),
            entry(1014, "BAD_GATEWAY"),
            entry(1015, "TLS_HANDSHAKE_FAILED"));

    // ---- Codes ----------------------------------------------------------------------------------

    @ParameterizedTest
    @CsvSource({
        "NORMAL,               1000",
        "GOING_AWAY,           1001",
        "PROTOCOL_ERROR,       1002",
        "CANNOT_ACCEPT,        1003",
        "NO_STATUS_RECEIVED,   1005",
        "CLOSED_ABNORMALLY,    1006",
        "NOT_CONSISTENT,       1007",
        "VIOLATED_POLICY,      1008",
        "TOO_BIG,              1009",
        "NO_EXTENSION,         1010",
        "UNEXPECTED_CONDITION, 1011",
        "SERVICE_RESTART,      1012",
        "TRY_AGAIN_LATER,      1013",
        "BAD_GATEWAY,          1014",
        "TLS_HANDSHAKE_FAILED, 1015",
    })
    void namedCodeHasItsStatusCode(String name, int code) {
        Codes named = Codes.valueOf(name);

        assertThat(Short.toUnsignedInt(named.code())).isEqualTo(code);
        assertThat(named.unsignedCode()).isEqualTo(code);
        assertThat(Codes.byCode(code)).isSameAs(named);
        assertThat(Codes.byCode(named.code())).isSameAs(named);
    }

    @Test
    void namedCodesAreExactlyTheFifteenInCodeOrder() {
        assertThat(Codes.values()).extracting(Codes::name).containsExactly(
                "NORMAL", "GOING_AWAY", "PROTOCOL_ERROR", "CANNOT_ACCEPT", "NO_STATUS_RECEIVED",
                "CLOSED_ABNORMALLY", "NOT_CONSISTENT", "VIOLATED_POLICY", "TOO_BIG", "NO_EXTENSION",
                "UNEXPECTED_CONDITION", "SERVICE_RESTART", "TRY_AGAIN_LATER", "BAD_GATEWAY", "TLS_HANDSHAKE_FAILED");
        assertThat(Codes.values()).extracting(Codes::unsignedCode).containsExactly(
                1000, 1001, 1002, 1003, 1005, 1006, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 1015);
    }

    @Test
    void byCodeFindsExactlyTheNamedCodesAmongAllShortValues() {
        List<String> mismatches = new ArrayList<>();
        int checked = 0;
        int found = 0;
        for (int unsigned = 0; unsigned <= 0xFFFF; unsigned++) {
            short code = CloseReason.of(unsigned, "").code();
            String expected = NAMED.get(unsigned);
            Codes actual = Codes.byCode(code);
            if (!Objects.equals(expected, actual == null ? null : actual.name())) {
                mismatches.add(unsigned + ": expected " + expected + " but was " + actual);
            }
            if (Codes.byCode(unsigned) != actual) {
                mismatches.add(unsigned + ": byCode(int) gives " + Codes.byCode(unsigned) + ", byCode(short) " + actual);
            }
            if (actual != null) {
                found++;
                if (actual.code() != code) {
                    mismatches.add(unsigned + ": byCode returned " + actual + " with code " + actual.code());
                }
            }
            checked++;
        }

        assertThat(checked).isEqualTo(65_536);
        assertThat(mismatches).isEmpty();
        assertThat(found).isEqualTo(15);
    }

    @ParameterizedTest
    @ValueSource(strings = {"NO_STATUS_RECEIVED", "CLOSED_ABNORMALLY", "TLS_HANDSHAKE_FAILED"})
    void localOnlyNamedCodesMayNotAppearOnTheWire(String name) {
        assertThat(Codes.valueOf(name).mayAppearOnWire()).isFalse();
    }

    @Test
    void everyOtherNamedCodeMayAppearOnTheWire() {
        assertThat(Codes.values())
                .filteredOn(Codes::mayAppearOnWire)
                .extracting(Codes::unsignedCode)
                .containsExactly(1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014);
    }

    // ---- the value ------------------------------------------------------------------------------

    @Test
    void nullMessageIsTakenAsEmpty() {
        assertThat(CloseReason.of(4000, null).message()).isEmpty();
        assertThat(new CloseReason(Codes.NORMAL, null).message()).isEmpty();
        assertThat(new CloseReason(Codes.NORMAL, null)).isEqualTo(CloseReason.of(1000, ""));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1000, 4000, 32768, 65535})
    void ofTakesAnyUnsigned16BitInt(int code) {
        assertThat(CloseReason.of(code, "x").unsignedCode()).isEqualTo(code);
        assertThat(CloseReason.of(code, null).message()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 65536, Integer.MIN_VALUE, Integer.MAX_VALUE})
    void ofRejectsAnIntThatIsNotA16BitCode(int code) {
        assertThatIllegalArgumentException().isThrownBy(() -> CloseReason.of(code, ""))
                .withMessage("close status " + code + " is not a 16-bit code (expected: 0-65535)");
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 0, 999, 1004, 1016, 65535, 65536 + 1000, Integer.MIN_VALUE, Integer.MAX_VALUE})
    void byCodeOfAnIntIsNullForEveryCodeWithoutAName(int code) {
        assertThat(Codes.byCode(code)).isNull();
    }

    @Test
    void namedConstructorRejectsNullCode() {
        assertThatNullPointerException().isThrownBy(() -> new CloseReason((Codes) null, "x"));
    }

    @Test
    void namedConstructorTakesTheCode() {
        CloseReason reason = new CloseReason(Codes.GOING_AWAY, "restarting");

        assertThat(reason.unsignedCode()).isEqualTo(1001);
        assertThat(reason.message()).isEqualTo("restarting");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "1001  | restarting | 1001 GOING_AWAY: restarting",
        "4000  | busy       | 4000: busy",
        "1000  | ''         | 1000 NORMAL",
        "4000  | ''         | 4000",
        "1005  | ''         | 1005 NO_STATUS_RECEIVED",
        "65535 | x          | 65535: x",
        "0     | ''         | 0",
    })
    void toStringNamesTheCode(int code, String message, String expected) {
        assertThat(CloseReason.of(code, message)).hasToString(expected);
    }

    @Test
    void knownReasonIsTheNamedCodeOrNull() {
        assertThat(CloseReason.of(1001, "").knownReason()).isSameAs(Codes.GOING_AWAY);
        assertThat(CloseReason.of(1015, "").knownReason()).isSameAs(Codes.TLS_HANDSHAKE_FAILED);
        assertThat(CloseReason.of(1004, "").knownReason()).isNull();
        assertThat(CloseReason.of(4000, "").knownReason()).isNull();
        assertThat(CloseReason.of(65535, "").knownReason()).isNull();
    }

    @Test
    void unsignedCodeReadsTheShortAsUnsigned() {
        CloseReason reason = CloseReason.of(65535, "");

        assertThat(reason.code()).as("held signed").isNegative();
        assertThat(reason.unsignedCode()).isEqualTo(65535);
        assertThat(CloseReason.of(0x8000, "").unsignedCode()).isEqualTo(32768);
        assertThat(CloseReason.of(4999, "").unsignedCode()).isEqualTo(4999);
    }

    @Test
    void isAValue() {
        assertThat(CloseReason.of(4000, "busy"))
                .isEqualTo(CloseReason.of(4000, "busy"))
                .hasSameHashCodeAs(CloseReason.of(4000, "busy"))
                .isNotEqualTo(CloseReason.of(4000, "Busy"))
                .isNotEqualTo(CloseReason.of(4001, "busy"));
    }

    // ---- truncated ------------------------------------------------------------------------------

    static Stream<Arguments> truncations() {
        String a123 = "a".repeat(123);
        return Stream.of(
                Arguments.of("empty", "", ""),
                Arguments.of("short ASCII", "bye", "bye"),
                Arguments.of("123 ASCII bytes fit", a123, a123),
                Arguments.of("124 ASCII bytes", a123 + "b", a123),
                Arguments.of("500 ASCII bytes", "x".repeat(500), "x".repeat(123)),
                // 2-byte chars: 62 × é = 124 bytes; 61 × é = 122 bytes and one more would be 124
                Arguments.of("2-byte chars", "é".repeat(62), "é".repeat(61)),
                Arguments.of("2-byte char across the limit", "a".repeat(122) + "é", "a".repeat(122)),
                Arguments.of("2-byte char ending on the limit", "a".repeat(121) + "é" + "b", "a".repeat(121) + "é"),
                // 3-byte chars: 41 × € = 123 bytes fits exactly
                Arguments.of("3-byte chars fit exactly", "€".repeat(41), "€".repeat(41)),
                Arguments.of("3-byte chars", "€".repeat(42), "€".repeat(41)),
                Arguments.of("3-byte char across the limit", "a" + "€".repeat(41), "a" + "€".repeat(40)),
                Arguments.of("3-byte char one byte over", "ab" + "€".repeat(41), "ab" + "€".repeat(40)),
                // 4-byte chars (surrogate pairs): 61 × 😀 = 244 bytes → 30 × 😀 = 120 bytes; 31 would be 124
                Arguments.of("4-byte chars", "😀".repeat(61), "😀".repeat(30)),
                Arguments.of("4-byte chars fit exactly", "abc" + "😀".repeat(30), "abc" + "😀".repeat(30)),
                Arguments.of("4-byte char one byte over", "abcd" + "😀".repeat(30), "abcd" + "😀".repeat(29)),
                Arguments.of("4-byte char three bytes over", "a".repeat(122) + "😀", "a".repeat(122)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("truncations")
    void truncatedCutsOnACharacterBoundary(String what, String message, String expected) {
        CloseReason reason = CloseReason.truncated(1000, message);

        assertThat(reason.unsignedCode()).isEqualTo(1000);
        assertThat(reason.message()).isEqualTo(expected);
        assertThat(reason.message().getBytes(StandardCharsets.UTF_8)).hasSizeLessThanOrEqualTo(123);
        assertThat(message).startsWith(reason.message());
        if (!reason.message().isEmpty()) {
            assertThat(Character.isHighSurrogate(reason.message().charAt(reason.message().length() - 1)))
                    .as("ends with half a surrogate pair").isFalse();
        }
        // the result is sendable as it is
        assertThat(reason.requireSendable()).isSameAs(reason);
    }

    @Test
    void truncatedOfANamedCodeTakesItsCode() {
        CloseReason reason = CloseReason.truncated(Codes.GOING_AWAY, "😀".repeat(61));

        assertThat(reason).isEqualTo(new CloseReason(Codes.GOING_AWAY, "😀".repeat(30)));
    }

    @ParameterizedTest
    @ValueSource(ints = {Integer.MIN_VALUE, -1, 0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535, 65536 + 1000})
    void truncatedRejectsCodesThatMayNotBeSent(int code) {
        assertThatThrownBy(() -> CloseReason.truncated(code, "bye"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("close status " + code + " must not appear on the wire");
    }

    @ParameterizedTest
    @ValueSource(strings = {"NO_STATUS_RECEIVED", "CLOSED_ABNORMALLY", "TLS_HANDSHAKE_FAILED"})
    void truncatedRejectsLocalOnlyNamedCodes(String name) {
        Codes code = Codes.valueOf(name);

        assertThatThrownBy(() -> CloseReason.truncated(code, ""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("close status " + code.unsignedCode() + " must not appear on the wire");
    }

    @ParameterizedTest
    @ValueSource(strings = {"\uD800", "\uDC00", "a\uD83D", "a\uDE00b", "\uDE00\uD83D", "ok \uD83D\uD83D\uDE00"})
    void truncatedRejectsUnpairedSurrogates(String message) {
        assertThatThrownBy(() -> CloseReason.truncated(1000, message))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unpaired surrogate");
    }

    @Test
    void truncatedRejectsAnUnpairedSurrogateEvenInThePartItCutsOff() {
        assertThatThrownBy(() -> CloseReason.truncated(1000, "x".repeat(124) + "\uD800"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unpaired surrogate at index 124");
    }

    @Test
    void truncatedRejectsNullArguments() {
        assertThatNullPointerException().isThrownBy(() -> CloseReason.truncated(1000, null));
        assertThatNullPointerException().isThrownBy(() -> CloseReason.truncated((Codes) null, "x"));
    }

    // ---- requireSendable ------------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("io.github.wsclose.CloseReasonTable#sendable")
    void requireSendableReturnsASendableReason(int code, String message) {
        CloseReason reason = CloseReason.of(code, message);

        assertThat(reason.requireSendable()).isSameAs(reason);
    }

    @Test
    void requireSendableAcceptsTheEmptyClose() {
        CloseReason empty = new CloseReason(Codes.NO_STATUS_RECEIVED, "");

        assertThat(empty.requireSendable()).isSameAs(empty);
    }

    @Test
    void requireSendableAcceptsA123ByteReason() {
        CloseReason reason = new CloseReason(Codes.NORMAL, "€".repeat(41));

        assertThat(reason.requireSendable()).isSameAs(reason);
    }

    @ParameterizedTest
    @MethodSource("io.github.wsclose.CloseReasonTable#unsendable")
    void requireSendableNamesTheFault(CloseReason reason, String fault) {
        assertThatThrownBy(reason::requireSendable)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(fault);
    }

    // ---- conversions with Netty's WebSocketCloseStatus ------------------------------------------

    @Test
    void ofNettyStatusTakesCodeAndReasonText() {
        assertThat(CloseReason.of(WebSocketCloseStatus.NORMAL_CLOSURE))
                .isEqualTo(CloseReason.of(1000, WebSocketCloseStatus.NORMAL_CLOSURE.reasonText()));
        assertThat(CloseReason.of(WebSocketCloseStatus.ENDPOINT_UNAVAILABLE).knownReason()).isSameAs(Codes.GOING_AWAY);
        assertThat(CloseReason.of(WebSocketCloseStatus.INVALID_PAYLOAD_DATA).knownReason()).isSameAs(Codes.NOT_CONSISTENT);
        assertThat(CloseReason.of(new WebSocketCloseStatus(4000, "busy"))).isEqualTo(CloseReason.of(4000, "busy"));
    }

    @Test
    void ofNettyStatusDoesNotValidate() {
        assertThat(CloseReason.of(new WebSocketCloseStatus(1006, "gone", false)))
                .isEqualTo(new CloseReason(Codes.CLOSED_ABNORMALLY, "gone"));
        assertThat(CloseReason.of(new WebSocketCloseStatus(65535, "", false)).unsignedCode()).isEqualTo(65535);
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 65536, 70000})
    void ofNettyStatusRejectsCodesThatAreNot16Bit(int code) {
        assertThatThrownBy(() -> CloseReason.of(new WebSocketCloseStatus(code, "x", false)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("close status " + code + " is not a 16-bit code");
    }

    @Test
    void ofNettyStatusRejectsNull() {
        assertThatNullPointerException().isThrownBy(() -> CloseReason.of(null));
    }

    @Test
    void toCloseStatusKeepsCodeAndReason() {
        WebSocketCloseStatus status = new CloseReason(Codes.GOING_AWAY, "restarting").toCloseStatus();

        assertThat(status.code()).isEqualTo(1001);
        assertThat(status.reasonText()).isEqualTo("restarting");
    }

    @Test
    void toCloseStatusConvertsLocalOnlyAndUnsignedCodes() {
        WebSocketCloseStatus abnormal = new CloseReason(Codes.CLOSED_ABNORMALLY, "").toCloseStatus();
        assertThat(abnormal.code()).isEqualTo(1006);
        assertThat(abnormal.reasonText()).isEmpty();

        assertThat(new CloseReason(Codes.NO_STATUS_RECEIVED, "").toCloseStatus().code()).isEqualTo(1005);
        assertThat(CloseReason.of(65535, "x").toCloseStatus().code()).isEqualTo(65535);
    }

    @ParameterizedTest
    @ValueSource(ints = {1000, 1005, 1006, 1015, 3000, 4999, 65535})
    void closeStatusRoundTrip(int code) {
        CloseReason reason = CloseReason.of(code, "why");

        assertThat(CloseReason.of(reason.toCloseStatus())).isEqualTo(reason);
    }
}
