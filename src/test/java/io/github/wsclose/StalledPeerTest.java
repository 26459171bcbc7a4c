package io.github.wsclose;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.wsclose.WebSocketPeer.Http;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A peer that stops reading: the server's socket buffers fill, its close frame stays queued
 * behind the data, and only the close timeout can end the connection (RFC 6455 §7.1.1 leaves
 * the server to close TCP; a silent peer must never hold it). Over HTTP/2 too, where the peer
 * does not give back its stream's flow-control window and the close timeout resets the stream.
 */
@Tag(TestTransport.TAG)
class StalledPeerTest {

    private static final Duration CLOSE_TIMEOUT = Duration.ofMillis(300);
    private static final int FRAME_BYTES = 16 * 1024;
    private static final int FRAMES = 128; // 2 MiB: far more than a 4 KiB window and an 8 KiB send buffer hold, or a 64 KiB stream window

    @ParameterizedTest
    @EnumSource(Http.class)
    void closeTimeoutClosesTcpWhenTheCloseFrameCannotBeWritten(Http http) throws Exception {
        ClosingHandshakeConfig config = ClosingHandshakeConfig.server().withCloseTimeout(CLOSE_TIMEOUT);
        try (TestServer server = TestServer.builder().config(config).echo(false).bootstrap(bootstrap -> bootstrap
                        .childOption(ChannelOption.SO_SNDBUF, 8 * 1024)
                        .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(4 * 1024, 8 * 1024)))
                        .over(http).start();
                WebSocketPeer peer = http.connectWithoutReading(server)) {
            TestServer.Connection connection = server.nextConnection();
            Channel channel = connection.channel();

            // the peer reads nothing more: the data, then the close frame, pile up in the outbound buffer
            for (int i = 0; i < FRAMES; i++) {
                channel.write(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[FRAME_BYTES])));
            }
            channel.flush();
            assertThat(channel.eventLoop().submit(channel::isWritable).get()).as("writable after the writes").isFalse();
            channel.close();
            CloseReport report = connection.report();

            assertThat(report.reason().unsignedCode()).isEqualTo(1006);
            assertThat(report.cause()).isEqualTo(CloseReport.Cause.CLOSE_TIMEOUT);
            assertThat(report.initiator()).isEqualTo(CloseReport.Initiator.LOCAL);
            assertThat(report.clean()).isFalse();
            assertThat(report.duration()).isGreaterThanOrEqualTo(CLOSE_TIMEOUT);
            // TCP (the stream) really is closed: the peer reaches its end with most of the data never sent
            assertThat(peer.drainUntilClosed()).isLessThan((long) FRAMES * FRAME_BYTES);
        }
    }
}
