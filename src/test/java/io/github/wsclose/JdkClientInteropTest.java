package io.github.wsclose;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ProtocolException;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The JDK's {@code java.net.http.WebSocket} client against a {@link ServerPipeline} server on
 * loopback: every sendable code with reasons of 0, 12 and 123 bytes, closed by the client and
 * by the server, checked on both ends.
 *
 * <p>What the JDK's client allows (its {@code jdk.internal.net.http.websocket.StatusCodes}; the
 * same on JDK 17 and 25): {@code sendClose} refuses 1002, 1003, 1007, 1009, 1010 and 1012–1014
 * with an {@link IllegalArgumentException} and sends nothing, so those codes are covered from
 * the server only; and it takes a close frame with 1010 from a server as a protocol error (1010
 * is a client's code), which {@link #assertClientFailsTheConnection} pins down.
 */
@Tag(TestTransport.TAG)
class JdkClientInteropTest {

    /** Codes the JDK client refuses to send. */
    private static final Set<Integer> REFUSED_BY_CLIENT = Set.of(1002, 1003, 1007, 1009, 1010, 1012, 1013, 1014);

    /** Codes the JDK client refuses to receive from a server: 1010 is for clients only. */
    private static final Set<Integer> REFUSED_FROM_SERVER = Set.of(1010);

    private static TestServer server;
    private static HttpClient http;

    private final JdkClientListener client = new JdkClientListener();
    private TestServer.Connection connection; // the server's side of the client's connection

    @BeforeAll
    static void start() {
        server = TestServer.start();
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(TestServer.TIMEOUT_SECONDS)).build();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void echoesTextAndBinaryThenClosesNormally() throws Exception {
        WebSocket ws = connect();

        ws.sendText("hello €", true).get(TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS);
        assertThat(client.awaitMessage()).isEqualTo("hello €");
        ws.sendBinary(ByteBuffer.wrap(new byte[] {0, 1, (byte) 0xFF}), true).get(TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS);
        assertThat(client.awaitMessage()).isEqualTo(new byte[] {0, 1, (byte) 0xFF});

        assertClientClosesCleanly(ws, 1000, "");
    }

    @ParameterizedTest(name = "{0} with a {1}")
    @MethodSource("io.github.wsclose.InteropCases#codesAndReasons")
    void clientClosesFirst(int code, String reason) throws Exception {
        WebSocket ws = connect();

        if (REFUSED_BY_CLIENT.contains(code)) {
            assertThat(ws.sendClose(code, reason)).failsWithin(Duration.ofSeconds(TestServer.TIMEOUT_SECONDS))
                    .withThrowableOfType(ExecutionException.class)
                    .withCauseInstanceOf(IllegalArgumentException.class);
            // nothing was sent: the connection is still open and closes normally
            assertClientClosesCleanly(ws, 1000, "");
        } else {
            assertClientClosesCleanly(ws, code, reason);
        }
    }

    @ParameterizedTest(name = "{0} with a {1}")
    @MethodSource("io.github.wsclose.InteropCases#codesAndReasons")
    void serverClosesFirst(int code, String reason) throws Exception {
        WebSocket ws = connect();

        ws.sendText(TestServer.closeCommand(code, reason), true).get(TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS);

        CloseReason sent = CloseReason.of(code, reason);
        if (REFUSED_FROM_SERVER.contains(code)) {
            assertClientFailsTheConnection(sent);
            return;
        }
        assertThat(client.awaitClose()).isEqualTo(sent);
        CloseReport report = connection.report();
        assertThat(report.sent()).isEqualTo(sent);
        assertThat(report.reason()).as("the client's answer repeats the code").isEqualTo(CloseReason.withoutMessage(sent.code()));
        assertThat(report.initiator()).isEqualTo(CloseReport.Initiator.LOCAL);
        assertThat(report.clean()).as("clean close of %s", report).isTrue();
        assertThat(client.sawError()).isFalse();
    }

    /**
     * The JDK client takes the server's close frame as a protocol error: it calls {@code onError}
     * and fails the connection. It answers with its own close frame (1002) only some of the time:
     * in about half of the runs here it closed TCP first, and the server then rightly reports the
     * close as unclean, 1006, since no close frame came back.
     */
    private void assertClientFailsTheConnection(CloseReason sent) throws Exception {
        assertThat(client.awaitError()).isInstanceOf(ProtocolException.class);
        CloseReport report = connection.report();
        assertThat(report.initiator()).isEqualTo(CloseReport.Initiator.LOCAL);
        assertThat(report.sent()).isEqualTo(sent);
        if (report.clean()) {
            assertThat(report.received().knownReason()).isEqualTo(CloseReason.Codes.PROTOCOL_ERROR);
        } else {
            assertThat(report.reason().knownReason()).isEqualTo(CloseReason.Codes.CLOSED_ABNORMALLY);
            assertThat(report.cause()).as("cause of %s", report).isEqualTo(CloseReport.Cause.TRANSPORT);
            assertThat(report.failure()).as("failure of %s", report).isNull();
        }
    }

    private WebSocket connect() throws InterruptedException, ExecutionException, TimeoutException {
        WebSocket ws = client.open(http, server.uri()).get(TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS);
        connection = server.nextConnection();
        return ws;
    }

    /**
     * Closes from the client and checks both ends: the server answers with the code alone (it does
     * not echo reasons by default) and reports the client's close as clean.
     */
    private void assertClientClosesCleanly(WebSocket ws, int code, String reason) throws Exception {
        ws.sendClose(code, reason).get(TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS);

        assertThat(client.awaitClose()).isEqualTo(CloseReason.of(code, ""));
        CloseReport report = connection.report();
        assertThat(report.reason()).isEqualTo(CloseReason.of(code, reason));
        assertThat(report.initiator()).isEqualTo(CloseReport.Initiator.REMOTE);
        assertThat(report.clean()).as("clean close of %s", report).isTrue();
        assertThat(client.sawError()).isFalse();
    }
}
