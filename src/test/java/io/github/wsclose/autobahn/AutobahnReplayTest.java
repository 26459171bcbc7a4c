package io.github.wsclose.autobahn;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.wsclose.autobahn.AutobahnCase.CloseGrade;
import io.github.wsclose.autobahn.AutobahnCase.Grade;
import io.github.wsclose.autobahn.AutobahnRun.Result;
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

    private static final Map<String, Result> RESULTS = new ConcurrentSkipListMap<>();
    private static AutobahnServer server;

    @BeforeAll
    static void startServer() {
        server = AutobahnServer.ours();
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
        Result result = AutobahnRun.run(c, server.address(), LONG);
        RESULTS.put(c.id(), result);

        assertThat(result.grade()).as("grade of %s: %s", c, result).isNotIn(Grade.FAILED, Grade.UNIMPLEMENTED);
        assertThat(result.closeGrade()).as("close grade of %s: %s", c, result).isIn(CloseGrade.OK, CloseGrade.INFORMATIONAL);
        assertThat(result.passed()).isTrue();
    }
}
