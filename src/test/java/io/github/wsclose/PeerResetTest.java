package io.github.wsclose;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.wsclose.WebSocketPeer.Http;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A peer that resets TCP (an RST: SO_LINGER 0, then close) at each point of the closing
 * handshake: the server fires exactly one report, and says 1006 unless the peer's close frame
 * got through first. Over HTTP/2 too, where the reset is RST_STREAM(CANCEL) (RFC 8441 §5).
 */
@Tag(TestTransport.TAG)
class PeerResetTest {

    private static final ClosingHandshakeConfig CONFIG = ClosingHandshakeConfig.server().withCloseTimeout(Duration.ofSeconds(5));

    @ParameterizedTest
    @EnumSource(Http.class)
    void resetBeforeAnyCloseFrameIsAnAbnormalRemoteClose(Http http) throws Exception {
        try (TestServer server = TestServer.builder().config(CONFIG).over(http).start(); WebSocketPeer peer = http.connect(server)) {
            TestServer.Connection connection = server.nextConnection();

            peer.reset();
            CloseReport report = connection.report();

            assertThat(report.reason()).isEqualTo(new CloseReason(CloseReason.Codes.CLOSED_ABNORMALLY, ""));
            assertThat(report.cause()).isEqualTo(CloseReport.Cause.TRANSPORT);
            assertThat(report.initiator()).isEqualTo(CloseReport.Initiator.REMOTE);
            assertThat(report.clean()).isFalse();
            assertThat(report.duration()).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(Http.class)
    void resetAfterOurCloseFrameIsAnAbnormalLocalClose(Http http) throws Exception {
        try (TestServer server = TestServer.builder().config(CONFIG).over(http).start(); WebSocketPeer peer = http.connect(server)) {
            TestServer.Connection connection = server.nextConnection();

            connection.channel().writeAndFlush(new CloseReason(CloseReason.Codes.NORMAL, "bye"));
            assertThat(peer.readFrame()).isEqualTo(WireFrame.close(1000, "bye"));
            peer.reset(); // instead of answering
            CloseReport report = connection.report();

            // no close frame came back: 1006 (RFC 6455 §7.1.5), not the code this end sent
            assertThat(report.reason()).isEqualTo(new CloseReason(CloseReason.Codes.CLOSED_ABNORMALLY, ""));
            assertThat(report.sent()).isEqualTo(new CloseReason(CloseReason.Codes.NORMAL, "bye"));
            assertThat(report.cause()).isEqualTo(CloseReport.Cause.TRANSPORT);
            assertThat(report.initiator()).isEqualTo(CloseReport.Initiator.LOCAL);
            assertThat(report.clean()).isFalse();
            assertThat(report.failure()).isInstanceOf(IOException.class);
        }
    }

    @ParameterizedTest
    @EnumSource(Http.class)
    void resetAfterAnsweringOurCloseIsACleanClose(Http http) throws Exception {
        try (TestServer server = TestServer.builder().config(CONFIG).over(http).start(); WebSocketPeer peer = http.connect(server)) {
            TestServer.Connection connection = server.nextConnection();

            connection.channel().writeAndFlush(new CloseReason(CloseReason.Codes.NORMAL, "bye"));
            assertThat(peer.readFrame()).isEqualTo(WireFrame.close(1000, "bye"));
            peer.send(WireFrame.close(1000, "bye"));
            peer.reset(); // over HTTP/2 a RST_STREAM instead of END_STREAM: either end may end a stream so (RFC 9113 §6.4)
            CloseReport report = connection.report();

            // both close frames were exchanged: the reset after them breaks nothing (RFC 6455 §7.1.4)
            assertThat(report.reason()).isEqualTo(new CloseReason(CloseReason.Codes.NORMAL, "bye"));
            assertThat(report.cause()).isEqualTo(CloseReport.Cause.APPLICATION);
            assertThat(report.initiator()).isEqualTo(CloseReport.Initiator.LOCAL);
            assertThat(report.clean()).as("%s", report).isTrue();
        }
    }

    @ParameterizedTest
    @EnumSource(Http.class)
    void resetAfterReadingTheAnswerToOurCloseIsACleanClose(Http http) throws Exception {
        try (TestServer server = TestServer.builder().config(CONFIG).over(http).start(); WebSocketPeer peer = http.connect(server)) {
            TestServer.Connection connection = server.nextConnection();

            peer.send(WireFrame.close(4000, "gone"));
            assertThat(peer.readFrame()).isEqualTo(WireFrame.close(4000));
            peer.reset(); // over TCP, after the server closed it; over HTTP/2, after its END_STREAM, instead of ours
            CloseReport report = connection.report();

            assertThat(report.reason()).isEqualTo(CloseReason.of(4000, "gone"));
            assertThat(report.cause()).isEqualTo(CloseReport.Cause.PEER);
            assertThat(report.initiator()).isEqualTo(CloseReport.Initiator.REMOTE);
            assertThat(report.clean()).as("%s", report).isTrue();
        }
    }

    @ParameterizedTest
    @EnumSource(Http.class)
    void resetRightAfterThePeersCloseFrameEndsInOneReport(Http http) throws Exception {
        try (TestServer server = TestServer.builder().config(CONFIG).over(http).start(); WebSocketPeer peer = http.connect(server)) {
            TestServer.Connection connection = server.nextConnection();

            peer.send(WireFrame.close(4000, "gone"));
            peer.reset(); // without waiting for the answer
            CloseReport report = connection.report();

            // the peer's close frame arrives before the reset, so Linux delivers it first; the answer may fail
            assertThat(report.reason()).isEqualTo(CloseReason.of(4000, "gone"));
            assertThat(report.initiator()).isEqualTo(CloseReport.Initiator.REMOTE);
        }
    }
}
