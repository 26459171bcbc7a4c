package io.github.wsclose;

import static io.github.wsclose.CloseMeters.closeTags;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.wsclose.CloseReason.Codes;
import io.netty.buffer.Unpooled;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.util.concurrent.ImmediateEventExecutor;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link CloseMetrics} on the close paths of a {@link ServerProtection} (keepalive, idle timeout,
 * slow consumer), the keepalive's round trip, and every way a connection is refused before its
 * upgrade, on embedded {@link ServerPipeline} channels in virtual time.
 */
class CloseMetricsProtectionTest {

    private static final ServerProtection NO_KEEPALIVE = ServerProtection.defaults().withPingInterval(Duration.ZERO);

    private final CloseMeters meters = new CloseMeters();

    @Test
    void peerThatNeverAnswersAPingIsAKeepaliveTimeout() {
        try (HandshakeChannel ws = upgraded(ServerProtection.defaults())) {
            ws.advance(ServerProtection.DEFAULT_PING_INTERVAL);
            ws.advance(ServerProtection.DEFAULT_PONG_TIMEOUT);

            assertThat(ws.channel.isOpen()).isFalse();
            assertThat(meters.onlyClose()).isEqualTo(closeTags("1006", "local", "false", "keepalive_timeout"));
            assertThat(meters.registry.find(CloseMetrics.PING_RTT).timer()).as("no pong, no round trip").isNull();
            assertThat(meters.active()).isZero();
        }
    }

    @Test
    void answeredPingIsTimed() {
        try (HandshakeChannel ws = upgraded(ServerProtection.defaults())) {
            ws.advance(ServerProtection.DEFAULT_PING_INTERVAL);
            ws.sentBytes();
            ws.advance(Duration.ofMillis(30));
            ws.peerSendsBytes(HandshakeChannel.maskedFrame(0x8A, new byte[] {0, 0, 0, 0, 0, 0, 0, 1})); // the pong of ping 1
            ws.peerSends(new CloseReason(Codes.NORMAL, ""));

            assertThat(meters.onlyClose()).isEqualTo(closeTags("1000", "remote", "true", "peer"));
            assertThat(meters.registry.get(CloseMetrics.PING_RTT).timer().count()).isEqualTo(1);
            assertThat(meters.registry.get(CloseMetrics.PING_RTT).timer().totalTime(TimeUnit.MILLISECONDS)).isEqualTo(30);
            meters.assertTagsBounded();
        }
    }

    @Test
    void connectionWithoutMessagesIsAnIdleTimeout() {
        Duration idle = Duration.ofSeconds(30);
        try (HandshakeChannel ws = upgraded(NO_KEEPALIVE.withIdleTimeout(idle))) {
            ws.advance(idle);
            ws.peerSends(new CloseReason(Codes.GOING_AWAY, "")); // the answer to the server's close

            assertThat(meters.onlyClose()).isEqualTo(closeTags("1001", "local", "true", "idle_timeout"));
        }
    }

    @Test
    void peerThatDoesNotReadIsASlowConsumer() {
        try (HandshakeChannel ws = upgraded(NO_KEEPALIVE)) {
            for (int i = 0; i < 5; i++) { // 5 MiB written, none flushed: all of it waits, as for a peer that does not read
                ws.channel.write(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[1 << 20])));
            }
            ws.advance(ClosingHandshakeConfig.DEFAULT_CLOSE_TIMEOUT); // it reads nothing, the answer included

            assertThat(ws.channel.isOpen()).isFalse();
            assertThat(meters.onlyClose()).isEqualTo(closeTags("1006", "local", "false", "slow_consumer"));
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "GET /ws HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\\r\\nSec-WebSocket-Version: 12\\r\\n\\r\\n | version",
        "GARBAGE\\r\\n\\r\\n | bad_request",
        "GET /ws HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\nSec-WebSocket-Version: 13\\r\\n\\r\\n | bad_request",
    })
    void refusedUpgradeIsCountedByReason(String request, String reason) {
        try (HandshakeChannel ws = HandshakeChannel.serverPipeline(ClosingHandshakeConfig.server(), meters.handler)) {
            ws.peerSendsBytes(request.strip().replace("\\r\\n", "\r\n").getBytes(StandardCharsets.US_ASCII));

            assertThat(ws.channel.isOpen()).isFalse();
            assertRejectedOnce(reason);
        }
    }

    @Test
    void silentConnectionIsAnUpgradeTimeout() {
        try (HandshakeChannel ws = HandshakeChannel.serverPipeline(ClosingHandshakeConfig.server(), meters.handler)) {
            ws.advance(ServerProtection.DEFAULT_UPGRADE_TIMEOUT);

            assertThat(ws.channel.isOpen()).isFalse();
            assertRejectedOnce("timeout");
        }
    }

    @Test
    void upgradeToAPathNobodyServesIsNotFound() {
        try (HandshakeChannel ws = HandshakeChannel.serverPipeline(ClosingHandshakeConfig.server(), meters.handler)) {
            ws.peerSendsBytes(HandshakeChannel.upgradeRequest("13").replace("/ws", "/elsewhere").getBytes(StandardCharsets.US_ASCII));
            ((FullHttpRequest) ws.applicationReads()).release();
            ws.channel.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_FOUND));

            assertThat(ws.channel.isOpen()).isFalse();
            assertRejectedOnce("not_found");
        }
    }

    @Test
    void drainOfAConnectionBeforeItsUpgrade() {
        try (HandshakeChannel ws = HandshakeChannel.serverPipeline(ClosingHandshakeConfig.server(), meters.handler)) {
            ws.peerSendsBytes("GET /ws HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
            ChannelGroup group = new DefaultChannelGroup(ImmediateEventExecutor.INSTANCE);
            group.add(ws.channel);
            GracefulDrain.drain(group, Codes.GOING_AWAY.withoutMessage, Duration.ofSeconds(1));
            ws.channel.runPendingTasks();

            assertThat(ws.channel.isOpen()).isFalse();
            assertRejectedOnce("drain");
        }
    }

    /** Checks that one rejection was counted, with {@code reason}, and nothing else: no close, no open connection. */
    private void assertRejectedOnce(String reason) {
        assertThat(meters.registry.get(CloseMetrics.UPGRADES_REJECTED).counters()).singleElement()
                .satisfies(counter -> {
                    assertThat(counter.getId().getTag("reason")).isEqualTo(reason);
                    assertThat(counter.count()).isEqualTo(1);
                });
        assertThat(meters.closes()).isEmpty();
        assertThat(meters.active()).isZero();
        meters.assertTagsBounded();
    }

    private HandshakeChannel upgraded(ServerProtection protection) {
        HandshakeChannel ws = HandshakeChannel.serverPipeline(ClosingHandshakeConfig.server(), protection, meters.handler);
        ws.upgrade();
        assertThat(meters.active()).isEqualTo(1);
        return ws;
    }
}
