package io.github.wsclose;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.wsclose.CloseReport.Cause;
import io.github.wsclose.CloseReport.Initiator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The client's interop matrix, one subclass per server ({@link PeerServer.Kind}): a
 * {@link ClientPipeline} client ({@link TestClient}) closes first and is closed first, with 1000,
 * 1001, 3000, 4999 and an empty close, compressed (permessage-deflate offered and agreed) and not.
 * Each case checks both ends: what the server saw (code, reason, clean, compression, and who
 * closed TCP first where the server tells), the client's one {@link CloseReport}, and, from a
 * {@link TcpCloseWatch} first in the client's pipeline, that the server closed TCP first
 * (RFC 6455 §7.1.1).
 *
 * <p>What differs between servers is only whether a server's answer to the client's close repeats
 * the reason ({@link #echoesReason()}), and what Jetty reports after its own close. Stock Netty's
 * client runs against the same server on two paths, for docs/client.md. After the last case the class prints one line per path
 * with the client's close times: {@code interop: SERVER, PATH: n=…, median … ms, max … ms}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ClientInteropMatrix {

    private static final PerMessageDeflateConfig DEFLATE = PerMessageDeflateConfig.DEFAULT;

    private final Map<String, List<Duration>> closeTimes = new ConcurrentHashMap<>();
    private final Map<String, String> stockSeen = new ConcurrentHashMap<>();
    private PeerServer server;
    private TestClient client;
    private EventLoopGroup stockLoops;

    /** The server this class runs against. */
    abstract PeerServer.Kind kind();

    /** Whether the server's answer to a close repeats its reason, or only its code. */
    abstract boolean echoesReason();

    /**
     * What the server reports when it closed first with {@code sent} and the client answered
     * {@code answer}: the answer, unless a subclass says otherwise.
     */
    CloseReason reportedAfterServerClose(CloseReason sent, CloseReason answer) {
        return answer;
    }

    /** The closes: 1000 without a reason, 1001, 3000 with a 4-byte character, 4999 with the longest reason, and an empty close. */
    static Stream<Arguments> closes() {
        return Stream.of(CloseReason.of(1000, ""), CloseReason.of(1001, "going away"), CloseReason.of(3000, "see you \uD83D\uDC4B"),
                        CloseReason.of(4999, "€".repeat(41)), CloseReason.Codes.NO_STATUS_RECEIVED.withoutMessage)
                .flatMap(close -> Stream.of(false, true).map(compressed -> Arguments.of(
                        Named.of(close.isEmptyClose() ? "empty close" : close.unsignedCode() + " with "
                                + close.message().getBytes(java.nio.charset.StandardCharsets.UTF_8).length + "-byte reason", close),
                        Named.of(compressed ? "compressed" : "uncompressed", compressed))));
    }

    @BeforeAll
    void start() throws Exception {
        server = PeerServer.start(kind());
        client = new TestClient();
        stockLoops = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    @AfterAll
    void stop() throws Exception {
        closeTimes.forEach((path, times) -> System.out.println("interop: " + kind() + ", " + path + ": " + summary(times)));
        stockSeen.forEach((path, seen) -> System.out.println("interop: " + kind() + ", stock Netty's client, " + path + ": the server saw " + seen));
        stockLoops.shutdownGracefully(0, TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS).syncUninterruptibly();
        client.close();
        server.close();
        assertThat(server.noMoreCloses()).as("connections the server reported beyond one each").isTrue();
    }

    @ParameterizedTest(name = "client closes first: {0}, {1}")
    @MethodSource("closes")
    void clientClosesFirst(CloseReason close, boolean compressed) throws Exception {
        TestServer.Connection ws = connect(compressed);
        FirstText echo = ws.channel().pipeline().get(FirstText.class);
        ws.channel().writeAndFlush(new TextWebSocketFrame("hello €"));
        assertThat(echo.text()).isEqualTo("hello €");
        ws.channel().writeAndFlush(close);

        CloseReport report = ws.report();
        PeerServer.Closed saw = server.nextClose();

        CloseReason answer = close.isEmptyClose() || echoesReason() ? close : CloseReason.withoutMessage(close.unsignedCode());
        assertThat(report.initiator()).isEqualTo(Initiator.LOCAL);
        assertThat(report.cause()).isEqualTo(Cause.APPLICATION);
        assertThat(report.clean()).as("clean: %s", report).isTrue();
        assertThat(report.sent()).isEqualTo(close);
        assertThat(report.received()).isEqualTo(answer);
        assertServerSaw(saw, close, compressed);
        assertServerClosedTcpFirst(ws, saw);
        closeTimes.computeIfAbsent("client closes first", path -> new ArrayList<>()).add(report.duration());
    }

    @ParameterizedTest(name = "server closes first: {0}, {1}")
    @MethodSource("closes")
    void serverClosesFirst(CloseReason close, boolean compressed) throws Exception {
        TestServer.Connection ws = connect(compressed);
        ws.channel().writeAndFlush(new TextWebSocketFrame(TestServer.closeCommand(close.unsignedCode(), close.message())));

        CloseReport report = ws.report();
        PeerServer.Closed saw = server.nextClose();

        CloseReason echo = CloseReason.withoutMessage(close.unsignedCode()); // the code, and one close frame (§5.5.1)
        assertThat(report.initiator()).isEqualTo(Initiator.REMOTE);
        assertThat(report.cause()).isEqualTo(Cause.PEER);
        assertThat(report.clean()).as("clean: %s", report).isTrue();
        assertThat(report.received()).isEqualTo(close);
        assertThat(report.reason()).isEqualTo(close);
        assertThat(report.sent()).isEqualTo(echo);
        assertThat(ws.recorder().reasons()).as("the server's close, passed on to the application").containsExactly(close);
        assertServerSaw(saw, reportedAfterServerClose(close, echo), compressed);
        assertServerClosedTcpFirst(ws, saw);
        closeTimes.computeIfAbsent("server closes first", path -> new ArrayList<>()).add(report.duration());
    }

    /**
     * Stock Netty's client ({@link StockClient}) on the same server, which closes first with
     * {@code 4000 stock}: with Netty's defaults the client sends no close frame and closes TCP, and
     * the server reports 1006, unclean (§5.5.1, §7.1.1); with {@code handleCloseFrames(false)} and
     * an application that closes, it answers {@code 1000 Bye}, not the server's code, and closes
     * TCP before the server.
     */
    @ParameterizedTest(name = "stock Netty's client, {0}: the server closes first")
    @EnumSource(StockClient.Style.class)
    void stockClientServerClosesFirst(StockClient.Style style) throws Exception {
        StockClient stock = style.connect(stockLoops, new InetSocketAddress("127.0.0.1", server.uri().getPort()), server.uri());
        stock.channel.writeAndFlush(new TextWebSocketFrame(TestServer.closeCommand(4000, "stock")));

        PeerServer.Closed saw = server.nextClose();

        assertThat(TcpCloseWatch.of(stock.channel).closedHereFirst()).as("the stock client closed TCP first").isTrue();
        stock.inactive.get(TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS);
        if (style == StockClient.Style.DEFAULTS) {
            assertThat(saw.code()).as("what the server saw: %s", saw).isEqualTo(CloseReason.Codes.CLOSED_ABNORMALLY.unsignedCode());
            assertThat(saw.clean()).as("clean, as the server saw it: %s", saw).isFalse();
            assertThat(stock.closeFrames).as("close frames that reached the application").isEmpty();
            if (saw.serverClosedTcpFirst() != null) {
                assertThat(saw.serverClosedTcpFirst()).as("the server closed TCP first, as it saw it").isFalse();
            }
        } else {
            assertThat(saw.code()).as("what the server saw: %s", saw).isEqualTo(1000);
            assertThat(saw.reason()).as("what the server saw: %s", saw).isEqualTo("Bye");
            assertThat(stock.closeFrames).as("close frames that reached the application").containsExactly(CloseReason.of(4000, "stock"));
        }
        stockSeen.put(style + ", the server closes first", saw.toString());
    }

    /**
     * Stock Netty's client on the same server, closing with {@code channel.close()}: it sends
     * {@code 1000 Bye} and closes TCP once that is written, without waiting for the answer.
     * Whether the server still calls the close clean depends on whether its answer went out
     * before it saw the client's FIN: both outcomes are allowed, the one seen is printed.
     */
    @ParameterizedTest(name = "stock Netty's client, {0}: channel.close()")
    @EnumSource(StockClient.Style.class)
    void stockClientChannelClose(StockClient.Style style) throws Exception {
        StockClient stock = style.connect(stockLoops, new InetSocketAddress("127.0.0.1", server.uri().getPort()), server.uri());
        stock.channel.close();

        PeerServer.Closed saw = server.nextClose();

        assertThat(TcpCloseWatch.of(stock.channel).closedHereFirst()).as("the stock client closed TCP first").isTrue();
        assertThat(saw.code()).as("what the server saw: %s", saw).isEqualTo(1000);
        assertThat(saw.reason()).as("what the server saw: %s", saw).isEqualTo("Bye");
        stockSeen.put(style + ", channel.close()", saw.toString());
    }

    private TestServer.Connection connect(boolean compressed) throws Exception {
        ClientOptions options = compressed ? ClientOptions.DEFAULTS.withCompression(DEFLATE) : ClientOptions.DEFAULTS;
        TestServer.Connection ws = client.connect(server.uri(), ClosingHandshakeConfig.client(), options, new FirstText());
        TcpCloseWatch.addFirst(ws.channel().pipeline());
        assertThat(TestClient.upgraded(ws.channel()).headers().contains("Sec-WebSocket-Extensions"))
                .as("permessage-deflate agreed").isEqualTo(compressed);
        return ws;
    }

    private static void assertServerSaw(PeerServer.Closed saw, CloseReason close, boolean compressed) {
        assertThat(saw.code()).as("code the server saw: %s", saw).isEqualTo(close.unsignedCode());
        assertThat(saw.reason()).as("reason the server saw: %s", saw).isEqualTo(close.message());
        assertThat(saw.clean()).as("clean, as the server saw it: %s", saw).isTrue();
        assertThat(saw.compressed()).as("compressed, as the server saw it: %s", saw).isEqualTo(compressed);
    }

    private static void assertServerClosedTcpFirst(TestServer.Connection ws, PeerServer.Closed saw) throws Exception {
        assertThat(TcpCloseWatch.of(ws.channel()).closedHereFirst()).as("the client closed TCP first").isFalse();
        if (saw.serverClosedTcpFirst() != null) {
            assertThat(saw.serverClosedTcpFirst()).as("the server closed TCP first, as it saw it").isTrue();
        }
    }

    private static String summary(List<Duration> times) {
        long[] micros = times.stream().mapToLong(time -> time.toNanos() / 1000).sorted().toArray();
        return "n=" + micros.length + ", median " + micros[micros.length / 2] / 1000.0 + " ms, max " + micros[micros.length - 1] / 1000.0 + " ms";
    }

    /** The application's view of the first text message: a future, for waiting on the echo without a sleep. */
    private static final class FirstText extends ChannelInboundHandlerAdapter {

        private final CompletableFuture<String> first = new CompletableFuture<>();

        String text() throws Exception {
            return first.get(TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof TextWebSocketFrame text) {
                first.complete(text.text());
            }
            ctx.fireChannelRead(msg);
        }
    }
}
