package io.github.wsclose;

import static io.github.wsclose.CloseMeters.closeTags;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@link CloseMetrics} on a {@link ServerPipeline} server with real JDK WebSocket clients on
 * loopback: a close from each side, a dropped connection, a dead peer the keepalive fails, and a
 * drain of many connections, after which the active gauge is back to zero.
 */
@Tag(TestTransport.TAG)
class CloseMetricsInteropTest {

    private static final int DRAINED = 100;
    private static final CloseReason DRAIN = new CloseReason(CloseReason.Codes.GOING_AWAY, "drain");

    private final CloseMeters meters = new CloseMeters();
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void eachCloseCountsOnceWithTheTagsOfItsReport() throws Exception {
        try (TestServer server = TestServer.builder().inFront(() -> meters.handler).start()) {
            JdkClientListener client = new JdkClientListener();
            WebSocket ws = client.open(http, server.uri()).get(TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS);
            TestServer.Connection connection = server.nextConnection();
            assertThat(meters.active()).isEqualTo(1);
            ws.sendClose(4000, "bye").get(TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS);
            connection.report();
            assertThat(meters.onlyClose()).isEqualTo(closeTags("4xxx", "remote", "true", "peer"));

            client = new JdkClientListener();
            ws = client.open(http, server.uri()).get(TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS);
            connection = server.nextConnection();
            ws.sendText(TestServer.closeCommand(1013, "later"), true);
            assertThat(client.awaitClose()).isEqualTo(new CloseReason(CloseReason.Codes.TRY_AGAIN_LATER, "later"));
            connection.report();

            client = new JdkClientListener();
            ws = client.open(http, server.uri()).get(TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS);
            connection = server.nextConnection();
            ws.abort();
            connection.report();

            assertThat(meters.closes()).containsOnly(
                    entry(closeTags("4xxx", "remote", "true", "peer"), 1.0),
                    entry(closeTags("1013", "local", "true", "application"), 1.0),
                    entry(closeTags("1006", "remote", "false", "transport"), 1.0));
            assertThat(meters.active()).isZero();
            meters.assertTagsBounded();
        }
    }

    @Test
    void deadPeerCountsAsAKeepaliveTimeout() throws Exception {
        Duration shortly = Duration.ofMillis(100);
        ServerProtection keepalive = ServerProtection.defaults().withPingInterval(shortly).withPongTimeout(shortly);
        try (TestServer server = TestServer.builder().protection(keepalive).inFront(() -> meters.handler).start();
                RawClient dead = RawClient.upgrade(server.port())) {
            assertThat(dead.readUntilClosed().frames()).as("a ping, then the close").hasSize(2);
            server.nextConnection().report();

            assertThat(meters.onlyClose()).isEqualTo(closeTags("1006", "local", "false", "keepalive_timeout"));
            assertThat(meters.active()).isZero();
        }
    }

    @Test
    void activeGaugeIsBackToZeroAfterADrain() throws Exception {
        try (TestServer server = TestServer.builder().inFront(() -> meters.handler).start()) {
            List<CompletableFuture<WebSocket>> opening = new ArrayList<>();
            List<JdkClientListener> clients = new ArrayList<>();
            for (int i = 0; i < DRAINED; i++) {
                JdkClientListener client = new JdkClientListener();
                clients.add(client);
                opening.add(client.open(http, server.uri()));
            }
            CompletableFuture.allOf(opening.toArray(CompletableFuture[]::new)).get(TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS);
            List<TestServer.Connection> connections = new ArrayList<>();
            for (int i = 0; i < DRAINED; i++) {
                connections.add(server.nextConnection());
            }
            assertThat(meters.active()).isEqualTo(DRAINED);

            GracefulDrain.Result result = GracefulDrain.drain(server.connections(), DRAIN, Duration.ofSeconds(5))
                    .get(5 + TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS);
            for (TestServer.Connection connection : connections) {
                connection.report();
            }

            assertThat(result.connections()).isEqualTo(DRAINED);
            assertThat(meters.active()).isZero();
            assertThat(meters.closeCount()).isEqualTo(DRAINED);
            for (JdkClientListener client : clients) {
                assertThat(client.awaitClose()).isEqualTo(DRAIN);
            }
        }
    }
}
