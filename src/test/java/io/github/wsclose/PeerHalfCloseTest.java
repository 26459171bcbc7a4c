package io.github.wsclose;

import static io.github.wsclose.TestBytes.ascii;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.wsclose.WebSocketPeer.Http;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * On loopback sockets: a peer that half-closes TCP (a FIN) without a close frame, before or in the middle of a
 * frame or instead of answering ours, and a peer that goes on sending frames after its close frame. A FIN without
 * a close frame ends the connection at once with 1006 (RFC 6455 §7.1.5), whatever was half read is released;
 * what follows the peer's close frame is discarded, its close is answered once (its code echoed) and reported once.
 * Over HTTP/2 too, where the FIN is END_STREAM and the server's close of TCP its END_STREAM (RFC 8441 §5).
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6455#section-5.5.1">RFC 6455 §5.5.1</a>
 */
@Tag(TestTransport.TAG)
class PeerHalfCloseTest {

    private static final ClosingHandshakeConfig CONFIG = ClosingHandshakeConfig.server().withCloseTimeout(Duration.ofSeconds(5));

    @ParameterizedTest
    @EnumSource(Http.class)
    void finWithoutACloseFrameIsAnAbnormalRemoteClose(Http http) throws Exception {
        try (TestServer server = TestServer.builder().config(CONFIG).over(http).start(); WebSocketPeer peer = http.connect(server)) {
            TestServer.Connection connection = server.nextConnection();

            peer.shutdownOutput();
            CloseReport report = connection.report();

            assertAbnormal(report, CloseReport.Initiator.REMOTE);
            assertThat(report.sent()).as("no close frame is sent to a peer that cannot answer it").isNull();
            RawClient.Transcript transcript = peer.readUntilClosed();
            assertThat(transcript.frames()).as(transcript.toString()).isEmpty();
            assertThat(transcript.end()).isEqualTo(RawClient.TcpEnd.EOF);
        }
    }

    @ParameterizedTest
    @EnumSource(Http.class)
    void finInTheMiddleOfAFrameReleasesWhatWasReadAndIsAnAbnormalClose(Http http) throws Exception {
        try (TestServer server = TestServer.builder().config(CONFIG).over(http).start(); WebSocketPeer peer = http.connect(server)) {
            TestServer.Connection connection = server.nextConnection();
            byte[] frame = peer.masked(WireFrame.of(WireFrame.BINARY, new byte[1000]));

            peer.sendRaw(Arrays.copyOf(frame, 600)); // the header and part of the payload: the decoder holds them
            peer.shutdownOutput();
            CloseReport report = connection.report();

            assertAbnormal(report, CloseReport.Initiator.REMOTE);
            assertThat(peer.readUntilClosed().end()).isEqualTo(RawClient.TcpEnd.EOF);
            assertThat(connection.recorder().exceptions()).isEmpty();
        }
    }

    @ParameterizedTest
    @EnumSource(Http.class)
    void finInTheMiddleOfAnAggregatedMessageIsAnAbnormalRemoteClose(Http http) throws Exception {
        try (TestServer server = TestServer.builder().config(CONFIG).options(ServerOptions.DEFAULTS).over(http).start();
                WebSocketPeer peer = http.connect(server)) {
            TestServer.Connection connection = server.nextConnection();

            peer.send(WireFrame.withFirstByte(WireFrame.BINARY, new byte[1000])); // a first fragment: the aggregator holds it
            peer.shutdownOutput();
            CloseReport report = connection.report();

            assertAbnormal(report, CloseReport.Initiator.REMOTE);
            assertThat(report.failure()).as("the aggregator's word for the same FIN is no failure of ours").isNull();
            assertThat(peer.readUntilClosed().end()).isEqualTo(RawClient.TcpEnd.EOF);
        }
    }

