package io.github.wsclose;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameTypes;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * An HTTP/2 connection error of the peer's making (RFC 9113 §5.4.1) on {@link Http2ServerPipeline}'s connection:
 * Netty's codec answers it with GOAWAY and closes, and the error goes no further than the pipeline's last handler, so
 * that it is never logged as an exception nobody handled. {@link EmbeddedChannel} keeps any exception that reaches the
 * end of the pipeline and throws it from {@code checkException}.
 */
class Http2ConnectionErrorTest {

    private static final WebSocketServerProtocolConfig PROTOCOL =
            WebSocketServerProtocolConfig.newBuilder().websocketPath(TestServer.PATH).build();

    @Test
    void aCorruptPreface_goAwayProtocolError_closed_noExceptionAtTheEndOfThePipeline() {
        EmbeddedChannel connection = new EmbeddedChannel();
        Http2ServerPipeline.configure(connection.pipeline(), PROTOCOL, ClosingHandshakeConfig.server(), ServerOptions.DEFAULTS,
                () -> new ChannelHandler[0]);

        connection.writeInbound(Unpooled.copiedBuffer("PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n", StandardCharsets.US_ASCII));

        connection.checkException();
        assertThat(goAwayErrorCode(connection)).isEqualTo(Http2Error.PROTOCOL_ERROR.code());
        assertThat(connection.isOpen()).isFalse();
        assertThat(connection.finishAndReleaseAll()).as("nothing left unread").isFalse();
    }

    /** Reads the frames the server wrote (its SETTINGS, then its GOAWAY) and returns the GOAWAY's error code. */
    private static long goAwayErrorCode(EmbeddedChannel connection) {
        ByteBuf written = Unpooled.buffer();
        for (ByteBuf out; (out = connection.readOutbound()) != null; ) {
            written.writeBytes(out);
            out.release();
        }
        try {
            while (written.readableBytes() >= 9) { // a frame header: length (24 bits), type, flags, stream (RFC 9113 §4.1)
                int length = written.readUnsignedMedium();
                byte type = written.readByte();
                written.skipBytes(5);
                if (type == Http2FrameTypes.GO_AWAY) {
                    written.skipBytes(4); // the last stream's identifier
                    return written.readUnsignedInt();
                }
                written.skipBytes(length);
            }
            throw new AssertionError("no GOAWAY written");
        } finally {
            written.release();
        }
    }
}
