package io.github.wsclose;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link GracefulDrain} on a {@link ServerPipeline} server with a few hundred real JDK WebSocket
 * clients on loopback: every connection gets GOING_AWAY, every client sees it, and every closing
 * handshake completes cleanly before the deadline.
 */
class DrainInteropTest {

    private static final int CONNECTIONS = 300;
    /** Opened in batches, each within the usual timeout, so that a busy machine only slows the test down. */
    private static final int OPENED_AT_ONCE = 50;
    private static final CloseReason DRAIN = new CloseReason(CloseReason.Codes.GOING_AWAY, "drain");
    private static final Duration DEADLINE = Duration.ofSeconds(5);

    @Test
    void drainsEveryConnectionCleanly() throws Exception {
        try (TestServer server = TestServer.start()) {
            HttpClient http = HttpClient.newHttpClient();
            List<JdkClientListener> clients = new ArrayList<>();
            List<TestServer.Connection> connections = new ArrayList<>();
            for (int batch = 0; batch < CONNECTIONS / OPENED_AT_ONCE; batch++) {
                List<CompletableFuture<WebSocket>> opening = new ArrayList<>();
                for (int i = 0; i < OPENED_AT_ONCE; i++) {
                    JdkClientListener client = new JdkClientListener();
                    clients.add(client);
                    opening.add(client.open(http, server.uri()));
                }
                CompletableFuture.allOf(opening.toArray(CompletableFuture[]::new))
                        .get(TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS);
                for (int i = 0; i < OPENED_AT_ONCE; i++) {
                    connections.add(server.nextConnection());
                }
            }
            assertThat(server.connections().size()).isEqualTo(CONNECTIONS);

            GracefulDrain.Result result = GracefulDrain.drain(server.connections(), DRAIN, DEADLINE)
                    .get(DEADLINE.toSeconds() + TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS);

            assertThat(result.connections()).isEqualTo(CONNECTIONS);
            assertThat(result.clean()).as("clean closes of %s", result).isEqualTo(CONNECTIONS);
            assertThat(result.unclean()).as("unclean closes of %s", result).isZero();
            assertThat(result.forced()).as("forced closes of %s", result).isZero();
            for (JdkClientListener client : clients) {
                assertThat(client.awaitClose()).isEqualTo(DRAIN);
                assertThat(client.sawError()).isFalse();
            }
            for (TestServer.Connection connection : connections) {
                CloseReport report = connection.report();
                assertThat(report.sent()).isEqualTo(DRAIN);
                assertThat(report.cause()).isEqualTo(CloseReport.Cause.DRAIN);
                assertThat(report.initiator()).isEqualTo(CloseReport.Initiator.LOCAL);
                assertThat(report.clean()).as("clean close of %s", report).isTrue();
            }
            assertThat(server.connections().size()).as("connections left open").isZero();
        }
    }
}
