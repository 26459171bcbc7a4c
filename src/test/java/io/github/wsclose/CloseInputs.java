package io.github.wsclose;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.quicktheories.core.Gen;
import org.quicktheories.core.RandomnessSource;
import org.quicktheories.impl.Constraint;

/**
 * Generators of close frame inputs for the fuzz tests: status codes, UTF-8-ish byte strings,
 * valid close payloads and payloads mutated from them, and close reasons to send.
 *
 * <p>Every generator is a pure function of the draws it makes from QuickTheories'
 * {@link RandomnessSource}, so a failure shrinks and replays from its seed. Lower draws give
 * simpler inputs: shrinking moves towards them.
 */
final class CloseInputs {

    /** Codes on every border of the ranges of RFC 6455 §7.4 and the IANA registry. */
    private static final int[] BORDER_CODES = {
        0, 1, 999, 1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 1015,
        1016, 1999, 2000, 2999, 3000, 3001, 3999, 4000, 4001, 4999, 5000, 32767, 32768, 65534, 65535
    };

    /** Lead and continuation bytes that sit on a border of well-formed UTF-8 (Unicode Table 3-7). */
    private static final int[] BORDER_BYTES = {
        0x00, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF,
        0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xF7, 0xF8, 0xFB, 0xFC, 0xFE, 0xFF
    };

    private CloseInputs() {
    }

    /** Any 16-bit code, weighted towards the borders of the ranges and the sendable ranges. */
    static Gen<Integer> codes() {
        return in -> switch (draw(in, 0, 2)) {
            case 0 -> BORDER_CODES[draw(in, 0, BORDER_CODES.length - 1)];
            case 1 -> sendableCode(in);
            default -> draw(in, 0, 0xFFFF);
        };
    }

    /** Codes that may be sent: 1000–1003, 1007–1014, 3000–4999. */
    static Gen<Integer> sendableCodes() {
        return CloseInputs::sendableCode;
    }

    /** A well-formed reason of 0 to 60 code points from every UTF-8 width, without unpaired surrogates. */
    static Gen<String> reasonTexts() {
        return in -> {
            StringBuilder text = new StringBuilder();
            for (int n = draw(in, 0, 60); n > 0; n--) {
                text.appendCodePoint(codePoint(in));
            }
            return text.toString();
        };
    }

    /** Like {@link #reasonTexts()}, but one time in four an unpaired surrogate is slipped in. */
    static Gen<String> anyTexts() {
        return in -> {
            String text = reasonTexts().generate(in);
            if (draw(in, 0, 3) > 0) {
                return text;
            }
            int at = draw(in, 0, text.length());
            char surrogate = (char) draw(in, Character.MIN_SURROGATE, Character.MAX_SURROGATE);
            return text.substring(0, at) + surrogate + text.substring(at);
        };
    }

    /** A close reason that may be sent: a sendable code and at most 123 UTF-8 bytes, or an empty 1005. */
    static Gen<CloseReason> sendableReasons() {
        return in -> {
            if (draw(in, 0, 15) == 0) {
                return CloseReason.of(1005, "");
            }
            return CloseReason.of(sendableCode(in), fitting(reasonTexts().generate(in), 123));
        };
    }

    /** Any close reason at all: any code, and reasons that are too long or hold unpaired surrogates. */
    static Gen<CloseReason> anyReasons() {
        return in -> {
            StringBuilder text = new StringBuilder(anyTexts().generate(in));
            for (int n = draw(in, 0, 2); n > 0; n--) {
                text.append(reasonTexts().generate(in)); // up to 180 code points: often past 123 bytes
            }
            return CloseReason.of((int) codes().generate(in), text.toString());
        };
    }

    /** Byte strings that are mostly UTF-8, with every kind of ill-formed sequence mixed in. */
    static Gen<byte[]> utf8ish() {
        return in -> {
            Bytes bytes = new Bytes();
            for (int n = draw(in, 0, 40); n > 0; n--) {
                utf8ishToken(in, bytes);
            }
            return bytes.toArray();
        };
    }

