package io.github.wsclose;

import static io.github.wsclose.CloseReport.Initiator.LOCAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import io.github.wsclose.CloseReason.Codes;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.DefaultChannelId;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link GracefulDrain} over connections on embedded channels, whose clocks the test moves: its lifecycle, the
 * readiness delay, the spread window and its shortening, the deadline, and the notice before each close frame.
 */
class GracefulDrainTest {

    private static final CloseReason RESTART = new CloseReason(Codes.SERVICE_RESTART, "deploy");
    private static final CloseReason ANSWER = new CloseReason(Codes.SERVICE_RESTART, "");

    private final ChannelGroup group = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final List<HandshakeChannel> connections = new ArrayList<>();

    private final EmbeddedChannel timer = new EmbeddedChannel();

    @AfterEach
    void releaseAll() {
        connections.forEach(HandshakeChannel::close);
        timer.finishAndReleaseAll();
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
        plain.runPendingTasks(); // closed on its event loop, at its moment of the drain
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

    @Test
    void lifecycleGoesFromServingToDrainingToDrainedAndRunsOnce() {
        GracefulDrain drain = drainOnVirtualTime();
        HandshakeChannel ws = join(drain, connect());
        assertThat(drain.phase()).isEqualTo(GracefulDrain.Phase.SERVING);

        CompletableFuture<GracefulDrain.Result> drained = drain.start(DrainPlan.of(RESTART, Duration.ofSeconds(10)));

        assertThat(drain.phase()).as("at once, before any close frame").isEqualTo(GracefulDrain.Phase.DRAINING);
        assertThatIllegalStateException().isThrownBy(() -> drain.start(DrainPlan.of(RESTART, Duration.ZERO)))
                .withMessage("drain already started: DRAINING");
        runPendingTasks();
        ws.peerSends(ANSWER);
        assertThat(drained).isCompleted();
        assertThat(drain.phase()).isEqualTo(GracefulDrain.Phase.DRAINED);
    }

    @Test
    void noCloseFrameBeforeTheReadinessDelayAndNoEndBeforeItEvenWithoutConnections() {
        GracefulDrain drain = drainOnVirtualTime();
        HandshakeChannel ws = join(drain, connect());
        Duration delay = Duration.ofSeconds(2);

        CompletableFuture<GracefulDrain.Result> drained = drain.start(DrainPlan.of(RESTART, Duration.ofSeconds(10)).withReadinessDelay(delay));
        ws.advance(delay.minusMillis(1));
        assertThat(ws.sentCloses()).isEmpty();
        ws.advance(Duration.ofMillis(1));
        assertThat(ws.sentClose()).isEqualTo(RESTART);
        ws.peerSends(ANSWER);
        assertThat(drained).as("the connection closed, the readiness delay is not over").isNotDone();

        advanceTimer(delay);

        assertThat(drained).isCompletedWithValueMatching(result -> result.readinessDelay().equals(delay) && result.clean() == 1);
    }

    @Test
    void closeFramesGoOnePerSlotOfTheSpreadWindow() {
        GracefulDrain drain = drainOnVirtualTime();
        int connections = 10;
        List<HandshakeChannel> spread = joined(drain, connections);
        Duration delay = Duration.ofSeconds(1);
        Duration window = Duration.ofSeconds(1); // 10 slots of 100 ms
        CompletableFuture<GracefulDrain.Result> drained = drain.start(
                DrainPlan.of(RESTART, Duration.ofSeconds(10)).withReadinessDelay(delay).withSpread(window));

        List<Long> sentAtMillis = new ArrayList<>();
        for (long millis = 1; millis <= delay.plus(window).toMillis(); millis++) {
            for (HandshakeChannel ws : spread) {
                ws.advance(Duration.ofMillis(1));
                if (!ws.sentCloses().isEmpty()) {
                    sentAtMillis.add(millis);
                    ws.peerSends(ANSWER);
                }
            }
        }
        advanceTimer(delay);

        assertThat(sentAtMillis).as("every connection's close frame, in order").hasSize(connections).isSorted();
        for (int slot = 0; slot < connections; slot++) {
            long slotStart = delay.toMillis() + slot * window.toMillis() / connections;
            assertThat(sentAtMillis.get(slot)).as("slot %d", slot).isBetween(slotStart, slotStart + window.toMillis() / connections);
        }
        assertThat(drained).isCompletedWithValueMatching(result -> result.clean() == connections
                && result.spread().equals(window) && !result.spreadShortened());
    }

    @Test
    void closeFramesDueTogetherAfterAPauseTakeTheNextFreeSlotsOneByOne() {
        GracefulDrain drain = drainOnVirtualTime();
        int connections = 10;
        List<HandshakeChannel> spread = joined(drain, connections);
        Duration window = Duration.ofSeconds(1); // slots of 100 ms
        CompletableFuture<GracefulDrain.Result> drained = drain.start(DrainPlan.of(RESTART, Duration.ofSeconds(10)).withSpread(window));

        Duration pause = Duration.ofMillis(600); // the event loops ran nothing: six close frames fell due meanwhile
        List<Long> sentAtMillis = new ArrayList<>();
        for (HandshakeChannel ws : spread) {
            ws.advance(pause);
            if (!ws.sentCloses().isEmpty()) {
                sentAtMillis.add(pause.toMillis());
                ws.peerSends(ANSWER);
            }
        }
        for (long millis = pause.toMillis() + 1; millis <= 2 * window.toMillis(); millis++) {
            for (HandshakeChannel ws : spread) {
                ws.advance(Duration.ofMillis(1));
                if (!ws.sentCloses().isEmpty()) {
                    sentAtMillis.add(millis);
                    ws.peerSends(ANSWER);
                }
            }
        }

        assertThat(sentAtMillis).as("one at the end of the pause, then one per slot").hasSize(connections)
                .containsExactly(600L, 700L, 800L, 900L, 1000L, 1100L, 1200L, 1300L, 1400L, 1500L);
        assertThat(drained).isCompletedWithValueMatching(result -> result.clean() == connections);
    }

    @Test
    void closeFramesLateAfterAPauseWaitNoLongerThanTheirCloseTimeoutAllowsBeforeTheDeadline() {
        GracefulDrain drain = drainOnVirtualTime();
        List<HandshakeChannel> spread = joined(drain, 10);
        Duration deadline = ClosingHandshakeConfig.DEFAULT_CLOSE_TIMEOUT.plusSeconds(1); // the last turn: at 1 s
        CompletableFuture<GracefulDrain.Result> drained = drain.start(DrainPlan.of(RESTART, deadline).withSpread(Duration.ofSeconds(1)));

        for (HandshakeChannel ws : spread) {
            ws.advance(Duration.ofMillis(900)); // a pause: nine of ten are late, and the slots left run out at 1 s
        }
        for (HandshakeChannel ws : spread) {
            ws.advance(Duration.ofMillis(100));
        }

        for (HandshakeChannel ws : spread) {
            assertThat(ws.sentClose()).as("sent by the last turn, 1 s").isEqualTo(RESTART);
            ws.peerSends(ANSWER);
        }
        assertThat(drained).isCompletedWithValueMatching(result -> result.clean() == 10 && result.forced() == 0);
    }

    @Test
    void spreadIsShortenedSoThatTheLastCloseHasItsCloseTimeoutBeforeTheDeadline() {
        GracefulDrain drain = drainOnVirtualTime();
        List<HandshakeChannel> silent = joined(drain, 3);
        Duration closeTimeout = ClosingHandshakeConfig.DEFAULT_CLOSE_TIMEOUT; // 5 s
        Duration deadline = Duration.ofSeconds(8);

        CompletableFuture<GracefulDrain.Result> drained = drain.start(DrainPlan.of(RESTART, deadline)
                .withReadinessDelay(Duration.ofSeconds(1)).withSpread(Duration.ofSeconds(10)));
        for (HandshakeChannel ws : silent) {
            ws.advance(Duration.ofSeconds(3)); // delay + what is left of the window: 8 - 1 - 5 s
            assertThat(ws.sentClose()).isEqualTo(RESTART);
            ws.advance(closeTimeout);
            assertThat(ws.report().cause()).as("a silent peer: closed by its own close timeout, before the deadline")
                    .isEqualTo(CloseReport.Cause.DRAIN);
        }
        advanceTimer(Duration.ofSeconds(1));

        assertThat(drained).isCompletedWithValueMatching(result -> result.spreadShortened() && result.spread().equals(Duration.ofSeconds(2))
                && result.forced() == 0 && result.unclean() == 3);
    }

    @Test
    void readinessDelayPastTheDeadlineIsCutToIt() {
        GracefulDrain drain = drainOnVirtualTime();
        HandshakeChannel silent = join(drain, connect());
        Duration deadline = Duration.ofSeconds(2);

        CompletableFuture<GracefulDrain.Result> drained = drain.start(
                DrainPlan.of(RESTART, deadline).withReadinessDelay(Duration.ofSeconds(5)).withSpread(Duration.ofSeconds(5)));
        silent.advance(deadline);
        advanceTimer(deadline);

        assertThat(silent.sentClose()).as("sent at the deadline, and closed at once").isEqualTo(RESTART);
        assertThat(drained).isCompletedWithValueMatching(result -> result.forced() == 1 && result.readinessDelay().equals(deadline)
                && result.spread().isZero() && result.spreadShortened());
    }

    @Test
    void applicationHearsOfTheDrainRightBeforeTheCloseFrameAndMaySendALastMessage() {
        ChannelInboundHandlerAdapter lastWord = new ChannelInboundHandlerAdapter() {
            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                if (evt instanceof DrainNotice notice) {
                    ctx.writeAndFlush(new TextWebSocketFrame("reconnect in a moment: " + notice.reason().code()));
                }
                ctx.fireUserEventTriggered(evt);
            }
        };
        HandshakeChannel ws = HandshakeChannel.serverWith(lastWord);
        connections.add(ws);
        group.add(ws.channel);

        CompletableFuture<GracefulDrain.Result> drained = GracefulDrain.drain(group, RESTART, Duration.ofSeconds(10));
        runPendingTasks();

        TextWebSocketFrame last = ws.channel.readOutbound();
        assertThat(last.text()).as("before the close frame").isEqualTo("reconnect in a moment: 1012");
        last.release();
        assertThat(ws.sentClose()).isEqualTo(RESTART);
        assertThat(ws.events()).first().isEqualTo(new DrainNotice(RESTART));
        ws.peerSends(ANSWER);
        assertThat(drained).isCompletedWithValueMatching(result -> result.clean() == 1);
    }

