package io.github.wsclose;

import static io.github.wsclose.CloseReport.Cause.APPLICATION;
import static io.github.wsclose.CloseReport.Cause.CLOSE_TIMEOUT;
import static io.github.wsclose.CloseReport.Cause.TRANSPORT;
import static io.github.wsclose.CloseReport.Initiator.LOCAL;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.wsclose.CloseReason.Codes;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The application starts the close (RFC 6455 §7.1.2): one close frame, then the peer's answer or the timeout. */
class LocalClosesFirstTest {

    private static final Duration TIMEOUT = ClosingHandshakeConfig.DEFAULT_CLOSE_TIMEOUT;
    private static final CloseReason DONE = new CloseReason(Codes.NORMAL, "done");
    private static final CloseReason ANSWER = new CloseReason(Codes.NORMAL, "");
    /** The reason of a connection that ended with no close frame from the peer (§7.1.5). */
    private static final CloseReason NONE_RECEIVED = new CloseReason(Codes.CLOSED_ABNORMALLY, "");

    @Test
    void writtenCloseReasonIsSentAndItsFutureCompletesWhenThePeerHasAnswered() {
        try (HandshakeChannel ws = HandshakeChannel.server()) {
            ChannelFuture closing = ws.channel.writeAndFlush(DONE);

            assertThat(ws.sentClose()).isEqualTo(DONE);
            ws.advance(Duration.ofMillis(300));
            assertThat(closing.isDone()).as("done before the answer").isFalse();
            assertThat(ws.channel.isOpen()).isTrue();

            ws.peerSends(ANSWER);

            assertThat(ws.applicationReads()).as("the answer, seen by the application").isEqualTo(ANSWER);
            assertThat(ws.channel.isOpen()).as("the server closes TCP after the exchange").isFalse();
            assertThat(closing.isSuccess()).isTrue();
            assertThat(ws.report()).isEqualTo(new CloseReport(ANSWER, ANSWER, DONE, LOCAL, true, Duration.ofMillis(300), APPLICATION, null));
        }
    }

    @Test
    void plainCloseSendsGoingAwayByDefault() {
        try (HandshakeChannel ws = HandshakeChannel.server()) {
            ChannelFuture closing = ws.applicationCloses();

            CloseReason goingAway = new CloseReason(Codes.GOING_AWAY, "");
            assertThat(ws.sentClose()).isEqualTo(goingAway);
            assertThat(closing.isDone()).isFalse();

            ws.peerSends(goingAway);

            assertThat(closing.isSuccess()).isTrue();
            assertThat(ws.channel.closeFuture().isDone()).isTrue();
            assertThat(ws.report()).isEqualTo(new CloseReport(goingAway, goingAway, goingAway, LOCAL, true, Duration.ZERO, APPLICATION, null));
            assertThat(ws.applicationReads()).isEqualTo(goingAway);
        }
    }

    @Test
    void plainCloseSendsTheConfiguredReason() {
        CloseReason restart = new CloseReason(Codes.SERVICE_RESTART, "deploy");
        try (HandshakeChannel ws = new HandshakeChannel(ClosingHandshakeConfig.server().withCloseReasonOnClose(restart))) {
            ws.applicationCloses();

            assertThat(ws.sentClose()).isEqualTo(restart);
        }
    }

    @Test
    void closingTwiceSendsOneCloseFrame() {
        try (HandshakeChannel ws = HandshakeChannel.server()) {
            ChannelFuture written = ws.channel.writeAndFlush(DONE);
            ChannelFuture closed = ws.applicationCloses();
            ChannelFuture closedAgain = ws.applicationCloses();
            ChannelFuture writtenAgain = ws.channel.writeAndFlush(new CloseReason(Codes.GOING_AWAY, "again"));

            assertThat(ws.sentClose()).isEqualTo(DONE);
            assertThat(List.of(written, closed, closedAgain, writtenAgain)).noneMatch(ChannelFuture::isDone);

            ws.peerSends(ANSWER);

            assertThat(List.of(written, closed, closedAgain, writtenAgain)).allMatch(ChannelFuture::isSuccess);
            assertThat(ws.sentCloses()).isEmpty();
            assertThat(ws.report().sent()).isEqualTo(DONE);
        }
    }

