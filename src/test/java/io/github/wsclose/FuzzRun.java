package io.github.wsclose;

import java.util.Map;
import java.util.TreeMap;
import org.quicktheories.QuickTheory;

/**
 * How many inputs a fuzz property tries, from which seed, and what became of them.
 *
 * <p>A normal test run tries each property's default number of inputs from a fixed seed, so it
 * is repeatable. {@code -Dfuzz.tries=N} and {@code -Dfuzz.seed=S} change both for a long run:
 * <pre>{@code mvn -B test -Dtest=ClosePayloadFuzzTest -Dfuzz.tries=1000000}</pre>
 * A failure prints the smallest falsifying input QuickTheories shrank it to, and the seed.
 */
final class FuzzRun {

    /** The seed of the normal test run. */
    static final long DEFAULT_SEED = 6455L;

    private FuzzRun() {
    }

    /** A property run with {@code -Dfuzz.tries} inputs (else {@code defaultTries}) from {@code -Dfuzz.seed}. */
    static QuickTheory qt(int defaultTries) {
        return QuickTheory.qt()
                .withFixedSeed(Long.getLong("fuzz.seed", DEFAULT_SEED))
                .withExamples(Integer.getInteger("fuzz.tries", defaultTries));
    }

    /** Counts what became of each input, and prints the counts: the numbers docs/reliability.md records. */
    static final class Tally {

        private final String property;
        private final Map<String, long[]> counts = new TreeMap<>();
        private long inputs;

        Tally(String property) {
            this.property = property;
        }

        /** Counts one input with the given outcome. */
        void count(String outcome) {
            inputs++;
            counts.computeIfAbsent(outcome, k -> new long[1])[0]++;
        }

        /** Prints the counts to standard output, one line. */
        void print() {
            StringBuilder line = new StringBuilder("fuzz: ").append(property).append(": ").append(inputs).append(" inputs");
            counts.forEach((outcome, n) -> line.append(", ").append(outcome).append(' ').append(n[0]));
            System.out.println(line);
        }
    }
}
