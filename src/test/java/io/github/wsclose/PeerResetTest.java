package io.github.wsclose;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A peer that resets TCP (an RST: SO_LINGER 0, then close) at each point of the closing
 * handshake: the server fires exactly one report, and says 1006 unless the peer's close frame
 * got through first.
 */
@Tag(TestTransport.TAG)
class PeerResetTest {

    private static final ClosingHandshakeConfig CONFIG = ClosingHandshakeConfig.server().withCloseTimeout(Duration.ofSeconds(5));

    @Test
    void resetBeforeAnyCloseFrameIsAnAbnormalRemoteClose() throws Exception {
        try (TestServer server = TestServer.start(CONFIG)) {
            RawClient peer = RawClient.upgrade(server.port());
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

    @Test
    void resetAfterOurCloseFrameIsAnAbnormalLocalClose() throws Exception {
        try (TestServer server = TestServer.start(CONFIG)) {
            RawClient peer = RawClient.upgrade(server.port());
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

    @Test
    void resetRightAfterThePeersCloseFrameEndsInOneReport() throws Exception {
        try (TestServer server = TestServer.start(CONFIG)) {
            RawClient peer = RawClient.upgrade(server.port());
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
