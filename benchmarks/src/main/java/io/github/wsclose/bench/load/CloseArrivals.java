package io.github.wsclose.bench.load;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * When close frames arrived, in nanoseconds from a start, counted per 100 ms: the rate a drain
 * closes connections at, which is the rate their clients come back at. Immutable.
 */
final class CloseArrivals {

    /** The width of a bucket. */
    static final long BUCKET_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final long[] sorted;

    /**
     * The arrivals, in any order.
     *
     * @param nanosFromStart the arrival of each close frame, in nanoseconds from the start; not negative
     */
    CloseArrivals(long[] nanosFromStart) {
        sorted = nanosFromStart.clone();
        Arrays.sort(sorted);
    }

    /** How many close frames arrived. */
    int count() {
        return sorted.length;
    }

    /** The last arrival, in nanoseconds from the start; 0 if none arrived. */
    long lastNanos() {
        return sorted.length == 0 ? 0 : sorted[sorted.length - 1];
    }

    /** The close frames in each bucket of 100 ms, counted from the start: bucket {@code i} is [i × 100 ms, (i + 1) × 100 ms). */
    int[] perBucket() {
        int[] buckets = new int[sorted.length == 0 ? 0 : Math.toIntExact(lastNanos() / BUCKET_NANOS) + 1];
        for (long arrival : sorted) {
            buckets[Math.toIntExact(arrival / BUCKET_NANOS)]++;
        }
        return buckets;
    }

    /** The most close frames in one bucket of 100 ms, counted from the start. */
    int peakPerBucket() {
        return Arrays.stream(perBucket()).max().orElse(0);
    }

    /** The most close frames in any 100 ms, wherever it starts. */
    int peakInAny100Ms() {
        int peak = 0;
        int first = 0;
        for (int last = 0; last < sorted.length; last++) {
            while (sorted[last] - sorted[first] >= BUCKET_NANOS) {
                first++;
            }
            peak = Math.max(peak, last - first + 1);
        }
        return peak;
    }

    /**
     * The most close frames a drain of {@code connections} over a window of {@code windowNanos}
     * sends in any 100 ms, {@code ⌈connections × 100 ms / window⌉ + 2}; {@code connections} when
     * the window is 0 (all at once: no bound).
     */
    static int bound(int connections, long windowNanos) {
        if (windowNanos == 0) {
            return connections;
        }
        return (int) Math.min(connections, ceilDiv(connections * BUCKET_NANOS, windowNanos) + 2);
    }

    /** The close frames in 100 ms of an even rate, {@code connections × 100 ms / window}; all of them when the window is 0. */
    static double ideal(int connections, long windowNanos) {
        return windowNanos == 0 ? connections : connections * (double) BUCKET_NANOS / windowNanos;
    }

    private static long ceilDiv(long dividend, long divisor) {
        return -Math.floorDiv(-dividend, divisor);
    }
}
