package io.github.wsclose;

import static io.github.wsclose.TestBytes.ascii;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ImmediateEventExecutor;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a {@link ServerPipeline} does before the upgrade, with the default {@link ServerProtection}, in virtual time:
 * the upgrade timeout counted from accept, RFC 6455 versions only, error answers that close, and frames that came too
 * early; with a drain, its readiness check and the 503 to upgrades once it has started. Each protection is shown next
 * to a peer that behaves and is not closed.
 */
class UpgradeGuardTest {

    private static final CloseReason GOING_AWAY = CloseReason.Codes.GOING_AWAY.withoutMessage;
    private static final Duration TIMEOUT = ServerProtection.DEFAULT_UPGRADE_TIMEOUT;
    /** The channel's clock is frozen just after the pipeline is built, so the timer may be a few milliseconds ahead of it. */
    private static final Duration JUST_UNDER = TIMEOUT.minusSeconds(1);

    @Test
    void silentConnectionIsClosedAtTheUpgradeTimeout() {
        try (HandshakeChannel ws = serverPipeline()) {
            ws.advance(JUST_UNDER);
            assertThat(ws.channel.isOpen()).isTrue();

            ws.advance(Duration.ofSeconds(1));

            assertThat(ws.channel.isOpen()).isFalse();
            assertThat(ws.sentBytes()).as("nothing is said to a peer that said nothing").isEmpty();
            assertThat(ws.events()).containsExactly(new UpgradeRejected(UpgradeRejected.Reason.TIMEOUT, null), HandshakeChannel.INACTIVE);
        }
    }

    @Test
    void partialRequestIsClosedAtTheTimeoutCountedFromAccept() {
        try (HandshakeChannel ws = serverPipeline()) {
            ws.advance(JUST_UNDER.minusSeconds(1));
            ws.peerSendsBytes(ascii("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\n"));

            ws.advance(Duration.ofSeconds(1));
            assertThat(ws.channel.isOpen()).isTrue();
            ws.advance(Duration.ofSeconds(1));

            assertThat(ws.channel.isOpen()).isFalse();
            assertThat(ws.events()).containsExactly(new UpgradeRejected(UpgradeRejected.Reason.TIMEOUT, null), HandshakeChannel.INACTIVE);
        }
    }

    @Test
    void upgradedConnectionOutlivesTheUpgradeTimeout() {
        try (HandshakeChannel ws = serverPipeline()) {
            ws.advance(JUST_UNDER);
            assertThat(response(ws, HandshakeChannel.upgradeRequest("13"))).startsWith("HTTP/1.1 101 Switching Protocols");

            ws.advance(Duration.ofHours(1));

            assertThat(ws.channel.isOpen()).isTrue();
            assertThat(ws.channel.pipeline().get(UpgradeGuard.class)).as("the guard's work is done").isNull();
            assertThat(ws.events()).noneMatch(UpgradeRejected.class::isInstance);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"13", "8", "7"})
    void rfc6455VersionsUpgrade(String version) {
        try (HandshakeChannel ws = serverPipeline()) {
            assertThat(response(ws, HandshakeChannel.upgradeRequest(version))).startsWith("HTTP/1.1 101 Switching Protocols");
            assertThat(ws.channel.isOpen()).isTrue();
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "0    | unsupported WebSocket version: 0 (expected: 13)",
        "12   | unsupported WebSocket version: 12 (expected: 13)",
        "14   | unsupported WebSocket version: 14 (expected: 13)",
    })
    void otherVersionsGet426AndAreClosed(String version, String body) {
        try (HandshakeChannel ws = serverPipeline()) {
            assertThat(response(ws, HandshakeChannel.upgradeRequest(version)))
                    .startsWith("HTTP/1.1 426 Upgrade Required\r\n")
                    .containsIgnoringCase("sec-websocket-version: 13\r\n")
                    .containsIgnoringCase("connection: close\r\n")
                    .endsWith(body + "\n");
            assertClosedWith(ws, UpgradeRejected.Reason.VERSION, HttpResponseStatus.UPGRADE_REQUIRED);
        }
    }