    @ParameterizedTest
    @EnumSource(Http.class)
    void finInsteadOfAnsweringOurCloseIsAnAbnormalLocalClose(Http http) throws Exception {
        try (TestServer server = TestServer.builder().config(CONFIG).over(http).start(); WebSocketPeer peer = http.connect(server)) {
            TestServer.Connection connection = server.nextConnection();

            connection.channel().writeAndFlush(new CloseReason(CloseReason.Codes.NORMAL, "bye"));
            assertThat(peer.readFrame()).isEqualTo(WireFrame.close(1000, "bye"));
            peer.shutdownOutput(); // instead of a close frame
            CloseReport report = connection.report();

            assertAbnormal(report, CloseReport.Initiator.LOCAL);
            assertThat(report.sent()).isEqualTo(new CloseReason(CloseReason.Codes.NORMAL, "bye"));
            assertThat(report.duration()).as("ended by the FIN, not by the close timeout").isLessThan(CONFIG.closeTimeout());
        }
    }

    @ParameterizedTest
    @EnumSource(Http.class)
    void framesAfterThePeersCloseFrameInTheSameWriteAreDiscarded(Http http) throws Exception {
        try (TestServer server = TestServer.builder().config(CONFIG).over(http).start(); WebSocketPeer peer = http.connect(server)) {
            TestServer.Connection connection = server.nextConnection();

            // the peer MUST NOT send data frames after its close frame (§5.5.1); this one does, pings too
            peer.send(WireFrame.close(4000, "gone"), WireFrame.text("after the close"), WireFrame.of(WireFrame.BINARY, new byte[500]),
                    WireFrame.of(WireFrame.PING, ascii("still?")), WireFrame.close(1000, "twice"), WireFrame.text("and again"));
            RawClient.Transcript transcript = peer.readUntilClosed();
            CloseReport report = connection.report();

            assertThat(transcript.frames()).as("one answer, no echo, no pong: " + transcript).containsExactly(WireFrame.close(4000));
            assertThat(transcript.end()).isEqualTo(RawClient.TcpEnd.EOF);
            assertPeerClosedCleanly(report, connection);
        }
    }

    @ParameterizedTest
    @EnumSource(Http.class)
    void framesAfterThePeersCloseFrameInLaterWritesAreDiscarded(Http http) throws Exception {
        try (TestServer server = TestServer.builder().config(CONFIG).over(http).start(); WebSocketPeer peer = http.connect(server)) {
            TestServer.Connection connection = server.nextConnection();

            peer.send(WireFrame.close(4000, "gone"));
            int written = 0;
            try {
                for (; written < 20; written++) { // each its own write, without reading the answer first
                    peer.send(WireFrame.text("talking after the close " + written));
                }
            } catch (IOException closedByTheServer) {
                // the server had closed TCP: the rest could not be written
            }
            RawClient.Transcript transcript = peer.readUntilClosed();
            CloseReport report = connection.report();

            // the answer, unless the server's reset of TCP (for frames that came after it closed) overtook it
            assertThat(transcript.frames()).as("no echo after the close: " + transcript).isSubsetOf(WireFrame.close(4000));
            assertThat(transcript.end()).isIn(RawClient.TcpEnd.EOF, RawClient.TcpEnd.RESET);
            assertPeerClosedCleanly(report, connection);
        }
    }

    private static void assertAbnormal(CloseReport report, CloseReport.Initiator initiator) {
        assertThat(report.reason()).isEqualTo(new CloseReason(CloseReason.Codes.CLOSED_ABNORMALLY, ""));
        assertThat(report.received()).isNull();
        assertThat(report.cause()).isEqualTo(CloseReport.Cause.TRANSPORT);
        assertThat(report.initiator()).isEqualTo(initiator);
        assertThat(report.clean()).isFalse();
    }

    private static void assertPeerClosedCleanly(CloseReport report, TestServer.Connection connection) {
        assertThat(report.reason()).isEqualTo(CloseReason.of(4000, "gone"));
        assertThat(report.received()).isEqualTo(CloseReason.of(4000, "gone"));
        assertThat(report.sent()).as("the code echoed, without the reason").isEqualTo(CloseReason.of(4000, ""));
        assertThat(report.cause()).isEqualTo(CloseReport.Cause.PEER);
        assertThat(report.initiator()).isEqualTo(CloseReport.Initiator.REMOTE);
        assertThat(report.clean()).isTrue();
        assertThat(connection.recorder().reasons()).as("only the first close reaches the application").containsExactly(CloseReason.of(4000, "gone"));
    }
}
