package io.github.wsclose;

import static io.github.wsclose.CloseReport.Cause.PEER;
import static io.github.wsclose.CloseReport.Initiator.REMOTE;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.wsclose.CloseReason.Codes;
import io.github.wsclose.HandshakeChannel.HeldWrites;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The peer sends the first close frame (RFC 6455 §5.5.1, §7.1.1): one answer, then TCP closes in the right order. */
class PeerClosesFirstTest {

    private static final Duration TIMEOUT = ClosingHandshakeConfig.DEFAULT_CLOSE_TIMEOUT;
    private static final CloseReason BYE = new CloseReason(Codes.NORMAL, "bye");
    private static final CloseReason NORMAL = new CloseReason(Codes.NORMAL, "");

    @Test
    void serverPassesThePeersCloseOnAnswersWithItsCodeAndClosesTcp() {
        try (HandshakeChannel ws = HandshakeChannel.server()) {
            ws.peerSends(BYE);

            assertThat(ws.applicationReads()).as("seen by the application").isEqualTo(BYE);
            assertThat(ws.sentClose()).as("the reason is not echoed by default").isEqualTo(NORMAL);
            assertThat(ws.channel.isOpen()).isFalse();
            assertThat(ws.report()).isEqualTo(new CloseReport(BYE, BYE, NORMAL, REMOTE, true, Duration.ZERO, PEER, null));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4999})
    void serverEchoesEverySendableCode(int code) {
        try (HandshakeChannel ws = HandshakeChannel.server()) {
            CloseReason peer = CloseReason.of(code, "why");
            ws.peerSends(peer);

            assertThat(ws.applicationReads()).isEqualTo(peer);
            assertThat(ws.sentClose()).isEqualTo(CloseReason.of(code, ""));
            assertThat(ws.report().reason()).isEqualTo(peer);
        }
    }

    @Test
    void echoReasonRepeatsTheWholeReason() {
        CloseReason longest = new CloseReason(Codes.GOING_AWAY, "é".repeat(61) + "!"); // 123 UTF-8 bytes
        try (HandshakeChannel ws = new HandshakeChannel(ClosingHandshakeConfig.server().withEchoReason(true))) {
            ws.peerSends(longest);

            assertThat(ws.applicationReads()).isEqualTo(longest);
            assertThat(ws.sentClose()).isEqualTo(longest);
            assertThat(ws.report()).isEqualTo(new CloseReport(longest, longest, longest, REMOTE, true, Duration.ZERO, PEER, null));
        }
    }

    @Test
    void emptyCloseIsReportedAs1005AndAnsweredWithAnEmptyClose() {
        CloseReason noStatus = new CloseReason(Codes.NO_STATUS_RECEIVED, "");
        try (HandshakeChannel ws = new HandshakeChannel(ClosingHandshakeConfig.server().withEchoReason(true))) {
            ws.peerSends(noStatus); // a close frame with an empty payload

            assertThat(ws.applicationReads()).isEqualTo(noStatus);
            // only an empty payload decodes to 1005: a 2-byte 1005 is rejected by ClosePayload.decode
            assertThat(ws.sentClose()).isEqualTo(noStatus);
            assertThat(ws.report()).isEqualTo(new CloseReport(noStatus, noStatus, noStatus, REMOTE, true, Duration.ZERO, PEER, null));
        }
    }

    @Test
    void serverClosesTcpOnlyOnceTheAnswerIsWrittenAndDropsWhatArrivesMeanwhile() {
        HeldWrites wire = new HeldWrites();
        try (HandshakeChannel ws = new HandshakeChannel(ClosingHandshakeConfig.server(), wire)) {
            ws.peerSends(BYE);
            assertThat(ws.applicationReads()).isEqualTo(BYE);
            assertThat(wire.held()).as("the answer, queued").isOne();

            List<WebSocketFrame> late = List.of(new TextWebSocketFrame("late"), new PingWebSocketFrame(Unpooled.copyInt(7)),
                    new BinaryWebSocketFrame(Unpooled.copyInt(8)));
            late.forEach(ws::peerSends);
            ws.peerSends(new CloseReason(Codes.GOING_AWAY, "again"));
            ws.advance(Duration.ofMillis(300));

            assertThat(late).allSatisfy(frame -> assertThat(frame.refCnt()).as("released").isZero());
            assertThat(ws.applicationReads()).as("nothing after the peer's close").isNull();
            assertThat(wire.held()).as("no pong, no second close").isOne();
            assertThat(ws.channel.isOpen()).as("open while the answer is queued").isTrue();

            wire.writeAll();

            assertThat(ws.sentClose()).isEqualTo(NORMAL);
            assertThat(ws.channel.isOpen()).isFalse();
            assertThat(ws.report()).isEqualTo(new CloseReport(BYE, BYE, NORMAL, REMOTE, true, Duration.ofMillis(300), PEER, null));
        }
    }