    @Test
    void hixie76HandshakeGets426AndIsClosed() {
        try (HandshakeChannel ws = serverPipeline()) {
            // draft-00: no Sec-WebSocket-Version, two keys in the headers and eight key bytes as the body
            String request = "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n"
                    + "Origin: http://127.0.0.1\r\nSec-WebSocket-Key1: 4 @1  46546xW%0l 1 5\r\n"
                    + "Sec-WebSocket-Key2: 12998 5 Y3 1  .P00\r\n\r\n^n:ds[4U";

            assertThat(response(ws, request))
                    .startsWith("HTTP/1.1 426 Upgrade Required\r\n")
                    .containsIgnoringCase("sec-websocket-version: 13\r\n")
                    .endsWith("unsupported WebSocket version: none (hixie-76) (expected: 13)\n");
            assertClosedWith(ws, UpgradeRejected.Reason.VERSION, HttpResponseStatus.UPGRADE_REQUIRED);
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "GARBAGE\\r\\n\\r\\n                                       | 400 Bad Request",
        "GET /ws HTTP/1.1\\r\\nHost 127.0.0.1\\r\\n\\r\\n              | 400 Bad Request",
        "GET /ws HTTP/1.1\\r\\nContent-Length: -5\\r\\n\\r\\n          | 400 Bad Request",
        "GET /LONG HTTP/1.1\\r\\n\\r\\n                              | 414 Request-URI Too Long",
        "GET /ws HTTP/1.1\\r\\nX: LONG\\r\\n\\r\\n                       | 431 Request Header Fields Too Large",
    })
    void unreadableRequestIsAnsweredAndClosed(String request, String status) {
        try (HandshakeChannel ws = serverPipeline()) {
            String bytes = request.strip().replace("\\r\\n", "\r\n").replace("LONG", "x".repeat(9000));

            assertThat(response(ws, bytes)).startsWith("HTTP/1.1 " + status + "\r\n").containsIgnoringCase("connection: close\r\n");
            assertThat(ws.channel.isOpen()).isFalse();
            assertThat(ws.events()).first().isEqualTo(new UpgradeRejected(UpgradeRejected.Reason.BAD_REQUEST,
                    HttpResponseStatus.valueOf(Integer.parseInt(status.substring(0, 3)))));
        }
    }

    @Test
    void failedHandshakeIsAnswered400AndClosed() {
        try (HandshakeChannel ws = serverPipeline()) {
            String noKey = "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Version: 13\r\n\r\n";

            assertThat(response(ws, noKey)).startsWith("HTTP/1.1 400 Bad Request\r\n").containsIgnoringCase("connection: close\r\n");
            assertClosedWith(ws, UpgradeRejected.Reason.BAD_REQUEST, HttpResponseStatus.BAD_REQUEST);
        }
    }

    @Test
    void oversizedKeepAliveRequestIsAnswered413AndClosed() {
        try (HandshakeChannel ws = serverPipeline()) {
            String tooLarge = HandshakeChannel.upgradeRequest("13").replace("\r\n\r\n", "\r\nContent-Length: 100000\r\n\r\n");

            // Netty's aggregator answers 413 and would keep a keep-alive connection open
            assertThat(response(ws, tooLarge)).startsWith("HTTP/1.1 413 Request Entity Too Large\r\n")
                    .containsIgnoringCase("connection: close\r\n");
            assertClosedWith(ws, UpgradeRejected.Reason.BAD_REQUEST, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE);
        }
    }

    @Test
    void applicationsErrorAnswerToAnUpgradeClosesTheConnection() {
        try (HandshakeChannel ws = serverPipeline()) {
            ws.peerSendsBytes(ascii(HandshakeChannel.upgradeRequest("13").replace("/ws", "/elsewhere")));
            FullHttpRequest request = (FullHttpRequest) ws.applicationReads();
            request.release();

            ws.channel.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_FOUND));

