package io.github.wsclose;

import static io.github.wsclose.CloseMeters.closeTags;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.entry;

import io.github.wsclose.CloseReason.Codes;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link CloseMetrics} on every close path of the handshake, on embedded channels: each
 * connection counts in exactly one {@code websocket.closes} series with the tags of its
 * report, its close duration is timed, the active gauge counts upgraded connections only, and
 * the draining gauge shows a drain in progress.
 */
class CloseMetricsTest {

    private final CloseMeters meters = new CloseMeters();

    @Test
    void drainingGaugeShowsADrainInProgress() {
        EmbeddedChannel timer = new EmbeddedChannel();
        timer.freezeTime();
        GracefulDrain drain = new GracefulDrain(null, timer.eventLoop());
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        CloseMetrics.bindTo(registry, drain);
        Gauge draining = registry.get(CloseMetrics.DRAINING).gauge();
        assertThat(draining.value()).as("serving").isZero();

        drain.start(DrainPlan.of(Codes.SERVICE_RESTART.withoutMessage, Duration.ofSeconds(5)).withReadinessDelay(Duration.ofSeconds(1)));
        assertThat(draining.value()).as("draining").isEqualTo(1);

        timer.advanceTimeBy(1, TimeUnit.SECONDS);
        timer.runScheduledPendingTasks();
        assertThat(drain.phase()).isEqualTo(GracefulDrain.Phase.DRAINED);
        assertThat(draining.value()).as("drained").isZero();
        assertThat(registry.get(CloseMetrics.ACTIVE).gauge().value()).as("the other meters are there too").isZero();
        timer.finishAndReleaseAll();
    }

    @Test
    void peerClosesFirst() {
        try (HandshakeChannel ws = HandshakeChannel.serverWith(meters.handler)) {
            assertThat(meters.active()).isEqualTo(1);

            ws.advance(Duration.ofMillis(1));
            ws.peerSends(new CloseReason(Codes.NORMAL, "bye"));

            assertThat(meters.onlyClose()).isEqualTo(closeTags("1000", "remote", "true", "peer"));
            assertThat(meters.active()).isZero();
        }
    }

