package io.github.wsclose;

import static io.github.wsclose.TestBytes.bytes;
import static io.github.wsclose.TestBytes.hex;
import static io.github.wsclose.TestBytes.payload;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.wsclose.CloseReason.Codes;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CloseFrameEncoderTest {

    private final EmbeddedChannel channel = new EmbeddedChannel(CloseFrameEncoder.INSTANCE);

    @AfterEach
    void closeChannel() {
        channel.finishAndReleaseAll();
    }

    static Stream<Arguments> reasons() {
        return Stream.of(
                Arguments.of(new CloseReason(Codes.NORMAL, ""), "03 E8"),
                Arguments.of(new CloseReason(Codes.GOING_AWAY, "restarting"), "03 E9 72 65 73 74 61 72 74 69 6E 67"),
                Arguments.of(CloseReason.of(4000, "busy"), "0F A0 62 75 73 79"),
                Arguments.of(CloseReason.of(3000, "é€😀"), "0B B8 C3 A9 E2 82 AC F0 9F 98 80"),
                Arguments.of(new CloseReason(Codes.BAD_GATEWAY, null), "03 F6"),
                Arguments.of(new CloseReason(Codes.NO_STATUS_RECEIVED, ""), ""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("reasons")
    void turnsACloseReasonIntoACloseFrameWithTheExactPayload(CloseReason reason, String expectedHex) {
        assertThat(channel.writeOutbound(reason)).isTrue();

        CloseWebSocketFrame frame = channel.readOutbound();
        try {
            assertThat(bytes(frame.content())).isEqualTo(hex(expectedHex));
            assertThat(frame.isFinalFragment()).isTrue();
            assertThat(frame.rsv()).isZero();
        } finally {
            frame.release();
        }
        assertThat(channel.outboundMessages()).isEmpty();
    }

    @Test
    void theWriteSucceeds() {
        ChannelFuture future = channel.writeOneOutbound(CloseReason.of(4999, "x"));
        channel.flushOutbound();

        assertThat(future.isSuccess()).isTrue();
        CloseWebSocketFrame frame = channel.readOutbound();
        try {
            assertThat(bytes(frame.content())).isEqualTo(payload(4999, "x"));
        } finally {
            frame.release();
        }
    }

    @Test
    void aFullReasonFits() {
        String reason = "€".repeat(41);

        channel.writeOutbound(new CloseReason(Codes.NORMAL, reason));

        CloseWebSocketFrame frame = channel.readOutbound();
        try {
            assertThat(frame.content().readableBytes()).isEqualTo(125);
            assertThat(bytes(frame.content())).isEqualTo(payload(1000, reason));
        } finally {
            frame.release();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.github.wsclose.CloseReasonTable#unsendable")
    void anUnsendableReasonFailsTheWriteAndWritesNothing(CloseReason reason, String why) {
        ChannelFuture future = channel.writeOneOutbound(reason);
        channel.flushOutbound();

        assertThat(future.isDone()).isTrue();
        assertThat(future.isSuccess()).isFalse();
        assertThat(future.cause()).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(why);
        assertThat(channel.outboundMessages()).isEmpty();
        assertThat(channel.isOpen()).isTrue();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.github.wsclose.CloseReasonTable#unsendable")
    void writeOutboundReportsTheFailure(CloseReason reason, String why) {
        assertThatThrownBy(() -> channel.writeOutbound(reason))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(why);
        assertThat(channel.outboundMessages()).isEmpty();
    }

    @Test
    void keepsEncodingAfterAFailedWrite() {
        ChannelFuture failed = channel.writeOneOutbound(CloseReason.of(1004, ""));
        channel.writeOutbound(new CloseReason(Codes.TRY_AGAIN_LATER, "later"));

        assertThat(failed.cause()).isInstanceOf(IllegalArgumentException.class);
        CloseWebSocketFrame frame = channel.readOutbound();
        try {
            assertThat(bytes(frame.content())).isEqualTo(payload(1013, "later"));
        } finally {
            frame.release();
        }
        assertThat(channel.outboundMessages()).isEmpty();
    }

    @Test
    void passesOtherMessagesThroughUntouched() {
        TextWebSocketFrame text = new TextWebSocketFrame("hello");
        CloseWebSocketFrame close = new CloseWebSocketFrame(true, 0, Unpooled.wrappedBuffer(hex("03 E8")));
        ByteBuf buf = Unpooled.wrappedBuffer(new byte[] {1, 2, 3});
        Object plain = "plain";
        try {
            channel.writeOutbound(text, close, buf, plain);

            assertThat(channel.<Object>readOutbound()).isSameAs(text);
            assertThat(channel.<Object>readOutbound()).isSameAs(close);
            assertThat(channel.<Object>readOutbound()).isSameAs(buf);
            assertThat(channel.<Object>readOutbound()).isSameAs(plain);
            assertThat(text.refCnt()).isEqualTo(1);
            assertThat(close.refCnt()).isEqualTo(1);
            assertThat(buf.refCnt()).isEqualTo(1);
        } finally {
            text.release();
            close.release();
            buf.release();
        }
    }

    @Test
    void theSameInstanceServesTwoChannels() {
        EmbeddedChannel other = new EmbeddedChannel(CloseFrameEncoder.INSTANCE);
        try {
            assertThat(CloseFrameEncoder.INSTANCE.isSharable()).isTrue();
            assertThat(other.pipeline().first()).isSameAs(channel.pipeline().first());

            channel.writeOutbound(new CloseReason(Codes.NORMAL, "one"));
            other.writeOutbound(new CloseReason(Codes.GOING_AWAY, "two"));

            CloseWebSocketFrame first = channel.readOutbound();
            CloseWebSocketFrame second = other.readOutbound();
            try {
                assertThat(bytes(first.content())).isEqualTo(payload(1000, "one"));
                assertThat(bytes(second.content())).isEqualTo(payload(1001, "two"));
            } finally {
                first.release();
                second.release();
            }
        } finally {
            other.finishAndReleaseAll();
        }
    }
}
