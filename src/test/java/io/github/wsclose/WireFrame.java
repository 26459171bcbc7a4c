package io.github.wsclose;

import io.netty.buffer.ByteBufUtil;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A WebSocket frame as bytes on the wire (RFC 6455 §5.2), written and read by the tests
 * themselves rather than by Netty, so that they can send frames Netty would never build
 * (wrong lengths, unmasked client frames, fragmented control frames) and check what the
 * library really put on the wire.
 *
 * @param fin     the FIN bit
 * @param rsv     the three RSV bits, 0–7
 * @param opcode  the opcode, 0–15
 * @param payload the payload, unmasked
 */
record WireFrame(boolean fin, int rsv, int opcode, byte[] payload) {

    static final int CONTINUATION = 0x0;
    static final int TEXT = 0x1;
    static final int BINARY = 0x2;
    static final int CLOSE = 0x8;
    static final int PING = 0x9;
    static final int PONG = 0xA;

    /** A final frame with no RSV bits. */
    static WireFrame of(int opcode, byte[] payload) {
        return new WireFrame(true, 0, opcode, payload);
    }

    /** A close frame with {@code code} and {@code reason} (UTF-8); a negative code gives an empty payload. */
    static WireFrame close(int code, String reason) {
        if (code < 0) {
            return of(CLOSE, new byte[0]);
        }
        return of(CLOSE, new CloseInputs.Bytes().u16(code).add(reason.getBytes(StandardCharsets.UTF_8)).toArray());
    }

    /** The frame as a client sends it: masked with {@code maskKey}, with a minimal length field. */
    byte[] masked(int maskKey) {
        return encode(true, maskKey, payload.length, false);
    }

    /**
     * Encodes the frame with a length field that may lie: it announces {@code declaredLength}
     * whatever the payload really holds, in the 7-, 16- or 64-bit form ({@code longForm} picks
     * the 64-bit form even where a shorter one fits, which RFC 6455 §5.2 forbids).
     */
    byte[] encode(boolean masked, int maskKey, long declaredLength, boolean longForm) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(payload.length + 14);
        out.write((fin ? 0x80 : 0) | (rsv & 7) << 4 | opcode & 0xF);
        int maskBit = masked ? 0x80 : 0;
        if (longForm || declaredLength < 0 || declaredLength > 0xFFFF) {
            out.write(maskBit | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                out.write((int) (declaredLength >>> shift));
            }
        } else if (declaredLength > 125) {
            out.write(maskBit | 126);
            out.write((int) (declaredLength >> 8));
            out.write((int) declaredLength);
        } else {
            out.write(maskBit | (int) declaredLength);
        }
        if (masked) {
            for (int shift = 24; shift >= 0; shift -= 8) {
                out.write(maskKey >>> shift);
            }
        }
        for (int i = 0; i < payload.length; i++) {
            int mask = masked ? maskKey >>> 8 * (3 - i % 4) : 0;
            out.write(payload[i] ^ mask);
        }
        return out.toByteArray();
    }

    /**
     * Reads the frames a server wrote: unmasked, with minimal length fields, nothing left over.
     *
     * @throws AssertionError if the bytes are not exactly a sequence of such frames
     */
    static List<WireFrame> parseServerFrames(byte[] bytes) {
        List<WireFrame> frames = new ArrayList<>();
        int i = 0;
        while (i < bytes.length) {
            if (bytes.length - i < 2) {
                throw new AssertionError("truncated frame header at byte " + i + " of " + bytes.length);
            }
            int b0 = bytes[i] & 0xFF;
            int b1 = bytes[i + 1] & 0xFF;
            if ((b1 & 0x80) != 0) {
                throw new AssertionError("server frame is masked at byte " + i + " (expected: unmasked, RFC 6455 §5.1)");
            }
            int len7 = b1 & 0x7F;
            int header = len7 == 126 ? 4 : len7 == 127 ? 10 : 2;
            if (bytes.length - i < header) {
                throw new AssertionError("truncated length field at byte " + i);
            }
            long length = len7;
            if (len7 == 126) {
                length = (bytes[i + 2] & 0xFF) << 8 | bytes[i + 3] & 0xFF;
            } else if (len7 == 127) {
                length = 0;
                for (int k = 2; k < 10; k++) {
                    length = length << 8 | bytes[i + k] & 0xFF;
                }
            }
            if (bytes.length - i - header < length) {
                throw new AssertionError("truncated payload at byte " + i + ": " + length + " announced");
            }
            int start = i + header;
            frames.add(new WireFrame((b0 & 0x80) != 0, b0 >> 4 & 7, b0 & 0xF,
                    Arrays.copyOfRange(bytes, start, start + (int) length)));
            i = start + (int) length;
        }
        return frames;
    }

    /** Reads the frame's payload as a close payload through {@link CloseOracle}. */
    CloseOracle.Verdict closeVerdict() {
        return CloseOracle.judge(payload);
    }

    @Override
    public String toString() {
        return "WireFrame[fin=" + fin + ", rsv=" + rsv + ", opcode=" + opcode + ", payload="
                + ByteBufUtil.hexDump(payload) + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WireFrame f && fin == f.fin && rsv == f.rsv && opcode == f.opcode && Arrays.equals(payload, f.payload);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(payload) * 31 + opcode;
    }
}
