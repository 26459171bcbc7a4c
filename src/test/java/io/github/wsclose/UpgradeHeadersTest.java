package io.github.wsclose;

import static io.github.wsclose.TestBytes.ascii;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Upgrade requests with lists of thousands of extension offers or subprotocols, and with hundreds of extension
 * headers, on loopback sockets, against a server that speaks the subprotocol {@code chat}, with compression and
 * without. The HTTP codec bounds a request's head to 8 KiB, so a list fits about 2,700 entries at most: each is
 * looked at once, the upgrade completes with at most one extension and the subprotocol asked for, and the
 * connection is served. A longer list is answered 431 and the connection closed, before any of it is parsed.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6455#section-4.2.1">RFC 6455 §4.2.1</a>
 */
@Tag(TestTransport.TAG)
class UpgradeHeadersTest {

    /** What fits in the HTTP codec's 8 KiB head, beside the request line and the request's own headers. */
    private static final int LIST_BYTES = 7800;
    private static final String OFFER = "permessage-deflate; client_max_window_bits, ";

    @ParameterizedTest(name = "compression {0}")
    @ValueSource(booleans = {true, false})
    void thousandsOfExtensionOffersAndSubprotocolsWithinTheLimitUpgradeWithAtMostOneOfEach(boolean compression) throws Exception {
        try (TestServer server = chatServer(compression)) {
            InetSocketAddress address = (InetSocketAddress) server.address();
            String offers = OFFER.repeat(LIST_BYTES / OFFER.length()) + "permessage-deflate"; // 178 offers
            String unknown = "x, ".repeat(LIST_BYTES / 3) + "permessage-deflate"; // 2,600 unknown ones, then a good one
            String headerLines = ("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n").repeat(110);

            for (String request : new String[] {"Sec-WebSocket-Extensions: " + offers + "\r\n",
                    "Sec-WebSocket-Extensions: " + unknown + "\r\n", headerLines}) {
                try (RawClient client = RawClient.upgradeWithHeaders(address, TestServer.PATH, 0, request)) {
                    assertExtension(client, compression);
                    assertServed(client, server);
                }
            }

            String protocols = "x, ".repeat(LIST_BYTES / 3); // 2,600 subprotocols the server does not speak
            try (RawClient client = RawClient.upgradeWithHeaders(address, TestServer.PATH, 0,
                    "Sec-WebSocket-Protocol: " + protocols + "chat\r\n")) {
                assertThat(client.responseHeader("Sec-WebSocket-Protocol")).isEqualTo("chat");
                assertServed(client, server);
            }
            try (RawClient client = RawClient.upgradeWithHeaders(address, TestServer.PATH, 0,
                    "Sec-WebSocket-Protocol: " + protocols + "y\r\n")) {
                // none spoken: the upgrade goes on without one (RFC 6455 §4.2.2 leaves the choice to the server)
                assertThat(client.responseHeader("Sec-WebSocket-Protocol")).isNull();
                assertServed(client, server);
            }
            assertThat(server.rejected(UpgradeRejected.Reason.BAD_REQUEST)).isZero();
        }
    }

    @ParameterizedTest(name = "compression {0}")
    @ValueSource(booleans = {true, false})
    void listsOverTheLimitAreAnswered431AndClosed(boolean compression) throws Exception {
        try (TestServer server = chatServer(compression)) {
            InetSocketAddress address = (InetSocketAddress) server.address();
            String[] requests = {
                "Sec-WebSocket-Extensions: " + OFFER.repeat(1000) + "permessage-deflate\r\n", // 44 KB, 1,001 offers
                "Sec-WebSocket-Protocol: " + "x, ".repeat(20_000) + "chat\r\n", // 60 KB, 20,001 subprotocols
                "Sec-WebSocket-Extensions: permessage-deflate\r\n".repeat(2000), // 2,000 headers, 92 KB
            };
            for (String request : requests) {
                assertThatThrownBy(() -> RawClient.upgradeWithHeaders(address, TestServer.PATH, 0, request).close())
                        .isInstanceOf(ProtocolException.class)
                        .hasMessageStartingWith("upgrade refused: HTTP/1.1 431");
            }
            // each counted before its answer was written, so before the client read it
            assertThat(server.rejected(UpgradeRejected.Reason.BAD_REQUEST)).isEqualTo(requests.length);
            try (RawClient client = RawClient.upgrade(server.port())) {
                assertServed(client, server);
            }
        }
    }

    /** The test server on {@code /ws}, speaking the subprotocol {@code chat}, with the default options and compression if asked. */
    private static TestServer chatServer(boolean compression) {
        ServerOptions options = compression ? ServerOptions.DEFAULTS.withCompression(PerMessageDeflateConfig.DEFAULT) : ServerOptions.DEFAULTS;
        WebSocketServerProtocolConfig protocol = WebSocketServerProtocolConfig.newBuilder()
                .websocketPath(TestServer.PATH).subprotocols("chat").build();
        return TestServer.builder()
                .pipeline((pipeline, application) -> ServerPipeline.configure(pipeline, protocol, ClosingHandshakeConfig.server(),
                        options, application))
                .start();
    }

    private static void assertExtension(RawClient client, boolean compression) {
        if (compression) {
            assertThat(client.extensions()).as("one extension").startsWith("permessage-deflate").doesNotContain(",");
        } else {
            assertThat(client.extensions()).isNull();
        }
    }

    /** The connection upgraded on the server, answers a ping, and closes cleanly; control frames are never compressed. */
    private static void assertServed(RawClient client, TestServer server) throws Exception {
        TestServer.Connection connection = server.nextConnection();
        client.send(WireFrame.of(WireFrame.PING, ascii("served?")));
        assertThat(client.readFrame()).isEqualTo(WireFrame.of(WireFrame.PONG, ascii("served?")));
        client.send(WireFrame.close(1000));
        assertThat(client.readFrame()).isEqualTo(WireFrame.close(1000));
        assertThat(connection.report().clean()).isTrue();
    }
}
