package io.github.wsclose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.wsclose.CloseReport.Cause;
import io.github.wsclose.UpgradeFailedException.Reason;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler.ClientHandshakeStateEvent;
import io.netty.util.concurrent.Future;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link ClientPipeline} on an {@link EmbeddedChannel}, in virtual time: the handlers it builds and
 * their names, the checks of its arguments and of {@link ClientOptions}, the upgrade request, a 101
 * with frames right behind it, masking, the upgrade timeout, and the client's wait for the server
 * to close TCP after the closing handshake, bounded by the close timeout.
 */
class ClientPipelineTest {

    private static final URI URI_WS = URI.create("ws://example.com:8080/chat?room=1");
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(3);

    @Test
    void buildsItsHandlersUnderTheirNames() {
        EmbeddedChannel plain = new EmbeddedChannel();
        ClientPipeline.configure(plain.pipeline(), URI_WS, ClosingHandshakeConfig.client(), ClientOptions.DEFAULTS, new Recorder(true));
        assertThat(names(plain)).containsExactly(ClientPipeline.HTTP_CODEC, ClientPipeline.UPGRADE,
                ClientPipeline.MESSAGE_AGGREGATOR, ClientPipeline.CLOSING_HANDSHAKE, "Recorder#0", ClientPipeline.UNHANDLED_EXCEPTIONS);
        plain.finishAndReleaseAll();

        EmbeddedChannel compressed = new EmbeddedChannel();
        ClientPipeline.configure(compressed.pipeline(), URI.create("wss://example.com/"), ClosingHandshakeConfig.client(),
                ClientOptions.DEFAULTS.withCompression(PerMessageDeflateConfig.DEFAULT));
        assertThat(names(compressed)).containsExactly(ClientPipeline.TLS, ClientPipeline.HTTP_CODEC, ClientPipeline.COMPRESSION,
                ClientPipeline.RESERVED_BITS, ClientPipeline.UPGRADE,
                ClientPipeline.MESSAGE_AGGREGATOR, ClientPipeline.CLOSING_HANDSHAKE, ClientPipeline.UNHANDLED_EXCEPTIONS);
        compressed.finishAndReleaseAll();
    }

    @Test
    void refusesWhatIsNotAClient() {
        EmbeddedChannel ch = new EmbeddedChannel();
        assertThatThrownBy(() -> ClientPipeline.configure(ch.pipeline(), URI_WS, ClosingHandshakeConfig.server(), ClientOptions.DEFAULTS))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("a client pipeline needs a client configuration, got SERVER");
        assertThatThrownBy(() -> ClientPipeline.configure(ch.pipeline(), URI.create("http://example.com/"),
                ClosingHandshakeConfig.client(), ClientOptions.DEFAULTS))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("not a ws:// or wss:// URI: http://example.com/");
        assertThatThrownBy(() -> ClientPipeline.configure(ch.pipeline(), URI.create("ws:/relative"),
                ClosingHandshakeConfig.client(), ClientOptions.DEFAULTS))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("no host in ws:/relative");
        assertThat(names(ch)).isEmpty();
        assertThat(ClientPipeline.port(URI.create("wss://example.com/"))).isEqualTo(443);
        assertThat(ClientPipeline.port(URI.create("ws://example.com/"))).isEqualTo(80);
        assertThat(ClientPipeline.port(URI_WS)).isEqualTo(8080);
        ch.finishAndReleaseAll();
    }

