package io.github.wsclose.example.chat;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.wsclose.CloseReason;
import io.github.wsclose.CloseReport;
import io.github.wsclose.GracefulDrain;
import io.github.wsclose.JdkClientListener;
import io.github.wsclose.TestServer;
import io.github.wsclose.TestTransport;
import io.netty.channel.ChannelHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * README.md's examples, {@link Initializer} and {@link OwnPipelineInitializer}, as they are, on
 * the tests' one loopback server with the JDK's WebSocket client, for both close directions: the
 * client closes first, and the client sends a fragmented "bye" that makes the server close first.
 * The server's recorder, placed just before {@link ChatHandler}, sees what reaches it: the peer's
 * close frame as a {@link CloseReason} in both directions, and exactly one {@link CloseReport}; and
 * a drain, whose notice the handler answers with a last message before the close frame.
 */
@Tag(TestTransport.TAG)
class ChatExampleTest {

    private static final long TIMEOUT_SECONDS = TestServer.TIMEOUT_SECONDS;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    static Stream<Arguments> initializers() {
        return Stream.of(
                Arguments.of("Initializer", (Consumer<SocketChannel>) ch -> new Initializer().initChannel(ch)),
                Arguments.of("OwnPipelineInitializer", (Consumer<SocketChannel>) ch -> new OwnPipelineInitializer().initChannel(ch)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("initializers")
    void fragmentedByeMakesTheServerCloseFirst(String name, Consumer<SocketChannel> initializer) throws Exception {
        try (TestServer server = start(initializer)) {
            JdkClientListener client = new JdkClientListener();
            WebSocket ws = client.open(HTTP, server.uri()).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            TestServer.Connection connection = server.nextConnection();

            ws.sendText("b", false).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            ws.sendText("ye", true).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);

            assertThat(client.awaitClose()).isEqualTo(new CloseReason(CloseReason.Codes.NORMAL, "see you"));
            CloseReport report = connection.report();
            // the JDK client answers with the same code: that answer is the CloseReason the handler gets
            assertThat(connection.recorder().reasons()).singleElement()
                    .extracting(CloseReason::code).isEqualTo(CloseReason.Codes.NORMAL.code());
            // the connection's close code is the one received (RFC 6455 §7.1.5): the client's answer
            assertThat(report.reason().code()).isEqualTo(CloseReason.Codes.NORMAL.code());
            assertThat(report.sent()).isEqualTo(new CloseReason(CloseReason.Codes.NORMAL, "see you"));
            assertThat(report.initiator()).isEqualTo(CloseReport.Initiator.LOCAL);
            assertThat(report.clean()).isTrue();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("initializers")
    void clientClosesFirst(String name, Consumer<SocketChannel> initializer) throws Exception {
        try (TestServer server = start(initializer)) {
            JdkClientListener client = new JdkClientListener();
            WebSocket ws = client.open(HTTP, server.uri()).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            TestServer.Connection connection = server.nextConnection();

            ws.sendText("hello", true).get(TIMEOUT_SECONDS, TimeUnit.SECONDS); // not "bye": nothing happens
            ws.sendClose(1001, "tab closed").get(TIMEOUT_SECONDS, TimeUnit.SECONDS);

            CloseReason tabClosed = new CloseReason(CloseReason.Codes.GOING_AWAY, "tab closed");
            // the server echoes the code (not the reason text, by default)
            assertThat(client.awaitClose()).isEqualTo(new CloseReason(CloseReason.Codes.GOING_AWAY, ""));
            CloseReport report = connection.report();
            assertThat(connection.recorder().reasons()).containsExactly(tabClosed);
            assertThat(report.reason()).isEqualTo(tabClosed);
            assertThat(report.initiator()).isEqualTo(CloseReport.Initiator.REMOTE);
            assertThat(report.clean()).isTrue();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("initializers")
    void aDrainNoticeSendsALastMessageBeforeTheCloseFrame(String name, Consumer<SocketChannel> initializer) throws Exception {
        try (TestServer server = start(initializer)) {
            JdkClientListener client = new JdkClientListener();
            client.open(HTTP, server.uri()).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
            channels.add(server.nextConnection().channel());
            CloseReason restart = new CloseReason(CloseReason.Codes.SERVICE_RESTART, "deploy");

            GracefulDrain.Result result = GracefulDrain.drain(channels, restart, Duration.ofSeconds(TIMEOUT_SECONDS))
                    .get(2 * TIMEOUT_SECONDS, TimeUnit.SECONDS);

            assertThat(client.awaitMessage()).isEqualTo("server leaving (deploy), reconnect");
            assertThat(client.awaitClose()).isEqualTo(restart); // after the last message, not before
            assertThat(result.clean()).isEqualTo(1);
        }
    }

    /** The test server with each connection set up by {@code initializer}, its recorder just before {@link ChatHandler}. */
    private static TestServer start(Consumer<SocketChannel> initializer) {
        return TestServer.builder().echo(false).pipeline((pipeline, recording) -> {
            initializer.accept((SocketChannel) pipeline.channel());
            String chat = pipeline.context(ChatHandler.class).name();
            for (ChannelHandler handler : recording) {
                pipeline.addBefore(chat, null, handler);
            }
        }).start();
    }
}
