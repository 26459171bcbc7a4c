package io.github.wsclose.bench.load;

import java.util.Arrays;
import java.util.Collection;

/** The median of measured rounds. */
final class Median {

    private Median() {
    }

    /** The median of {@code values}; NaN when there are none. */
    static double of(Collection<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n == 0 ? Double.NaN : n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
