package io.github.wsclose.bench.load;

import io.github.wsclose.example.Transport;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A {@link LoadServer} in a JVM of its own (each side needs a file descriptor per connection, and
 * the server's CPU time and memory are measured apart from the client's), controlled one line at a
 * time through its standard input and output. The system property {@code load.server.jvm} adds
 * options to the server JVM's command line, such as a flight recording. Not thread-safe.
 */
final class ServerProcess implements AutoCloseable {

    private final Process process;
    private final BufferedReader out;
    private final PrintWriter in;
    private final int[] ports;

    /**
     * Starts a server JVM with one server per variant, in that order, and waits until it listens.
     *
     * @param transport the servers' transport
     * @param threads   event loop threads of the servers
     * @param variants  {@link LoadServer.Variant} names
     */
    ServerProcess(Transport transport, int threads, String... variants) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g"));
        String leakDetection = System.getProperty("io.netty.leakDetection.level");
        if (leakDetection != null) {
            command.add("-Dio.netty.leakDetection.level=" + leakDetection);
        }
        String jvmOptions = System.getProperty("load.server.jvm", "").trim(); // such as -XX:StartFlightRecording=filename=DIR/
        if (!jvmOptions.isEmpty()) {
            command.addAll(Arrays.asList(jvmOptions.split("\\s+")));
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), LoadServer.class.getName(),
                "--threads", Integer.toString(threads), "--transport", transport.flag()));
        command.addAll(Arrays.asList(variants));
        process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        in = new PrintWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8), true);
        String line = readLine();
        while (!line.startsWith("ready")) { // what the JVM itself prints, such as the start of a flight recording
            System.err.println("server: " + line);
            line = readLine();
        }
        String[] ready = line.split(" ");
        if (ready.length != variants.length + 1 || !ready[0].equals("ready")) {
            throw new IllegalStateException("server did not start: " + String.join(" ", ready));
        }
        ports = Arrays.stream(ready, 1, ready.length).mapToInt(Integer::parseInt).toArray();
    }

    /** The port of the {@code index}-th variant's server. */
    int port(int index) {
        return ports[index];
    }

    /** CPU time the server JVM has used so far, all its threads, in nanoseconds (clock-tick resolution). */
    long cpuNanos() {
        return process.toHandle().info().totalCpuDuration().orElseThrow(
                () -> new IllegalStateException("this platform does not report a process's CPU time")).toNanos();
    }

    /** The server JVM's resident set size, from {@code /proc} (Linux only), in bytes. */
    long rssBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024; // "VmRSS:   123456 kB"
            }
        }
        throw new IOException("no VmRSS in /proc/" + process.pid() + "/status");
    }

    /** Collects garbage in the server JVM and returns its heap, direct memory and resident set size. */
    Footprint footprint() throws IOException {
        Memory memory = memory();
        return new Footprint(memory.heap(), memory.direct(), rssBytes());
    }

    /** How many {@code CloseReport}s the servers of counting variants fired so far. */
    long reports() throws IOException {
        String answer = ask("reports");
        if (!answer.startsWith("reports ")) {
            throw new IllegalStateException("the server did not count its reports: " + answer);
        }
        return Long.parseLong(answer.substring("reports ".length()));
    }

    /** Sends a command and returns the server's one-line answer. */
    String ask(String command) throws IOException {
        in.println(command);
        return readLine();
    }

    /** Collects garbage in the server JVM and returns its heap and direct memory in use. */
    Memory memory() throws IOException {
        String[] answer = ask("memory").split(" ");
        return new Memory(Long.parseLong(answer[1].substring("heap=".length())),
                Long.parseLong(answer[2].substring("direct=".length())));
    }

    /**
     * Drains every connection of the first server at once and returns the drain's result, once it
     * completed.
     *
     * @param code           the close code every connection gets
     * @param deadlineMillis how long the closing handshakes may take before the rest are forced
     */
    Drained drain(int code, long deadlineMillis) throws IOException {
        return Drained.parse(ask("drain " + code + " " + deadlineMillis));
    }

    /**
     * Starts the drain that the connections of the {@code ours-drain} servers joined, with a plan of
     * these figures, and returns its result once it completed. A server JVM drains once.
     *
     * @param code                 the close code every connection gets
     * @param deadlineMillis       how long after the start the last connection is closed, at the latest
     * @param readinessDelayMillis how long after the start the first close frame may go
     * @param spreadMillis         the window over which the close frames go
     */
    Drained drain(int code, long deadlineMillis, long readinessDelayMillis, long spreadMillis) throws IOException {
        return Drained.parse(ask("drain " + code + " " + deadlineMillis + " " + readinessDelayMillis + " " + spreadMillis));
    }

    @Override
    public void close() throws InterruptedException {
        in.println("quit");
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroy();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private String readLine() throws IOException {
        String line = out.readLine();
        if (line == null) {
            throw new IOException("the server process ended");
        }
        return line;
    }

    /** Heap after a full GC and direct memory in use, in bytes. */
    record Memory(long heap, long direct) {
    }

    /** Heap after a full GC, direct memory in use and resident set size, in bytes. */
    record Footprint(long heap, long direct, long rss) {

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "heap %.1f MiB after GC, direct %.1f MiB, RSS %.1f MiB", heap / 1048576.0,
                    direct / 1048576.0, rss / 1048576.0);
        }
    }

    /**
     * What the server's {@code GracefulDrain.Result} said, durations in nanoseconds, and the most
     * close frames the server wrote in one 100 ms from the start ({@code ours-drain} servers only).
     */
    record Drained(int connections, int clean, int unclean, int forced, int refusedUpgrades, long readinessDelayNanos,
            long spreadNanos, boolean spreadShortened, long tookNanos, int sentPeak) {

        /** Reads the server's {@code drained name=value...} answer. */
        static Drained parse(String answer) {
            if (!answer.startsWith("drained ")) {
                throw new IllegalStateException("the server did not drain: " + answer);
            }
            Map<String, String> fields = new HashMap<>();
            for (String field : answer.substring("drained ".length()).split(" ")) {
                int equals = field.indexOf('=');
                fields.put(field.substring(0, equals), field.substring(equals + 1));
            }
            return new Drained(Integer.parseInt(fields.get("connections")), Integer.parseInt(fields.get("clean")),
                    Integer.parseInt(fields.get("unclean")), Integer.parseInt(fields.get("forced")),
                    Integer.parseInt(fields.get("refused")), Long.parseLong(fields.get("readiness_ns")),
                    Long.parseLong(fields.get("spread_ns")), Boolean.parseBoolean(fields.get("spread_shortened")),
                    Long.parseLong(fields.get("took_ns")), Integer.parseInt(fields.get("sent_peak")));
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "connections=%d clean=%d unclean=%d forced=%d refused=%d readiness delay %.0f ms,"
                    + " spread %.0f ms%s, took %.1f ms", connections, clean, unclean, forced, refusedUpgrades,
                    readinessDelayNanos / 1e6, spreadNanos / 1e6, spreadShortened ? " (shortened to fit the deadline)" : "",
                    tookNanos / 1e6);
        }
    }
}
