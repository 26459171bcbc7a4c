package io.github.wsclose;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtension;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionEncoder;
import java.util.List;
import java.util.zip.Deflater;
import org.jspecify.annotations.Nullable;

/**
 * Compresses every outbound data frame with DEFLATE (RFC 7692 §7.2.1); control frames pass
 * untouched, as they are never compressed (§6.1).
 *
 * <p>The first frame of a message gets RSV1, its continuations do not (§6). Each frame ends
 * with a sync flush, so fragments can be sent as they come; the last one drops the flush's
 * trailing {@code 00 00 FF FF}. With a window below 32 KiB, which the JDK's deflater cannot
 * narrow, messages are Huffman-coded only: no back-reference, so no window at all. The frame
 * written is released by {@link io.netty.handler.codec.MessageToMessageEncoder}; the
 * compressed frame is passed on.
 *
 * <p>One instance per channel: it holds the deflater, ended when the handler is removed.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc7692#section-7.2.1">RFC 7692 §7.2.1</a>
 */
final class PerMessageDeflater extends WebSocketExtensionEncoder {

    /** What a sync flush ends with, and a message on the wire without (§7.2.1). */
    static final int FLUSH_TAIL = 0x0000FFFF;

    private final int compressionLevel;
    private final boolean huffmanOnly;
    private final boolean noContextTakeover;

    // state: the deflater, from the first message on
    private @Nullable Deflater deflater;

    PerMessageDeflater(int compressionLevel, boolean huffmanOnly, boolean noContextTakeover) {
        this.compressionLevel = compressionLevel;
        this.huffmanOnly = huffmanOnly;
        this.noContextTakeover = noContextTakeover;
    }

    @Override
    public boolean acceptOutboundMessage(Object msg) {
        return msg instanceof TextWebSocketFrame || msg instanceof BinaryWebSocketFrame || msg instanceof ContinuationWebSocketFrame;
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, WebSocketFrame frame, List<Object> out) {
        Deflater zlib = deflater();
        zlib.setInput(frame.content().nioBuffer());
        ByteBuf compressed = ctx.alloc().buffer(frame.content().readableBytes() / 2 + 64);
        try {
            int space;
            int written;
            do {
                compressed.ensureWritable(4096);
                space = compressed.writableBytes();
                written = zlib.deflate(compressed.nioBuffer(compressed.writerIndex(), space), Deflater.SYNC_FLUSH);
                compressed.writerIndex(compressed.writerIndex() + written);
            } while (!zlib.needsInput() || written == space); // a full buffer may hold back more output
            if (frame.isFinalFragment()) {
                // the tail of the last flush is removed (§7.2.1)
                if (compressed.readableBytes() >= 4 && compressed.getInt(compressed.writerIndex() - 4) == FLUSH_TAIL) {
                    compressed.writerIndex(compressed.writerIndex() - 4);
                }
                if (noContextTakeover) {
                    zlib.reset();
                }
            }
            out.add(compressedFrame(frame, compressed));
            compressed = null;
        } finally {
            if (compressed != null) {
                compressed.release();
            }
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) throws Exception {
        if (deflater != null) {
            deflater.end();
            deflater = null;
        }
        super.handlerRemoved(ctx);
    }

    private Deflater deflater() {
        if (deflater == null) {
            deflater = new Deflater(compressionLevel, true); // raw DEFLATE, no zlib header (§7.2.1)
            if (huffmanOnly) {
                deflater.setStrategy(Deflater.HUFFMAN_ONLY);
            }
        }
        return deflater;
    }

    private static WebSocketFrame compressedFrame(WebSocketFrame frame, ByteBuf compressed) {
        boolean fin = frame.isFinalFragment();
        // RSV1 is set on the first frame of a compressed message only (§6)
        if (frame instanceof TextWebSocketFrame) {
            return new TextWebSocketFrame(fin, frame.rsv() | WebSocketExtension.RSV1, compressed);
        }
        if (frame instanceof BinaryWebSocketFrame) {
            return new BinaryWebSocketFrame(fin, frame.rsv() | WebSocketExtension.RSV1, compressed);
        }
        return new ContinuationWebSocketFrame(fin, frame.rsv(), compressed);
    }
}