    @Test
    void serverWhoseAnswerCannotLeaveClosesTcpAtTheCloseTimeout() {
        HeldWrites wire = new HeldWrites(); // a peer that closed and does not read: the answer stays queued
        try (HandshakeChannel ws = new HandshakeChannel(ClosingHandshakeConfig.server(), wire)) {
            ws.peerSends(BYE);
            ws.advance(TIMEOUT.minusMillis(1));
            assertThat(ws.channel.isOpen()).as("open while the answer waits, within the close timeout").isTrue();

            ws.advance(Duration.ofMillis(1));

            assertThat(ws.channel.isOpen()).as("closed at the close timeout").isFalse();
            CloseReport report = ws.report();
            assertThat(report.initiator()).isEqualTo(REMOTE);
            assertThat(report.received()).isEqualTo(BYE);
            assertThat(report.duration()).isEqualTo(TIMEOUT);
        }
    }

    @Test
    void clientAnswersThenWaitsForTheServerToCloseTcp() {
        try (HandshakeChannel ws = HandshakeChannel.client()) {
            ws.peerSends(BYE);
            assertThat(ws.applicationReads()).isEqualTo(BYE);
            assertThat(ws.sentClose()).isEqualTo(NORMAL);

            ws.advance(TIMEOUT.minusMillis(1));
            assertThat(ws.channel.isOpen()).as("the server closes TCP first").isTrue();
            assertThat(ws.reported()).isFalse();

            ws.tcpCloses();

            assertThat(ws.report()).isEqualTo(new CloseReport(BYE, BYE, NORMAL, REMOTE, true, TIMEOUT.minusMillis(1), PEER, null));
        }
    }

    @Test
    void clientClosesTcpItselfWhenTheServerDoesNotWithinTheTimeoutAndTheCloseIsStillClean() {
        try (HandshakeChannel ws = HandshakeChannel.client()) {
            ws.peerSends(BYE);
            assertThat(ws.sentClose()).isEqualTo(NORMAL);

            ws.advance(TIMEOUT.minusMillis(1));
            assertThat(ws.channel.isOpen()).isTrue();
            ws.advance(Duration.ofMillis(1));

            assertThat(ws.channel.isOpen()).isFalse();
            // the closing handshake had completed, so TCP closed after it: clean (§7.1.4), whoever closed TCP
            assertThat(ws.report()).isEqualTo(new CloseReport(BYE, BYE, NORMAL, REMOTE, true, TIMEOUT, PEER, null));
            assertThat(ws.applicationReads()).isEqualTo(BYE);
        }
    }

    @Test
    void framesAfterThePeersCloseAreReleasedAndDropped() {
        try (HandshakeChannel ws = HandshakeChannel.client()) {
            ws.peerSends(BYE);
            assertThat(ws.applicationReads()).isEqualTo(BYE);
            assertThat(ws.sentCloses()).hasSize(1);

            List<WebSocketFrame> late = List.of(new TextWebSocketFrame("late"), new PingWebSocketFrame(Unpooled.copyInt(7)),
                    new BinaryWebSocketFrame(Unpooled.copyInt(8)));
            late.forEach(ws::peerSends);
            ws.peerSends(new CloseReason(Codes.GOING_AWAY, "again"));

            assertThat(late).allSatisfy(frame -> assertThat(frame.refCnt()).as("released").isZero());
            assertThat(ws.applicationReads()).isNull();
            assertThat(ws.sentCloses()).as("no pong, no second close").isEmpty();
            ws.tcpCloses();
            assertThat(ws.report().reason()).isEqualTo(BYE);
        }
    }

    @Test
    void applicationWritesAfterThePeersCloseSendNothing() {
        try (HandshakeChannel ws = HandshakeChannel.client()) {
            ws.peerSends(BYE);
            assertThat(ws.sentCloses()).hasSize(1);

            TextWebSocketFrame text = new TextWebSocketFrame("too late");
            ChannelFuture data = ws.channel.writeAndFlush(text);
            ChannelFuture close = ws.channel.writeAndFlush(new CloseReason(Codes.GOING_AWAY, ""));
            ChannelFuture plainClose = ws.applicationCloses();

            assertThat(data.cause()).isInstanceOf(IllegalStateException.class)
                    .hasMessage("cannot write TextWebSocketFrame: the closing handshake has started");
            assertThat(text.refCnt()).isZero();
            assertThat(ws.sentCloses()).isEmpty();
            assertThat(close.isDone()).as("completes when closed").isFalse();
            assertThat(plainClose.isDone()).isFalse();

            ws.tcpCloses();

            assertThat(close.isSuccess()).isTrue();
            assertThat(plainClose.isSuccess()).isTrue();
            assertThat(ws.report()).isEqualTo(new CloseReport(BYE, BYE, NORMAL, REMOTE, true, Duration.ZERO, PEER, null));
        }
    }
}