    /** Payloads of valid close frames: empty, code only, or code and a well-formed reason of up to 123 bytes. */
    static Gen<byte[]> validPayloads() {
        return in -> {
            int shape = draw(in, 0, 9);
            if (shape == 0) {
                return new byte[0];
            }
            Bytes payload = new Bytes().u16(sendableCode(in));
            if (shape > 1) {
                payload.add(fitting(reasonTexts().generate(in), 123).getBytes(StandardCharsets.UTF_8));
            }
            return payload.toArray();
        };
    }

    /**
     * Close payloads for the decoder: valid ones, valid ones with one to four mutations (bit
     * flips, truncation, extension past 125 bytes, random codes, random UTF-8-ish reasons,
     * inserted or replaced bytes), a random code with a UTF-8-ish reason, and random bytes.
     */
    static Gen<byte[]> payloads() {
        return in -> switch (draw(in, 0, 9)) {
            case 0, 1 -> validPayloads().generate(in);
            case 2, 3, 4, 5, 6 -> mutate(validPayloads().generate(in), in);
            case 7, 8 -> new Bytes().u16(codes().generate(in)).add(utf8ish().generate(in)).toArray();
            default -> randomBytes(in, draw(in, 0, 130));
        };
    }

    /** Draws an int in [lo, hi]; lo is where shrinking leads. */
    static int draw(RandomnessSource in, int lo, int hi) {
        return (int) in.next(Constraint.between(lo, hi));
    }

    /** {@code count} random bytes. */
    static byte[] randomBytes(RandomnessSource in, int count) {
        byte[] bytes = new byte[count];
        for (int i = 0; i < count; i++) {
            bytes[i] = (byte) draw(in, 0, 255);
        }
        return bytes;
    }

    /** {@code payload} after one to four random mutations. */
    private static byte[] mutate(byte[] payload, RandomnessSource in) {
        byte[] p = payload;
        for (int n = draw(in, 1, 4); n > 0; n--) {
            p = mutateOnce(p, in);
        }
        return p;
    }

    private static byte[] mutateOnce(byte[] p, RandomnessSource in) {
        int length = p.length;
        return switch (draw(in, 0, 6)) {
            case 0 -> { // flip one bit
                byte[] flipped = p.clone();
                if (length > 0) {
                    flipped[draw(in, 0, length - 1)] ^= (byte) (1 << draw(in, 0, 7));
                }
                yield flipped;
            }
            case 1 -> Arrays.copyOf(p, draw(in, 0, length)); // truncate
            case 2 -> new Bytes().add(p).add(draw(in, 0, 1) == 0 ? utf8ish().generate(in) : randomBytes(in, draw(in, 1, 130)))
                    .toArray(); // extend, often past 125 bytes
            case 3 -> { // another code
                byte[] recoded = Arrays.copyOf(p, Math.max(2, length));
                int code = codes().generate(in);
                recoded[0] = (byte) (code >> 8);
                recoded[1] = (byte) code;
                yield recoded;
            }
            case 4 -> new Bytes().add(Arrays.copyOf(p, Math.min(2, length))).add(utf8ish().generate(in)).toArray(); // another reason
            case 5 -> { // insert one byte
                int at = draw(in, 0, length);
                yield new Bytes().add(Arrays.copyOfRange(p, 0, at)).add(borderOrRandomByte(in))
                        .add(Arrays.copyOfRange(p, at, length)).toArray();
            }
            default -> { // replace one byte
                byte[] replaced = p.clone();
                if (length > 0) {
                    replaced[draw(in, 0, length - 1)] = (byte) borderOrRandomByte(in);
                }
                yield replaced;
            }
        };
    }

