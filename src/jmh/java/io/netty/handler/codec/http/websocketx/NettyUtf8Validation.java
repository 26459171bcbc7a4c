package io.netty.handler.codec.http.websocketx;

import io.netty.buffer.ByteBuf;

/**
 * Benchmark-only access to Netty's own strict UTF-8 validator ({@code Utf8Validator}, package-private
 * in this package), used the way {@code WebSocket08FrameDecoder.checkCloseFrameBody} uses it: a new
 * validator per close frame. {@link Utf8Validator#finish()} is called as well, so that a reason that
 * ends in the middle of a sequence is rejected too (the frame decoder itself skips that call).
 */
public final class NettyUtf8Validation {

    private NettyUtf8Validation() {
    }

    /**
     * Checks {@code length} bytes of {@code buf} from {@code index}.
     *
     * @throws CorruptedWebSocketFrameException with status 1007 if they are not strictly valid UTF-8
     */
    public static void check(ByteBuf buf, int index, int length) {
        Utf8Validator validator = new Utf8Validator();
        validator.check(buf, index, length);
        validator.finish();
    }
}