    @Test
    void applicationClosesFirstAndThePeerAnswers() {
        try (HandshakeChannel ws = HandshakeChannel.serverWith(meters.handler)) {
            ws.channel.writeAndFlush(new CloseReason((short) 4321, "done"));
            ws.advance(Duration.ofMillis(7));
            ws.peerSends(new CloseReason((short) 4321, ""));

            assertThat(meters.onlyClose()).isEqualTo(closeTags("4xxx", "local", "true", "application"));
            Timer took = meters.registry.get(CloseMetrics.CLOSE_DURATION).timer();
            assertThat(took.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(7);
            assertThat(meters.active()).isZero();
        }
    }

    @Test
    void plainChannelCloseSendsGoingAway() {
        try (HandshakeChannel ws = HandshakeChannel.serverWith(meters.handler)) {
            ws.applicationCloses();
            ws.peerSends(new CloseReason(Codes.GOING_AWAY, ""));

            assertThat(meters.onlyClose()).isEqualTo(closeTags("1001", "local", "true", "application"));
        }
    }

    @ParameterizedTest
    @CsvSource({"1002, protocol_error", "1007, protocol_error", "1009, message_too_big"})
    void corruptFrameFailsTheConnection(int status, String cause) {
        try (HandshakeChannel ws = HandshakeChannel.serverWith(meters.handler)) {
            ws.channel.pipeline().fireExceptionCaught(new CorruptedWebSocketFrameException(new WebSocketCloseStatus(status, "corrupt"), "bad"));

            assertThat(ws.sentClose().unsignedCode()).isEqualTo(status);
            // no close frame came back before TCP closed: the connection's code is 1006 (§7.1.5), whatever was sent
            assertThat(meters.onlyClose()).isEqualTo(closeTags("1006", "local", "false", cause));
        }
    }

    @Test
    void unexpectedErrorClosesWith1011() {
        try (HandshakeChannel ws = HandshakeChannel.serverWith(meters.handler)) {
            ws.channel.pipeline().fireExceptionCaught(new IllegalStateException("bug"));

            assertThat(ws.sentClose()).isEqualTo(Codes.UNEXPECTED_CONDITION.withoutMessage);
            assertThat(meters.onlyClose()).isEqualTo(closeTags("1006", "local", "false", "unexpected_error"));
        }
    }

    @Test
    void closeTimeout() {
        try (HandshakeChannel ws = HandshakeChannel.serverWith(meters.handler)) {
            ws.channel.writeAndFlush(new CloseReason(Codes.NORMAL, ""));
            ws.advance(ClosingHandshakeConfig.DEFAULT_CLOSE_TIMEOUT);

            assertThat(meters.onlyClose()).isEqualTo(closeTags("1006", "local", "false", "close_timeout"));
            assertThat(meters.registry.get(CloseMetrics.CLOSE_DURATION).timer().totalTime(TimeUnit.SECONDS)).isEqualTo(5);
        }
    }

    @Test
    void drainDeadline() {
        ChannelGroup group = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
        try (HandshakeChannel ws = HandshakeChannel.serverWith(meters.handler)) {
            group.add(ws.channel);
            CompletableFuture<GracefulDrain.Result> drained = GracefulDrain.drain(group, new CloseReason(Codes.GOING_AWAY, ""), Duration.ZERO);
            ws.channel.runPendingTasks();

            assertThat(drained).isCompleted();
            assertThat(meters.onlyClose()).isEqualTo(closeTags("1006", "local", "false", "drain"));
        }
    }

    @Test
    void tcpDropsWithoutACloseFrame() {
        try (HandshakeChannel ws = HandshakeChannel.serverWith(meters.handler)) {
            ws.tcpCloses();

            assertThat(meters.onlyClose()).isEqualTo(closeTags("1006", "remote", "false", "transport"));
            assertThat(meters.registry.get(CloseMetrics.CLOSE_DURATION).timer().totalTime(TimeUnit.NANOSECONDS)).isZero();
        }
    }

    @Test
    void brokenTransport() {
        try (HandshakeChannel ws = HandshakeChannel.serverWith(meters.handler)) {
            ws.channel.pipeline().fireExceptionCaught(new IOException("connection reset by peer"));

            assertThat(meters.onlyClose()).isEqualTo(closeTags("1006", "remote", "false", "transport"));
        }
    }

    @ParameterizedTest
    @CsvSource({"1005, 1005", "1015, 1015", "3000, 3xxx", "3999, 3xxx", "4999, 4xxx", "2000, other"})
    void peersCodeIsTaggedByNameOrRange(int code, String tag) {
        try (HandshakeChannel ws = HandshakeChannel.serverWith(meters.handler)) {
            ws.channel.writeInbound(new CloseReason((short) code, "")); // as if the decoder let any code through

            assertThat(meters.closes().keySet()).extracting(tags -> tags.get("code")).containsExactly(tag);
        }
    }

    @Test
    void connectionClosedBeforeTheUpgradeIsNeverCounted() {
        try (HandshakeChannel ws = HandshakeChannel.serverPipeline(ClosingHandshakeConfig.server(), meters.handler)) {
            assertThat(meters.active()).isZero();

            ws.applicationCloses();

            assertThat(meters.active()).isZero();
            assertThat(meters.closes()).isEmpty();
        }
    }

    @Test
    void upgradedConnectionIsCountedFromItsUpgradeUntilItsReport() {
        try (HandshakeChannel ws = HandshakeChannel.serverPipeline(ClosingHandshakeConfig.server(), meters.handler)) {
            ws.upgrade();
            assertThat(meters.active()).isEqualTo(1);

            ws.peerSendsBytes(HandshakeChannel.maskedFrame(0x88, new byte[] {0x03, (byte) 0xE8}));

            assertThat(ws.sentBytes()).isEqualTo("880203e8");
            assertThat(meters.onlyClose()).isEqualTo(closeTags("1000", "remote", "true", "peer"));
            assertThat(meters.active()).isZero();
        }
    }

    @Test
    void activeGaugeReturnsToZeroAfterADrainOfManyConnections() {
        ChannelGroup group = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
        List<HandshakeChannel> connections = new ArrayList<>();
        try {
            for (int i = 0; i < 1_000; i++) {
                HandshakeChannel ws = HandshakeChannel.serverWith(meters.handler);
                connections.add(ws);
                group.add(ws.channel);
            }
            assertThat(meters.active()).isEqualTo(1_000);

            CompletableFuture<GracefulDrain.Result> drained = GracefulDrain.drain(group, new CloseReason(Codes.SERVICE_RESTART, ""), Duration.ofSeconds(1));
            connections.forEach(ws -> ws.channel.runPendingTasks());
            for (int i = 0; i < connections.size(); i++) {
                HandshakeChannel ws = connections.get(i);
                if (i % 2 == 0) {
                    ws.peerSends(new CloseReason(Codes.SERVICE_RESTART, "")); // half answer, half stay silent
                }
                ws.advance(Duration.ofSeconds(1));
            }

            assertThat(drained).isCompleted();
            assertThat(meters.active()).isZero();
            assertThat(meters.closes()).containsOnly(
                    entry(closeTags("1012", "local", "true", "drain"), 500.0),
                    entry(closeTags("1006", "local", "false", "drain"), 500.0));
        } finally {
            connections.forEach(HandshakeChannel::close);
        }
    }

    @Test
    void handlerTakenOutOfAnOpenConnectionStopsCountingIt() {
        try (HandshakeChannel ws = HandshakeChannel.serverWith(meters.handler)) {
            ws.channel.pipeline().remove(meters.handler);

            assertThat(meters.active()).isZero();
            ws.tcpCloses();
            assertThat(meters.active()).isZero();
            assertThat(meters.closes()).isEmpty();
        }
    }

    @Test
    void bindingTwiceToOneRegistryIsRefused() {
        assertThatIllegalArgumentException().isThrownBy(() -> CloseMetrics.bindTo(meters.registry))
                .withMessage("close metrics already bound to this registry (websocket.connections.active exists): "
                        + "bind once per registry and add the same handler to every channel");
    }
}
