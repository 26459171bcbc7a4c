package io.github.wsclose;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.codec.http.websocketx.extensions.compression.WebSocketServerCompressionHandler;
import java.net.InetSocketAddress;
import io.github.wsclose.AutobahnCase.CloseGrade;
import io.github.wsclose.AutobahnCase.Grade;
import io.github.wsclose.AutobahnRun.Result;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Replays sections 1–7, 9, 10, 12 and 13 of the Autobahn|Testsuite ({@link AutobahnCases})
 * against the example server's configuration ({@code --compression --max-message-bytes
 * 16777216}), and grades each case as the suite does: none may be FAILED or UNIMPLEMENTED,
 * and the close of each must be graded OK (or INFORMATIONAL where the suite says so).
 *
 * <p>The long profile ({@code -Pautobahn-long}) adds the 16 MiB messages of 9.1.6 and 9.2.6
 * and sends the full 1000 messages of each compression case; {@code -Dautobahn.cases=9.1.,9.2.}
 * runs only the cases whose ids start so. The counts per section are
 * printed at the end; {@link AutobahnReport} prints the same table for stock Netty.
 */
class AutobahnReplayTest {

    static final boolean LONG = Boolean.getBoolean("autobahn.long");

    /** Case id prefixes to run, comma-separated ({@code -Dautobahn.cases=9.1.,12.}); all when empty. */
    private static final String ONLY = System.getProperty("autobahn.cases", "");

    /** The message limit of the example server in the replay: 16 MiB, the largest message of section 9. */
    static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

    private static final Map<String, Result> RESULTS = new ConcurrentSkipListMap<>();
    private static TestServer server;

    @BeforeAll
    static void startServer() {
        server = ours();
    }

    /** Our pipeline, as the example server's {@code --compression --max-message-bytes 16777216} builds it. */
    static TestServer ours() {
        return TestServer.builder()
                .closeCommand(false) // the suite's payloads hold text that begins with "close "; the replay expects it echoed
                .options(ServerOptions.DEFAULTS.withMaxMessageBytes(MAX_MESSAGE_BYTES).withCompression(PerMessageDeflateConfig.DEFAULT))
                .start();
    }

    /** Stock Netty: its compression handler, its upgrade handler with its own close handling, its aggregator. */
    static TestServer stockNetty() {
        WebSocketServerProtocolConfig protocol = WebSocketServerProtocolConfig.newBuilder()
                .websocketPath(TestServer.PATH)
                .allowExtensions(true)
                .maxFramePayloadLength(MAX_MESSAGE_BYTES)
                .build();
        return TestServer.builder().closeCommand(false).pipeline((p, application) -> {
            p.addLast(new HttpServerCodec(), new HttpObjectAggregator(65536), new WebSocketServerCompressionHandler(MAX_MESSAGE_BYTES),
                    new WebSocketServerProtocolHandler(protocol), new WebSocketFrameAggregator(MAX_MESSAGE_BYTES));
            p.addLast(application);
        }).start();
    }

    @AfterAll
    static void stopServer() {
        server.close();
        System.out.println(AutobahnReport.table(RESULTS));
    }

    static Stream<AutobahnCase> cases() {
        List<String> only = ONLY.isBlank() ? List.of("") : List.of(ONLY.split(","));
        return AutobahnCases.all().stream().filter(c -> LONG || !c.longRun())
                .filter(c -> only.stream().anyMatch(prefix -> (c.id() + ".").startsWith(prefix.strip())));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void gradedAsTheSuiteGrades(AutobahnCase c) throws Exception {
        Result result = AutobahnRun.run(c, (InetSocketAddress) server.address(), LONG);
        RESULTS.put(c.id(), result);
        CloseReport report = server.nextConnection().report(); // exactly one, before channelInactive

        assertThat(result.grade()).as("grade of %s: %s", c, result).isNotIn(Grade.FAILED, Grade.UNIMPLEMENTED);
        assertThat(result.closeGrade()).as("close grade of %s: %s", c, result).isIn(CloseGrade.OK, CloseGrade.INFORMATIONAL);
        assertThat(result.passed()).isTrue();
        if (result.remoteCode() != null) {
            assertThat(report.sent()).as("the close frame the report says was sent, %s", report).isNotNull();
            assertThat(report.sent().unsignedCode()).as("the close frame the report says was sent, %s", report)
                    .isEqualTo(result.remoteCode());
        }
    }
}
