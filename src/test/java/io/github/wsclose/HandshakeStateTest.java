package io.github.wsclose;

import static io.github.wsclose.CloseReport.Cause.APPLICATION;
import static io.github.wsclose.CloseReport.Cause.CLOSE_TIMEOUT;
import static io.github.wsclose.CloseReport.Cause.DRAIN;
import static io.github.wsclose.CloseReport.Cause.PEER;
import static io.github.wsclose.CloseReport.Cause.PROTOCOL_ERROR;
import static io.github.wsclose.CloseReport.Cause.TRANSPORT;
import static io.github.wsclose.CloseReport.HttpVersion.HTTP_1_1;
import static io.github.wsclose.CloseReport.Initiator.LOCAL;
import static io.github.wsclose.CloseReport.Initiator.REMOTE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import io.github.wsclose.CloseReason.Codes;
import io.github.wsclose.HandshakeState.State;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The transitions of the closing handshake as pure functions, without a channel. */
class HandshakeStateTest {

    private static final CloseReason BYE = new CloseReason(Codes.NORMAL, "bye");
    private static final CloseReason NORMAL = new CloseReason(Codes.NORMAL, "");
    private static final CloseReason NONE_RECEIVED = new CloseReason(Codes.CLOSED_ABNORMALLY, "");
    private static final long START = 1_000;
    private static final long END = START + Duration.ofMillis(7).toNanos();

    @Test
    void upgradeOpensAndNothingElseDoes() {
        assertThat(HandshakeState.AWAITING_UPGRADE.upgraded()).isSameAs(HandshakeState.OPEN);
        assertThat(HandshakeState.OPEN.upgraded()).isSameAs(HandshakeState.OPEN);
        assertThat(HandshakeState.AWAITING_UPGRADE.started(PEER, START)).isSameAs(HandshakeState.AWAITING_UPGRADE);
    }

    @Test
    void peerFirstThenOurAnswerIsACleanCloseStartedByThePeer() {
        HandshakeState closed = HandshakeState.OPEN.started(PEER, START).withReceived(BYE).withSent(NORMAL)
                .troubled(TRANSPORT, END).closed();

        assertThat(closed.state()).isEqualTo(State.CLOSED);
        assertThat(closed.report(END, null, HTTP_1_1)).isEqualTo(new CloseReport(BYE, BYE, NORMAL, REMOTE, true, Duration.ofMillis(7), PEER, null));
    }

    @Test
    void oursFirstThenTheAnswerIsACleanCloseStartedByThisEnd() {
        HandshakeState closed = HandshakeState.OPEN.started(APPLICATION, START).withSent(BYE).withReceived(NORMAL).closed();

        assertThat(closed.report(END, null, HTTP_1_1))
                .isEqualTo(new CloseReport(NORMAL, NORMAL, BYE, LOCAL, true, Duration.ofMillis(7), APPLICATION, null));
    }

    @Test
    void aSecondStartChangesNothing() {
        HandshakeState closing = HandshakeState.OPEN.started(APPLICATION, START).withSent(BYE);

        assertThat(closing.started(PEER, END)).isSameAs(closing);
    }

    @Test
    void troubleBeforeTheAnswerReplacesAnOrderlyCause() {
        HandshakeState closing = HandshakeState.OPEN.started(APPLICATION, START).withSent(BYE);

        assertThat(closing.troubled(CLOSE_TIMEOUT, END).troubled(TRANSPORT, END).report(END, null, HTTP_1_1))
                .isEqualTo(new CloseReport(NONE_RECEIVED, null, BYE, LOCAL, false, Duration.ofMillis(7), CLOSE_TIMEOUT, null));
    }

    @Test
    void troubleLeavesEveryCauseButAnOrderlyOneAsItWas() {
        HandshakeState drained = HandshakeState.OPEN.started(DRAIN, START).withSent(BYE);
        HandshakeState failed = HandshakeState.OPEN.started(PROTOCOL_ERROR, START).withSent(BYE);

        assertThat(drained.troubled(CLOSE_TIMEOUT, END).cause()).isEqualTo(DRAIN);
        assertThat(failed.troubled(TRANSPORT, END).cause()).isEqualTo(PROTOCOL_ERROR);
    }

    @Test
    void troubleAfterTheHandshakeCompletedChangesNothing() {
        HandshakeState complete = HandshakeState.OPEN.started(PEER, START).withReceived(BYE).withSent(NORMAL);

        assertThat(complete.troubled(CLOSE_TIMEOUT, END)).isEqualTo(complete);
        assertThat(complete.withFailure(new IOException("reset")).troubled(TRANSPORT, END).cause())
                .as("unless a failure spoiled it").isEqualTo(TRANSPORT);
    }

    @Test
    void theFirstFailureIsKept() {
        IOException first = new IOException("first");

        HandshakeState failed = HandshakeState.OPEN.withFailure(first).withFailure(new IOException("second"));

        assertThat(failed.failure()).isSameAs(first);
    }

    @Test
    void tcpLostWhileOpenIsAnUncleanCloseOfThePeerThatTookNoTime() {
        IOException reset = new IOException("reset");

        HandshakeState closed = HandshakeState.OPEN.withFailure(reset).troubled(TRANSPORT, START).closed();

        assertThat(closed.report(END, null, HTTP_1_1))
                .isEqualTo(new CloseReport(NONE_RECEIVED, null, null, REMOTE, false, Duration.ZERO, TRANSPORT, reset));
    }

    @Test
    void theReportSaysWhichHttpVersionCarriedTheConnection() {
        HandshakeState closed = HandshakeState.OPEN.started(PEER, START).withReceived(BYE).withSent(NORMAL).closed();

        assertThat(closed.report(END, null, CloseReport.HttpVersion.HTTP_2)).isEqualTo(new CloseReport(BYE, BYE, NORMAL, REMOTE,
                true, Duration.ofMillis(7), PEER, null, null, CloseReport.HttpVersion.HTTP_2));
        assertThat(closed.report(END, null, HTTP_1_1).httpVersion()).isEqualTo(CloseReport.HttpVersion.HTTP_1_1);
    }

    @Test
    void troubleWhileOpenOtherThanTheTransportIsThisEnds() {
        assertThat(HandshakeState.OPEN.troubled(CLOSE_TIMEOUT, START).initiator()).isEqualTo(LOCAL);
    }

    @Test
    void noReportBeforeACloseStarted() {
        assertThatIllegalStateException().isThrownBy(() -> HandshakeState.OPEN.report(END, null, HTTP_1_1));
    }
}
