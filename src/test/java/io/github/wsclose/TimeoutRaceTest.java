package io.github.wsclose;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.wsclose.WebSocketPeer.Http;
import io.netty.channel.Channel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The peer's answer arrives right at the close timeout, on real loopback sockets. The peer's
 * answer is written by a task scheduled on the server channel's own event loop, at offsets around
 * the timeout, so the two race on the same clock, and no other thread's wake-up stands between
 * them: the answer is in the server's socket when the task ends, and read at the loop's next turn.
 * Whichever wins, exactly one close frame is sent and exactly one report is fired, clean with our
 * code or 1006 after the timeout. An answer scheduled after the timeout always loses: both run on
 * that one event loop, in deadline order. The run must see both outcomes, or it did not test the
 * race. Over HTTP/2 too, where the timeout resets the stream (RST_STREAM(CANCEL)) instead of
 * closing TCP.
 */
@Tag(TestTransport.TAG)
class TimeoutRaceTest {

    private static final Duration CLOSE_TIMEOUT = Duration.ofMillis(60);
    /**
     * The earliest offsets, a millisecond apart: on a loaded machine the loop may run the answer's task late, together
     * with the timeout's, and then the timeout wins; these leave the answer a margin that such delays do not eat.
     */
    private static final long EARLY_OFFSET_MICROS = -20_000;
    private static final long EARLY_STEP_MICROS = 1_000;
    /** From here on the offsets are {@link #STEP_MICROS} apart, across the moment of the timeout. */
    private static final long FIRST_OFFSET_MICROS = -8_000;
    private static final long LAST_OFFSET_MICROS = 2_000;
    private static final long STEP_MICROS = 250;
    private static final CloseReason OURS = new CloseReason(CloseReason.Codes.NORMAL, "race");

    @ParameterizedTest
    @EnumSource(Http.class)
    void peersAnswerRacingTheCloseTimeoutEndsInOneReport(Http http) throws Exception {
        int answered = 0;
        int timedOut = 0;
        try (TestServer server = TestServer.builder().config(ClosingHandshakeConfig.server().withCloseTimeout(CLOSE_TIMEOUT)).over(http).start()) {
            for (long offset = EARLY_OFFSET_MICROS; offset <= LAST_OFFSET_MICROS;
                    offset += offset < FIRST_OFFSET_MICROS ? EARLY_STEP_MICROS : STEP_MICROS) {
                try (WebSocketPeer peer = http.connect(server)) {
                    TestServer.Connection connection = server.nextConnection();
                    closeAndScheduleTheAnswer(connection.channel(), peer, offset).get(10, TimeUnit.SECONDS);

                    // the peer is the test thread's again: the loop is done with it
                    assertThat(peer.readFrame()).isEqualTo(WireFrame.close(1000, "race"));
                    assertThat(peer.readUntilClosed().frames()).as("offset %s µs: frames after the close frame", offset).isEmpty();

                    CloseReport report = connection.report();
                    if (offset >= 0) {
                        assertThat(report.clean()).as("offset %s µs: the timeout runs first on the loop: %s", offset, report).isFalse();
                    }
                    if (report.clean()) {
                        answered++;
                        assertThat(report.reason()).isEqualTo(OURS);
                        assertThat(report.sent()).isEqualTo(OURS);
                    } else {
                        timedOut++;
                        assertThat(report.reason()).as("offset %s µs", offset).isEqualTo(new CloseReason(
                                CloseReason.Codes.CLOSED_ABNORMALLY, ""));
                        assertThat(report.cause()).isEqualTo(CloseReport.Cause.CLOSE_TIMEOUT);
                    }
                    assertThat(report.initiator()).isEqualTo(CloseReport.Initiator.LOCAL);
                }
            }
        }
        System.out.println("fault: answer racing the close timeout over " + http + ": " + (answered + timedOut) + " races, answered in time "
                + answered + ", timed out " + timedOut);
        assertThat(answered).as("races the answer won").isPositive();
        assertThat(timedOut).as("races the timeout won").isPositive();
    }

    /**
     * Closes on the event loop, and has {@code peer} answer from a task on that loop {@code offsetMicros} from the close
     * timeout; the returned future completes once the answer is written, or failed to be (the timeout won by far: the
     * server has closed TCP, or reset the stream). The peer is not thread-safe: the caller leaves it alone until then.
     */
    private static CompletableFuture<Void> closeAndScheduleTheAnswer(Channel channel, WebSocketPeer peer, long offsetMicros) {
        CompletableFuture<Void> answered = new CompletableFuture<>();
        channel.eventLoop().execute(() -> {
            channel.writeAndFlush(OURS); // schedules the close timeout, now
            channel.eventLoop().schedule(() -> {
                peer.sendKeepingFailure(List.of(WireFrame.close(1000, "race"))); // a few bytes: the socket's buffer takes them at once
                answered.complete(null);
            }, TimeUnit.MILLISECONDS.toMicros(CLOSE_TIMEOUT.toMillis()) + offsetMicros, TimeUnit.MICROSECONDS);
        });
        return answered;
    }
}
