package io.github.wsclose;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtension;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionDecoder;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Inflates the data frames of compressed messages (RFC 7692 §7.2.2) and checks the RSV bits
 * of every frame against the one extension negotiated.
 *
 * <p>A message is compressed when its first frame has RSV1; its frames are inflated one by
 * one, the last with {@code 00 00 FF FF} appended, and passed on with RSV1 cleared. Frames of
 * uncompressed messages pass untouched. Every fault fails the connection through one path, a
 * {@link CorruptedWebSocketFrameException} to the next handlers' {@code exceptionCaught}:
 * <ul>
 *   <li>RSV1 on a control frame or a continuation frame, RSV2 or RSV3 anywhere: 1002;</li>
 *   <li>data that does not inflate: 1007, as the payload is not consistent with its type;</li>
 *   <li>a message that inflates to more than the message limit: 1009, found while inflating,
 *       so a small frame can never make us hold more than the limit: each message is inflated
 *       to at most one byte past it, whatever it would inflate to, and the close reason says
 *       how many of its compressed bytes that took.</li>
 * </ul>
 * After a fault every frame is dropped. {@link io.netty.handler.codec.MessageToMessageDecoder}
 * releases each frame read; the frames passed on are new.
 *
 * <p>One instance per channel: it holds the inflater, ended when the handler is removed.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc7692#section-7.2.2">RFC 7692 §7.2.2</a>
 */
final class PerMessageInflater extends WebSocketExtensionDecoder {

    /** Appended to the last frame of a message before inflating it (§7.2.2). */
    private static final byte[] FLUSH_TAIL = {0x00, 0x00, (byte) 0xFF, (byte) 0xFF};
    private static final int CHUNK = 8192;

    private final boolean noContextTakeover;
    private final int maxMessageBytes;
    private final Inflater inflater = new Inflater(true); // raw DEFLATE, no zlib header (§7.2.2)

    // state: where the connection stands, the bytes the current compressed message inflated to so far,
    // and the inflater's count of bytes read when that message began
    private State state = State.PLAIN;
    private long messageBytes;
    private long messageInputStart;

