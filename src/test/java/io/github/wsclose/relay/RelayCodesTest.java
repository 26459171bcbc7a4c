package io.github.wsclose.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.wsclose.CloseReason;
import io.github.wsclose.CloseReport;
import io.github.wsclose.CloseReport.Cause;
import io.github.wsclose.CloseReport.Initiator;
import io.github.wsclose.relay.RelayCodes.Side;
import java.time.Duration;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The relay's close code mapping as one table (docs/relay.md prints the same): what a close on
 * one hop becomes on the other, for every code class and both directions, and what a hop that
 * ended without a close frame becomes.
 */
class RelayCodesTest {

    /** {received, to, sent}: each code that may be sent goes on unchanged, the others as a gone peer. */
    static Stream<Arguments> forwarded() {
        Stream<Arguments> sendable = IntStream.of(1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014,
                3000, 3999, 4000, 4999).boxed().flatMap(code -> Stream.of(
                        Arguments.of(CloseReason.of(code, "why"), Side.CLIENT, CloseReason.of(code, "why")),
                        Arguments.of(CloseReason.of(code, "why"), Side.UPSTREAM, CloseReason.of(code, "why"))));
        Stream<Arguments> mapped = Stream.of(
                Arguments.of(CloseReason.of(1005, ""), Side.CLIENT, CloseReason.of(1005, "")), // an empty close stays empty
                Arguments.of(CloseReason.of(1005, ""), Side.UPSTREAM, CloseReason.of(1005, "")),
                Arguments.of(CloseReason.of(1005, "x"), Side.CLIENT, CloseReason.of(1014, "upstream gone: closed with 1005")),
                Arguments.of(CloseReason.of(1006, ""), Side.CLIENT, CloseReason.of(1014, "upstream gone: closed with 1006")),
                Arguments.of(CloseReason.of(1006, ""), Side.UPSTREAM, CloseReason.of(1001, "client gone: closed with 1006")),
                Arguments.of(CloseReason.of(1015, ""), Side.CLIENT, CloseReason.of(1014, "upstream gone: closed with 1015")),
                Arguments.of(CloseReason.of(1015, ""), Side.UPSTREAM, CloseReason.of(1001, "client gone: closed with 1015")),
                Arguments.of(CloseReason.of(1004, ""), Side.CLIENT, CloseReason.of(1014, "upstream gone: closed with 1004")),
                Arguments.of(CloseReason.of(2999, ""), Side.UPSTREAM, CloseReason.of(1001, "client gone: closed with 2999")),
                Arguments.of(CloseReason.of(999, ""), Side.CLIENT, CloseReason.of(1014, "upstream gone: closed with 999")),
                Arguments.of(CloseReason.of(5000, ""), Side.UPSTREAM, CloseReason.of(1001, "client gone: closed with 5000")));
        return Stream.concat(sendable, mapped);
    }

    /** {cause of a hop's end without a close frame, to, sent}. */
    static Stream<Arguments> ended() {
        return Stream.of(
                Arguments.of(Cause.TRANSPORT, Side.CLIENT, CloseReason.of(1014, "upstream gone: transport")),
                Arguments.of(Cause.TRANSPORT, Side.UPSTREAM, CloseReason.of(1001, "client gone: transport")),
                Arguments.of(Cause.KEEPALIVE_TIMEOUT, Side.CLIENT, CloseReason.of(1014, "upstream gone: keepalive_timeout")),
                Arguments.of(Cause.PROTOCOL_ERROR, Side.UPSTREAM, CloseReason.of(1001, "client gone: protocol_error")),
                Arguments.of(Cause.CLOSE_TIMEOUT, Side.CLIENT, CloseReason.of(1014, "upstream gone: close_timeout")));
    }

    @ParameterizedTest(name = "{0} to the {1}: {2}")
    @MethodSource("forwarded")
    void aCloseFrameGoesOnUnchangedIfItMayBeSent(CloseReason received, Side to, CloseReason sent) {
        assertThat(RelayCodes.forward(to, received)).isEqualTo(sent);
        assertThat(sent.requireSendable()).isSameAs(sent);
    }

    @ParameterizedTest(name = "{0} to the {1}: {2}")
    @MethodSource("ended")
    void aHopThatEndedWithoutACloseFrameIsAGonePeer(Cause cause, Side to, CloseReason sent) {
        CloseReport report = new CloseReport(CloseReason.of(1006, ""), null, null, Initiator.REMOTE, false, Duration.ZERO, cause, null);
        assertThat(RelayCodes.ended(to, report)).isEqualTo(sent);
    }

    @ParameterizedTest(name = "{0} to the {1}: {2}")
    @MethodSource("forwarded")
    void aHopThatEndedWithACloseFrameForwardsIt(CloseReason received, Side to, CloseReason sent) {
        CloseReport report = new CloseReport(received, received, received, Initiator.REMOTE, true, Duration.ZERO, Cause.PEER, null);
        assertThat(RelayCodes.ended(to, report)).isEqualTo(sent);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("drains")
    void aDrainIsGoingAwayToTheUpstreamWithTheDrainsReason(CloseReason drain, CloseReason sent) {
        assertThat(RelayCodes.drained(drain)).isEqualTo(sent);
    }

    static Stream<Arguments> drains() {
        return Stream.of(
                Arguments.of(CloseReason.of(1001, "server shutting down"), CloseReason.of(1001, "server shutting down")),
                Arguments.of(CloseReason.of(1012, "restarting"), CloseReason.of(1001, "restarting")),
                Arguments.of(CloseReason.of(1013, ""), CloseReason.of(1001, "")));
    }
}
