package io.github.wsclose;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.wsclose.WebSocketPeer.Http;
import io.netty.channel.Channel;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The peer's answer arrives right at the close timeout, on real loopback sockets. The moment
 * the peer answers is scheduled on the server channel's own event loop, at offsets around the
 * timeout, so the two race on the same clock. Whichever wins, exactly one close frame is sent
 * and exactly one report is fired, clean with our code or 1006 after the timeout. An answer
 * scheduled after the timeout always loses: both run on that one event loop, in deadline order.
 * The run must see both outcomes, or it did not test the race. Over HTTP/2 too, where the
 * timeout resets the stream (RST_STREAM(CANCEL)) instead of closing TCP.
 */
@Tag(TestTransport.TAG)
class TimeoutRaceTest {

    private static final Duration CLOSE_TIMEOUT = Duration.ofMillis(60);
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
            for (long offset = FIRST_OFFSET_MICROS; offset <= LAST_OFFSET_MICROS; offset += STEP_MICROS) {
                try (WebSocketPeer peer = http.connect(server)) {
                    TestServer.Connection connection = server.nextConnection();
                    CompletableFuture<Void> answerNow = closeAndScheduleTheAnswer(connection.channel(), offset);

                    assertThat(peer.readFrame()).isEqualTo(WireFrame.close(1000, "race"));
                    answerNow.get(10, TimeUnit.SECONDS);
                    try {
                        peer.send(WireFrame.close(1000, "race"));
                    } catch (IOException closedAlready) {
                        // the timeout won by far: the server has closed TCP, or reset the stream
                    }
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

    /** Closes on the event loop, and completes the returned future {@code offsetMicros} from the close timeout. */
    private static CompletableFuture<Void> closeAndScheduleTheAnswer(Channel channel, long offsetMicros) {
        CompletableFuture<Void> answerNow = new CompletableFuture<>();
        channel.eventLoop().execute(() -> {
            channel.writeAndFlush(OURS); // schedules the close timeout, now
            channel.eventLoop().schedule(() -> answerNow.complete(null),
                    TimeUnit.MILLISECONDS.toMicros(CLOSE_TIMEOUT.toMillis()) + offsetMicros, TimeUnit.MICROSECONDS);
        });
        return answerNow;
    }
}
