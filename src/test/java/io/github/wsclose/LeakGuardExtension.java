package io.github.wsclose;

import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class if Netty reported a buffer leak while it ran.
 *
 * <p>Registered for every test class through {@code META-INF/services} and
 * {@code junit.jupiter.extensions.autodetection.enabled=true}. After the class's tests, it forces leak detection
 * ({@link LeakReports#collectLeaks()}) and, if any leak was reported, clears the reports (so the next class starts
 * clean) and throws an {@link AssertionError} carrying the leak records, which fails the build.
 */
public final class LeakGuardExtension implements AfterAllCallback {

    @Override
    public void afterAll(ExtensionContext context) {
        List<String> leaks = LeakReports.collectLeaks();
        if (!leaks.isEmpty()) {
            LeakReports.clear();
            throw new AssertionError("Netty reported " + leaks.size() + " buffer leak(s) during "
                    + context.getDisplayName() + ":\n" + String.join("\n\n", leaks));
        }
    }
}
