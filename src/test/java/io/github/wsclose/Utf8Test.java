package io.github.wsclose;

import static io.github.wsclose.TestBytes.hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class Utf8Test {

    // ---- decode: valid ----------------------------------------------------------------------------

    @ParameterizedTest
    @CsvSource({
        "00,          0",
        "41,          41",
        "7F,          7F",
        "C2 80,       80",
        "C3 A9,       E9",      // é
        "DF BF,       7FF",
        "E0 A0 80,    800",
        "E2 82 AC,    20AC",    // €
        "ED 9F BF,    D7FF",    // just below the surrogates
        "EE 80 80,    E000",    // just above the surrogates
        "EF BF BF,    FFFF",
        "F0 90 80 80, 10000",
        "F0 9F 98 80, 1F600",   // 😀
        "F4 8F BF BF, 10FFFF",
    })
    void decodesOneCharacter(String bytes, String codePointHex) {
        String expected = Character.toString(Integer.parseInt(codePointHex, 16));

        assertThat(decode(hex(bytes))).isEqualTo(expected);
        assertThat(decode(hex("61 " + bytes + " 62"))).isEqualTo("a" + expected + "b");
    }

    @Test
    void decodesMixedText() {
        String text = "Grüße, 世界 😀! ok";

        assertThat(decode(text.getBytes(StandardCharsets.UTF_8))).isEqualTo(text);
    }

    @Test
    void decodesNothingToEmpty() {
        assertThat(decode(new byte[0])).isEmpty();
    }

    @Test
    void decodesTheLongestReasons() {
        for (String text : List.of("a".repeat(123), "€".repeat(41), "😀".repeat(30) + "abc", "a" + "é".repeat(61))) {
            assertThat(text.getBytes(StandardCharsets.UTF_8)).hasSize(123);
            assertThat(decode(text.getBytes(StandardCharsets.UTF_8))).isEqualTo(text);
        }
    }

    @Test
    void decodesTheGivenRangeWithoutMovingIndexes() {
        ByteBuf buf = Unpooled.buffer();
        try {
            buf.writeBytes(hex("FF FF 41 C3 A9 FF"));
            buf.readerIndex(1);

            assertThat(Utf8.decode(buf, 2, 3)).isEqualTo("Aé");
            assertThat(buf.readerIndex()).isEqualTo(1);
            assertThat(buf.writerIndex()).isEqualTo(6);
        } finally {
            buf.release();
        }
    }

    // ---- decode: invalid --------------------------------------------------------------------------

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "C0 AF       | overlong 2-byte sequence",
        "C1 BF       | overlong 2-byte sequence",
        "C0 80       | overlong 2-byte sequence",
        "E0 80 AF    | overlong 3-byte sequence",
        "E0 9F BF    | overlong 3-byte sequence",
        "F0 80 80 AF | overlong 4-byte sequence",
        "F0 8F BF BF | overlong 4-byte sequence",
        "ED A0 80    | surrogate code point",
        "ED BF BF    | surrogate code point",
        "ED B0 80    | surrogate code point",
        "F4 90 80 80 | code point above U+10FFFF",
        "F5 80 80 80 | above U+10FFFF",
        "F7 BF BF BF | above U+10FFFF",
        "F8 88 80 80 | above U+10FFFF",
        "FC 84 80 80 | above U+10FFFF",
        "FE          | above U+10FFFF",
        "FF          | above U+10FFFF",
        "80          | unexpected continuation byte 0x80",
        "BF          | unexpected continuation byte 0xbf",
        "C3          | truncated 2-byte sequence",
        "E2 82       | truncated 3-byte sequence",
        "F0 9F 98    | truncated 4-byte sequence",
        "E2 28 A1    | 0x28 is not a continuation byte",
        "C3 28       | 0x28 is not a continuation byte",
        "E2 82 28    | truncated 3-byte sequence",
        "F0 9F 98 41 | truncated 4-byte sequence",
        "F0 9F 41 80 | truncated 4-byte sequence",
    })
    void rejectsInvalidSequencesWith1007(String bytes, String fault) {
        assertInvalid(hex(bytes), fault + " at byte 0");
        // the same fault after valid text
        assertInvalid(hex("61 C3 A9 " + bytes), fault + " at byte 3");
        // ... and followed by more text (a truncated sequence may then read as another fault)
        assertInvalid(hex("61 C3 A9 " + bytes + " 62 63"), "at byte 3");
    }

    @ParameterizedTest
    @ValueSource(ints = {0xF5, 0xF6, 0xF7, 0xF8, 0xF9, 0xFA, 0xFB, 0xFC, 0xFD, 0xFE, 0xFF})
    void rejectsEveryLeadByteAboveF4(int lead) {
        assertInvalid(new byte[] {(byte) lead, (byte) 0x80, (byte) 0x80, (byte) 0x80}, "at byte 0");
    }

    @Test
    void rejectsEveryLoneContinuationByte() {
        for (int b = 0x80; b <= 0xBF; b++) {
            assertInvalid(new byte[] {'o', 'k', (byte) b}, "unexpected continuation byte 0x" + Integer.toHexString(b) + " at byte 2");
        }
    }

    @Test
    void namesTheOffsetOfTheFirstFaultInLongText() {
        byte[] bytes = ("€".repeat(40) + "x").getBytes(StandardCharsets.UTF_8);
        byte[] broken = Arrays.copyOf(bytes, bytes.length + 1);
        broken[bytes.length] = (byte) 0xC3; // truncated at the very end, byte 121

        assertInvalid(broken, "truncated 2-byte sequence at byte 121");
    }

    // ---- JDK cross-check --------------------------------------------------------------------------

    @Test
    void agreesWithTheJdkDecoderOnRandomBytes() {
        Random random = new Random(0x5EED_6455L);
        int accepted = 0;
        int rejected = 0;
        List<String> disagreements = new ArrayList<>();
        for (int round = 0; round < 5000; round++) {
            byte[] bytes = randomBytes(random, random.nextInt(124));
            String jdk = jdkDecode(bytes);
            String ours;
            try {
                ours = decode(bytes);
            } catch (IllegalArgumentException e) {
                assertThat(e.getMessage()).contains("not valid UTF-8");
                ours = null;
            }
            if (jdk == null ? ours != null : !jdk.equals(ours)) {
                disagreements.add(TestBytes.toHex(bytes) + ": JDK " + jdk + ", Utf8 " + ours);
            }
            if (ours == null) {
                rejected++;
            } else {
                accepted++;
            }
        }

        assertThat(disagreements).isEmpty();
        // both outcomes must be well represented for the comparison to mean anything
        assertThat(accepted).isGreaterThan(750);
        assertThat(rejected).isGreaterThan(750);
    }

    @Test
    void agreesWithTheJdkDecoderOnEveryOneAndTwoByteInput() {
        Checker checker = new Checker();
        try {
            for (int b0 = 0; b0 < 256; b0++) {
                checker.check((byte) b0);
                for (int b1 = 0; b1 < 256; b1++) {
                    checker.check((byte) b0, (byte) b1);
                }
            }
        } finally {
            checker.release();
        }
        assertThat(checker.disagreements).isEmpty();
        assertThat(checker.accepted).isEqualTo(128 + 128 * 128 + 30 * 64); // 1 byte, 2 ASCII, one 2-byte char
    }

    /** ASCII, continuation bytes at the edges of the allowed second-byte ranges, and a lead byte. */
    private static final int[] FOLLOWERS = {0x41, 0x80, 0x9F, 0xA0, 0xBF, 0xC0};

    @Test
    void agreesWithTheJdkDecoderOnEveryMultiByteLeadAndSecondByteFollowedByAThirdByte() {
        Checker checker = new Checker();
        try {
            for (int b0 = 0xC0; b0 < 256; b0++) { // lower leads: see the one- and two-byte test
                for (int b1 = 0; b1 < 256; b1++) {
                    for (int b2 : FOLLOWERS) {
                        checker.check((byte) b0, (byte) b1, (byte) b2);
                    }
                }
            }
        } finally {
            checker.release();
        }
        assertThat(checker.disagreements).isEmpty();
        // a 2-byte char then ASCII (1 follower), or one 3-byte char (4 followers are continuation bytes):
        // E0 allows 32 second bytes, ED 32, the 14 other leads E1-EF 64 each
        assertThat(checker.accepted).isEqualTo(30 * 64 * 1 + (32 + 32 + 14 * 64) * 4);
    }

    @Test
    void agreesWithTheJdkDecoderOnFourByteLeadsWithEverySecondByte() {
        int[] followers = {0x41, 0x80, 0xBF, 0xC0};
        Checker checker = new Checker();
        try {
            for (int b0 = 0xF0; b0 <= 0xF7; b0++) {
                for (int b1 = 0; b1 < 256; b1++) {
                    for (int b2 : followers) {
                        for (int b3 : followers) {
                            checker.check((byte) b0, (byte) b1, (byte) b2, (byte) b3);
                        }
                    }
                }
            }
        } finally {
            checker.release();
        }
        assertThat(checker.disagreements).isEmpty();
        // F0 allows 48 second bytes, F1-F3 64 each, F4 16; the last two bytes must both be continuations (2 × 2)
        assertThat(checker.accepted).isEqualTo((48 + 3 * 64 + 16) * 4);
    }

    /**
     * Compares Utf8.decode with the JDK on many inputs. It reuses one buffer wrapping an array: such a buffer is
     * not leak-tracked, so it does not record a stack trace on every access (PARANOID would make this slow).
     */
    private static final class Checker {
        private final byte[] array = new byte[8];
        private final ByteBuf buf = Unpooled.wrappedBuffer(array);
        private final CharsetDecoder jdk = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        final List<String> disagreements = new ArrayList<>();
        int accepted;

        void check(byte... bytes) {
            String expected;
            try {
                expected = jdk.decode(ByteBuffer.wrap(bytes)).toString();
            } catch (CharacterCodingException e) {
                expected = null;
            }
            System.arraycopy(bytes, 0, array, 1, bytes.length);
            String actual;
            try {
                actual = Utf8.decode(buf, 1, bytes.length);
            } catch (IllegalArgumentException e) {
                actual = null;
            }
            if (expected == null ? actual != null : !expected.equals(actual)) {
                disagreements.add(TestBytes.toHex(bytes) + ": JDK " + expected + ", Utf8 " + actual);
            }
            if (actual != null) {
                accepted++;
            }
        }

        void release() {
            buf.release();
        }
    }

    /**
     * Random bytes of the given length: half the time uniformly random; otherwise the UTF-8 of random code
     * points of every width, either exactly filling the length (then sometimes with a byte or two overwritten)
     * or cut at the length, possibly inside a character.
     */
    private static byte[] randomBytes(Random random, int length) {
        int mode = random.nextInt(4);
        if (mode < 2) {
            byte[] bytes = new byte[length];
            random.nextBytes(bytes);
            return bytes;
        }
        boolean cut = mode == 3;
        StringBuilder text = new StringBuilder();
        int size = 0;
        while (size < length) {
            int cp = switch (random.nextInt(4)) {
                case 0 -> random.nextInt(0x80);
                case 1 -> 0x80 + random.nextInt(0x800 - 0x80);
                case 2 -> 0x800 + random.nextInt(0x10000 - 0x800);
                default -> 0x10000 + random.nextInt(0x110000 - 0x10000);
            };
            if (cp >= 0xD800 && cp <= 0xDFFF) {
                continue; // no UTF-8 form
            }
            int width = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (!cut && size + width > length) {
                cp = 'a' + random.nextInt(26);
                width = 1;
            }
            text.appendCodePoint(cp);
            size += width;
        }
        byte[] bytes = Arrays.copyOf(text.toString().getBytes(StandardCharsets.UTF_8), length);
        if (!cut && length > 0 && random.nextInt(3) == 0) {
            for (int m = 1 + random.nextInt(2); m > 0; m--) {
                bytes[random.nextInt(length)] = (byte) random.nextInt(256);
            }
        }
        return bytes;
    }

    /** The JDK's strict decode, or null if it reports malformed input. */
    private static String jdkDecode(byte[] bytes) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            return decoder.decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    // ---- encodedLength and truncate ---------------------------------------------------------------

    @Test
    void encodedLengthCountsUtf8Bytes() {
        assertThat(Utf8.encodedLength("")).isZero();
        assertThat(Utf8.encodedLength("a")).isEqualTo(1);
        assertThat(Utf8.encodedLength("é")).isEqualTo(2);
        assertThat(Utf8.encodedLength("€")).isEqualTo(3);
        assertThat(Utf8.encodedLength("😀")).isEqualTo(4);
        String mixed = "Grüße, 世界 😀! \u007F\u0080\u07FF\u0800\uFFFF";
        assertThat(Utf8.encodedLength(mixed)).isEqualTo(mixed.getBytes(StandardCharsets.UTF_8).length);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "\uD800       | 0",
        "ab\uDC00     | 2",
        "a\uD83D      | 1",
        "\uDE00\uD83D | 0",
        "😀\uD83Dx    | 2",
    })
    void encodedLengthRejectsUnpairedSurrogates(String s, int index) {
        assertThatThrownBy(() -> Utf8.encodedLength(s))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("close reason holds an unpaired surrogate at index " + index);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "abc   | 0 | ''",
        "abc   | 2 | ab",
        "abc   | 3 | abc",
        "é     | 1 | ''",
        "aé    | 2 | a",
        "a€    | 3 | a",
        "a€    | 4 | a€",
        "😀    | 3 | ''",
        "😀    | 4 | 😀",
        "😀😀  | 7 | 😀",
    })
    void truncateKeepsWholeCharacters(String s, int maxBytes, String expected) {
        assertThat(Utf8.truncate(s, maxBytes)).isEqualTo(expected);
    }

    // ---- helpers ----------------------------------------------------------------------------------

    private static String decode(byte[] bytes) {
        // decode at a non-zero index, so that offsets are checked to be relative to it
        ByteBuf buf = Unpooled.buffer(bytes.length + 3);
        try {
            buf.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xFE});
            buf.writeBytes(bytes);
            buf.writeByte(0xFF);
            return Utf8.decode(buf, 2, bytes.length);
        } finally {
            buf.release();
        }
    }

    private static void assertInvalid(byte[] bytes, String fault) {
        assertThatThrownBy(() -> decode(bytes))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not valid UTF-8")
                .hasMessageContaining(fault);
    }
}