    @Test
    void afterTheChannelClosedCloseSucceedsAndAWrittenCloseFailsAsEveryWrite() {
        try (HandshakeChannel ws = HandshakeChannel.server()) {
            ws.channel.writeAndFlush(DONE);
            ws.peerSends(ANSWER);
            assertThat(ws.channel.isOpen()).isFalse();

            assertThat(ws.applicationCloses().isSuccess()).isTrue();
            assertThat(ws.channel.writeAndFlush(DONE).cause()).isInstanceOf(ClosedChannelException.class);
            assertThat(ws.sentClose()).isEqualTo(DONE);
            assertThat(ws.report().sent()).isEqualTo(DONE);
        }
    }

    @ParameterizedTest
    @MethodSource("io.github.wsclose.CloseReasonTable#unsendable")
    void unsendableCloseReasonFailsTheWriteAndLeavesTheConnectionOpen(CloseReason invalid, String why) {
        try (HandshakeChannel ws = HandshakeChannel.server()) {
            ChannelFuture refused = ws.channel.writeAndFlush(invalid);

            assertThat(refused.cause()).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(why);
            assertThat(ws.sentCloses()).isEmpty();
            assertThat(ws.channel.isOpen()).isTrue();

            TextWebSocketFrame text = new TextWebSocketFrame("still open");
            assertThat(ws.channel.writeAndFlush(text).isSuccess()).isTrue();
            assertThat(ws.channel.<Object>readOutbound()).isSameAs(text);
            text.release();
            ws.channel.writeAndFlush(DONE);
            assertThat(ws.sentClose()).as("a valid close still goes out").isEqualTo(DONE);
            assertThat(ws.reported()).isFalse();
        }
    }

    @Test
    void bothEndsClosingAtOnceExchangeOneFrameEach() {
        try (HandshakeChannel ws = HandshakeChannel.server()) {
            ws.channel.writeAndFlush(DONE);
            CloseReason peers = new CloseReason(Codes.GOING_AWAY, "leaving too"); // sent before it saw ours

            ws.peerSends(peers);

            assertThat(ws.sentClose()).isEqualTo(DONE);
            assertThat(ws.applicationReads()).isEqualTo(peers);
            assertThat(ws.channel.isOpen()).isFalse();
            assertThat(ws.report()).isEqualTo(new CloseReport(peers, peers, DONE, LOCAL, true, Duration.ZERO, APPLICATION, null));
        }
    }

    @Test
    void afterOurCloseWritesFailAndInboundFramesStillArrive() {
        try (HandshakeChannel ws = HandshakeChannel.server()) {
            ws.channel.writeAndFlush(DONE);
            assertThat(ws.sentClose()).isEqualTo(DONE);

            TextWebSocketFrame tooLate = new TextWebSocketFrame("too late");
            ChannelFuture refused = ws.channel.writeAndFlush(tooLate);
            assertThat(refused.cause()).isInstanceOf(IllegalStateException.class)
                    .hasMessage("cannot write TextWebSocketFrame: the closing handshake has started");
            assertThat(tooLate.refCnt()).isZero();
            assertThat(ws.sentCloses()).isEmpty();

            ws.peerSends(new TextWebSocketFrame("sent before our close arrived"));
            ws.peerSends(new PingWebSocketFrame(Unpooled.copyInt(7)));
            TextWebSocketFrame text = ws.channel.readInbound();
            PingWebSocketFrame ping = ws.channel.readInbound();
            assertThat(text.text()).isEqualTo("sent before our close arrived");
            assertThat(ping.content().readInt()).isEqualTo(7);
            text.release();
            ping.release();

            ws.peerSends(ANSWER);
            assertThat(ws.report().clean()).isTrue();
        }
    }

