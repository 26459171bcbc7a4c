package io.github.wsclose;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;
import okio.ByteString;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * OkHttp's WebSocket client against a {@link ServerPipeline} server on loopback: every sendable
 * code with reasons of 0, 12 and 123 bytes, closed by the client and by the server, checked on
 * both ends.
 *
 * <p>What OkHttp 5.5.1 allows (its {@code WebSocketProtocol.closeCodeExceptionMessage}):
 * {@code close(code, reason)} refuses only codes below 1000 or from 5000 up, 1004–1006 and
 * 1015–2999, so it sends every code here, 1012–1014 included, and these tests show it accepts
 * every one of them from a server too. It does not answer a close frame by itself: the listener
 * answers in {@code onClosing}, and {@code onClosed} follows once both close frames have crossed.
 */
@Tag(TestTransport.TAG)
class OkHttpInteropTest {

    private static TestServer server;
    private static OkHttpClient http;

    private final OkHttpClientListener client = new OkHttpClientListener();
    private TestServer.Connection connection; // the server's side of the client's connection

    @BeforeAll
    static void start() {
        server = TestServer.start();
        http = new OkHttpClient.Builder()
                .connectTimeout(TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS)
                .readTimeout(TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS)
                .build();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        try {
            server.close();
        } finally {
            shutDown(http);
        }
    }

    @Test
    void echoesTextAndBinaryThenClosesNormally() throws Exception {
        WebSocket ws = connect();

        assertThat(ws.send("hello €")).isTrue();
        assertThat(client.awaitMessage()).isEqualTo("hello €");
        assertThat(ws.send(ByteString.of((byte) 0, (byte) 1, (byte) 0xFF))).isTrue();
        assertThat(client.awaitMessage()).isEqualTo(ByteString.of((byte) 0, (byte) 1, (byte) 0xFF));

        assertClientClosesCleanly(ws, 1000, "");
    }

    @ParameterizedTest(name = "{0} with a {1}")
    @MethodSource("io.github.wsclose.InteropCases#codesAndReasons")
    void clientClosesFirst(int code, String reason) throws Exception {
        assertClientClosesCleanly(connect(), code, reason);
    }

    @ParameterizedTest(name = "{0} with a {1}")
    @MethodSource("io.github.wsclose.InteropCases#codesAndReasons")
    void serverClosesFirst(int code, String reason) throws Exception {
        WebSocket ws = connect();

        assertThat(ws.send(TestServer.closeCommand(code, reason))).isTrue();

        CloseReason sent = CloseReason.of(code, reason);
        assertThat(client.awaitClosed()).isEqualTo(sent);
        assertThat(client.closing.join()).isEqualTo(sent);
        assertThat(client.events).containsExactly("onOpen", "onClosing", "onClosed");
        CloseReport report = connection.report();
        assertThat(report.sent()).isEqualTo(sent);
        assertThat(report.reason()).as("the client's answer repeats the code").isEqualTo(CloseReason.withoutMessage(sent.code()));
        assertThat(report.initiator()).isEqualTo(CloseReport.Initiator.LOCAL);
        assertThat(report.clean()).as("clean close of %s", report).isTrue();
        assertThat(client.events).as("nothing after onClosed").hasSize(3);
    }

    private WebSocket connect() throws Exception {
        http.newWebSocket(new Request.Builder().url(server.uri().toString()).build(), client);
        WebSocket ws = client.opened.get(TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS);
        connection = server.nextConnection();
        return ws;
    }

    /**
     * Closes from the client and checks both ends: the server answers with the code alone (it does
     * not echo reasons by default) and reports the client's close as clean.
     */
    private void assertClientClosesCleanly(WebSocket ws, int code, String reason) throws Exception {
        assertThat(ws.close(code, reason)).isTrue();

        assertThat(client.awaitClosed()).isEqualTo(CloseReason.of(code, ""));
        assertThat(client.events).containsExactly("onOpen", "onClosing", "onClosed");
        CloseReport report = connection.report();
        assertThat(report.reason()).isEqualTo(CloseReason.of(code, reason));
        assertThat(report.initiator()).isEqualTo(CloseReport.Initiator.REMOTE);
        assertThat(report.clean()).as("clean close of %s", report).isTrue();
        assertThat(client.events).as("nothing after onClosed").hasSize(3);
    }

    /** Stops OkHttp's dispatcher threads and drops pooled connections, so that no thread outlives the class. */
    private static void shutDown(OkHttpClient http) throws InterruptedException {
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
        assertThat(http.dispatcher().executorService().awaitTermination(TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS))
                .as("OkHttp's dispatcher threads ended").isTrue();
    }

    /**
     * Records what one OkHttp WebSocket saw, in order, and answers the server's close with the
     * same code, as an application that has nothing more to send does.
     */
    private static final class OkHttpClientListener extends WebSocketListener {

        final List<String> events = new CopyOnWriteArrayList<>();
        final CompletableFuture<WebSocket> opened = new CompletableFuture<>();
        final CompletableFuture<CloseReason> closing = new CompletableFuture<>();
        final CompletableFuture<CloseReason> closed = new CompletableFuture<>();
        private final BlockingQueue<Object> messages = new LinkedBlockingQueue<>();

        /** Waits for {@code onClosed}: both close frames crossed; fails if {@code onFailure} came instead. */
        CloseReason awaitClosed() throws Exception {
            return closed.get(TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }

        /** Waits for the next message: a {@code String} or a {@link ByteString}. */
        Object awaitMessage() throws InterruptedException {
            return TestServer.next(messages, "message");
        }

        @Override
        public void onOpen(WebSocket webSocket, Response response) {
            events.add("onOpen");
            opened.complete(webSocket);
        }

        @Override
        public void onMessage(WebSocket webSocket, String text) {
            messages.add(text);
        }

        @Override
        public void onMessage(WebSocket webSocket, ByteString bytes) {
            messages.add(bytes);
        }

        @Override
        public void onClosing(WebSocket webSocket, int code, String reason) {
            events.add("onClosing");
            closing.complete(CloseReason.of(code, reason));
            webSocket.close(code, null); // false when this end closed first: its close frame is sent already
        }

        @Override
        public void onClosed(WebSocket webSocket, int code, String reason) {
            events.add("onClosed");
            closed.complete(CloseReason.of(code, reason));
        }

        @Override
        public void onFailure(WebSocket webSocket, Throwable t, @Nullable Response response) {
            events.add("onFailure: " + t);
            opened.completeExceptionally(t);
            closed.completeExceptionally(t);
        }
    }
}