            assertThat(sentText(ws)).startsWith("HTTP/1.1 404 Not Found\r\n").containsIgnoringCase("connection: close\r\n");
            assertClosedWith(ws, UpgradeRejected.Reason.NOT_FOUND, HttpResponseStatus.NOT_FOUND);
        }
    }

    @Test
    void plainHttpIsServedWithinTheSameTimeout() {
        try (HandshakeChannel ws = serverPipeline()) {
            ws.peerSendsBytes(ascii("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
            ReferenceCountUtil.release(ws.applicationReads());
            FullHttpResponse page = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    Unpooled.copiedBuffer("hello", StandardCharsets.US_ASCII));
            page.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 5);
            ws.channel.writeAndFlush(page);

            assertThat(sentText(ws)).startsWith("HTTP/1.1 200 OK\r\n").endsWith("hello");
            assertThat(ws.channel.isOpen()).as("a keep-alive connection stays open").isTrue();
            ws.advance(TIMEOUT);
            assertThat(ws.channel.isOpen()).as("until the upgrade timeout").isFalse();
            assertThat(ws.events()).containsExactly(new UpgradeRejected(UpgradeRejected.Reason.TIMEOUT, null), HandshakeChannel.INACTIVE);
        }
    }

    @Test
    void framesSentWithTheUpgradeRequestFailTheConnectionWith1002() {
        try (HandshakeChannel ws = serverPipeline()) {
            byte[] request = ascii(HandshakeChannel.upgradeRequest("13"));
            byte[] close = HandshakeChannel.maskedFrame(0x88, new byte[] {0x03, (byte) 0xE8});
            byte[] both = new byte[request.length + close.length];
            System.arraycopy(request, 0, both, 0, request.length);
            System.arraycopy(close, 0, both, request.length, close.length);

            ws.peerSendsBytes(both);

            assertThat(ws.channel.isOpen()).isFalse();
            CloseReport report = ws.report();
            assertThat(report.sent()).isEqualTo(new CloseReason(CloseReason.Codes.PROTOCOL_ERROR,
                    "data sent before the handshake response: 8 bytes"));
            assertThat(report.cause()).isEqualTo(CloseReport.Cause.PROTOCOL_ERROR);
            assertThat(report.initiator()).isEqualTo(CloseReport.Initiator.LOCAL);
            assertThat(ws.applicationReads()).as("the early close frame is not delivered").isNull();
        }
    }

    @Test
    void framesSentAfterTheResponseAreProcessed() {
        try (HandshakeChannel ws = serverPipeline()) {
            response(ws, HandshakeChannel.upgradeRequest("13"));

            ws.peerSendsBytes(HandshakeChannel.maskedFrame(0x88, new byte[] {0x03, (byte) 0xE8}));

            assertThat(ws.sentBytes()).as("the close is answered").isEqualTo("880203e8");
            assertThat(ws.report().clean()).isTrue();
            ReferenceCountUtil.release(ws.applicationReads());
        }
    }

    @Test
    void drainEndsAConnectionThatHasNotUpgraded() {
        try (HandshakeChannel ws = serverPipeline()) {
            ws.peerSendsBytes(ascii("GET /ws HTTP/1.1\r\n"));
            ChannelGroup group = new DefaultChannelGroup(ImmediateEventExecutor.INSTANCE);
            group.add(ws.channel);

            CompletableFuture<GracefulDrain.Result> drained =
                    GracefulDrain.drain(group, CloseReason.Codes.GOING_AWAY.withoutMessage, Duration.ofSeconds(1));
            ws.channel.runPendingTasks();

            assertThat(ws.channel.isOpen()).isFalse();
            assertThat(ws.events()).containsExactly(new UpgradeRejected(UpgradeRejected.Reason.DRAIN, null), HandshakeChannel.INACTIVE);
            assertThat(drained).isCompletedWithValueMatching(result -> result.connections() == 0);
        }
    }

    @Test
    void readinessPathAnswersServingThenDraining() {
        GracefulDrain drain = new GracefulDrain("/ready");
        try (HandshakeChannel serving = drainPipeline(drain)) {
            assertThat(response(serving, "GET /ready HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"))
                    .startsWith("HTTP/1.1 200 OK\r\n").contains("connection: close\r\n").endsWith("\r\n\r\nserving\n");
            assertThat(serving.channel.isOpen()).as("each check has a connection of its own").isFalse();
            assertThat(serving.events()).as("a readiness check is no refused upgrade").containsExactly(HandshakeChannel.INACTIVE);
        }
        drain.start(DrainPlan.of(GOING_AWAY, Duration.ofSeconds(30)));
        try (HandshakeChannel draining = drainPipeline(drain)) {
            assertThat(response(draining, "GET /ready?probe=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"))
                    .startsWith("HTTP/1.1 503 Service Unavailable\r\n")
                    .contains("retry-after: 30\r\n", "connection: close\r\n")
                    .endsWith("\r\n\r\ndraining\n");
            assertThat(draining.channel.isOpen()).isFalse();
            assertThat(draining.events()).containsExactly(HandshakeChannel.INACTIVE);
        }
    }

    @Test
    void readinessPathTakesGetAndHeadOnly() {
        GracefulDrain drain = new GracefulDrain("/ready");
        try (HandshakeChannel head = drainPipeline(drain)) {
            assertThat(response(head, "HEAD /ready HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"))
                    .startsWith("HTTP/1.1 200 OK\r\n").endsWith("\r\n\r\n");
        }
        try (HandshakeChannel post = drainPipeline(drain)) {
            assertThat(response(post, "POST /ready HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n"))
                    .startsWith("HTTP/1.1 405 Method Not Allowed\r\n").contains("allow: GET, HEAD\r\n");
            assertThat(post.channel.isOpen()).isFalse();
        }
    }

    @Test
    void otherPathsAndUpgradesPassWhileServing() {
        GracefulDrain drain = new GracefulDrain("/ready");
        try (HandshakeChannel ws = drainPipeline(drain)) {
            ws.peerSendsBytes(ascii("GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
            Object request = ws.applicationReads();
            assertThat(request).as("not the readiness path: the application's").isInstanceOf(FullHttpRequest.class);
            ReferenceCountUtil.release(request);
        }
        try (HandshakeChannel ws = drainPipeline(drain)) {
            ws.upgrade();
            assertThat(drain.phase()).isEqualTo(GracefulDrain.Phase.SERVING);
        }
    }

    @Test
    void upgradeWhileDrainingIsAnswered503AndCounted() {
        EmbeddedChannel timer = new EmbeddedChannel();
        timer.freezeTime();
        GracefulDrain drain = new GracefulDrain(null, timer.eventLoop());
        CompletableFuture<GracefulDrain.Result> drained = drain.start(
                DrainPlan.of(GOING_AWAY, Duration.ofSeconds(30)).withReadinessDelay(Duration.ofSeconds(1)));
        try (HandshakeChannel ws = drainPipeline(drain)) {
            assertThat(response(ws, HandshakeChannel.upgradeRequest("13")))
                    .startsWith("HTTP/1.1 503 Service Unavailable\r\n")
                    .contains("retry-after: 30\r\n", "connection: close\r\n")
                    .endsWith("\r\n\r\ndraining: connect again\n");
            assertClosedWith(ws, UpgradeRejected.Reason.DRAIN, HttpResponseStatus.SERVICE_UNAVAILABLE);
        }
        assertThat(drained).as("open until the readiness delay is over").isNotDone();

        timer.advanceTimeBy(1, TimeUnit.SECONDS);
        timer.runScheduledPendingTasks();

        assertThat(drained).isCompletedWithValueMatching(result -> result.refusedUpgrades() == 1 && result.connections() == 0);
        assertThat(drain.phase()).isEqualTo(GracefulDrain.Phase.DRAINED);
        timer.finishAndReleaseAll();
    }

    private static HandshakeChannel drainPipeline(GracefulDrain drain) {
        return HandshakeChannel.serverPipeline(ClosingHandshakeConfig.server(), ServerOptions.DEFAULTS.withDrain(drain));
    }

    private static HandshakeChannel serverPipeline() {
        return HandshakeChannel.serverPipeline(ClosingHandshakeConfig.server());
    }

    private static void assertClosedWith(HandshakeChannel ws, UpgradeRejected.Reason reason, HttpResponseStatus status) {
        assertThat(ws.channel.isOpen()).as("closed once answered").isFalse();
        assertThat(ws.events()).containsExactly(new UpgradeRejected(reason, status), HandshakeChannel.INACTIVE);
    }

    private static String response(HandshakeChannel ws, String request) {
        ws.peerSendsBytes(ascii(request));
        return sentText(ws);
    }

    private static String sentText(HandshakeChannel ws) {
        return new String(ByteBufUtil.decodeHexDump(ws.sentBytes()), StandardCharsets.US_ASCII);
    }
}
