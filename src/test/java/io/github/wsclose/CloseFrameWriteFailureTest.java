package io.github.wsclose;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The write of a close frame fails (the transport refuses it): on each path that sends one,
 * one close frame is tried, the channel is closed at once, and the report says unclean and why.
 * The leak guard checks that the refused frames were released.
 */
class CloseFrameWriteFailureTest {

    private final FailingCloseWrites transport = new FailingCloseWrites();
    private final List<CloseReport> reports = new ArrayList<>();
    private final EmbeddedChannel channel = new EmbeddedChannel(
            transport,
            CloseFrameDecoder.INSTANCE,
            CloseFrameEncoder.INSTANCE,
            new ClosingHandshakeHandler(ClosingHandshakeConfig.server()),
            new ChannelInboundHandlerAdapter() {
                @Override
                public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                    if (evt instanceof CloseReport report) {
                        reports.add(report);
                    }
                }
            });

    @AfterEach
    void releaseEverything() {
        channel.finishAndReleaseAll();
    }

    @Test
    void applicationsCloseFrameFails() {
        ChannelFuture closed = channel.writeAndFlush(new CloseReason(CloseReason.Codes.NORMAL, "bye"));

        assertOneCloseFrameTriedAndChannelClosed();
        assertThat(closed.isSuccess()).as("the close completes when the connection is closed").isTrue();
        CloseReport report = onlyReport();
        assertThat(report.reason().unsignedCode()).isEqualTo(1006);
        assertThat(report.initiator()).isEqualTo(CloseReport.Initiator.LOCAL);
        assertThat(report.cause()).isEqualTo(CloseReport.Cause.TRANSPORT);
        assertThat(report.failure()).isSameAs(transport.failure);
    }

    @Test
    void answerToThePeersCloseFails() {
        channel.writeInbound(new CloseWebSocketFrame(WebSocketCloseStatus.NORMAL_CLOSURE, "done"));

        assertOneCloseFrameTriedAndChannelClosed();
        CloseReport report = onlyReport();
        assertThat(report.reason()).isEqualTo(new CloseReason(CloseReason.Codes.NORMAL, "done"));
        assertThat(report.cause()).isEqualTo(CloseReport.Cause.TRANSPORT);
        assertThat(report.initiator()).isEqualTo(CloseReport.Initiator.REMOTE);
        assertThat(report.failure()).as("why the handshake did not complete").isSameAs(transport.failure);
    }

    @Test
    void closeFrameFailingTheConnectionFails() {
        CorruptedWebSocketFrameException violation =
                new CorruptedWebSocketFrameException(WebSocketCloseStatus.PROTOCOL_ERROR, "fragmented control frame");
        channel.pipeline().fireExceptionCaught(violation);

        assertOneCloseFrameTriedAndChannelClosed();
        CloseReport report = onlyReport();
        assertThat(report.reason().unsignedCode()).as("no close frame went out either way").isEqualTo(1006);
        assertThat(report.initiator()).isEqualTo(CloseReport.Initiator.LOCAL);
        assertThat(report.cause()).isEqualTo(CloseReport.Cause.PROTOCOL_ERROR);
        assertThat(report.failure()).as("the first failure").isSameAs(violation);
    }

    private void assertOneCloseFrameTriedAndChannelClosed() {
        assertThat(channel.isOpen()).isFalse();
        assertThat(transport.refused).as("close frames refused").hasSize(1);
        assertThat(channel.<Object>readOutbound()).as("nothing reached the wire").isNull();
    }

    private CloseReport onlyReport() {
        assertThat(reports).hasSize(1);
        CloseReport report = reports.get(0);
        assertThat(report.clean()).isFalse();
        return report;
    }

    /** A transport whose writes of close frames fail, as a broken socket's do; other writes pass. */
    private static final class FailingCloseWrites extends ChannelOutboundHandlerAdapter {

        final IOException failure = new IOException("simulated write failure");
        final List<CloseWebSocketFrame> refused = new ArrayList<>();

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (msg instanceof CloseWebSocketFrame frame) {
                refused.add(frame);
                frame.release(); // a failed write releases its message, as Netty's transports do
                promise.setFailure(failure);
            } else {
                ctx.write(msg, promise);
            }
        }
    }
}
