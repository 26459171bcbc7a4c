package io.github.wsclose.example;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.wsclose.CloseReason;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler.HandshakeComplete;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The example's echo: every message comes back unchanged, whatever it says, unless the
 * connection negotiated the playground's subprotocol; only then is {@code close CODE [REASON]}
 * a command.
 */
class EchoHandlerTest {

    private final EmbeddedChannel channel = new EmbeddedChannel(EchoHandler.INSTANCE);

    @AfterEach
    void finish() {
        channel.finishAndReleaseAll();
    }

    @ParameterizedTest
    @ValueSource(strings = {"close 1000 x", "close 4000", "close", "close 1005", "hello"})
    void withoutTheSubprotocolEveryTextIsEchoed(String text) {
        upgraded(null);

        assertThat(echoOf(text)).isEqualTo(text);
    }

    @Test
    void anotherSubprotocolIsNoPlayground() {
        upgraded("chat.v2");

        assertThat(echoOf("close 1000 x")).isEqualTo("close 1000 x");
    }

    @Test
    void binaryIsEchoed() {
        upgraded(EchoHandler.PLAYGROUND);
        BinaryWebSocketFrame binary = new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {1, 2, 3}));

        channel.writeInbound(binary);

        assertThat((Object) channel.readOutbound()).isSameAs(binary);
        binary.release();
    }

    @Test
    void withTheSubprotocolTheCommandCloses() {
        upgraded(EchoHandler.PLAYGROUND);

        channel.writeInbound(new TextWebSocketFrame("close 1000 x"));

        assertThat((Object) channel.readOutbound()).isEqualTo(CloseReason.of(1000, "x"));
        assertThat(echoOf("hello")).as("other text is still echoed").isEqualTo("hello");
    }

    @Test
    void withTheSubprotocolARefusalIsAnswered() {
        upgraded(EchoHandler.PLAYGROUND);

        assertThat(echoOf("close 1005")).startsWith("error: 1005 may not be sent in a close frame");
    }

    /** The event Netty's upgrade handler fires once the 101 is written, with the subprotocol it selected. */
    private void upgraded(@Nullable String subprotocol) {
        channel.pipeline().fireUserEventTriggered(new HandshakeComplete("/ws", EmptyHttpHeaders.INSTANCE, subprotocol));
    }

    /** Sends {@code text} and returns the text written back. */
    private String echoOf(String text) {
        channel.writeInbound(new TextWebSocketFrame(text));
        TextWebSocketFrame answer = channel.readOutbound();
        try {
            return answer.text();
        } finally {
            answer.release();
        }
    }
}
