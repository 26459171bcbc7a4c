package io.github.wsclose;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Checks that the leak guard ({@link LeakReports}, {@link LeakGuardExtension}) really sees a leaked buffer. */
class LeakGuardTest {

    @Test
    void leakDetectorRunsAtParanoid() {
        assertThat(ResourceLeakDetector.getLevel()).isEqualTo(ResourceLeakDetector.Level.PARANOID);
    }

    @Test
    void collectLeaksReportsAnUnreleasedBuffer() {
        LeakReports.clear();
        leakOneBuffer();

        List<String> leaks = LeakReports.collectLeaks();
        LeakReports.clear(); // the leak was deliberate: LeakGuardExtension must not fail this class

        assertThat(leaks).singleElement().asString()
                .startsWith("ByteBuf.release() was not called")
                .contains(LeakReports.EXPECTED_LEAK_HINT)
                .contains("LeakGuardTest.leakOneBuffer");
    }

    /** Separate method, so no stack slot keeps the buffer reachable. */
    private static void leakOneBuffer() {
        ByteBuf buf = UnpooledByteBufAllocator.DEFAULT.directBuffer(16);
        buf.touch(LeakReports.EXPECTED_LEAK_HINT);
    }
}
