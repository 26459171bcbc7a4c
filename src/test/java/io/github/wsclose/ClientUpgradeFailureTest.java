package io.github.wsclose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.wsclose.UpgradeFailedException.Reason;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler.ClientHandshakeStateEvent;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A {@link ClientPipeline} whose upgrade fails, against {@link RawServer}: an HTTP status, an
 * invalid 101, no answer in time, a server that closes first, a refused connection. Each is an
 * {@link UpgradeFailedException} with the status, if any: the upgrade's future fails with it, the
 * application gets it as a user event, the report's future fails with it, and no
 * {@link CloseReport} is ever fired. The client closes TCP.
 */
class ClientUpgradeFailureTest {

    private static final ClientOptions QUICK = ClientOptions.DEFAULTS.withUpgradeTimeout(Duration.ofMillis(300));

    @Test
    void anErrorStatusIsAFailedUpgradeWithItsStatusAndHeaders() throws Exception {
        try (RawServer server = new RawServer(); TestClient client = new TestClient()) {
            TestServer.Connection ws = client.connect(server.uri());
            try (RawServer.Peer peer = server.accept()) {
                assertThat(peer.readRequest()).isEqualTo("GET /ws HTTP/1.1");
                peer.answer("HTTP/1.1 503 Service Unavailable\r\nRetry-After: 7\r\nContent-Length: 5\r\n\r\nlater");

                UpgradeFailedException failed = TestClient.failedUpgrade(ws.channel());
                assertThat(failed.reason()).isEqualTo(Reason.STATUS);
                assertThat(failed.status()).isEqualTo(HttpResponseStatus.SERVICE_UNAVAILABLE);
                assertThat(failed.response().headers().get(HttpHeaderNames.RETRY_AFTER)).isEqualTo("7");
                assertThat(peer.readUntilClosed().end()).isEqualTo(RawClient.TcpEnd.EOF);
                assertNeverAConnection(ws, failed);
            }
        }
    }

    @Test
    void aWrongAcceptIsAnInvalidResponse() throws Exception {
        failsOn101("Sec-WebSocket-Accept: aGVsbG8=\r\n", Reason.INVALID_RESPONSE, "invalid upgrade");
    }

    @Test
    void aSubprotocolThatWasNotOfferedIsAnInvalidResponse() throws Exception {
        failsOn101("Sec-WebSocket-Protocol: chat\r\n", Reason.INVALID_RESPONSE, "subprotocol not offered: chat");
    }

    @Test
    void anExtensionThatWasNotOfferedIsAnInvalidResponse() throws Exception {
        failsOn101("Sec-WebSocket-Extensions: permessage-deflate\r\n", Reason.INVALID_RESPONSE, "extension not offered");
    }

    @Test
    void anExtensionAnswerTheOfferDoesNotAllowIsAnInvalidResponse() throws Exception {
        ClientOptions compressed = ClientOptions.DEFAULTS.withCompression(PerMessageDeflateConfig.DEFAULT);
        for (String answer : new String[] {"permessage-deflate; server_max_window_bits=16", "permessage-deflate; x=1", "x-webkit-deflate-frame"}) {
            try (RawServer server = new RawServer(); TestClient client = new TestClient()) {
                TestServer.Connection ws = client.connect(server.uri(), ClosingHandshakeConfig.client(), compressed);
                try (RawServer.Peer peer = server.accept()) {
                    peer.upgrade("Sec-WebSocket-Extensions: " + answer + "\r\n");
                    UpgradeFailedException failed = TestClient.failedUpgrade(ws.channel());
                    assertThat(failed.reason()).as(answer).isEqualTo(Reason.INVALID_RESPONSE);
                    assertThat(peer.readUntilClosed().frames()).isEmpty();
                    assertNeverAConnection(ws, failed);
                }
            }
        }
    }

    @Test
    void noAnswerInTimeIsATimeout() throws Exception {
        try (RawServer server = new RawServer(); TestClient client = new TestClient()) {
            TestServer.Connection ws = client.connect(server.uri(), ClosingHandshakeConfig.client(), QUICK);
            try (RawServer.Peer peer = server.accept()) {
                peer.readRequest();
                UpgradeFailedException failed = TestClient.failedUpgrade(ws.channel());
                assertThat(failed.reason()).isEqualTo(Reason.TIMEOUT);
                assertThat(failed.status()).isNull();
                assertThat(peer.readUntilClosed().end()).isEqualTo(RawClient.TcpEnd.EOF); // the client gave up and closed
                assertNeverAConnection(ws, failed);
            }
        }
    }

    @Test
    void aServerThatClosesBeforeAnsweringIsClosed() throws Exception {
        try (RawServer server = new RawServer(); TestClient client = new TestClient()) {
            TestServer.Connection ws = client.connect(server.uri());
            try (RawServer.Peer peer = server.accept()) {
                peer.readRequest();
                peer.close();
                UpgradeFailedException failed = TestClient.failedUpgrade(ws.channel());
                assertThat(failed.reason()).isEqualTo(Reason.CLOSED);
                assertThat(failed.status()).isNull();
                assertNeverAConnection(ws, failed);
            }
        }
    }

    @Test
    void anAnswerThatIsNotHttpIsAnInvalidResponse() throws Exception {
        try (RawServer server = new RawServer(); TestClient client = new TestClient()) {
            TestServer.Connection ws = client.connect(server.uri());
            try (RawServer.Peer peer = server.accept()) {
                peer.readRequest();
                peer.answer("SSH-2.0-OpenSSH_9.2\r\n\r\n");
                UpgradeFailedException failed = TestClient.failedUpgrade(ws.channel());
                assertThat(failed.reason()).isEqualTo(Reason.INVALID_RESPONSE);
                assertThat(failed.status()).isNull();
                assertNeverAConnection(ws, failed);
            }
        }
    }

