package io.github.wsclose;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The one timer per event loop behind the keepalive and idle timeouts: its period, and connections that join and
 * leave it in any order, each still ticked.
 */
class ConnectionSweepTest {

    private static final ServerProtection DEFAULTS = ServerProtection.defaults();

    @Test
    void periodIsATenthOfTheShortestTimeoutWithinBounds() {
        assertThat(ConnectionSweep.periodFor(DEFAULTS)).as("20 s timeouts").isEqualTo(Duration.ofSeconds(1));
        assertThat(ConnectionSweep.periodFor(DEFAULTS.withPingInterval(Duration.ofSeconds(1)))).isEqualTo(Duration.ofMillis(100));
        assertThat(ConnectionSweep.periodFor(DEFAULTS.withPingInterval(Duration.ZERO).withPongTimeout(Duration.ZERO)
                .withIdleTimeout(Duration.ofMillis(300)))).as("the idle timeout alone").isEqualTo(Duration.ofMillis(30));
        assertThat(ConnectionSweep.periodFor(DEFAULTS.withPingInterval(Duration.ofMillis(20)))).isEqualTo(Duration.ofMillis(10));
        assertThat(ConnectionSweep.periodFor(DEFAULTS.withPingInterval(Duration.ofHours(1)).withPongTimeout(Duration.ofHours(1))))
                .isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void connectionsShareTheSweepOfTheirLoopAndLeaveInAnyOrder() {
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.freezeTime();
        ClosingHandshakeHandler handshake = new ClosingHandshakeHandler(ClosingHandshakeConfig.server());
        channel.pipeline().addLast(handshake);
        List<ConnectionGuard> guards = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            guards.add(new ConnectionGuard(ServerOptions.DEFAULTS.protection(), ServerOptions.DEFAULTS.maxMessageBytes(), true, handshake));
            channel.pipeline().addFirst(guards.get(i));
        }
        Duration period = ConnectionSweep.periodFor(DEFAULTS);
        assertThat(ConnectionSweep.size(channel.eventLoop(), period)).isEqualTo(3);

        channel.pipeline().remove(guards.get(1)); // from the middle: the last takes its place
        channel.advanceTimeBy(DEFAULTS.pingInterval().toNanos(), TimeUnit.NANOSECONDS);
        channel.runScheduledPendingTasks();
        assertThat(pingsWritten(channel)).as("both guards left pinged").isEqualTo(2);

        channel.pipeline().remove(guards.get(0));
        assertThat(ConnectionSweep.size(channel.eventLoop(), period)).isOne();
        channel.pipeline().remove(guards.get(2));
        assertThat(ConnectionSweep.size(channel.eventLoop(), period)).isZero();
        channel.finishAndReleaseAll();
    }

    private static int pingsWritten(EmbeddedChannel channel) {
        int pings = 0;
        for (Object written = channel.readOutbound(); written != null; written = channel.readOutbound()) {
            assertThat(written).isInstanceOf(PingWebSocketFrame.class);
            ReferenceCountUtil.release(written);
            pings++;
        }
        return pings;
    }
}
