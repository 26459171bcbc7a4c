package io.github.wsclose;

import static io.github.wsclose.TestBytes.payload;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.wsclose.CloseReason.Codes;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CloseFrameDecoderTest {

    private final EmbeddedChannel channel = new EmbeddedChannel(CloseFrameDecoder.INSTANCE);

    @AfterEach
    void closeChannel() {
        channel.finishAndReleaseAll();
    }

    @Test
    void turnsACloseFrameIntoItsReasonAndReleasesTheFrame() {
        CloseWebSocketFrame frame = frame(payload(1001, "restarting"));

        assertThat(channel.writeInbound(frame)).isTrue();

        assertThat(channel.<Object>readInbound()).isEqualTo(new CloseReason(Codes.GOING_AWAY, "restarting"));
        assertThat(channel.<Object>readInbound()).isNull();
        assertThat(frame.refCnt()).isZero();
    }

    @Test
    void turnsAnEmptyCloseFrameIntoNoStatusReceived() {
        CloseWebSocketFrame frame = new CloseWebSocketFrame();

        channel.writeInbound(frame);

        assertThat(channel.<Object>readInbound()).isEqualTo(new CloseReason(Codes.NO_STATUS_RECEIVED, ""));
        assertThat(frame.refCnt()).isZero();
    }

    @Test
    void turnsNettysOwnCloseFrameIntoItsReason() {
        CloseWebSocketFrame frame = new CloseWebSocketFrame(WebSocketCloseStatus.NORMAL_CLOSURE, "done €");

        channel.writeInbound(frame);

        assertThat(channel.<Object>readInbound()).isEqualTo(new CloseReason(Codes.NORMAL, "done €"));
        assertThat(frame.refCnt()).isZero();
    }

    @Test
    void codeOnlyFrameOfANamedCodeGivesTheCachedInstance() {
        channel.writeInbound(frame(payload(1000, "")), frame(payload(1000, "")));

        CloseReason first = channel.readInbound();
        CloseReason second = channel.readInbound();
        assertThat(first).isEqualTo(new CloseReason(Codes.NORMAL, ""));
        assertThat(second).isSameAs(first);
    }

    @Test
    void passesOtherFramesThroughUntouched() {
        TextWebSocketFrame text = new TextWebSocketFrame("hello");
        PingWebSocketFrame ping = new PingWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {1, 2}));
        try {
            channel.writeInbound(text, ping);

            assertThat(channel.<Object>readInbound()).isSameAs(text);
            assertThat(channel.<Object>readInbound()).isSameAs(ping);
            assertThat(text.refCnt()).isEqualTo(1);
            assertThat(text.text()).isEqualTo("hello");
            assertThat(ping.refCnt()).isEqualTo(1);
        } finally {
            text.release();
            ping.release();
        }
    }

    @Test
    void passesOtherObjectsThroughUntouched() {
        ByteBuf buf = Unpooled.wrappedBuffer(new byte[] {(byte) 0x88, 0x00});
        Object plain = "not a frame";
        try {
            channel.writeInbound(buf, plain);

            assertThat(channel.<Object>readInbound()).isSameAs(buf);
            assertThat(channel.<Object>readInbound()).isSameAs(plain);
            assertThat(buf.refCnt()).isEqualTo(1);
            assertThat(buf.readerIndex()).isZero();
        } finally {
            buf.release();
        }
    }

    static Stream<Arguments> invalidPayloads() {
        return Stream.of(
                Arguments.of("1 byte", new byte[] {0x03}, 1002, "payload of 1 byte is too short"),
                Arguments.of("126 bytes", payload(1000, "a".repeat(124)), 1002, "too long: 126 bytes"),
                Arguments.of("code 999", payload(999, ""), 1002, "close status 999 must not appear on the wire"),
                Arguments.of("code 1005", payload(1005, ""), 1002, "close status 1005 must not appear on the wire"),
                Arguments.of("code 1006", payload(1006, "x"), 1002, "close status 1006 must not appear on the wire"),
                Arguments.of("code 65535", payload(65535, ""), 1002, "close status 65535 must not appear on the wire"),
                Arguments.of("surrogate", payload(1000, new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}), 1007,
                        "not valid UTF-8: surrogate code point at byte 0"),
                Arguments.of("truncated", payload(1000, new byte[] {'o', 'k', (byte) 0xE2, (byte) 0x82}), 1007,
                        "not valid UTF-8: truncated 3-byte sequence at byte 2"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidPayloads")
    void invalidCloseFrameFailsWithTheStatusAndIsReleased(String what, byte[] bytes, int status, String fault) {
        CloseWebSocketFrame frame = frame(bytes);

        assertThatThrownBy(() -> channel.writeInbound(frame))
                .isInstanceOf(CorruptedWebSocketFrameException.class)
                .hasMessageContaining(fault)
                .satisfies(e -> assertThat(((CorruptedWebSocketFrameException) e).closeStatus().code()).isEqualTo(status));

        assertThat(frame.refCnt()).isZero();
        assertThat(channel.inboundMessages()).isEmpty();
        assertThat(channel.isOpen()).isTrue(); // closing is the business of the handlers that catch it
    }

    @Test
    void theErrorReachesExceptionCaughtOfTheNextHandler() {
        List<Throwable> caught = new ArrayList<>();
        channel.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                caught.add(cause);
            }
        });
        CloseWebSocketFrame frame = frame(payload(1015, ""));

        channel.writeOneInbound(frame);
        channel.checkException(); // consumed by the handler above: nothing left to rethrow

        assertThat(caught).hasSize(1);
        assertThat(caught.get(0))
                .isInstanceOf(CorruptedWebSocketFrameException.class)
                .hasMessageContaining("close status 1015 must not appear on the wire");
        assertThat(frame.refCnt()).isZero();
        assertThat(channel.inboundMessages()).isEmpty();
    }

    @Test
    void keepsDecodingAfterAnInvalidFrame() {
        assertThatThrownBy(() -> channel.writeInbound(frame(new byte[] {0x03})))
                .isInstanceOf(CorruptedWebSocketFrameException.class);

        channel.writeInbound(frame(payload(4000, "busy")));

        assertThat(channel.<Object>readInbound()).isEqualTo(CloseReason.of(4000, "busy"));
    }

    @Test
    void theSameInstanceServesTwoChannels() {
        EmbeddedChannel other = new EmbeddedChannel(CloseFrameDecoder.INSTANCE);
        try {
            assertThat(CloseFrameDecoder.INSTANCE.isSharable()).isTrue();
            assertThat(channel.pipeline().first()).isSameAs(CloseFrameDecoder.INSTANCE);
            assertThat(other.pipeline().first()).isSameAs(CloseFrameDecoder.INSTANCE);

            channel.writeInbound(frame(payload(1000, "one")));
            other.writeInbound(frame(payload(1001, "two")));

            assertThat(channel.<Object>readInbound()).isEqualTo(new CloseReason(Codes.NORMAL, "one"));
            assertThat(other.<Object>readInbound()).isEqualTo(new CloseReason(Codes.GOING_AWAY, "two"));
        } finally {
            other.finishAndReleaseAll();
        }
    }

    private static CloseWebSocketFrame frame(byte[] payload) {
        return new CloseWebSocketFrame(true, 0, Unpooled.wrappedBuffer(payload));
    }
}