    @Test
    void aRefusedConnectionIsAConnectFailure() throws Exception {
        int closedPort;
        try (ServerSocket gone = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = gone.getLocalPort();
        }
        try (TestClient client = new TestClient()) {
            TestServer.Connection ws = client.connect(URI.create("ws://127.0.0.1:" + closedPort + "/ws"));
            UpgradeFailedException failed = TestClient.failedUpgrade(ws.channel());
            assertThat(failed.reason()).isEqualTo(Reason.CONNECT);
            assertThat(failed.status()).isNull();
            assertThat(failed.getCause()).isInstanceOf(java.net.ConnectException.class);
            assertNeverAConnection(ws, failed);
        }
    }

    @Test
    void aSubprotocolOfferedIsChosenOrNone() throws Exception {
        ClientOptions offering = ClientOptions.DEFAULTS.withSubprotocols("v2.chat", "v1.chat");
        try (RawServer server = new RawServer(); TestClient client = new TestClient()) {
            TestServer.Connection chosen = client.connect(server.uri(), ClosingHandshakeConfig.client(), offering);
            try (RawServer.Peer peer = server.accept()) {
                peer.upgrade("Sec-WebSocket-Protocol: v1.chat\r\n");
                assertThat(peer.requestHeader("Sec-WebSocket-Protocol")).isEqualTo("v2.chat, v1.chat");
                HttpResponse upgraded = TestClient.upgraded(chosen.channel());
                assertThat(upgraded.headers().get(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL)).isEqualTo("v1.chat");
            }
            TestServer.Connection none = client.connect(server.uri(), ClosingHandshakeConfig.client(), offering);
            try (RawServer.Peer peer = server.accept()) {
                peer.upgrade(""); // the server may choose none (RFC 6455 §4.1); Netty's own handshaker refuses that
                assertThat(TestClient.upgraded(none.channel()).headers().contains(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL)).isFalse();
            }
        }
    }

    @Test
    void theRequestCarriesTheOptionsHeadersAndTheUrisPathAndQuery() throws Exception {
        ClientOptions options = ClientOptions.DEFAULTS.withHeaders(new io.netty.handler.codec.http.DefaultHttpHeaders()
                .add("Authorization", "Bearer abc").add("X-Trace", "1").add("X-Trace", "2"));
        try (RawServer server = new RawServer(); TestClient client = new TestClient()) {
            URI uri = URI.create("ws://127.0.0.1:" + server.port() + "/ws/room?id=7");
            TestServer.Connection ws = client.connect(uri, ClosingHandshakeConfig.client(), options);
            try (RawServer.Peer peer = server.accept()) {
                assertThat(peer.readRequest()).isEqualTo("GET /ws/room?id=7 HTTP/1.1");
                assertThat(peer.requestHeader("Authorization")).isEqualTo("Bearer abc");
                assertThat(peer.requestHeader("X-Trace")).isEqualTo("1, 2");
                assertThat(peer.requestHeader("Host")).isEqualTo("127.0.0.1:" + server.port());
                assertThat(peer.requestHeader("Sec-WebSocket-Version")).isEqualTo("13");
                assertThat(peer.requestHeader("Sec-WebSocket-Extensions")).isNull();
                ws.channel().close();
            }
        }
    }

    /** Runs an upgrade whose 101 carries {@code extraHeaders}, which make it fail for {@code reason}. */
    private static void failsOn101(String extraHeaders, Reason reason, String message) throws Exception {
        try (RawServer server = new RawServer(); TestClient client = new TestClient()) {
            TestServer.Connection ws = client.connect(server.uri());
            try (RawServer.Peer peer = server.accept()) {
                peer.readRequest();
                String answer = peer.switchingProtocols(extraHeaders);
                if (extraHeaders.startsWith("Sec-WebSocket-Accept")) {
                    answer = answer.replaceFirst("Sec-WebSocket-Accept: [^\r]*\r\n", "");
                }
                peer.answer(answer);
                UpgradeFailedException failed = TestClient.failedUpgrade(ws.channel());
                assertThat(failed.reason()).isEqualTo(reason);
                assertThat(failed.status()).isEqualTo(HttpResponseStatus.SWITCHING_PROTOCOLS);
                assertThat(failed).hasMessageContaining(message);
                assertThat(peer.readUntilClosed().frames()).isEmpty(); // not a frame, not even a close
                assertNeverAConnection(ws, failed);
            }
        }
    }

    /** The application got {@code failed} as an event, no report, and the report's future fails with it. */
    private static void assertNeverAConnection(TestServer.Connection ws, UpgradeFailedException failed) throws Exception {
        assertThat(ws.channel().closeFuture().await(TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS)).isTrue();
        ws.channel().eventLoop().submit(() -> { }).get(TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS);
        assertThat(ws.recorder().events()).contains(failed).doesNotContain(ClientHandshakeStateEvent.HANDSHAKE_COMPLETE);
        assertThat(ws.recorder().reports()).isEmpty();
        assertThat(ws.recorder().exceptions()).isEmpty();
        assertThatThrownBy(() -> ClosingHandshakeHandler.closeReport(ws.channel()).get(TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasCause(failed);
    }
}
