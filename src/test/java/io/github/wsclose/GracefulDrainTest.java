package io.github.wsclose;

import static io.github.wsclose.CloseReport.Initiator.LOCAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.github.wsclose.CloseReason.Codes;
import io.netty.channel.DefaultChannelId;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link GracefulDrain} over a group of connections on embedded channels, whose clocks the test moves. */
class GracefulDrainTest {

    private static final CloseReason RESTART = new CloseReason(Codes.SERVICE_RESTART, "deploy");
    private static final CloseReason ANSWER = new CloseReason(Codes.SERVICE_RESTART, "");

    private final ChannelGroup group = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final List<HandshakeChannel> connections = new ArrayList<>();

    @AfterEach
    void releaseAll() {
        connections.forEach(HandshakeChannel::close);
    }

    @Test
    void connectionsThatAnswerCountAsClean() {
        List<HandshakeChannel> answering = List.of(connect(), connect(), connect());

        CompletableFuture<GracefulDrain.Result> drained = GracefulDrain.drain(group, RESTART, Duration.ofSeconds(10));
        runPendingTasks();

        for (HandshakeChannel ws : answering) {
            assertThat(ws.sentClose()).isEqualTo(RESTART);
            assertThat(drained).isNotDone();
            ws.advance(Duration.ofMillis(5));
            ws.peerSends(ANSWER);
        }

        assertThat(drained).isCompleted();
        assertThat(counts(drained.join())).containsExactly(3, 3, 0, 0);
        assertThat(answering).allSatisfy(ws -> assertThat(ws.report())
                .isEqualTo(new CloseReport(ANSWER, ANSWER, RESTART, LOCAL, true, Duration.ofMillis(5), CloseReport.Cause.DRAIN, null)));
    }

    @Test
    void connectionStillOpenAtTheDeadlineIsForcedClosed() {
        HandshakeChannel answering = connect();
        HandshakeChannel silent = connect();
        Duration deadline = Duration.ofMillis(200);

        CompletableFuture<GracefulDrain.Result> drained = GracefulDrain.drain(group, RESTART, deadline);
        runPendingTasks();
        answering.peerSends(ANSWER);
        silent.advance(deadline.minusMillis(1));

        assertThat(silent.sentClose()).isEqualTo(RESTART);
        assertThat(silent.channel.isOpen()).isTrue();
        assertThat(drained).isNotDone();

        silent.advance(Duration.ofMillis(1));

        assertThat(silent.channel.isOpen()).isFalse();
        assertThat(drained).isCompleted();
        assertThat(counts(drained.join())).containsExactly(2, 1, 0, 1);
        CloseReason noneReceived = new CloseReason(Codes.CLOSED_ABNORMALLY, "");
        assertThat(silent.report()).isEqualTo(
                new CloseReport(noneReceived, null, RESTART, LOCAL, false, deadline, CloseReport.Cause.DRAIN, null));
        assertThat(answering.report().clean()).isTrue();
    }

    @Test
    void connectionLostBeforeTheDeadlineCountsAsUnclean() {
        HandshakeChannel answering = connect();
        HandshakeChannel lost = connect();

        CompletableFuture<GracefulDrain.Result> drained = GracefulDrain.drain(group, RESTART, Duration.ofSeconds(10));
        runPendingTasks();
        answering.peerSends(ANSWER);
        lost.tcpCloses();

        assertThat(drained).isCompleted();
        assertThat(counts(drained.join())).containsExactly(2, 1, 1, 0);
    }

    @Test
    void zeroDeadlineSendsEveryCloseFrameThenClosesAtOnce() {
        List<HandshakeChannel> silent = List.of(connect(), connect());

        CompletableFuture<GracefulDrain.Result> drained = GracefulDrain.drain(group, RESTART, Duration.ZERO);
        runPendingTasks();

        assertThat(drained).isCompleted();
        assertThat(counts(drained.join())).containsExactly(2, 0, 0, 2);
        assertThat(silent).allSatisfy(ws -> assertThat(ws.sentClose()).isEqualTo(RESTART));
    }

    @Test
    void channelsThatAreNotWebSocketConnectionsAreClosedAndNotCounted() {
        HandshakeChannel ws = connect();
        HandshakeChannel beforeUpgrade = HandshakeChannel.serverPipeline(ClosingHandshakeConfig.server());
        connections.add(beforeUpgrade);
        group.add(beforeUpgrade.channel);
        EmbeddedChannel plain = new EmbeddedChannel(DefaultChannelId.newInstance());
        group.add(plain);

        CompletableFuture<GracefulDrain.Result> drained = GracefulDrain.drain(group, RESTART, Duration.ofSeconds(10));
        runPendingTasks();
        ws.peerSends(ANSWER);

        assertThat(drained).isCompleted();
        assertThat(counts(drained.join())).containsExactly(1, 1, 0, 0);
        assertThat(plain.isOpen()).isFalse();
        assertThat(beforeUpgrade.channel.isOpen()).isFalse();
        assertThat(beforeUpgrade.sentBytes()).isEmpty();
    }

    @Test
    void emptyGroupIsDrainedAtOnce() {
        CompletableFuture<GracefulDrain.Result> drained = GracefulDrain.drain(group, RESTART, Duration.ofSeconds(10));

        assertThat(drained).isCompleted();
        assertThat(counts(drained.join())).containsExactly(0, 0, 0, 0);
    }

    @Test
    void unsendableReasonAndNegativeDeadlineAreRejected() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> GracefulDrain.drain(group, new CloseReason(Codes.CLOSED_ABNORMALLY, ""), Duration.ZERO));
        assertThatIllegalArgumentException()
                .isThrownBy(() -> GracefulDrain.drain(group, RESTART, Duration.ofMillis(-1)))
                .withMessage("deadline must not be negative: PT-0.001S");
    }

    private HandshakeChannel connect() {
        HandshakeChannel ws = HandshakeChannel.server();
        connections.add(ws);
        group.add(ws.channel);
        return ws;
    }

    private void runPendingTasks() {
        connections.forEach(ws -> ws.channel.runPendingTasks());
    }

    /** Connections, clean, unclean and forced, in that order. */
    private static List<Integer> counts(GracefulDrain.Result result) {
        return List.of(result.connections(), result.clean(), result.unclean(), result.forced());
    }
}
