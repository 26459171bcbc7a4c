package io.github.wsclose;

import static io.github.wsclose.TestBytes.concat;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link Utf8Text} says of every sequence of Autobahn's section 6 what the JDK's strict decoder
 * says, whole and split between two frames at every byte, and fails a message at the frame with
 * its first fault, not at its end.
 */
class Utf8TextTest {

    /** Long enough that the eight-bytes-at-a-time ASCII path runs before and after the sequence. */
    private static final byte[] ASCII = "plain ascii text ".getBytes(StandardCharsets.US_ASCII);

    @Test
    void agreesWithTheJdkWholeAndSplitAtEveryByte() {
        List<byte[]> sequences = Utf8Sequences.groups().stream().flatMap(List::stream).toList();
        assertThat(sequences).hasSizeGreaterThan(50);
        for (byte[] sequence : sequences) {
            byte[] message = concat(ASCII, sequence, ASCII);
            boolean valid = isUtf8(message);
            assertThat(accepts(new Utf8Text(), text(message, true))).as("whole: %s", TestBytes.toHex(sequence)).isEqualTo(valid);
            for (int cut = 0; cut <= message.length; cut++) {
                Utf8Text check = new Utf8Text();
                boolean first = accepts(check, text(Arrays.copyOfRange(message, 0, cut), false));
                boolean both = first && accepts(check, continuation(Arrays.copyOfRange(message, cut, message.length), true));
                assertThat(both).as("cut at %d: %s", cut, TestBytes.toHex(sequence)).isEqualTo(valid);
            }
        }
    }

    @Test
    void failsAtTheFrameWithTheFirstFaultNotAtTheEnd() {
        Utf8Text check = new Utf8Text();
        assertThat(accepts(check, text(concat(ASCII, new byte[] {(byte) 0xCE, (byte) 0xBA}), false))).isTrue();
        assertThat(accepts(check, continuation(concat(ASCII, new byte[] {(byte) 0xC0, (byte) 0xAF}), false)))
                .as("an overlong '/' in the second of many frames").isFalse();
    }

    @Test
    void aMessageMustNotEndInTheMiddleOfASequence() {
        Utf8Text check = new Utf8Text();
        assertThat(accepts(check, text(new byte[] {(byte) 0xE2, (byte) 0x82}, false))).as("a sequence may go on in the next frame").isTrue();
        assertThat(accepts(check, continuation(new byte[0], true))).isFalse();
    }

    @Test
    void leavesBinaryMessagesAloneAndStartsAfreshWithEachTextMessage() {
        Utf8Text check = new Utf8Text();
        byte[] notUtf8 = {(byte) 0xFF, (byte) 0xC0};
        assertThat(accepts(check, new BinaryWebSocketFrame(false, 0, Unpooled.wrappedBuffer(notUtf8)))).isTrue();
        assertThat(accepts(check, continuation(notUtf8, true))).as("the continuation of a binary message").isTrue();
        assertThat(accepts(check, text(new byte[] {(byte) 0xE2}, false))).isTrue();
        assertThat(accepts(check, text(ASCII, true))).as("a new text message forgets an unfinished sequence").isTrue();
    }

    private static boolean accepts(Utf8Text check, WebSocketFrame frame) {
        try {
            return check.accepts(frame);
        } finally {
            frame.release();
        }
    }

    private static WebSocketFrame text(byte[] payload, boolean last) {
        return new TextWebSocketFrame(last, 0, Unpooled.directBuffer(payload.length).writeBytes(payload));
    }

    private static WebSocketFrame continuation(byte[] payload, boolean last) {
        return new ContinuationWebSocketFrame(last, 0, Unpooled.wrappedBuffer(payload));
    }

    private static boolean isUtf8(byte[] bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
