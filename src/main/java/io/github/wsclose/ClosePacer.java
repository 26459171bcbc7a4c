package io.github.wsclose;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Hands out the turns of a drain's close frames so that no two are closer than a gap: the
 * window over the connections. A connection claims its turn when its planned moment comes, and
 * claims again when it runs later than one gap past its turn, as after a pause of its event loop:
 * close frames that fell due together are spread over the turns after it instead of going at
 * once. No turn is later than the last moment that leaves a close frame its close timeout before
 * the deadline: from then on, what is left goes at once.
 *
 * <p>Moments are nanoseconds from the start of the drain. Thread-safe: every event loop of the
 * drain claims from one pacer.
 */
final class ClosePacer {

    private final long gap;
    private final long latest;
    private final AtomicLong next = new AtomicLong(); // the earliest moment of the next turn

    /**
     * @param gap    the least time between two close frames, 0 for none
     * @param latest the latest turn
     */
    ClosePacer(long gap, long latest) {
        this.gap = gap;
        this.latest = latest;
    }

    /** Tells whether a turn claimed at {@code turn} is still good {@code now}, or must be claimed again. */
    boolean stillGood(long turn, long now) {
        return now - turn <= gap;
    }

    /** Claims the first free turn at or after {@code now}, and returns it. */
    long claim(long now) {
        if (gap == 0) {
            return now; // no spread: every close frame goes at once
        }
        while (true) {
            long free = next.get();
            long turn = Math.min(Math.max(now, free), latest);
            if (next.compareAndSet(free, Math.max(free, turn + gap))) {
                return turn;
            }
        }
    }
}
