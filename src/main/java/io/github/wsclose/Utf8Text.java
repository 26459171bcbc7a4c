package io.github.wsclose;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;

/**
 * Checks that the text messages of a peer are UTF-8 (RFC 6455 §8.1), frame by frame as they
 * arrive: a message fails at the frame that holds the first byte no UTF-8 can go on with, not at
 * its end, and a sequence may be split between two frames of it. The byte rules are those of
 * {@link Utf8} (Unicode Table 3-7); runs of ASCII are checked eight bytes at a time.
 *
 * <p>Not sharable: one per connection, confined to its event loop. Throws nothing: a fault is
 * told by the result, and the caller fails the connection.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6455#section-8.1">RFC 6455 §8.1</a>
 */
final class Utf8Text {

    private static final long NON_ASCII = 0x8080808080808080L;

    private boolean inText; // a fragmented text message is being received
    private int needed; // the continuation bytes the current sequence still needs, in this frame or the next
    private int lowest = 0x80; // the lowest allowed value of the next continuation byte
    private int highest = 0xBF; // the highest allowed value of the next continuation byte

    /**
     * Checks the payload of the data frame {@code frame} (text, binary or continuation), without
     * moving its indexes; returns false if it is part of a text message and no UTF-8 can be made
     * of the message's bytes so far, or, on its last frame, of all of them.
     */
    boolean accepts(WebSocketFrame frame) {
        if (frame instanceof TextWebSocketFrame) {
            inText = true;
            needed = 0;
        } else if (!inText || !(frame instanceof ContinuationWebSocketFrame)) {
            return true; // a binary message
        }
        ByteBuf payload = frame.content();
        boolean valid = check(payload, payload.readerIndex(), payload.writerIndex());
        if (frame.isFinalFragment()) {
            inText = false;
            return valid && needed == 0; // the message MUST NOT end in the middle of a sequence
        }
        return valid;
    }

    private boolean check(ByteBuf bytes, int from, int end) {
        int i = from;
        while (i < end) {
            if (needed == 0) {
                while (end - i >= Long.BYTES && (bytes.getLong(i) & NON_ASCII) == 0) {
                    i += Long.BYTES;
                }
                if (i == end) {
                    return true;
                }
                int b0 = bytes.getByte(i++) & 0xFF;
                if (b0 < 0x80) {
                    continue;
                }
                int size = Utf8.sequenceLength(b0);
                if (size == 0) {
                    return false;
                }
                needed = size - 1;
                lowest = Utf8.lowestSecond(b0);
                highest = Utf8.highestSecond(b0);
            } else {
                int b = bytes.getByte(i++) & 0xFF;
                if (b < lowest || b > highest) {
                    return false;
                }
                needed--;
                lowest = 0x80;
                highest = 0xBF;
            }
        }
        return true;
    }
}
