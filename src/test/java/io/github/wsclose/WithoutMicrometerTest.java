package io.github.wsclose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The library without Micrometer on the class path, as an application that does not use
 * {@link CloseMetrics} runs it: a {@link ServerPipeline} server upgrades, closes and reports.
 *
 * <p>Runs only in the build's {@code without-micrometer} test execution, which takes every
 * Micrometer artifact off the class path and sets {@code wsclose.withoutMicrometer}.
 */
@EnabledIfSystemProperty(named = "wsclose.withoutMicrometer", matches = "true")
class WithoutMicrometerTest {

    @Test
    void micrometerIsNotOnTheClassPath() {
        assertThatExceptionOfType(ClassNotFoundException.class)
                .isThrownBy(() -> Class.forName("io.micrometer.core.instrument.MeterRegistry"));
    }

    @Test
    void serverPipelineClosesAndReports() throws Exception {
        try (TestServer server = TestServer.start()) {
            JdkClientListener client = new JdkClientListener();
            WebSocket ws = client.open(HttpClient.newHttpClient(), server.uri()).get(TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS);
            ws.sendText(TestServer.closeCommand(1000, "done"), true);

            assertThat(client.awaitClose()).isEqualTo(new CloseReason(CloseReason.Codes.NORMAL, "done"));
            CloseReport report = server.nextConnection().report();
            assertThat(report.sent()).isEqualTo(new CloseReason(CloseReason.Codes.NORMAL, "done"));
            assertThat(report.reason().knownReason()).isEqualTo(CloseReason.Codes.NORMAL); // the client's answer
            assertThat(report.clean()).isTrue();
        }
    }

    @Test
    void embeddedServerPipelineUpgradesAndCloses() {
        try (HandshakeChannel ws = HandshakeChannel.serverPipeline(ClosingHandshakeConfig.server())) {
            ws.upgrade();
            ws.peerSendsBytes(HandshakeChannel.maskedFrame(0x88, new byte[] {0x03, (byte) 0xE8}));

            assertThat(ws.sentBytes()).isEqualTo("880203e8");
            assertThat(ws.report().clean()).isTrue();
        }
    }
}
