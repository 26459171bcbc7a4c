package io.github.wsclose;

import io.github.wsclose.AutobahnCase.CloseGrade;
import io.github.wsclose.AutobahnCase.Grade;
import io.github.wsclose.AutobahnRun.Result;
import java.net.InetSocketAddress;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The per-section table of docs/conformance.md: how many cases got each grade. Run as a
 * program from the test classpath (docs/conformance.md has the command), it replays every case
 * against stock Netty (or, with the argument {@code ours}, our pipeline) and prints the table
 * and each case that did not pass. Add {@code -Dautobahn.long=true} for the long profile's cases.
 */
final class AutobahnReport {

    private AutobahnReport() {
    }

    public static void main(String[] args) throws Exception {
        boolean stock = args.length == 0 || args[0].equals("stock");
        Map<String, Result> results = new TreeMap<>();
        long started = System.nanoTime();
        try (TestServer server = stock ? AutobahnReplayTest.stockNetty() : AutobahnReplayTest.ours()) {
            for (AutobahnCase c : AutobahnReplayTest.cases().toList()) {
                Result result = AutobahnRun.run(c, (InetSocketAddress) server.address(), AutobahnReplayTest.LONG);
                results.put(c.id(), result);
                if (!result.passed()) {
                    System.out.println(c.id() + ": " + result);
                }
            }
        }
        System.out.println((stock ? "stock Netty" : "ours") + ", " + (System.nanoTime() - started) / 1_000_000_000 + " s");
        System.out.println(table(results));
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
