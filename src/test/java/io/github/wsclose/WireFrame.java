package io.github.wsclose;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ProtocolException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A WebSocket frame as bytes on the wire (RFC 6455 §5.2), written and read by the tests
 * themselves rather than by Netty, so that they can send frames Netty would never build
 * (wrong lengths, unmasked client frames, fragmented control frames) and check what the
 * library really put on the wire. The one place the tests mask frames (RFC 6455 §5.3).
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

    /** A final text frame. */
    static WireFrame text(String text) {
        return of(TEXT, text.getBytes(StandardCharsets.UTF_8));
    }

    /** A close frame with {@code code} and {@code reason} (UTF-8); a negative code gives an empty payload. */
    static WireFrame close(int code, String reason) {
        return code < 0 ? close(new byte[0]) : close(code, reason.getBytes(StandardCharsets.UTF_8));
    }

    /** A close frame with {@code code} as a 2-byte big-endian number followed by {@code reason} as it is, valid UTF-8 or not. */
    static WireFrame close(int code, byte[] reason) {
        return close(new CloseInputs.Bytes().u16(code).add(reason).toArray());
    }

    /** A close frame with {@code code} and no reason. */
    static WireFrame close(int code) {
        return close(code, new byte[0]);
    }

    /** A close frame whose payload is {@code payload} as it is, legal or not. */
    static WireFrame close(byte[] payload) {
        return of(CLOSE, payload);
    }

    /** A frame whose first byte (FIN, RSV and opcode) is {@code firstByte}. */
    static WireFrame withFirstByte(int firstByte, byte[] payload) {
        return new WireFrame((firstByte & 0x80) != 0, firstByte >> 4 & 7, firstByte & 0xF, payload);
    }

    /** The frame as a client sends it: masked with {@code maskKey}, with a minimal length field. */
    byte[] masked(int maskKey) {
        return encode(true, maskKey, payload.length, false);
    }

    /** The frame as a server sends it: unmasked, with a minimal length field. */
    byte[] unmasked() {
        return encode(false, 0, payload.length, false);
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
     * Reads one frame as a server must write it: unmasked, with a minimal length field, RSV bits
     * only among {@code allowedRsv}, control frames final and at most 125 bytes, no close payload
     * of 1 byte, at most {@code maxPayload} bytes.
     *
     * @return the frame, or null if the stream ended before it began
     * @throws ProtocolException if the frame breaks one of those rules
     * @throws EOFException      if the stream ends inside the frame
     */
    static @Nullable WireFrame readServerFrame(InputStream in, int allowedRsv, int maxPayload) throws IOException {
        return read(in, allowedRsv, maxPayload, false);
    }

    /**
     * Reads one frame as a client must write it: masked (§5.3), with a minimal length field, RSV
     * bits only among {@code allowedRsv}, control frames final and at most 125 bytes, no close
     * payload of 1 byte, at most {@code maxPayload} bytes; the payload is returned unmasked.
     *
     * @return the frame, or null if the stream ended before it began
     * @throws ProtocolException if the frame breaks one of those rules
     * @throws EOFException      if the stream ends inside the frame
     */
    static @Nullable WireFrame readClientFrame(InputStream in, int allowedRsv, int maxPayload) throws IOException {
        return read(in, allowedRsv, maxPayload, true);
    }

    /** Reads one frame from a client ({@code fromClient}: masked) or from a server (unmasked), checking the rules of both. */
    private static @Nullable WireFrame read(InputStream in, int allowedRsv, int maxPayload, boolean fromClient) throws IOException {
        String sender = fromClient ? "client" : "server";
        int b0 = in.read();
        if (b0 < 0) {
            return null;
        }
        int b1 = readByte(in);
        if ((b0 >> 4 & 7 & ~allowedRsv) != 0) {
            throw new ProtocolException("RSV bits set without an extension: 0x" + Integer.toHexString(b0));
        }
        // a client MUST mask all frames that it sends (§5.3); a server MUST NOT mask any (§5.1)
        if ((b1 & 0x80) == 0 == fromClient) {
            throw new ProtocolException((fromClient ? "unmasked frame from the " : "masked frame from the ") + sender);
        }
        long length = b1 & 0x7F;
        if (length >= 126) {
            int bytes = length == 126 ? 2 : 8;
            length = 0;
            for (int i = 0; i < bytes; i++) {
                length = length << 8 | readByte(in);
            }
            // the minimal number of bytes MUST be used to encode the length (§5.2)
            if (length < (bytes == 2 ? 126 : 0x10000)) {
                throw new ProtocolException("length " + length + " not in its minimal form");
            }
        }
        if (length > maxPayload) {
            throw new ProtocolException("frame of " + length + " bytes from the " + sender + " (expected: <= " + maxPayload + ")");
        }
        byte[] mask = fromClient ? in.readNBytes(4) : new byte[4];
        byte[] payload = in.readNBytes((int) length);
        if (mask.length < 4 || payload.length < length) {
            throw new EOFException("stream ended inside a frame: " + payload.length + " of " + length + " payload bytes");
        }
        for (int i = 0; i < payload.length; i++) {
            payload[i] ^= mask[i % 4];
        }
        WireFrame frame = new WireFrame((b0 & 0x80) != 0, b0 >> 4 & 7, b0 & 0xF, payload);
        // control frames MUST NOT be fragmented and MUST have a payload of 125 bytes or less (§5.5)
        if (frame.isControl() && (!frame.fin() || length > 125)) {
            throw new ProtocolException("malformed control frame from the " + sender + ": " + frame);
        }
        // a close frame body MUST start with a 2-byte status code (§5.5.1)
        if (frame.opcode() == CLOSE && length == 1) {
            throw new ProtocolException("close frame payload of 1 byte from the " + sender + " (expected: 0 or >= 2)");
        }
        return frame;
    }

    /**
     * Reads the frames a server wrote, by {@link #readServerFrame}, with nothing left over.
     *
     * @throws AssertionError if the bytes are not exactly a sequence of such frames
     */
    static List<WireFrame> parseServerFrames(byte[] bytes) {
        List<WireFrame> frames = new ArrayList<>();
        ByteArrayInputStream in = new ByteArrayInputStream(bytes);
        try {
            for (WireFrame f; (f = readServerFrame(in, 0, bytes.length)) != null; ) {
                frames.add(f);
            }
        } catch (IOException e) {
            throw new AssertionError("not a sequence of server frames at byte " + (bytes.length - in.available()) + ": " + e, e);
        }
        return frames;
    }

    boolean isControl() {
        return (opcode & 0x8) != 0;
    }

    boolean isData() {
        return opcode == TEXT || opcode == BINARY || opcode == CONTINUATION;
    }

    /** The status code of a close frame; 1005 for an empty one, as RFC 6455 §7.1.5 reports it. */
    int closeCode() {
        return payload.length == 0 ? 1005 : (payload[0] & 0xFF) << 8 | payload[1] & 0xFF;
    }

    /**
     * The reason of a close frame, decoded strictly.
     *
     * @throws CharacterCodingException if the reason is not valid UTF-8
     */
    String closeReason() throws CharacterCodingException {
        ByteBuffer reason = ByteBuffer.wrap(payload, Math.min(2, payload.length), Math.max(0, payload.length - 2));
        return StandardCharsets.UTF_8.newDecoder().decode(reason).toString();
    }

    /** Reads the frame's payload as a close payload through {@link CloseOracle}. */
    CloseOracle.Verdict closeVerdict() {
        return CloseOracle.judge(payload);
    }

    /** Reads like {@code TEXT 'Hello World!'}, {@code CLOSE 1002 'reason'}, {@code PING (3 bytes)} or {@code TEXT RSV1 (not final) ...}. */
    @Override
    public String toString() {
        String head = switch (opcode) {
            case CONTINUATION -> "CONTINUATION";
            case TEXT -> "TEXT";
            case BINARY -> "BINARY";
            case CLOSE -> "CLOSE";
            case PING -> "PING";
            case PONG -> "PONG";
            default -> "OPCODE " + opcode;
        } + (rsv == 0 ? "" : " RSV" + rsv) + (fin ? "" : " (not final)");
        if (opcode == TEXT && payload.length <= 64) {
            return head + " '" + new String(payload, StandardCharsets.UTF_8) + "'";
        }
        if (opcode == CLOSE) {
            String reason = new String(payload, Math.min(2, payload.length), Math.max(0, payload.length - 2), StandardCharsets.UTF_8);
            return head + " " + (payload.length == 0 ? "(empty)" : closeCode() + (reason.isEmpty() ? "" : " '" + reason + "'"));
        }
        return head + " (" + payload.length + " bytes)";
    }

    private static int readByte(InputStream in) throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new EOFException("stream ended inside a frame header");
        }
        return b;
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
