package io.github.wsclose;

import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.FastThreadLocal;
import java.nio.charset.StandardCharsets;

/**
 * Strict UTF-8 for close reasons: one-pass validating decode with an ASCII fast path, the
 * encoded length of a string, and truncation on a character boundary; and the byte rules that
 * {@link Utf8Text} checks text messages with.
 *
 * <p>Decoding accepts exactly the well-formed byte sequences of Unicode Table 3-7: no overlong
 * forms, no surrogates (U+D800–U+DFFF), nothing above U+10FFFF, no truncated sequences.
 * Stateless and thread-safe; the decode scratch arrays are per thread.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc3629#section-4">RFC 3629 §4</a>
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6455#section-8.1">RFC 6455 §8.1</a>
 */
final class Utf8 {

    /** Room for any close reason: {@value CloseReason#MAX_REASON_BYTES} bytes decode to at most as many chars. */
    private static final FastThreadLocal<Scratch> SCRATCH = new FastThreadLocal<>() {
        @Override
        protected Scratch initialValue() {
            return new Scratch();
        }
    };

    private Utf8() {
    }

    /**
     * Decodes {@code length} bytes of {@code buf} from {@code index} (at most
     * {@value CloseReason#MAX_REASON_BYTES}), without moving its indexes. A heap buffer is read in
     * place; any other is first copied in one call to a per-thread array, so that the decoding
     * loop reads plain array elements rather than calling {@code getByte} per byte.
     *
     * @throws IllegalArgumentException naming the first fault and its byte offset; the codec
     *                                  answers it with 1007 ({@link ClosePayload#decode(ByteBuf)})
     */
    static String decode(ByteBuf buf, int index, int length) {
        if (length == 0) {
            return "";
        }
        Scratch scratch = SCRATCH.get();
        if (buf.hasArray()) {
            return decode(buf.array(), buf.arrayOffset() + index, length, scratch.chars);
        }
        buf.getBytes(index, scratch.bytes, 0, length);
        return decode(scratch.bytes, 0, length, scratch.chars);
    }

    /** Decodes {@code bytes[start, start + length)}; {@code chars} has room for {@code length} chars. */
    private static String decode(byte[] bytes, int start, int length, char[] chars) {
        int end = start + length;
        int i = start;
        // ASCII fast path: an all-ASCII reason is valid as it is and becomes a String in one copy
        while (i < end && bytes[i] >= 0) {
            i++;
        }
        if (i == end) {
            return new String(bytes, start, length, StandardCharsets.ISO_8859_1);
        }
        int n = 0;
        for (int k = start; k < i; k++) {
            chars[n++] = (char) bytes[k];
        }
        while (i < end) {
            int b0 = bytes[i] & 0xFF;
            if (b0 < 0x80) {
                chars[n++] = (char) b0;
                i++;
                continue;
            }
            int size = sequenceLength(b0);
            if (size == 0) {
                throw invalid(leadFault(b0), i - start);
            }
            if (end - i < size) {
                throw invalid("truncated " + size + "-byte sequence", i - start);
            }
            int b1 = bytes[i + 1] & 0xFF;
            if (b1 < lowestSecond(b0) || b1 > highestSecond(b0)) {
                throw invalid(secondByteFault(b0, b1), i - start);
            }
            int cp = (b0 & (0xFF >> (size + 1))) << 6 | (b1 & 0x3F);
            for (int k = 2; k < size; k++) {
                int bk = bytes[i + k] & 0xFF;
                if ((bk & 0xC0) != 0x80) {
                    throw invalid("truncated " + size + "-byte sequence", i - start);
                }
                cp = cp << 6 | (bk & 0x3F);
            }
            if (size == 4) {
                chars[n++] = Character.highSurrogate(cp);
                chars[n++] = Character.lowSurrogate(cp);
            } else {
                chars[n++] = (char) cp;
            }
            i += size;
        }
        return new String(chars, 0, n);
    }