    private static void utf8ishToken(RandomnessSource in, Bytes out) {
        switch (draw(in, 0, 12)) {
            case 0, 1, 2 -> out.add(draw(in, 0x20, 0x7E)); // printable ASCII
            case 3 -> out.add(draw(in, 0x00, 0x7F));
            case 4, 5 -> out.add(new String(Character.toChars(codePoint(in))).getBytes(StandardCharsets.UTF_8));
            case 6 -> out.add(0xED).add(draw(in, 0xA0, 0xBF)).add(continuation(in)); // an encoded surrogate
            case 7 -> { // an overlong form of 2, 3 or 4 bytes
                switch (draw(in, 0, 2)) {
                    case 0 -> out.add(draw(in, 0xC0, 0xC1)).add(continuation(in));
                    case 1 -> out.add(0xE0).add(draw(in, 0x80, 0x9F)).add(continuation(in));
                    default -> out.add(0xF0).add(draw(in, 0x80, 0x8F)).add(continuation(in)).add(continuation(in));
                }
            }
            case 8 -> { // above U+10FFFF: F4 90.., or a lead byte F5 and up
                out.add(draw(in, 0, 1) == 0 ? 0xF4 : draw(in, 0xF5, 0xFF)).add(draw(in, 0x90, 0xBF))
                        .add(continuation(in)).add(continuation(in));
            }
            case 9 -> out.add(continuation(in)); // a lone continuation byte
            case 10 -> { // a multi-byte sequence cut short
                byte[] whole = new String(Character.toChars(multiByteCodePoint(in))).getBytes(StandardCharsets.UTF_8);
                out.add(Arrays.copyOf(whole, draw(in, 1, whole.length - 1)));
            }
            default -> out.add(borderOrRandomByte(in));
        }
    }

    private static int sendableCode(RandomnessSource in) {
        return switch (draw(in, 0, 2)) {
            case 0 -> new int[] {1000, 1001, 1002, 1003}[draw(in, 0, 3)];
            case 1 -> draw(in, 1007, 1014);
            default -> draw(in, 3000, 4999);
        };
    }

    /** A code point that is not a surrogate, of a random UTF-8 width, most often ASCII. */
    private static int codePoint(RandomnessSource in) {
        return draw(in, 0, 1) == 0 ? draw(in, 0x20, 0x7E) : multiByteCodePoint(in);
    }

    /** A code point that is not a surrogate and takes 2, 3 or 4 bytes in UTF-8. */
    private static int multiByteCodePoint(RandomnessSource in) {
        return switch (draw(in, 0, 2)) {
            case 0 -> draw(in, 0x80, 0x7FF);
            case 1 -> {
                int cp = draw(in, 0x800, 0xFFFF - 0x800);
                yield cp >= Character.MIN_SURROGATE ? cp + 0x800 : cp; // skip U+D800–U+DFFF
            }
            default -> draw(in, 0x10000, Character.MAX_CODE_POINT);
        };
    }

    private static int continuation(RandomnessSource in) {
        return draw(in, 0x80, 0xBF);
    }

    private static int borderOrRandomByte(RandomnessSource in) {
        return draw(in, 0, 1) == 0 ? BORDER_BYTES[draw(in, 0, BORDER_BYTES.length - 1)] : draw(in, 0, 255);
    }

    /** The longest prefix of {@code text} that takes at most {@code maxBytes} in UTF-8, cut between code points. */
    private static String fitting(String text, int maxBytes) {
        int bytes = 0;
        int end = 0;
        while (end < text.length()) {
            int cp = text.codePointAt(end);
            int width = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (bytes + width > maxBytes) {
                break;
            }
            bytes += width;
            end += Character.charCount(cp);
        }
        return text.substring(0, end);
    }

    /** A growable byte array. */
    static final class Bytes {

        private byte[] bytes = new byte[32];
        private int size;

        Bytes add(int b) {
            if (size == bytes.length) {
                bytes = Arrays.copyOf(bytes, size * 2);
            }
            bytes[size++] = (byte) b;
            return this;
        }

        Bytes add(byte[] more) {
            for (byte b : more) {
                add(b);
            }
            return this;
        }

        Bytes u16(int value) {
            return add(value >> 8).add(value);
        }

        byte[] toArray() {
            return Arrays.copyOf(bytes, size);
        }
    }
}