    PerMessageInflater(boolean noContextTakeover, int maxMessageBytes) {
        this.noContextTakeover = noContextTakeover;
        this.maxMessageBytes = maxMessageBytes;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, WebSocketFrame frame, List<Object> out) {
        switch (state) {
            case FAILED -> {
                // the connection is failing: nothing more is read
            }
            case PLAIN, COMPRESSED -> read(ctx, frame, out);
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) throws Exception {
        inflater.end();
        super.handlerRemoved(ctx);
    }

    private void read(ChannelHandlerContext ctx, WebSocketFrame frame, List<Object> out) {
        int rsv = frame.rsv();
        boolean continuation = frame instanceof ContinuationWebSocketFrame;
        boolean data = continuation || frame instanceof TextWebSocketFrame || frame instanceof BinaryWebSocketFrame;
        if (!data) {
            if (rsv != 0) {
                // control frames MUST NOT be compressed, nor carry other RSV bits (RFC 7692 §6.1, RFC 6455 §5.2)
                throw fail(WebSocketCloseStatus.PROTOCOL_ERROR, "rsv bits set on a control frame: " + rsv + " (expected: 0)");
            }
            out.add(frame.retain());
            return;
        }
        if ((rsv & ~WebSocketExtension.RSV1) != 0) {
            // RSV2 and RSV3 MUST be 0: no extension gave them a meaning (RFC 6455 §5.2)
            throw fail(WebSocketCloseStatus.PROTOCOL_ERROR, "rsv bits set without an extension: " + rsv + " (expected: 0 or 4)");
        }
        if (continuation && rsv != 0) {
            // RSV1 is set on the first frame of a message only (§6.1)
            throw fail(WebSocketCloseStatus.PROTOCOL_ERROR, "rsv1 set on a continuation frame");
        }
        if (!continuation && rsv != 0) {
            state = State.COMPRESSED;
            messageInputStart = inflater.getBytesRead();
        }
        if (state == State.PLAIN) {
            out.add(frame.retain());
            return;
        }
        ByteBuf inflated = inflate(ctx, frame);
        out.add(inflatedFrame(frame, inflated));
    }

    /** Inflates the frame's payload, and the flush tail after the last one; ends the message on the last. */
    private ByteBuf inflate(ChannelHandlerContext ctx, WebSocketFrame frame) {
        ByteBuf inflated = ctx.alloc().heapBuffer(Math.min(CHUNK, frame.content().readableBytes() * 4 + 64));
        try {
            inflateInto(inflated, frame.content().nioBuffer());
            if (frame.isFinalFragment()) {
                if (!inflater.finished()) {
                    inflateInto(inflated, ByteBuffer.wrap(FLUSH_TAIL));
                }
                state = State.PLAIN;
                messageBytes = 0;
                if (noContextTakeover || inflater.finished()) {
                    inflater.reset(); // a final block, or no context takeover, ends the window (§7.2.3)
                }
            }
            ByteBuf result = inflated;
            inflated = null;
            return result;
        } finally {
            if (inflated != null) {
                inflated.release();
            }
        }
    }

    private void inflateInto(ByteBuf inflated, ByteBuffer input) {
        inflater.setInput(input);
        try {
            while (!inflater.finished()) {
                inflated.ensureWritable(CHUNK);
                // never more than one byte past the limit: a zip bomb inflates to limit + 1 bytes, then fails
                int space = (int) Math.min(inflated.writableBytes(), maxMessageBytes - messageBytes + 1);
                int n = inflater.inflate(inflated.nioBuffer(inflated.writerIndex(), space));
                inflated.writerIndex(inflated.writerIndex() + n);
                messageBytes += n;
                if (messageBytes > maxMessageBytes) {
                    throw fail(WebSocketCloseStatus.MESSAGE_TOO_BIG, "message too big after inflating: more than "
                            + maxMessageBytes + " bytes from " + (inflater.getBytesRead() - messageInputStart)
                            + " compressed (expected: <= " + maxMessageBytes + ")");
                }
                if (inflater.needsDictionary()) {
                    throw fail(WebSocketCloseStatus.INVALID_PAYLOAD_DATA, "invalid deflate data: a preset dictionary is asked for");
                }
                if (n < space && inflater.needsInput()) {
                    break;
                }
            }
        } catch (DataFormatException e) {
            throw fail(WebSocketCloseStatus.INVALID_PAYLOAD_DATA, "invalid deflate data: " + e.getMessage());
        }
        if (input.hasRemaining()) {
            throw fail(WebSocketCloseStatus.INVALID_PAYLOAD_DATA, "invalid deflate data: "
                    + input.remaining() + " bytes after the final block (expected: 0)");
        }
    }

    /** The one failure path: no more frames are read, and the close status goes with the exception. */
    private CorruptedWebSocketFrameException fail(WebSocketCloseStatus status, String message) {
        state = State.FAILED;
        return new CorruptedWebSocketFrameException(status, message);
    }

    private static WebSocketFrame inflatedFrame(WebSocketFrame frame, ByteBuf inflated) {
        boolean fin = frame.isFinalFragment();
        if (frame instanceof TextWebSocketFrame) {
            return new TextWebSocketFrame(fin, 0, inflated);
        }
        if (frame instanceof BinaryWebSocketFrame) {
            return new BinaryWebSocketFrame(fin, 0, inflated);
        }
        return new ContinuationWebSocketFrame(fin, 0, inflated);
    }

    /** Where the connection stands between and inside messages. */
    enum State {
        /** Between messages, or inside an uncompressed one: frames pass untouched. */
        PLAIN,
        /** Inside a compressed message: its frames are inflated. */
        COMPRESSED,
        /** Terminal: a fault failed the connection; every frame is dropped. */
        FAILED
    }
}