    /**
     * Returns the length of the sequence that the non-ASCII byte {@code b0} (0x80–0xFF) starts: 2, 3 or
     * 4, or 0 if it starts none (a continuation byte, an overlong 2-byte form, beyond U+10FFFF).
     */
    static int sequenceLength(int b0) {
        if (b0 >= 0xC2 && b0 <= 0xDF) {
            return 2;
        }
        if (b0 >= 0xE0 && b0 <= 0xEF) {
            return 3;
        }
        return b0 >= 0xF0 && b0 <= 0xF4 ? 4 : 0;
    }

    /** Returns the lowest byte allowed after the lead byte {@code b0}; every later one is 0x80–0xBF. */
    static int lowestSecond(int b0) {
        if (b0 == 0xE0) {
            return 0xA0; // below 0xA0 is an overlong form
        }
        return b0 == 0xF0 ? 0x90 : 0x80; // below 0x90 is an overlong form
    }

    /** Returns the highest byte allowed after the lead byte {@code b0}. */
    static int highestSecond(int b0) {
        if (b0 == 0xED) {
            return 0x9F; // above 0x9F is a surrogate
        }
        return b0 == 0xF4 ? 0x8F : 0xBF; // above 0x8F is beyond U+10FFFF
    }

    /**
     * Returns the number of bytes {@code s} takes in UTF-8.
     *
     * @throws IllegalArgumentException if {@code s} holds an unpaired surrogate, which has no
     *                                  UTF-8 form
     */
    static int encodedLength(String s) {
        int len = s.length();
        int ascii = 0;
        while (ascii < len && s.charAt(ascii) < 0x80) { // ASCII fast path: one byte a char
            ascii++;
        }
        int bytes = ascii;
        for (int i = ascii; i < len; i++) {
            int width = charWidth(s, i);
            if (width < 0) {
                throw new IllegalArgumentException("close reason holds an unpaired surrogate at index " + i);
            }
            bytes += width;
            if (width == 4) {
                i++;
            }
        }
        return bytes;
    }

    /**
     * Returns the longest prefix of {@code s} that takes at most {@code maxBytes} in UTF-8,
     * never splitting a surrogate pair.
     *
     * @throws IllegalArgumentException if {@code s} holds an unpaired surrogate
     */
    static String truncate(String s, int maxBytes) {
        int bytes = 0;
        for (int i = 0, len = s.length(); i < len; i++) {
            int width = charWidth(s, i);
            if (width < 0) {
                throw new IllegalArgumentException("close reason holds an unpaired surrogate at index " + i);
            }
            if (bytes + width > maxBytes) {
                return s.substring(0, i);
            }
            bytes += width;
            if (width == 4) {
                i++;
            }
        }
        return s;
    }

    /** UTF-8 width of the character at {@code i} (4 for a surrogate pair), or -1 for an unpaired surrogate. */
    private static int charWidth(String s, int i) {
        char c = s.charAt(i);
        if (c < 0x80) {
            return 1;
        }
        if (c < 0x800) {
            return 2;
        }
        if (!Character.isSurrogate(c)) {
            return 3;
        }
        boolean paired = Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
        return paired ? 4 : -1;
    }

    private static String leadFault(int b0) {
        if (b0 < 0xC0) {
            return "unexpected continuation byte 0x" + Integer.toHexString(b0);
        }
        if (b0 < 0xC2) {
            return "overlong 2-byte sequence";
        }
        return "byte 0x" + Integer.toHexString(b0) + " starts a code point above U+10FFFF";
    }

    private static String secondByteFault(int b0, int b1) {
        if ((b1 & 0xC0) != 0x80) {
            return "truncated sequence: 0x" + Integer.toHexString(b1) + " is not a continuation byte";
        }
        if (b0 == 0xE0 || b0 == 0xF0) {
            return "overlong " + (b0 == 0xE0 ? 3 : 4) + "-byte sequence";
        }
        return b0 == 0xED ? "surrogate code point" : "code point above U+10FFFF";
    }

    private static IllegalArgumentException invalid(String fault, int offset) {
        return new IllegalArgumentException("close reason is not valid UTF-8: " + fault + " at byte " + offset);
    }

    /** Per-thread room to copy a reason's bytes into and decode its chars into. */
    private static final class Scratch {
        final byte[] bytes = new byte[CloseReason.MAX_REASON_BYTES];
        final char[] chars = new char[CloseReason.MAX_REASON_BYTES];
    }
}
