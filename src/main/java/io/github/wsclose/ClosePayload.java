package io.github.wsclose;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The close frame payload codec: payload {@link ByteBuf} ⇄ {@link CloseReason}, usable with or
 * without a pipeline. {@link CloseFrameDecoder} and {@link CloseFrameEncoder} are thin
 * handlers around it.
 *
 * <p>Decoding is strict: the payload is empty, or a 2-byte big-endian status code that may
 * appear on the wire followed by a strictly valid UTF-8 reason, 125 bytes in all at most.
 * Encoding is just as strict. A code-only payload of a named code decodes to a shared cached
 * instance; a reasonless named code encodes from a pre-built payload.
 *
 * <p>Stateless and thread-safe.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6455#section-5.5.1">RFC 6455 §5.5.1</a>
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6455#section-7.4">RFC 6455 §7.4</a>
 */
public final class ClosePayload {

    /** The longest payload of any control frame (RFC 6455 §5.5). */
    static final int MAX_PAYLOAD_BYTES = 125;

    /** Read-only, unreleasable 2-byte payloads of the sendable named codes, indexed by ordinal. */
    private static final ByteBuf[] CODE_ONLY = new ByteBuf[CloseReason.Codes.values().length];

    static {
        for (CloseReason.Codes c : CloseReason.Codes.values()) {
            if (c.mayAppearOnWire()) {
                ByteBuf payload = Unpooled.wrappedBuffer(new byte[] {(byte) (c.code() >> 8), (byte) c.code()});
                CODE_ONLY[c.ordinal()] = Unpooled.unreleasableBuffer(payload.asReadOnly());
            }
        }
    }

    private ClosePayload() {
    }

    /**
     * Decodes the payload of a close frame: the readable bytes of {@code payload}. Neither its
     * indexes nor its reference count change; the caller still owns and releases it.
     *
     * @param payload the close frame's payload, not released here
     * @return the peer's close reason; {@code 1005 NO_STATUS_RECEIVED} for an empty payload
     * @throws CorruptedWebSocketFrameException naming the fault, with status 1002 (protocol
     *                                          error) for a 1-byte or over-long payload or a
     *                                          code that may not appear on the wire, or 1007
     *                                          (invalid payload data) for a reason that is not
     *                                          strictly valid UTF-8
     */
    public static CloseReason decode(ByteBuf payload) {
        int length = payload.readableBytes();
        if (length == 0) {
            return CloseReason.Codes.NO_STATUS_RECEIVED.withoutMessage;
        }
        if (length == 1) {
            throw oneByteBody();
        }
        if (length > MAX_PAYLOAD_BYTES) {
            // control frames MUST have a payload length of 125 bytes or less (RFC 6455 §5.5)
            throw protocolError("close frame payload too long: " + length + " bytes (expected: <= " + MAX_PAYLOAD_BYTES + ")");
        }
        int index = payload.readerIndex();
        int code = payload.getUnsignedShort(index);
        String violation = StatusCodeRange.violation(code);
        if (violation != null) {
            // a close frame with a status code that may not appear on the wire MUST fail the connection (§7.4.1, §7.4.2)
            throw protocolError(violation);
        }
        if (length == 2) {
            return CloseReason.withoutMessage(code);
        }
        String message;
        try {
            message = Utf8.decode(payload, index + 2, length - 2);
        } catch (IllegalArgumentException notUtf8) {
            // invalid UTF-8 in a close reason MUST fail the connection with 1007 (§8.1, §7.4.1)
            throw new CorruptedWebSocketFrameException(WebSocketCloseStatus.INVALID_PAYLOAD_DATA, notUtf8.getMessage());
        }
        return CloseReason.of(code, message);
    }

    /**
     * Decodes the payload of {@code frame}; the frame is not released.
     *
     * @param frame a close frame, not released here
     * @return the peer's close reason; {@code 1005 NO_STATUS_RECEIVED} for an empty payload
     * @throws CorruptedWebSocketFrameException as {@link #decode(ByteBuf)} does
     */
    public static CloseReason decode(CloseWebSocketFrame frame) {
        return decode(frame.content());
    }

    /**
     * Encodes {@code reason} as a close frame payload: the big-endian code followed by the
     * UTF-8 reason, or nothing at all for {@code 1005 NO_STATUS_RECEIVED} without a message
     * (the echo of an empty close frame). The caller owns the returned buffer.
     *
     * @param reason the code and reason to send
     * @param alloc  allocates the payload buffer
     * @return the payload, owned by the caller
     * @throws IllegalArgumentException naming the fault, if the code may not be sent or the
     *                                  reason is longer than 123 UTF-8 bytes or holds an
     *                                  unpaired surrogate; nothing is allocated then
     */
    public static ByteBuf encode(CloseReason reason, ByteBufAllocator alloc) {
        Objects.requireNonNull(alloc, "alloc");
        int length = encodedLength(reason);
        if (length == 0) {
            return Unpooled.EMPTY_BUFFER;
        }
        CloseReason.Codes known = reason.knownReason();
        if (length == 2 && known != null) {
            return CODE_ONLY[known.ordinal()].duplicate();
        }
        String message = reason.message();
        ByteBuf payload = alloc.buffer(length);
        payload.writeShort(reason.code());
        if (length - 2 == message.length()) {
            payload.writeCharSequence(message, StandardCharsets.US_ASCII); // as many bytes as chars: all ASCII
        } else {
            ByteBufUtil.reserveAndWriteUtf8(payload, message, length - 2); // exactly the bytes counted: no growing
        }
        return payload;
    }

    /**
     * Builds a final close frame carrying {@link #encode(CloseReason, ByteBufAllocator)};
     * the caller owns the frame.
     *
     * @param reason the code and reason to send
     * @param alloc  allocates the payload buffer
     * @return a final close frame, owned by the caller
     * @throws IllegalArgumentException as {@link #encode(CloseReason, ByteBufAllocator)} does
     */
    public static CloseWebSocketFrame newFrame(CloseReason reason, ByteBufAllocator alloc) {
        return new CloseWebSocketFrame(true, 0, encode(reason, alloc));
    }

    /**
     * Returns the payload length {@code reason} encodes to, after checking that it may be sent.
     *
     * @throws IllegalArgumentException naming the fault
     */
    static int encodedLength(CloseReason reason) {
        return Objects.requireNonNull(reason, "reason").isEmptyClose() ? 0 : 2 + reason.sendableMessageBytes();
    }

    /** The rejection of a 1-byte close payload, also used where Netty's decoder finds one in a frame header. */
    static CorruptedWebSocketFrameException oneByteBody() {
        // a close frame body MUST start with a 2-byte status code (RFC 6455 §5.5.1)
        return protocolError("close frame payload of 1 byte is too short (expected: 0 or >= 2)");
    }

    private static CorruptedWebSocketFrameException protocolError(String message) {
        return new CorruptedWebSocketFrameException(WebSocketCloseStatus.PROTOCOL_ERROR, message);
    }
}
