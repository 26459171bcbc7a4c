package io.github.wsclose.example;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.wsclose.CloseReason;
import io.github.wsclose.JdkClientListener;
import io.github.wsclose.TestServer;
import io.github.wsclose.TestTransport;
import io.netty.channel.Channel;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The example server's {@code /ws} with the JDK's WebSocket client: a message that reads like
 * the playground's command is echoed unchanged on a connection that did not ask for the
 * subprotocol {@value EchoHandler#PLAYGROUND}, and closes one that did.
 */
@Tag(TestTransport.TAG)
class EchoEndpointTest {

    private static final long TIMEOUT_SECONDS = TestServer.TIMEOUT_SECONDS;

    private final HttpClient http = HttpClient.newHttpClient();
    private ExampleServer server;
    private Channel listening;
    private URI uri;

    @BeforeEach
    void start() throws InterruptedException {
        server = new ExampleServer(ExampleOptions.parse("--port", "0", "--transport", TestTransport.flag()), new PrintStream(OutputStream.nullOutputStream()));
        listening = server.bind();
        uri = URI.create("ws://127.0.0.1:" + ((InetSocketAddress) listening.localAddress()).getPort() + ExampleServer.WEBSOCKET_PATH);
    }

    @AfterEach
    void stop() {
        server.shutDown(listening);
    }

    @Test
    void withoutTheSubprotocolTheCommandIsAnEcho() throws Exception {
        JdkClientListener client = new JdkClientListener();
        WebSocket ws = client.open(http, uri).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        assertThat(ws.getSubprotocol()).isEmpty();

        ws.sendText("close 1000 x", true).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        assertThat(client.awaitMessage()).isEqualTo("close 1000 x");

        ws.sendClose(4000, "done").get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        assertThat(client.awaitClose()).as("the server answers the client's close").isEqualTo(CloseReason.of(4000, "done"));
    }

    @Test
    void withTheSubprotocolTheCommandCloses() throws Exception {
        JdkClientListener client = new JdkClientListener();
        WebSocket ws = client.open(http, uri, EchoHandler.PLAYGROUND).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        assertThat(ws.getSubprotocol()).isEqualTo(EchoHandler.PLAYGROUND);

        ws.sendText("hello", true).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        assertThat(client.awaitMessage()).isEqualTo("hello");
        ws.sendText("close 1000 x", true).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);

        assertThat(client.awaitClose()).as("the server's close frame").isEqualTo(CloseReason.of(1000, "x"));
    }
}
