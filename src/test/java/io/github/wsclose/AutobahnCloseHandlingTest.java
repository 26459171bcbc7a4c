package io.github.wsclose;

import static io.github.wsclose.WireFrame.close;
import static io.github.wsclose.WireFrame.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.github.wsclose.RawClient.TcpEnd;
import io.github.wsclose.RawClient.Transcript;
import io.github.wsclose.WebSocketPeer.Http;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Replays every case of section 7 ("Close Handling") of the Autobahn|Testsuite against a real
 * server built by {@link ServerPipeline#configure(io.netty.channel.ChannelPipeline, String,
 * ClosingHandshakeConfig, io.netty.channel.ChannelHandler...)} with the server defaults and an
 * echo application, over a {@link RawClient} on 127.0.0.1; and again over HTTP/2, against
 * {@link Http2ServerPipeline} with the same defaults and echo, each case on a stream of a
 * connection of its own ({@link WebSocketPeer}), where the end of TCP is the end of the stream
 * (RFC 8441 §5).
 *
 * <p>Each case sends the frames of the suite's definition and is graded more strictly than the
 * suite grades it:
 * <ul>
 *   <li>the frames received are exactly the expected echoes followed by exactly one close
 *       frame, and nothing after it;</li>
 *   <li>its code is the one we document (the suite accepts a set; the code must be in it too)
 *       and its reason valid UTF-8;</li>
 *   <li>the server closes TCP in order (FIN; over HTTP/2, END_STREAM) within {@link #CLOSE_DEADLINE}
 *       (1 s) of the last frame: no read may wait longer;</li>
 *   <li>on the server, the connection produced exactly one {@link CloseReport}, with that code,
 *       the expected initiator and cleanliness.</li>
 * </ul>
 *
 * <p>A few cases run once before the others, with generous timeouts, so that the deadline
 * measures the closing handshake of a warm server rather than class loading.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6455#section-7">RFC 6455 §7</a>
 */
@Tag(TestTransport.TAG)
class AutobahnCloseHandlingTest {

    /** The longest the server may leave us waiting for a frame or for the end of TCP. */
    static final Duration CLOSE_DEADLINE = Duration.ofSeconds(1);

    private static final WireFrame HELLO = text("Hello World!");
    private static final Set<String> WARM_UP = Set.of("7.1.1", "7.3.2", "7.13.1");

    private static final Map<Http, TestServer> SERVERS = new EnumMap<>(Http.class);

    @BeforeAll
    static void startServers() throws Exception {
        for (Http http : Http.values()) {
            // the aggregator makes it an echo of messages: a fragment is never echoed alone
            SERVERS.put(http, TestServer.builder()
                    .inFront(() -> new WebSocketFrameAggregator(ServerPipeline.DEFAULT_MAX_CONTENT_LENGTH))
                    .over(http)
                    .start());
            List<AutobahnCase> warmUp = cases().filter(c -> WARM_UP.contains(c.id())).toList();
            for (AutobahnCase c : warmUp) {
                exchange(http, c, RawClient.UPGRADE_TIMEOUT);
            }
        }
    }

    @AfterAll
    static void stopServers() {
        SERVERS.values().forEach(TestServer::close);
    }

    /** Each case over each HTTP version. */
    static Stream<Arguments> casesOverEachVersion() {
        return Stream.of(Http.values()).flatMap(http -> cases().map(c -> Arguments.of(http, c)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("casesOverEachVersion")
    void closeHandling(Http http, AutobahnCase c) throws Exception {
        Exchange exchange = exchange(http, c, CLOSE_DEADLINE);
        Transcript received = exchange.received();
        CloseReport report = exchange.report();

        String transcript = "received " + received;
        if (c.serverStopsReading()) {
            // the server refused a frame we were still writing: it may close before reading the rest,
            // and TCP then reports a reset and a failed write
            assertThat(received.end()).as(transcript).isIn(TcpEnd.EOF, TcpEnd.RESET);
        } else {
            assertThat(received.writeFailure()).as(transcript).isNull();
            assertThat(received.end()).as("how the server ended TCP within " + CLOSE_DEADLINE + "; " + transcript)
                    .isEqualTo(TcpEnd.EOF);
        }
        // at most one close frame, and we always send one
        assertThat(received.closeFrames()).as(transcript).hasSize(1);
        WireFrame closeFrame = received.closeFrames().get(0);
        assertThat(received.frames()).as(transcript).endsWith(closeFrame);
        assertThat(received.frames().subList(0, received.frames().size() - 1)).as("frames before the close frame")
                .containsExactlyElementsOf(c.echoes());
        assertThat(closeFrame.closeCode()).as("close code; " + transcript).isEqualTo(c.outcome().code());
        assertThatCode(closeFrame::closeReason).as("close reason is valid UTF-8").doesNotThrowAnyException();
        if (c.outcome().initiator() == CloseReport.Initiator.REMOTE) {
            assertThat(closeFrame.closeReason()).as("an echo repeats the code only").isEmpty();
        }
        if (!c.informational()) {
            assertThat(closeFrame.closeCode()).as("close code accepted by the suite").isIn(c.suiteAccepts());
        }

        // the connection's close code is the peer's close (§7.1.5); a connection this end failed received none
        CloseReason reportedClose = c.outcome().initiator() == CloseReport.Initiator.REMOTE ? report.received() : report.sent();
        assertThat(reportedClose).as("reported close frame; " + report).isNotNull();
        assertThat(reportedClose.unsignedCode()).as("reported code; " + report).isEqualTo(c.outcome().code());
        assertThat(report.reason().unsignedCode()).as("reported reason; " + report)
                .isEqualTo(c.outcome().initiator() == CloseReport.Initiator.REMOTE ? c.outcome().code() : 1006);
        assertThat(report.initiator()).as("reported initiator; " + report).isEqualTo(c.outcome().initiator());
        assertThat(report.clean()).as("reported cleanliness; " + report).isEqualTo(c.outcome().clean());
    }

    /**
     * Runs {@code c} over {@code http} on a new connection whose reads wait at most {@code readTimeout},
     * and returns what the client received and the one close report the server produced for it.
     */
    private static Exchange exchange(Http http, AutobahnCase c, Duration readTimeout) throws Exception {
        List<WireFrame> frames = new ArrayList<>();
        Transcript end;
        TestServer.Connection connection;
        TestServer server = SERVERS.get(http);
        try (WebSocketPeer client = http.connect(server).readTimeout(readTimeout)) {
            connection = server.nextConnection();
            client.sendKeepingFailure(c.sent());
            if (!c.sentAfterEchoes().isEmpty()) {
                frames.addAll(client.readDataFrames(c.echoes().size()));
                client.sendKeepingFailure(c.sentAfterEchoes());
            }
            end = client.readUntilClosed();
        }
        frames.addAll(end.frames());
        return new Exchange(new Transcript(List.copyOf(frames), end.end(), end.writeFailure()), connection.report());
    }

    static Stream<AutobahnCase> cases() {
        List<AutobahnCase> cases = new ArrayList<>();
        // 7.1: basic close behaviour; the suite expects a clean close with 1000 in each
        cases.add(new AutobahnCase("7.1.1", "text message, then close after its echo", List.of(HELLO), List.of(HELLO),
                List.of(close(1000)), Outcome.echoed(1000), Set.of(1000), false));
        cases.add(AutobahnCase.of("7.1.2", "two close frames: the second is ignored", Outcome.echoed(1000), Set.of(1000),
                close(1000), close(new byte[0])));
        cases.add(AutobahnCase.of("7.1.3", "ping after close: no pong", Outcome.echoed(1000), Set.of(1000),
                close(1000), WireFrame.of(WireFrame.PING, new byte[0])));
        cases.add(AutobahnCase.of("7.1.4", "text after close: not echoed", Outcome.echoed(1000), Set.of(1000),
                close(1000), HELLO));
        cases.add(AutobahnCase.of("7.1.5", "close between two fragments of a text message: nothing echoed",
                Outcome.echoed(1000), Set.of(1000),
                new WireFrame(false, 0, WireFrame.TEXT, bytes("fragment1")), close(1000),
                WireFrame.of(WireFrame.CONTINUATION, bytes("fragment2"))));
        // informational in the suite: it sends a 256 KiB text message, then text, close and ping back to back;
        // our default frame limit is 64 KiB, so the first frame is refused with 1009 and nothing after it is read
        cases.add(new AutobahnCase("7.1.6", "256 KiB text over the 64 KiB limit, text, close, ping: refused with 1009",
                List.of(WireFrame.of(WireFrame.TEXT, Arrays.copyOf(bytes("BAsd7&jh23".repeat(26215)), 256 * 1024)), HELLO, close(1000),
                        WireFrame.of(WireFrame.PING, new byte[0])),
                List.of(), List.of(), Outcome.failed(1009), Set.of(), true));

        // 7.3: close frame payload lengths
        cases.add(AutobahnCase.of("7.3.1", "empty close frame: answered with an empty close", Outcome.echoed(1005),
                Set.of(1000, 1005), close(new byte[0])));
        cases.add(AutobahnCase.of("7.3.2", "close payload of 1 byte: protocol error", Outcome.failed(1002), Set.of(1002),
                close(bytes("a"))));
        cases.add(AutobahnCase.of("7.3.3", "close with code 1000 only", Outcome.echoed(1000), Set.of(1000), close(1000)));
        cases.add(AutobahnCase.of("7.3.4", "close with code and reason", Outcome.echoed(1000), Set.of(1000),
                close(1000, bytes("Hello World!"))));
        cases.add(AutobahnCase.of("7.3.5", "close with a reason of 123 bytes, the longest", Outcome.echoed(1000),
                Set.of(1000), close(1000, bytes("*".repeat(123)))));
        cases.add(AutobahnCase.of("7.3.6", "close with a reason of 124 bytes (payload 126): protocol error",
                Outcome.failed(1002), Set.of(1002), close(1000, bytes("*".repeat(124)))));

        // 7.5.1: the reason holds an encoded surrogate (ED A0 80), which UTF-8 forbids
        cases.add(AutobahnCase.of("7.5.1", "close reason of invalid UTF-8: 1007", Outcome.failed(1007), Set.of(1002, 1007),
                close(1000, HexFormat.of().parseHex("cebae1bdb9cf83cebcceb5eda080656469746564"))));

        // 7.7: valid codes; the suite accepts 1000 or the echo of the code, we echo the code
        int[] valid = {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999};
        for (int i = 0; i < valid.length; i++) {
            int code = valid[i];
            cases.add(AutobahnCase.of("7.7." + (i + 1), "valid close code " + code + ": echoed", Outcome.echoed(code),
                    new TreeSet<>(List.of(1000, code)), close(code)));
        }

        // 7.9: invalid codes, answered with a protocol error
        int[] invalid = {0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999};
        for (int i = 0; i < invalid.length; i++) {
            int code = invalid[i];
            cases.add(AutobahnCase.of("7.9." + (i + 1), "invalid close code " + code + ": protocol error",
                    Outcome.failed(1002), Set.of(1002), close(code)));
        }
        // Earlier versions of the suite listed 1012-1015 as invalid too (then cases 7.9.6 to 7.9.9). IANA has
        // since registered 1012 SERVICE_RESTART, 1013 TRY_AGAIN_LATER and 1014 BAD_GATEWAY, and the suite dropped
        // them: we accept and echo them, against the old expectation. 1015 (TLS handshake failed) is still
        // never sent on the wire: a protocol error, as the old case expected.
        int[] formerlyInvalid = {1012, 1013, 1014};
        for (int i = 0; i < formerlyInvalid.length; i++) {
            int code = formerlyInvalid[i];
            cases.add(AutobahnCase.of("former 7.9." + (i + 6), "close code " + code + ", registered with IANA: echoed",
                    Outcome.echoed(code), Set.of(), close(code)));
        }
        cases.add(AutobahnCase.of("former 7.9.9", "close code 1015, local only: protocol error", Outcome.failed(1002),
                Set.of(1002), close(1015)));

        // 7.13: codes above 4999; informational in the suite (it accepts 1000, the code or 1002), we refuse them
        cases.add(AutobahnCase.of("7.13.1", "close code 5000: protocol error", Outcome.failed(1002), Set.of(), close(5000)));
        cases.add(AutobahnCase.of("7.13.2", "close code 65535: protocol error", Outcome.failed(1002), Set.of(), close(65535)));
        return cases.stream();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * One case of the suite.
     *
     * @param id               the suite's case number
     * @param what             what is sent, and what we do
     * @param sent             the frames sent back to back after the upgrade
     * @param echoes           the data frames expected back, before the close frame
     * @param sentAfterEchoes  the frames sent once the echoes arrived
     * @param outcome          the close frame and report we expect
     * @param suiteAccepts     the close codes the suite accepts (1005: an empty close); empty when the
     *                         suite only records the outcome (informational)
     * @param serverStopsReading whether the server refuses a frame we are still writing
     */
    record AutobahnCase(String id, String what, List<WireFrame> sent, List<WireFrame> echoes, List<WireFrame> sentAfterEchoes,
            Outcome outcome, Set<Integer> suiteAccepts, boolean serverStopsReading) {

        /** A case that sends {@code sent} back to back and expects no echo. */
        static AutobahnCase of(String id, String what, Outcome outcome, Set<Integer> suiteAccepts, WireFrame... sent) {
            return new AutobahnCase(id, what, List.of(sent), List.of(), List.of(), outcome, suiteAccepts, false);
        }

        boolean informational() {
            return suiteAccepts.isEmpty();
        }

        @Override
        public String toString() {
            return id + " " + what;
        }
    }

    /** What the client received on one connection, and the one close report the server produced for it. */
    record Exchange(Transcript received, CloseReport report) {
    }

    /**
     * The close we expect: the code of the one close frame the server sends (1005: an empty
     * close frame), which is also the code of its report, who started the close, and whether
     * the close was clean.
     */
    record Outcome(int code, CloseReport.Initiator initiator, boolean clean) {

        /** The peer closed with {@code code}, and the server echoed it: a clean close. */
        static Outcome echoed(int code) {
            return new Outcome(code, CloseReport.Initiator.REMOTE, true);
        }

        /** The server failed the connection with {@code code}. */
        static Outcome failed(int code) {
            return new Outcome(code, CloseReport.Initiator.LOCAL, false);
        }
    }
}
