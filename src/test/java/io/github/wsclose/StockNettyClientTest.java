package io.github.wsclose;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.wsclose.CloseReport.Cause;
import io.github.wsclose.CloseReport.Initiator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler.ClientHandshakeStateEvent;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What stock Netty 4.2.18's WebSocket client ({@link WebSocketClientProtocolHandler}) does on each
 * path of the closing handshake, measured on loopback; docs/client.md quotes it. Each test asserts
 * the behaviour as it is, faults included, so that it documents them and fails if Netty changes.
 *
 * <p>Two servers, both a {@link TestServer} with a {@link TcpCloseWatch} in front: this library's
 * {@link ServerPipeline} (it answers, closes TCP first and reports what it got), and a silent one
 * (Netty's server handler with {@code handleCloseFrames(false)}): it records every close frame the
 * client sends, never answers one, and never closes TCP by itself, so that what the client does
 * on its own shows. The clients: Netty's defaults ({@code handleCloseFrames} true,
 * {@code sendCloseFrame} 1000 "Bye", {@code forceCloseTimeoutMillis} -1), and
 * {@code handleCloseFrames(false)} with an application that closes the channel when the server's
 * close frame arrives, as Netty's own example client ({@code WebSocketClientHandler}) does.
 *
 * <p>Numbers: each test prints one line {@code stock: PATH ...} with the times measured.
 */
class StockNettyClientTest {

    /** Longer than this library's default close timeout (5 s): a stock client still open after it waits for ever. */
    private static final Duration LONGER_THAN_OUR_TIMEOUT = ClosingHandshakeConfig.DEFAULT_CLOSE_TIMEOUT.plusSeconds(1);

    /** The stock client's force-close timeouts tried: its default, off, and one second. */
    private static final long[] FORCE_CLOSE_TIMEOUTS = {-1, 1000};

    /** This library's client's close timeout on the silent server's paths. */
    private static final Duration OUR_TIMEOUT = Duration.ofSeconds(1);

    private static EventLoopGroup clientLoops;

