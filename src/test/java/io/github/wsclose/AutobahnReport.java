package io.github.wsclose;

import io.github.wsclose.AutobahnCase.CloseGrade;
import io.github.wsclose.AutobahnCase.Grade;
import io.github.wsclose.AutobahnRun.Result;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The per-section table of docs/conformance.md: how many cases got each grade. Run as a
 * program from the test classpath (docs/conformance.md has the command), it replays every case
 * against stock Netty (or, with the argument {@code ours}, our pipeline; with
 * {@code ws://HOST:PORT/ws} or {@code HOST:PORT}, a server already running there, such as the
 * example server) and prints the table and each case that did not pass. It exits with 1 if a
 * case did not pass. Add {@code -Dautobahn.long=true} for the long profile's cases.
 */
final class AutobahnReport {

    private AutobahnReport() {
    }

    public static void main(String[] args) throws Exception {
        String target = args.length == 0 ? "stock" : args[0];
        Map<String, Result> results = new TreeMap<>();
        long started = System.nanoTime();
        int notPassed = 0;
        try (TestServer server = switch (target) {
            case "stock" -> AutobahnReplayTest.stockNetty();
            case "ours" -> AutobahnReplayTest.ours();
            default -> null; // a server already running at target
        }) {
            InetSocketAddress address = server == null ? running(target) : (InetSocketAddress) server.address();
            for (AutobahnCase c : AutobahnReplayTest.cases().toList()) {
                Result result = AutobahnRun.run(c, address, AutobahnReplayTest.LONG);
                results.put(c.id(), result);
                if (!result.passed()) {
                    notPassed++;
                    System.out.println(c.id() + ": " + result);
                }
            }
        }
        System.out.println(target + ", " + results.size() + " cases, " + notPassed + " not passed, "
                + (System.nanoTime() - started) / 1_000_000_000 + " s");
        System.out.println(table(results));
        System.exit(notPassed == 0 ? 0 : 1);
    }

    /** The address of {@code ws://HOST:PORT/ws} or {@code HOST:PORT}: the replay's client asks for the path {@value TestServer#PATH}. */
    private static InetSocketAddress running(String target) {
        URI uri = URI.create(target.contains("://") ? target : "ws://" + target);
        if (!"ws".equals(uri.getScheme()) || uri.getHost() == null || uri.getPort() < 0
                || !(uri.getRawPath().isEmpty() || uri.getRawPath().equals(TestServer.PATH))) {
            throw new IllegalArgumentException("not stock, ours or a server address: " + target
                    + " (expected: ws://HOST:PORT" + TestServer.PATH + " or HOST:PORT)");
        }
        return new InetSocketAddress(uri.getHost(), uri.getPort());
    }

    /** A Markdown table: per section, the count of each grade and of closes not graded OK. */
    static String table(Map<String, Result> results) {
        Map<Integer, Map<Grade, Integer>> grades = new TreeMap<>();
        Map<Integer, Integer> badCloses = new TreeMap<>();
        for (Map.Entry<String, Result> entry : results.entrySet()) {
            int section = Integer.parseInt(entry.getKey().substring(0, entry.getKey().indexOf('.')));
            grades.computeIfAbsent(section, s -> new EnumMap<>(Grade.class)).merge(entry.getValue().grade(), 1, Integer::sum);
            CloseGrade close = entry.getValue().closeGrade();
            badCloses.merge(section, close == CloseGrade.OK || close == CloseGrade.INFORMATIONAL ? 0 : 1, Integer::sum);
        }
        StringBuilder table = new StringBuilder("| section | cases | OK | NON-STRICT | INFORMATIONAL | FAILED | UNIMPLEMENTED | close not OK |\n");
        table.append("|---|---|---|---|---|---|---|---|\n");
        for (Map.Entry<Integer, Map<Grade, Integer>> row : grades.entrySet()) {
            Map<Grade, Integer> g = row.getValue();
            int cases = g.values().stream().mapToInt(Integer::intValue).sum();
            table.append("| ").append(row.getKey()).append(" | ").append(cases);
            for (Grade grade : new Grade[] {Grade.OK, Grade.NON_STRICT, Grade.INFORMATIONAL, Grade.FAILED, Grade.UNIMPLEMENTED}) {
                table.append(" | ").append(g.getOrDefault(grade, 0));
            }
            table.append(" | ").append(badCloses.get(row.getKey())).append(" |\n");
        }
        return table.toString();
    }
}
