package io.github.wsclose;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.wsclose.CloseReport.Cause;
import io.github.wsclose.CloseReport.Initiator;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A {@link ClientPipeline} against this library's own server ({@link TestServer}) on loopback:
 * each end closes first, with 1000, 1001, 3000, 4999 and an empty close, with and without
 * permessage-deflate; both ends report one clean close with the same codes.
 */
@Tag(TestTransport.TAG)
class ClientLoopbackTest {

    private static final PerMessageDeflateConfig DEFLATE = PerMessageDeflateConfig.DEFAULT;

    static Stream<Arguments> closes() {
        return Stream.of(1000, 1001, 3000, 4999, 1005).flatMap(code -> Stream.of(Arguments.of(code, false), Arguments.of(code, true)));
    }

    @Test
    void echoesAndClosesWithTheDefaults() throws Exception {
        try (TestServer server = TestServer.start(); TestClient client = new TestClient()) {
            TestServer.Connection ws = client.connect(server.uri());
            TestClient.upgraded(ws.channel());
            TestServer.Connection peer = server.nextConnection();
            ws.channel().writeAndFlush(new TextWebSocketFrame("hello"));
            ws.channel().writeAndFlush(CloseReason.of(1000, "done"));

            CloseReport report = ws.report();
            assertThat(report.clean()).isTrue();
            assertThat(report.initiator()).isEqualTo(Initiator.LOCAL);
            assertThat(report.reason()).isEqualTo(CloseReason.of(1000, ""));
            assertThat(ws.recorder().texts()).containsExactly("hello");
            CloseReport served = peer.report();
            assertThat(served.clean()).isTrue();
            assertThat(served.received()).isEqualTo(CloseReason.of(1000, "done"));
        }
    }

    @ParameterizedTest(name = "{0}, compressed: {1}")
    @MethodSource("closes")
    void clientClosesFirst(int code, boolean compressed) throws Exception {
        CloseReason ours = reason(code, "client bye");
        try (TestServer server = server(compressed); TestClient client = new TestClient()) {
            TestServer.Connection ws = client.connect(server.uri(), ClosingHandshakeConfig.client(), options(compressed));
            assertThat(TestClient.upgraded(ws.channel()).headers().contains("Sec-WebSocket-Extensions")).isEqualTo(compressed);
            TestServer.Connection peer = server.nextConnection();
            ws.channel().writeAndFlush(new TextWebSocketFrame("x".repeat(1000)));
            ws.channel().writeAndFlush(ours);

            CloseReport report = ws.report();
            assertThat(report.clean()).isTrue();
            assertThat(report.initiator()).isEqualTo(Initiator.LOCAL);
            assertThat(report.cause()).isEqualTo(Cause.APPLICATION);
            assertThat(report.sent()).isEqualTo(ours);
            assertThat(report.received()).isEqualTo(reason(code, ""));
            assertThat(ws.recorder().texts()).containsExactly("x".repeat(1000));
            CloseReport served = peer.report();
            assertThat(served.clean()).isTrue();
            assertThat(served.initiator()).isEqualTo(Initiator.REMOTE);
            assertThat(served.received()).isEqualTo(ours);
        }
    }

    @ParameterizedTest(name = "{0}, compressed: {1}")
    @MethodSource("closes")
    void serverClosesFirst(int code, boolean compressed) throws Exception {
        try (TestServer server = server(compressed); TestClient client = new TestClient()) {
            TestServer.Connection ws = client.connect(server.uri(), ClosingHandshakeConfig.client(), options(compressed));
            TestClient.upgraded(ws.channel());
            TestServer.Connection peer = server.nextConnection();
            ws.channel().writeAndFlush(new TextWebSocketFrame(TestServer.closeCommand(code, code == 1005 ? "" : "server bye")));

            CloseReport report = ws.report();
            assertThat(report.clean()).isTrue();
            assertThat(report.initiator()).isEqualTo(Initiator.REMOTE);
            assertThat(report.cause()).isEqualTo(Cause.PEER);
            assertThat(report.received()).isEqualTo(reason(code, "server bye"));
            assertThat(report.sent()).isEqualTo(reason(code, "")); // the code echoed, one close frame (§5.5.1)
            assertThat(ws.recorder().reasons()).containsExactly(reason(code, "server bye"));
            CloseReport served = peer.report();
            assertThat(served.clean()).isTrue();
            assertThat(served.initiator()).isEqualTo(Initiator.LOCAL);
            assertThat(served.received()).isEqualTo(reason(code, ""));
        }
    }

    private static CloseReason reason(int code, String message) {
        return code == 1005 ? CloseReason.Codes.NO_STATUS_RECEIVED.withoutMessage : CloseReason.of(code, message);
    }

    private static TestServer server(boolean compressed) {
        return compressed ? TestServer.builder().options(ServerOptions.DEFAULTS.withCompression(DEFLATE)).start() : TestServer.start();
    }

    private static ClientOptions options(boolean compressed) {
        return compressed ? ClientOptions.DEFAULTS.withCompression(DEFLATE) : ClientOptions.DEFAULTS;
    }
}