    @BeforeAll
    static void startLoops() {
        clientLoops = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    @AfterAll
    static void stopLoops() {
        clientLoops.shutdownGracefully(0, TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void itsDefaultsAnswerNothingSendByeOnCloseAndNeverTimeOut() {
        WebSocketClientProtocolConfig defaults = WebSocketClientProtocolConfig.newBuilder()
                .webSocketUri("ws://127.0.0.1/ws").build();

        assertThat(defaults.handleCloseFrames()).isTrue();
        assertThat(defaults.sendCloseFrame()).isEqualTo(WebSocketCloseStatus.NORMAL_CLOSURE);
        assertThat(WebSocketCloseStatus.NORMAL_CLOSURE.reasonText()).isEqualTo("Bye");
        assertThat(defaults.forceCloseTimeoutMillis()).isEqualTo(-1);
    }

    /** Defaults, the server closes first: no answer, TCP closed by the client at once (§5.5.1, §7.1.1). */
    @Test
    void serverClosesFirstDefaultsCloseTcpWithoutAnswering() throws Exception {
        try (TestServer server = silentServer()) {
            StockClient client = StockClient.connect(clientLoops, (InetSocketAddress) server.address(), defaults(server));
            TestServer.Connection connection = server.nextConnection();
            ServerFrames frames = ServerFrames.of(connection);

            long sent = System.nanoTime();
            connection.channel().writeAndFlush(new CloseWebSocketFrame(1001, "going"));

            assertThat(TcpCloseWatch.of(connection.channel()).closedHereFirst()).as("server closed TCP first").isFalse();
            assertThat(TcpCloseWatch.of(client.channel).closedHereFirst()).as("client closed TCP first").isTrue();
            assertThat(frames.closes()).as("close frames from the client").isEmpty();
            assertThat(client.closeFrames).as("close frames the application saw").isEmpty();
            client.inactive.get(TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS);
            assertThat(client.events).as("what the application learns").containsExactly(ClientHandshakeStateEvent.HANDSHAKE_ISSUED,
                    ClientHandshakeStateEvent.HANDSHAKE_COMPLETE, StockClient.INACTIVE);
            print("defaults, server closes first", "client closed TCP "
                    + TcpCloseWatch.of(connection.channel()).tcpClosedAfter(sent).toNanos() / 1000 + " us after the server's close frame, without a close frame");
        }
    }

    /** Same against this library's server: what a server sees of it, in its report. */
    @Test
    void serverClosesFirstDefaultsLeaveOurServerWith1006() throws Exception {
        try (TestServer server = ourServer()) {
            StockClient client = StockClient.connect(clientLoops, (InetSocketAddress) server.address(), defaults(server));
            TestServer.Connection connection = server.nextConnection();

            client.channel.writeAndFlush(new TextWebSocketFrame(TestServer.closeCommand(1001, "going")));
            CloseReport report = connection.report();

            assertThat(report.received()).isNull();
            assertThat(report.reason()).isEqualTo(CloseReason.Codes.CLOSED_ABNORMALLY.withoutMessage);
            assertThat(report.sent()).isEqualTo(CloseReason.of(1001, "going"));
            assertThat(report.initiator()).isEqualTo(Initiator.LOCAL);
            assertThat(report.cause()).isEqualTo(Cause.TRANSPORT);
            assertThat(report.clean()).isFalse();
            assertThat(TcpCloseWatch.of(client.channel).closedHereFirst()).isTrue();
            assertThat(client.closeFrames).isEmpty();
            print("defaults, server closes first, our server", "server's report " + report);
        }
    }

    /** Defaults, {@code channel.close()}: 1000 "Bye", then TCP closed as soon as it is written, without waiting. */
    @Test
    void channelCloseSendsByeAndClosesTcpWithoutWaiting() throws Exception {
        for (StockClient.Style style : StockClient.Style.values()) {
            try (TestServer server = silentServer()) {
                StockClient client = style.connect(clientLoops, server);
                TestServer.Connection connection = server.nextConnection();
                ServerFrames frames = ServerFrames.of(connection);

                long closing = System.nanoTime();
                client.channel.close();

                assertThat(TcpCloseWatch.of(client.channel).closedHereFirst()).as("client closed TCP first").isTrue();
                assertThat(TcpCloseWatch.of(connection.channel()).closedHereFirst()).as("server closed TCP first").isFalse();
                assertThat(frames.closes()).containsExactly(CloseReason.of(1000, "Bye"));
                print(style + ", channel.close()", "sent 1000 Bye and closed TCP "
                        + TcpCloseWatch.of(client.channel).tcpClosedAfter(closing).toNanos() / 1000 + " us after close(), no answer came");
            }
        }
    }

    /**
     * Defaults, the application writes its own close frame and waits: nothing times out when the
     * server does not answer ({@code forceCloseTimeoutMillis} -1 and, when set, it times only the
     * client's own write).
     */
    @Test
    void ownCloseFrameWaitsForEverForASilentServer() throws Exception {
        try (TestServer server = silentServer()) {
            List<StockClient> clients = new ArrayList<>();
            List<ServerFrames> frames = new ArrayList<>();
            for (long forceCloseTimeoutMillis : FORCE_CLOSE_TIMEOUTS) {
                clients.add(StockClient.connect(clientLoops, (InetSocketAddress) server.address(), defaults(server).toBuilder().forceCloseTimeoutMillis(forceCloseTimeoutMillis).build()));
                frames.add(ServerFrames.of(server.nextConnection()));
            }
            clients.add(StockClient.Style.APPLICATION_CLOSES.connect(clientLoops, server));
            frames.add(ServerFrames.of(server.nextConnection()));
            for (StockClient client : clients) {
                assertThat(client.channel.writeAndFlush(new CloseWebSocketFrame(4000, "done")).await(TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS))
                        .isTrue();
            }
            clients.get(0).channel.closeFuture().await(LONGER_THAN_OUR_TIMEOUT.toMillis()); // both have waited this long after it

            for (int i = 0; i < clients.size(); i++) {
                String client = i < FORCE_CLOSE_TIMEOUTS.length ? "defaults, forceCloseTimeoutMillis " + FORCE_CLOSE_TIMEOUTS[i]
                        : StockClient.Style.APPLICATION_CLOSES.toString();
                assertThat(clients.get(i).channel.isOpen()).as("%s: open after %s", client, LONGER_THAN_OUR_TIMEOUT).isTrue();
                assertThat(frames.get(i).firstClose()).isEqualTo(CloseReason.of(4000, "done"));
                print(client + ", own close frame, silent server", "still open after " + LONGER_THAN_OUR_TIMEOUT.toMillis() + " ms");
                clients.get(i).channel.close().syncUninterruptibly();
            }
        }
    }

    /**
     * Defaults, the server closes first with 4000: what Jetty 12 reports of it. It waits for the
     * answer, gets none, and reports {@code 1006 Session Closed}. (Closing with 1001 instead, Jetty
     * reports its own 1001 whether an answer came or not.)
     */
    @Test
    void serverClosesFirstDefaultsLeaveJettyWith1006() throws Exception {
        try (PeerServer jetty = PeerServer.start(PeerServer.Kind.JETTY)) {
            StockClient client = StockClient.connect(clientLoops, new InetSocketAddress("127.0.0.1", jetty.uri().getPort()),
                    WebSocketClientProtocolConfig.newBuilder().webSocketUri(jetty.uri()).build(), stock -> { });
            client.channel.writeAndFlush(new TextWebSocketFrame(TestServer.closeCommand(4000, "going")));

            PeerServer.Closed saw = jetty.nextClose();

            assertThat(TcpCloseWatch.of(client.channel).closedHereFirst()).isTrue();
            print("defaults, server closes first, Jetty", "Jetty reported " + saw);
            assertThat(saw.code()).isEqualTo(CloseReason.Codes.CLOSED_ABNORMALLY.unsignedCode());
            assertThat(saw.clean()).isFalse();
            assertThat(client.closeFrames).isEmpty();
        }
    }

    /**
     * Defaults, the application writes its own close frame and our server answers: the answer
     * closes TCP at once and never reaches the application.
     */
    @Test
    void ownCloseFrameAnswerClosesTcpAndIsNotPassedOn() throws Exception {
        for (StockClient.Style style : StockClient.Style.values()) {
            try (TestServer server = ourServer()) {
                StockClient client = style.connect(clientLoops, server);
                TestServer.Connection connection = server.nextConnection();

                long closing = System.nanoTime();
                client.channel.writeAndFlush(new CloseWebSocketFrame(4000, "done"));
                CloseReport report = connection.report();

                assertThat(report.received()).isEqualTo(CloseReason.of(4000, "done"));
                assertThat(report.sent()).isEqualTo(CloseReason.withoutMessage(4000));
                assertThat(report.clean()).isTrue();
                assertThat(TcpCloseWatch.of(client.channel).closedHereFirst()).as("client closed TCP on the answer").isTrue();
                client.inactive.get(TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS);
                assertThat(client.closeFrames).as("close frames the application saw")
                        .isEqualTo(style == StockClient.Style.DEFAULTS ? List.of() : List.of(CloseReason.withoutMessage(4000)));
                print(style + ", own close frame, our server", "TCP closed "
                        + TcpCloseWatch.of(client.channel).tcpClosedAfter(closing).toNanos() / 1000 + " us after the write, on the answer; "
                        + "the application saw " + client.closeFrames + "; server's report " + report);
            }
        }
    }

    /**
     * {@code handleCloseFrames(false)} and an application that closes on the server's close frame,
     * as Netty's example client does: it answers {@code 1000 Bye}, not the server's code, and
     * closes TCP before the server.
     */
    @Test
    void exampleStyleApplicationAnswersByeAndClosesTcpFirst() throws Exception {
        try (TestServer server = silentServer()) {
            StockClient client = StockClient.Style.APPLICATION_CLOSES.connect(clientLoops, server);
            TestServer.Connection connection = server.nextConnection();
            ServerFrames frames = ServerFrames.of(connection);

            long sent = System.nanoTime();
            connection.channel().writeAndFlush(new CloseWebSocketFrame(1001, "going"));

            assertThat(TcpCloseWatch.of(client.channel).closedHereFirst()).as("client closed TCP first").isTrue();
            assertThat(frames.closes()).containsExactly(CloseReason.of(1000, "Bye"));
            assertThat(client.closeFrames).containsExactly(CloseReason.of(1001, "going"));
            print("handleCloseFrames(false), application closes, server closes first", "answered 1000 Bye to 1001, closed TCP "
                    + TcpCloseWatch.of(connection.channel()).tcpClosedAfter(sent).toNanos() / 1000 + " us after the server's close frame");
        }
    }

    /**
     * This library's client on the silent server's paths, with a close timeout of 1 s (5 s by
     * default): one close frame (the server's code echoed, or 1001 on {@code channel.close()}),
     * then it waits for the server to close TCP and closes it itself at the timeout.
     */
    @Test
    void oursOnTheSamePathsAnswersWaitsAndTimesOut() throws Exception {
        ClosingHandshakeConfig config = ClosingHandshakeConfig.client().withCloseTimeout(OUR_TIMEOUT);
        try (TestServer server = silentServer(); TestClient client = new TestClient()) {
            // the server closes first
            TestServer.Connection ws = ourClient(client, server, config);
            TestServer.Connection connection = server.nextConnection();
            ServerFrames frames = ServerFrames.of(connection);
            long sent = System.nanoTime();
            connection.channel().writeAndFlush(new CloseWebSocketFrame(1001, "going"));

            CloseReport report = ws.report();
            assertThat(TcpCloseWatch.of(ws.channel()).closedHereFirst()).as("client closed TCP first, at its timeout").isTrue();
            assertThat(frames.closes()).containsExactly(CloseReason.withoutMessage(1001));
            assertThat(ws.recorder().reasons()).containsExactly(CloseReason.of(1001, "going"));
            assertThat(report.received()).isEqualTo(CloseReason.of(1001, "going"));
            assertThat(report.sent()).isEqualTo(CloseReason.withoutMessage(1001));
            assertThat(report.initiator()).isEqualTo(Initiator.REMOTE);
            assertThat(report.cause()).isEqualTo(Cause.PEER);
            assertThat(report.clean()).as("clean: both close frames crossed").isTrue();
            assertThat(TcpCloseWatch.of(ws.channel()).tcpClosedAfter(sent)).isGreaterThanOrEqualTo(OUR_TIMEOUT);
            print("ours, server closes first, silent server", "answered 1001, closed TCP at its timeout, "
                    + TcpCloseWatch.of(ws.channel()).tcpClosedAfter(sent).toMillis() + " ms after the server's close frame; report " + report);

            // channel.close()
            ws = ourClient(client, server, config);
            connection = server.nextConnection();
            frames = ServerFrames.of(connection);
            long closing = System.nanoTime();
            ws.channel().close();

            report = ws.report();
            assertThat(frames.closes()).containsExactly(CloseReason.withoutMessage(1001));
            assertThat(report.sent()).isEqualTo(CloseReason.withoutMessage(1001));
            assertThat(report.received()).isNull();
            assertThat(report.cause()).isEqualTo(Cause.CLOSE_TIMEOUT);
            assertThat(report.clean()).isFalse();
            assertThat(TcpCloseWatch.of(ws.channel()).tcpClosedAfter(closing)).isGreaterThanOrEqualTo(OUR_TIMEOUT);
            print("ours, channel.close(), silent server", "sent 1001, closed TCP at its timeout, "
                    + TcpCloseWatch.of(ws.channel()).tcpClosedAfter(closing).toMillis() + " ms after close(); report " + report);

            // its own close frame
            ws = ourClient(client, server, config);
            connection = server.nextConnection();
            frames = ServerFrames.of(connection);
            closing = System.nanoTime();
            ws.channel().writeAndFlush(CloseReason.of(4000, "done"));

            report = ws.report();
            assertThat(frames.closes()).containsExactly(CloseReason.of(4000, "done"));
            assertThat(report.cause()).isEqualTo(Cause.CLOSE_TIMEOUT);
            assertThat(report.clean()).isFalse();
            assertThat(TcpCloseWatch.of(ws.channel()).tcpClosedAfter(closing)).isGreaterThanOrEqualTo(OUR_TIMEOUT);
            print("ours, own close frame, silent server", "sent 4000 done, closed TCP at its timeout, "
                    + TcpCloseWatch.of(ws.channel()).tcpClosedAfter(closing).toMillis() + " ms after the write; report " + report);
        }
    }

    private static TestServer.Connection ourClient(TestClient client, TestServer server, ClosingHandshakeConfig config) throws Exception {
        TestServer.Connection ws = client.connect(server.uri(), config, ClientOptions.DEFAULTS);
        TcpCloseWatch.addFirst(ws.channel().pipeline());
        TestClient.upgraded(ws.channel());
        return ws;
    }

    private static WebSocketClientProtocolConfig defaults(TestServer server) {
        return StockClient.defaults(server.uri());
    }

    /** This library's server, with a {@link TcpCloseWatch} in front. */
    private static TestServer ourServer() {
        return TestServer.builder().pipeline((pipeline, application) -> {
            TcpCloseWatch.addFirst(pipeline);
            ServerPipeline.configure(pipeline, TestServer.PATH, ClosingHandshakeConfig.server(), application);
        }).start();
    }

    /**
     * A server that answers no close frame and never closes TCP by itself: Netty's server handler
     * with {@code handleCloseFrames(false)} and no close frame of its own, then {@link ServerFrames}.
     */
    private static TestServer silentServer() {
        return TestServer.builder().echo(false).pipeline((pipeline, application) -> {
            TcpCloseWatch.addFirst(pipeline);
            pipeline.addLast(new HttpServerCodec(), new HttpObjectAggregator(8192),
                    new WebSocketServerProtocolHandler(WebSocketServerProtocolConfig.newBuilder().websocketPath(TestServer.PATH)
                            .handleCloseFrames(false).sendCloseFrame(null).build()),
                    new ServerFrames());
            pipeline.addLast(application);
        }).start();
    }

    private static void print(String path, String what) {
        System.out.println("stock: " + path + ": " + what);
    }

    /** The silent server's record of the close frames it read, each released here. */
    private static final class ServerFrames extends ChannelInboundHandlerAdapter {

        private final List<CloseReason> closes = new CopyOnWriteArrayList<>();
        private final CompletableFuture<CloseReason> firstClose = new CompletableFuture<>();
        private final CompletableFuture<Void> inactive = new CompletableFuture<>();

        static ServerFrames of(TestServer.Connection connection) {
            return connection.channel().pipeline().get(ServerFrames.class);
        }

        /** The close frames read, once TCP has closed. */
        List<CloseReason> closes() throws Exception {
            inactive.get(TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS);
            return closes;
        }

        /** The first close frame read, waiting for it while TCP is open. */
        CloseReason firstClose() throws Exception {
            return firstClose.get(TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof CloseWebSocketFrame close) {
                CloseReason reason = close.statusCode() < 0 ? CloseReason.withoutMessage(1005) : CloseReason.of(close.statusCode(), close.reasonText());
                closes.add(reason);
                firstClose.complete(reason);
                close.release();
            } else {
                ctx.fireChannelRead(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            inactive.complete(null);
            ctx.fireChannelInactive();
        }
    }
}
