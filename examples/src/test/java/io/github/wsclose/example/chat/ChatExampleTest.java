package io.github.wsclose.example.chat;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.wsclose.CloseReason;
import io.github.wsclose.CloseReport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * README.md's examples, {@link Initializer} and {@link OwnPipelineInitializer}, as they are, on a
 * loopback server with the JDK's WebSocket client, for both close directions: the client closes
 * first, and the client sends a fragmented "bye" that makes the server close first. A recorder
 * placed just before {@link ChatHandler} sees what reaches it: the peer's close frame as a
 * {@link CloseReason} in both directions, and one {@link CloseReport}.
 */
class ChatExampleTest {

    private static final long TIMEOUT_SECONDS = 5;

    static Stream<Arguments> initializers() {
        return Stream.of(
                Arguments.of("Initializer", (Consumer<SocketChannel>) ch -> new Initializer().initChannel(ch)),
                Arguments.of("OwnPipelineInitializer", (Consumer<SocketChannel>) ch -> new OwnPipelineInitializer().initChannel(ch)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("initializers")
    void fragmentedByeMakesTheServerCloseFirst(String name, Consumer<SocketChannel> initializer) throws Exception {
        try (ChatServer server = new ChatServer(initializer)) {
            Client client = new Client();
            WebSocket ws = client.open(server.uri());

            ws.sendText("b", false).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            ws.sendText("ye", true).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);

            assertThat(client.close.get(TIMEOUT_SECONDS, TimeUnit.SECONDS))
                    .isEqualTo(new CloseReason(CloseReason.Codes.NORMAL, "see you"));
            // the JDK client answers with the same code: that answer is the CloseReason the handler gets
            assertThat(server.nextPeerClose().code()).isEqualTo(CloseReason.Codes.NORMAL.code());
            CloseReport report = server.report();
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
        try (ChatServer server = new ChatServer(initializer)) {
            Client client = new Client();
            WebSocket ws = client.open(server.uri());

            ws.sendText("hello", true).get(TIMEOUT_SECONDS, TimeUnit.SECONDS); // not "bye": nothing happens
            ws.sendClose(1001, "tab closed").get(TIMEOUT_SECONDS, TimeUnit.SECONDS);

            CloseReason tabClosed = new CloseReason(CloseReason.Codes.GOING_AWAY, "tab closed");
            assertThat(server.nextPeerClose()).isEqualTo(tabClosed);
            // the server echoes the code (not the reason text, by default)
            assertThat(client.close.get(TIMEOUT_SECONDS, TimeUnit.SECONDS)).isEqualTo(new CloseReason(CloseReason.Codes.GOING_AWAY, ""));
            CloseReport report = server.report();
            assertThat(report.reason()).isEqualTo(tabClosed);
            assertThat(report.initiator()).isEqualTo(CloseReport.Initiator.REMOTE);
            assertThat(report.clean()).isTrue();
        }
    }

    /** A server on 127.0.0.1 whose connections are set up by {@code initializer}, with a recorder before {@link ChatHandler}. */
    private static final class ChatServer implements AutoCloseable {

        private final EventLoopGroup loops = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        private final BlockingQueue<CloseReason> peerCloses = new LinkedBlockingQueue<>();
        private final CompletableFuture<CloseReport> report = new CompletableFuture<>();
        private final Channel listener;

        ChatServer(Consumer<SocketChannel> initializer) {
            listener = new ServerBootstrap()
                    .group(loops)
                    .channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            initializer.accept(ch);
                            String chat = ch.pipeline().context(ChatHandler.class).name();
                            ch.pipeline().addBefore(chat, "recorder", new Recorder());
                        }
                    })
                    .bind("127.0.0.1", 0)
                    .syncUninterruptibly()
                    .channel();
        }

        URI uri() {
            return URI.create("ws://127.0.0.1:" + ((InetSocketAddress) listener.localAddress()).getPort() + "/ws");
        }

        CloseReason nextPeerClose() throws InterruptedException {
            CloseReason close = peerCloses.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            assertThat(close).as("the peer's close frame at ChatHandler within %d s", TIMEOUT_SECONDS).isNotNull();
            return close;
        }

        CloseReport report() throws Exception {
            return report.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }

        @Override
        public void close() {
            listener.close().syncUninterruptibly();
            loops.shutdownGracefully(0, TIMEOUT_SECONDS, TimeUnit.SECONDS).syncUninterruptibly();
        }

        /** Records what reaches {@link ChatHandler} and passes it on unchanged. */
        private final class Recorder extends ChannelInboundHandlerAdapter {

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof CloseReason close) {
                    peerCloses.add(close);
                }
                ctx.fireChannelRead(msg);
            }

            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                if (evt instanceof CloseReport closeReport) {
                    assertThat(report.complete(closeReport)).as("one report per connection").isTrue();
                }
                ctx.fireUserEventTriggered(evt);
            }
        }
    }

    /** The JDK's WebSocket client; it answers the server's close frame by itself (onClose returns null). */
    private static final class Client implements WebSocket.Listener {

        final CompletableFuture<CloseReason> close = new CompletableFuture<>();

        WebSocket open(URI uri) throws Exception {
            return HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(uri, this).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            close.complete(new CloseReason((short) statusCode, reason));
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            close.completeExceptionally(error);
        }
    }
}
