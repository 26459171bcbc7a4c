package io.github.wsclose;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.wsclose.WebSocketPeer.Http;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * 2,000 upgraded peers that go dead (they never send again, nor answer a ping) are all failed by the keepalive within
 * the ping interval and pong timeout, and each connection is reported exactly once. Over HTTP/2 too, 2,000 streams on
 * 20 connections of 100: the connections stay alive, their WebSockets do not answer.
 */
@Tag(TestTransport.TAG)
class DeadPeersTest {

    private static final Duration INTERVAL = Duration.ofMillis(300);
    private static final Duration PONG_TIMEOUT = Duration.ofMillis(300);
    private static final int PEERS = 2000;

    @ParameterizedTest
    @EnumSource(Http.class)
    void twoThousandDeadPeersAreFailedWithinTheirTimeoutsAndReportedOnce(Http http) throws Exception {
        ServerProtection keepalive = ServerProtection.defaults().withPingInterval(INTERVAL).withPongTimeout(PONG_TIMEOUT);
        try (TestServer server = TestServer.builder().protection(keepalive).over(http).start()) {
            List<Long> upgraded = new ArrayList<>();
            try (WebSocketPeer.Group group = http.group(server)) {
                List<WebSocketPeer> peers = group.peers();
                for (int i = 0; i < PEERS; i++) {
                    upgraded.add(System.nanoTime()); // before the request: the server's 101 (200), and its timers, come later
                    group.open();
                }
                for (int i = 0; i < PEERS; i++) {
                    List<WireFrame> frames = peers.get(i).readUntilClosed().frames();
                    long took = System.nanoTime() - upgraded.get(i);
                    assertThat(frames).as("peer %d: a ping, then the close", i).hasSize(2);
                    assertThat(frames.get(1)).isEqualTo(WireFrame.close(1011, "keepalive ping timeout"));
                    // reading one peer after the other: the later ones are read long after they were closed
                    assertThat(Duration.ofNanos(took)).as("peer %d", i).isGreaterThanOrEqualTo(INTERVAL.plus(PONG_TIMEOUT));
                }
                long lastDeadline = upgraded.get(PEERS - 1) + INTERVAL.plus(PONG_TIMEOUT).plus(UpgradeAttemptsTest.SLACK).toNanos();
                assertThat(System.nanoTime()).as("all were closed within their timeouts").isLessThanOrEqualTo(lastDeadline);
            }
            for (int i = 0; i < PEERS; i++) { // exactly once: closing the server fails if any was reported twice
                assertThat(server.nextConnection().report().cause()).isEqualTo(CloseReport.Cause.KEEPALIVE_TIMEOUT);
            }
        }
    }
}