    @Test
    void withoutAnAnswerTcpClosesAtTheTimeoutAndNotBefore() {
        try (HandshakeChannel ws = HandshakeChannel.server()) {
            ChannelFuture closing = ws.applicationCloses();
            assertThat(ws.sentCloses()).hasSize(1);

            ws.advance(TIMEOUT.minusMillis(1));
            assertThat(ws.channel.isOpen()).isTrue();
            assertThat(closing.isDone()).isFalse();

            ws.advance(Duration.ofMillis(1));

            assertThat(ws.channel.isOpen()).isFalse();
            assertThat(closing.isSuccess()).isTrue();
            CloseReason goingAway = new CloseReason(Codes.GOING_AWAY, "");
            assertThat(ws.report()).isEqualTo(new CloseReport(NONE_RECEIVED, null, goingAway, LOCAL, false, TIMEOUT, CLOSE_TIMEOUT, null));
        }
    }

    @Test
    void closeTimeoutIsConfigurable() {
        Duration timeout = Duration.ofMillis(250);
        try (HandshakeChannel ws = new HandshakeChannel(ClosingHandshakeConfig.server().withCloseTimeout(timeout))) {
            ws.channel.writeAndFlush(DONE);

            ws.advance(timeout.minusMillis(1));
            assertThat(ws.channel.isOpen()).isTrue();
            ws.advance(Duration.ofMillis(1));

            assertThat(ws.channel.isOpen()).isFalse();
            assertThat(ws.report().cause()).isEqualTo(CLOSE_TIMEOUT);
            assertThat(ws.report().duration()).isEqualTo(timeout);
        }
    }

    @Test
    void clientWaitsForTheServerToCloseTcpAfterTheAnswer() {
        try (HandshakeChannel ws = HandshakeChannel.client()) {
            ChannelFuture closing = ws.channel.writeAndFlush(DONE);
            ws.peerSends(ANSWER);

            assertThat(ws.channel.isOpen()).as("the server closes TCP first").isTrue();
            assertThat(closing.isDone()).isFalse();
            ws.advance(Duration.ofMillis(20));
            ws.tcpCloses();

            assertThat(closing.isSuccess()).isTrue();
            assertThat(ws.report()).isEqualTo(new CloseReport(ANSWER, ANSWER, DONE, LOCAL, true, Duration.ofMillis(20), APPLICATION, null));
            assertThat(ws.sentClose()).isEqualTo(DONE);
            assertThat(ws.applicationReads()).isEqualTo(ANSWER);
        }
    }

    @Test
    void clientClosesTcpItselfWhenTheServerDoesNotAfterTheAnswerAndTheCloseIsStillClean() {
        try (HandshakeChannel ws = HandshakeChannel.client()) {
            ws.channel.writeAndFlush(DONE);
            ws.peerSends(ANSWER);

            ws.advance(TIMEOUT);

            assertThat(ws.channel.isOpen()).isFalse();
            // the closing handshake had completed, so TCP closed after it: clean (§7.1.4), whoever closed TCP
            assertThat(ws.report()).isEqualTo(new CloseReport(ANSWER, ANSWER, DONE, LOCAL, true, TIMEOUT, APPLICATION, null));
            assertThat(ws.sentClose()).isEqualTo(DONE);
            assertThat(ws.applicationReads()).isEqualTo(ANSWER);
        }
    }

    @Test
    void tcpLostBeforeTheAnswerIsReportedAs1006() {
        try (HandshakeChannel ws = HandshakeChannel.server()) {
            ws.channel.writeAndFlush(DONE);
            ws.advance(Duration.ofMillis(40));

            ws.tcpCloses();

            assertThat(ws.report()).isEqualTo(new CloseReport(NONE_RECEIVED, null, DONE, LOCAL, false, Duration.ofMillis(40), TRANSPORT, null));
            assertThat(ws.sentClose()).isEqualTo(DONE);
        }
    }
}
