package io.github.wsclose;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Byte helpers for the tests: hex literals, close payloads built by hand, buffer contents. */
final class TestBytes {

    private TestBytes() {
    }

    /** Bytes from hex such as {@code "03 E8"} (spaces ignored). */
    static byte[] hex(String hex) {
        return ByteBufUtil.decodeHexDump(hex.replace(" ", ""));
    }

    /** An unpooled buffer holding the bytes of {@code hex}; the caller releases it. */
    static ByteBuf buf(String hex) {
        return Unpooled.wrappedBuffer(hex(hex));
    }

    /** A close payload built independently of the code under test: big-endian code, then the UTF-8 reason. */
    static byte[] payload(int code, String reason) {
        return concat(new byte[] {(byte) (code >>> 8), (byte) code}, reason.getBytes(StandardCharsets.UTF_8));
    }

    /** A close payload: big-endian code, then the given raw reason bytes. */
    static byte[] payload(int code, byte[] reason) {
        return concat(new byte[] {(byte) (code >>> 8), (byte) code}, reason);
    }

    /** The readable bytes of {@code buf}, without moving its indexes. */
    static byte[] bytes(ByteBuf buf) {
        return ByteBufUtil.getBytes(buf);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    /** The bytes of ASCII {@code text}. */
    static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    /** Upper-case hex with a space between bytes, for readable assertion messages. */
    static String toHex(byte[] bytes) {
        StringBuilder sb = new StringBuilder();
        for (byte b : bytes) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append(String.format("%02X", b & 0xFF));
        }
        return sb.toString();
    }
}
