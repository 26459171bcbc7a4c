package io.github.wsclose;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * An independent statement of the close frame payload rules (RFC 6455 §5.5.1, §7.4), used to
 * check {@link ClosePayload}, {@link StatusCodeRange} and {@link Utf8} from the outside: the
 * code ranges are spelled out again here, and UTF-8 is checked by the JDK's own decoder with
 * {@link CodingErrorAction#REPORT}, which shares no code with {@link Utf8}.
 */
final class CloseOracle {

    private CloseOracle() {
    }

    /** What a close frame payload must decode to: a reason, or the status of the protocol error it is. */
    record Verdict(@Nullable CloseReason reason, int errorStatus) {

        static Verdict valid(CloseReason reason) {
            return new Verdict(reason, 0);
        }

        static Verdict error(int status) {
            return new Verdict(null, status);
        }
    }

    /** Judges a close frame payload. */
    static Verdict judge(byte[] payload) {
        if (payload.length == 0) {
            return Verdict.valid(CloseReason.of(1005, ""));
        }
        if (payload.length == 1 || payload.length > 125) {
            return Verdict.error(1002);
        }
        int code = (payload[0] & 0xFF) << 8 | payload[1] & 0xFF;
        if (!sendable(code)) {
            return Verdict.error(1002);
        }
        String message = decodeUtf8(payload, 2, payload.length - 2);
        return message == null ? Verdict.error(1007) : Verdict.valid(CloseReason.of(code, message));
    }

    /** The codes that may appear in a close frame: 1000–1003, 1007–1014, 3000–4999. */
    static boolean sendable(int code) {
        return code >= 1000 && code <= 1003 || code >= 1007 && code <= 1014 || code >= 3000 && code <= 4999;
    }

    /** Strictly decodes UTF-8 with the JDK, or returns null if the bytes are not well-formed. */
    static @Nullable String decodeUtf8(byte[] bytes, int offset, int length) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, offset, length))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** Strictly encodes {@code s} as UTF-8 with the JDK, or returns null if it holds an unpaired surrogate. */
    static byte @Nullable [] encodeUtf8(String s) {
        try {
            ByteBuffer encoded = StandardCharsets.UTF_8.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(s));
            byte[] bytes = new byte[encoded.remaining()];
            encoded.get(bytes);
            return bytes;
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** Tells whether {@code reason} may be received or sent: a sendable code with at most 123 UTF-8 bytes, or an empty 1005. */
    static boolean isValidOnWire(CloseReason reason) {
        byte[] message = encodeUtf8(reason.message());
        if (message == null) {
            return false;
        }
        if (reason.unsignedCode() == 1005) {
            return message.length == 0;
        }
        return sendable(reason.unsignedCode()) && message.length <= 123;
    }
}