    @Test
    void connectionAlreadyClosingGetsNoNotice() {
        HandshakeChannel closing = connect();
        closing.applicationCloses();
        assertThat(closing.sentClose()).isEqualTo(ClosingHandshakeConfig.server().closeReasonOnClose());

        CompletableFuture<GracefulDrain.Result> drained = GracefulDrain.drain(group, RESTART, Duration.ofSeconds(10));
        runPendingTasks();
        closing.peerSends(ANSWER);

        assertThat(closing.events()).doesNotHaveAnyElementsOfTypes(DrainNotice.class);
        assertThat(closing.report().cause()).isEqualTo(CloseReport.Cause.APPLICATION);
        assertThat(drained).isCompletedWithValueMatching(result -> result.clean() == 1);
    }

    @Test
    void planRejectsWhatCannotBeSentAndNegativeDurations() {
        assertThatIllegalArgumentException().isThrownBy(() -> DrainPlan.of(new CloseReason(Codes.CLOSED_ABNORMALLY, ""), Duration.ZERO));
        assertThatIllegalArgumentException().isThrownBy(() -> DrainPlan.of(RESTART, Duration.ZERO).withSpread(Duration.ofMillis(-1)))
                .withMessage("spread must not be negative: PT-0.001S");
        assertThatIllegalArgumentException().isThrownBy(() -> DrainPlan.of(RESTART, Duration.ZERO).withReadinessDelay(Duration.ofMillis(-1)))
                .withMessage("readinessDelay must not be negative: PT-0.001S");
        assertThatIllegalArgumentException().isThrownBy(() -> new GracefulDrain("ready"))
                .withMessage("readinessPath must start with /: \"ready\"");
    }

    /** A drain whose readiness delay runs on {@link #timer}'s virtual clock. */
    private GracefulDrain drainOnVirtualTime() {
        timer.freezeTime();
        return new GracefulDrain(null, timer.eventLoop());
    }

    /** {@code count} new connections, each joined to {@code drain}. */
    private List<HandshakeChannel> joined(GracefulDrain drain, int count) {
        List<HandshakeChannel> joined = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            joined.add(join(drain, connect()));
        }
        return joined;
    }

    private static HandshakeChannel join(GracefulDrain drain, HandshakeChannel ws) {
        drain.join(ws.channel);
        return ws;
    }

    private void advanceTimer(Duration time) {
        timer.advanceTimeBy(time.toNanos(), TimeUnit.NANOSECONDS);
        timer.runScheduledPendingTasks();
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
