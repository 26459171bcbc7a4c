package io.github.wsclose;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The example server in a JVM of its own, started with the test's class path, the JVM options and the flags
 * given (and {@code --transport} of {@link TestTransport} unless they name one), and with Netty's leak detector
 * at paranoid; its standard output and error, line by line, for the test to wait on. Closing it sends SIGTERM
 * (the server drains and exits) and checks that it exited in time with no {@code OutOfMemoryError}, no leak and
 * no exception that ended a thread in its output.
 *
 * <p>One test thread at a time.
 */
final class ExampleServerProcess implements AutoCloseable {

    private static final Pattern LISTENING = Pattern.compile("listening on ws://127\\.0\\.0\\.1:(\\d+)/ws");
    private static final long START_SECONDS = 60;
    private static final long EXIT_SECONDS = 15;
    /** The failure of an allocation of direct memory, by the JDK's count or by Netty's. */
    private static final Pattern DIRECT_MEMORY_RAN_OUT = Pattern.compile(
            "java\\.lang\\.OutOfMemoryError: Cannot reserve \\d+ bytes of direct buffer memory|io\\.netty\\.util\\.internal\\.OutOfDirectMemoryError");

    private final Process process;
    private final BlockingQueue<String> output = new LinkedBlockingQueue<>();
    private final StringBuilder transcript = new StringBuilder();
    private final int port;
    private final boolean directMemoryMayRunOut;

    private ExampleServerProcess(List<String> command, boolean directMemoryMayRunOut) throws Exception {
        this.directMemoryMayRunOut = directMemoryMayRunOut;
        process = new ProcessBuilder(command).redirectErrorStream(true).start();
        Thread reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = lines.readLine()) != null; ) {
                    output.add(line);
                }
            } catch (IOException ended) {
                // the server is gone
            }
        }, "example-server-output");
        reader.setDaemon(true);
        reader.start();
        String line = awaitLine(LISTENING, TimeUnit.SECONDS.toNanos(START_SECONDS));
        if (line == null) {
            process.destroyForcibly();
            throw new AssertionError("the example server did not start:\n" + transcript);
        }
        Matcher listening = LISTENING.matcher(line);
        assertThat(listening.find()).isTrue();
        port = Integer.parseInt(listening.group(1));
    }

    /** Starts the example server with {@code jvmOptions} and the example's {@code flags}, {@code --port 0} among them. */
    static ExampleServerProcess start(List<String> jvmOptions, String... flags) throws Exception {
        return new ExampleServerProcess(javaCommand(jvmOptions, flags), false);
    }

    /** Same, for a test that runs the server out of direct memory: closing it does not count that as a failure. */
    static ExampleServerProcess startWhereDirectMemoryRunsOut(List<String> jvmOptions, String... flags) throws Exception {
        return new ExampleServerProcess(javaCommand(jvmOptions, flags), true);
    }

    /**
     * Same, with at most {@code descriptors} open files (soft and hard limit, set by the shell before the JVM starts,
     * so that the JVM cannot raise it).
     */
    static ExampleServerProcess startWithFileLimit(int descriptors, List<String> jvmOptions, String... flags) throws Exception {
        List<String> command = new ArrayList<>(List.of("/bin/sh", "-c", "ulimit -n " + descriptors + " && exec \"$@\"", "sh"));
        command.addAll(javaCommand(jvmOptions, flags));
        return new ExampleServerProcess(command, false);
    }

    /** The port it listens on. */
    int port() {
        return port;
    }

    /** Whether the process is still running. */
    boolean isAlive() {
        return process.isAlive();
    }

    /** The process's id, for {@code /proc}. */
    long pid() {
        return process.pid();
    }

    /**
     * Waits until a line the server printed since the last wait contains {@code pattern}'s match, or until
     * {@code nanos} have passed; returns the line, or null.
     */
    String awaitLine(Pattern pattern, long nanos) throws InterruptedException {
        long deadline = System.nanoTime() + nanos;
        for (String line; (line = output.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) != null; ) {
            transcript.append(line).append('\n');
            if (pattern.matcher(line).find()) {
                return line;
            }
        }
        return null;
    }

    /** Everything the server printed so far. */
    String transcript() {
        for (String line; (line = output.poll()) != null; ) {
            transcript.append(line).append('\n');
        }
        return transcript.toString();
    }

    @Override
    public void close() throws Exception {
        process.destroy(); // SIGTERM: the server drains and exits
        boolean exited = process.waitFor(EXIT_SECONDS, TimeUnit.SECONDS);
        if (!exited) {
            process.destroyForcibly();
        }
        assertThat(exited).as("the server exits after SIGTERM").isTrue();
        String output = directMemoryMayRunOut ? DIRECT_MEMORY_RAN_OUT.matcher(transcript()).replaceAll("") : transcript();
        assertThat(output).as("the server's output").doesNotContain("OutOfMemory", "OutOfDirectMemory", "LEAK:", "Exception in thread");
    }

    private static List<String> javaCommand(List<String> jvmOptions, String... flags) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-Dio.netty.leakDetection.level=paranoid", "-cp", System.getProperty("java.class.path"),
                "io.github.wsclose.example.ExampleServer"));
        command.addAll(List.of(flags));
        if (List.of(flags).stream().noneMatch(flag -> flag.startsWith("--transport"))) {
            command.addAll(List.of("--transport", TestTransport.flag()));
        }
        return command;
    }
}