    @Test
    void optionsAreCheckedAndCopied() {
        assertThatThrownBy(() -> ClientOptions.DEFAULTS.withMaxFrameBytes(ServerOptions.DEFAULT_MAX_BYTES + 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxFrameBytes larger than maxMessageBytes: 65537 (expected: <= 65536)");
        assertThatThrownBy(() -> ClientOptions.DEFAULTS.withSubprotocols("chat", "two words"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("subprotocol is not an HTTP token: \"two words\"");
        assertThatThrownBy(() -> ClientOptions.DEFAULTS.withPongTimeout(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
        HttpHeaders headers = new DefaultHttpHeaders().add("Cookie", "a=1");
        ClientOptions options = ClientOptions.DEFAULTS.withHeaders(headers);
        headers.set("Cookie", "changed");
        assertThat(options.headers().get("Cookie")).isEqualTo("a=1");
        assertThatThrownBy(() -> options.headers().add("X", "y")).isInstanceOf(UnsupportedOperationException.class);
        assertThat(ClientOptions.DEFAULTS.protection()).isEqualTo(ServerProtection.defaults());
    }

    @Test
    void sendsTheUpgradeRequestOnceThePipelineIsBuilt() throws IOException {
        EmbeddedChannel ch = client(ClientOptions.DEFAULTS.withSubprotocols("v1").withCompression(PerMessageDeflateConfig.DEFAULT));
        String request = request(ch);
        assertThat(request).startsWith("GET /chat?room=1 HTTP/1.1\r\n");
        assertThat(header(request, "host")).isEqualTo("example.com:8080");
        assertThat(header(request, "upgrade")).isEqualTo("websocket");
        assertThat(header(request, "sec-websocket-version")).isEqualTo("13");
        assertThat(header(request, "sec-websocket-protocol")).isEqualTo("v1");
        assertThat(header(request, "sec-websocket-extensions")).isEqualTo("permessage-deflate;client_max_window_bits");
        assertThat(recorder(ch).events()).containsExactly(ClientHandshakeStateEvent.HANDSHAKE_ISSUED);
        ch.finishAndReleaseAll();
    }

    @Test
    void framesWrittenBeforeThe101FailAndNothingGoesOut() {
        EmbeddedChannel ch = client(ClientOptions.DEFAULTS);
        request(ch);
        // a client MUST NOT send data before the server's answer (RFC 6455 §4.1)
        assertThat(ch.writeOneOutbound(new TextWebSocketFrame("too early")).cause())
                .isInstanceOf(IllegalStateException.class).hasMessage("cannot write TextWebSocketFrame: the WebSocket upgrade has not completed");
        assertThat(ch.writeOneOutbound(CloseReason.of(1000, "")).cause()).isInstanceOf(IllegalStateException.class);
        ch.flushOutbound();
        assertThat((Object) ch.readOutbound()).isNull();
        assertThat(ch.isOpen()).isTrue();
        ch.finishAndReleaseAll();
    }

    @Test
    void a101WithAFrameBehindItOpensTheConnectionAndTheFrameIsRead() throws IOException {
        EmbeddedChannel ch = client(ClientOptions.DEFAULTS);
        String request = request(ch);
        ch.writeInbound(Unpooled.wrappedBuffer(TestBytes.concat(switchingProtocols(request), WireFrame.text("first").unmasked())));
        ch.runPendingTasks();

        Future<HttpResponse> upgrade = ClientPipeline.upgrade(ch);
        assertThat(upgrade.isSuccess()).isTrue();
        assertThat(upgrade.getNow().status().code()).isEqualTo(101);
        assertThat(recorder(ch).events()).containsExactly(ClientHandshakeStateEvent.HANDSHAKE_ISSUED, ClientHandshakeStateEvent.HANDSHAKE_COMPLETE);
        TextWebSocketFrame first = ch.readInbound();
        assertThat(first.text()).isEqualTo("first");
        first.release();
        assertThat(names(ch)).containsExactly("ws-decoder", "ws-encoder", ClientPipeline.CONNECTION_GUARD,
                ClientPipeline.MESSAGE_AGGREGATOR, ClientPipeline.CLOSING_HANDSHAKE, "Recorder#0", ClientPipeline.UNHANDLED_EXCEPTIONS);

        ch.writeOutbound(new TextWebSocketFrame("hi"));
        ByteBuf wire = ch.readOutbound();
        assertThat(wire.getByte(1) & 0x80).as("the mask bit (§5.3)").isEqualTo(0x80);
        wire.release();
        ch.finishAndReleaseAll();
    }

    @Test
    void afterTheClosingHandshakeTheClientWaitsForTheServerThenClosesTcpAtTheCloseTimeout() throws Exception {
        EmbeddedChannel ch = upgraded();
        CompletableFuture<CloseReport> report = ClosingHandshakeHandler.closeReport(ch);
        ch.writeInbound(Unpooled.wrappedBuffer(WireFrame.close(1000, "bye").unmasked()));
        ByteBuf answer = ch.readOutbound();
        assertThat(WireFrame.readClientFrame(new ByteArrayInputStream(TestBytes.bytes(answer)), 0, 125)).isEqualTo(WireFrame.close(1000));
        answer.release();

        ch.advanceTimeBy(CLOSE_TIMEOUT.toMillis() - 1, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).as("TCP is the server's to close first (§7.1.1): %s", report.getNow(null)).isTrue();
        ch.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).isFalse();
        assertThat(report.getNow(null).clean()).isTrue();
        assertThat(report.getNow(null).cause()).isEqualTo(Cause.PEER);
        ch.finishAndReleaseAll();
    }

    @Test
    void noAnswerWithinTheUpgradeTimeoutFailsTheUpgradeAndCloses() throws IOException {
        EmbeddedChannel ch = client(ClientOptions.DEFAULTS.withUpgradeTimeout(Duration.ofSeconds(2)));
        Recorder recorder = recorder(ch);
        request(ch);
        ch.advanceTimeBy(1999, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ClientPipeline.upgrade(ch).isDone()).isFalse();
        ch.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();

        UpgradeFailedException failed = (UpgradeFailedException) ClientPipeline.upgrade(ch).cause();
        assertThat(failed.reason()).isEqualTo(Reason.TIMEOUT);
        assertThat(failed).hasMessage("upgrade not answered within 2000 ms");
        assertThat(ch.isOpen()).isFalse();
        assertThat(recorder.events()).contains(failed);
        assertThat(recorder.reports()).isEmpty();
        ch.finishAndReleaseAll();
    }

    /** A client channel to {@link #URI_WS}, with a recorder as its application. */
    private static EmbeddedChannel client(ClientOptions options) {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.freezeTime(); // virtual time only: advanceTimeBy moves it
        ClientPipeline.configure(ch.pipeline(), URI_WS, ClosingHandshakeConfig.client().withCloseTimeout(CLOSE_TIMEOUT), options,
                new Recorder(true));
        ch.runPendingTasks();
        return ch;
    }

    /** A client channel whose upgrade is done. */
    private static EmbeddedChannel upgraded() throws IOException {
        EmbeddedChannel ch = client(ClientOptions.DEFAULTS);
        ch.writeInbound(Unpooled.wrappedBuffer(switchingProtocols(request(ch))));
        ch.runPendingTasks();
        assertThat(ClientPipeline.upgrade(ch).isSuccess()).isTrue();
        return ch;
    }

    /** Reads the upgrade request the client wrote. */
    private static String request(EmbeddedChannel ch) {
        StringBuilder request = new StringBuilder();
        for (ByteBuf written; (written = ch.readOutbound()) != null; ) {
            request.append(written.toString(StandardCharsets.US_ASCII));
            written.release();
        }
        return request.toString();
    }

    private static String header(String request, String name) {
        for (String line : request.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith(name + ":")) {
                return line.substring(name.length() + 1).trim();
            }
        }
        return null;
    }

    private static byte[] switchingProtocols(String request) {
        return ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "
                + RawClient.acceptFor(header(request, "sec-websocket-key")) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    private static Recorder recorder(EmbeddedChannel ch) {
        return ch.pipeline().get(Recorder.class);
    }

    private static List<String> names(EmbeddedChannel ch) {
        List<String> names = new ArrayList<>(ch.pipeline().names());
        names.remove(names.size() - 1); // the pipeline's tail
        return names;
    }
}
