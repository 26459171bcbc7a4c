package io.github.wsclose;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@link GracefulDrain} on a {@link ServerPipeline} server with a few hundred real JDK WebSocket
 * clients on loopback: every connection gets GOING_AWAY, every client sees it, and every closing
 * handshake completes cleanly before the deadline.
 */
@Tag(TestTransport.TAG)
class DrainInteropTest {

    private static final int CONNECTIONS = 300;
    /** Opened in batches, each within the usual timeout, so that a busy machine only slows the test down. */
    private static final int OPENED_AT_ONCE = 50;
    private static final CloseReason DRAIN = new CloseReason(CloseReason.Codes.GOING_AWAY, "drain");
    private static final Duration DEADLINE = Duration.ofSeconds(5);

    /**
     * A drain with a lifecycle, as a deploy runs it: readiness over HTTP turns 503 at the start, an
     * upgrade during the drain gets a 503 it may retry elsewhere, no close frame comes before the
     * readiness delay, and every connection closes cleanly within the spread and the deadline.
     */
    @Test
    void drainWithReadinessDelayAndSpread() throws Exception {
        GracefulDrain drain = new GracefulDrain("/ready");
        Duration delay = Duration.ofMillis(300);
        DrainPlan plan = DrainPlan.of(new CloseReason(CloseReason.Codes.SERVICE_RESTART, "deploy"), DEADLINE.plusSeconds(5))
                .withReadinessDelay(delay)
                .withSpread(Duration.ofSeconds(1));
        try (TestServer server = TestServer.builder().options(ServerOptions.DEFAULTS.withDrain(drain)).start()) {
            HttpClient http = HttpClient.newHttpClient();
            URI ready = URI.create("http://" + server.uri().getAuthority() + "/ready");
            assertThat(http.send(HttpRequest.newBuilder(ready).build(), BodyHandlers.ofString()).statusCode()).isEqualTo(200);
            int opened = OPENED_AT_ONCE;
            List<JdkClientListener> clients = new ArrayList<>();
            List<CompletableFuture<WebSocket>> opening = new ArrayList<>();
            for (int i = 0; i < opened; i++) {
                JdkClientListener client = new JdkClientListener();
                clients.add(client);
                opening.add(client.open(http, server.uri()));
            }
            CompletableFuture.allOf(opening.toArray(CompletableFuture[]::new)).get(TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS);

            long start = System.nanoTime();
            CompletableFuture<GracefulDrain.Result> drained = drain.start(plan);
            HttpResponse<String> notReady = http.send(HttpRequest.newBuilder(ready).build(), BodyHandlers.ofString());
            JdkClientListener late = new JdkClientListener();
            Throwable refused = late.open(http, server.uri()).handle((ws, failure) -> failure).get(TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS);
            List<Long> closedAfterMillis = new ArrayList<>();
            for (JdkClientListener client : clients) {
                assertThat(client.awaitClose()).isEqualTo(plan.reason());
                closedAfterMillis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            }
            GracefulDrain.Result result = drained.get(plan.deadline().toSeconds() + TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS);

            assertThat(notReady.statusCode()).isEqualTo(503);
            assertThat(notReady.headers().firstValue("retry-after")).isPresent();
            assertThat(refused).as("an upgrade during the drain").hasCauseInstanceOf(WebSocketHandshakeException.class);
            assertThat(((WebSocketHandshakeException) refused.getCause()).getResponse().statusCode()).isEqualTo(503);
            assertThat(server.rejected(UpgradeRejected.Reason.DRAIN)).isEqualTo(1);
            assertThat(closedAfterMillis).as("no close frame before the readiness delay").allSatisfy(
                    millis -> assertThat(millis).isGreaterThanOrEqualTo(delay.toMillis()));
            assertThat(result).isEqualTo(new GracefulDrain.Result(opened, opened, 0, 0, 1, delay, plan.spread(), false, result.took()));
            assertThat(result.took()).isLessThan(plan.deadline());
            assertThat(drain.phase()).isEqualTo(GracefulDrain.Phase.DRAINED);
            for (int i = 0; i < opened; i++) {
                assertThat(server.nextConnection().report()).matches(report -> report.clean() && report.cause() == CloseReport.Cause.DRAIN);
            }
        }
    }

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
