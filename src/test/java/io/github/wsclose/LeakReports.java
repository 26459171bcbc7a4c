package io.github.wsclose;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Makes Netty's leak detector run at {@code PARANOID} for the whole test JVM and records every leak it reports,
 * so that {@link LeakGuardExtension} can fail the test class that leaked.
 *
 * <p>Netty creates the {@code ByteBuf} leak detector once, when {@code AbstractByteBuf} is initialised, using
 * whatever {@link ResourceLeakDetectorFactory} is installed at that moment. That is why this is a
 * {@link LauncherSessionListener} (registered in {@code META-INF/services}): it runs before any test class is
 * loaded, hence before any buffer class is initialised. The normal {@code LEAK:} log line is still written.
 *
 * <p>Reports whose access records contain {@link #EXPECTED_LEAK_HINT} (set with {@code buf.touch(hint)}) are
 * recorded but not logged; only the guard's own self-test uses it, so that CI's log check stays meaningful.
 */
public final class LeakReports implements LauncherSessionListener {

    /** Touch hint marking a deliberate leak: recorded as usual, but not logged. */
    static final String EXPECTED_LEAK_HINT = "wsclose-expected-leak";

    private static final List<String> REPORTS = new CopyOnWriteArrayList<>();

    @Override
    public void launcherSessionOpened(LauncherSession session) {
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new ResourceLeakDetectorFactory() {
            @Override
            @SuppressWarnings("deprecation") // the only abstract method; Netty funnels every variant into it
            public <T> ResourceLeakDetector<T> newResourceLeakDetector(
                    Class<T> resource, int samplingInterval, long maxActive) {
                return new RecordingDetector<>(resource, samplingInterval);
            }
        });
    }

    /**
     * Forces pending leaks to be reported: garbage-collects a few times and, after each collection, allocates and
     * releases buffers so the {@code ByteBuf} detector polls its reference queue (detectors only look for leaks
     * when they track a new object). Bounded: at most 10 rounds of a few milliseconds each.
     *
     * @return every leak report recorded so far (including earlier ones), without clearing them
     */
    static List<String> collectLeaks() {
        // Not a static field: initialising this class must not initialise any buffer class (see class Javadoc).
        ByteBufAllocator[] allocators = {
            PooledByteBufAllocator.DEFAULT, UnpooledByteBufAllocator.DEFAULT, ByteBufAllocator.DEFAULT
        };
        for (int round = 0; round < 10; round++) {
            System.gc();
            System.runFinalization();
            LockSupport.parkNanos(2_000_000); // let the reference handler enqueue the collected buffers
            for (ByteBufAllocator allocator : allocators) {
                allocator.directBuffer(1).release();
                allocator.heapBuffer(1).release();
            }
        }
        return new ArrayList<>(REPORTS);
    }

    /** Forgets all recorded leak reports. */
    static void clear() {
        REPORTS.clear();
    }

    private static final class RecordingDetector<T> extends ResourceLeakDetector<T> {

        RecordingDetector(Class<?> resourceType, int samplingInterval) {
            super(resourceType, samplingInterval);
        }

        @Override
        protected boolean needReport() {
            return true; // record leaks even when the error log level is disabled
        }

        @Override
        protected void reportTracedLeak(String resourceType, String records) {
            REPORTS.add(resourceType + ".release() was not called before it's garbage-collected." + records);
            if (!records.contains(EXPECTED_LEAK_HINT)) {
                super.reportTracedLeak(resourceType, records);
            }
        }

        @Override
        protected void reportUntracedLeak(String resourceType) {
            REPORTS.add(resourceType + ".release() was not called before it's garbage-collected (no records).");
            super.reportUntracedLeak(resourceType);
        }
    }
}
