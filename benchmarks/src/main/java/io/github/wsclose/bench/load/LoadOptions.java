package io.github.wsclose.bench.load;

import io.github.wsclose.Http2ServerPipeline;
import io.github.wsclose.example.Transport;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Command-line options of the load tools: {@code --name value} pairs of whole numbers, each with a
 * default, and {@code --transport nio|epoll|io_uring} (by default the best one available here) for
 * the client's and the server's event loops. Where a tool has them, {@code --http} is 1 or 2 (our
 * server over HTTP/2 beside ours over HTTP/1.1) and {@code --streams-per-connection} is 1 to
 * {@value Http2ServerPipeline#MAX_CONCURRENT_STREAMS}. Immutable.
 */
final class LoadOptions {

    private final Map<String, Long> values;
    private final Transport transport;

    private LoadOptions(Map<String, Long> values, Transport transport) {
        this.values = values;
        this.transport = transport;
    }

    /**
     * Parses {@code args} against {@code defaults} (option name without dashes → default value).
     *
     * @throws IllegalArgumentException for an unknown option, a missing value, a value below 0 or out of
     *                                  its option's range, or a transport that is unknown or not available here
     */
    static LoadOptions parse(String[] args, Map<String, Long> defaults) {
        Map<String, Long> values = new LinkedHashMap<>(defaults);
        Transport transport = Transport.best();
        for (int i = 0; i < args.length; i += 2) {
            String name = args[i].startsWith("--") ? args[i].substring(2) : "";
            if (!values.containsKey(name) && !name.equals("transport")) {
                throw new IllegalArgumentException("unknown option " + args[i] + " (expected one of --" + String.join(", --", defaults.keySet())
                        + ", --transport)");
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("missing value after " + args[i]);
            }
            if (name.equals("transport")) {
                transport = Transport.of(args[i + 1]);
                if (!transport.isAvailable()) {
                    throw new IllegalArgumentException("--transport " + transport.flag() + " is not available here: "
                            + transport.unavailabilityCause());
                }
                continue;
            }
            long value = Long.parseLong(args[i + 1]);
            if (value < 0) {
                throw new IllegalArgumentException(args[i] + " " + value + " (expected: >= 0)");
            }
            values.put(name, value);
        }
        requireRange(values, "http", 1, 2);
        requireRange(values, "streams-per-connection", 1, Http2ServerPipeline.MAX_CONCURRENT_STREAMS);
        return new LoadOptions(values, transport);
    }

    private static void requireRange(Map<String, Long> values, String name, long min, long max) {
        Long value = values.get(name);
        if (value != null && (value < min || value > max)) {
            throw new IllegalArgumentException("--" + name + " " + value + " (expected: " + min + " to " + max + ")");
        }
    }

    /** Same as {@link #parse(String[], Map)}, but prints what is wrong and exits with 2 on bad arguments. */
    static LoadOptions parseOrExit(String[] args, Map<String, Long> defaults) {
        try {
            return parse(args, defaults);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            throw e; // not reached
        }
    }

    /** The value of option {@code name}, as an {@code int}. */
    int intValue(String name) {
        return Math.toIntExact(longValue(name));
    }

    /** The value of option {@code name}. */
    long longValue(String name) {
        Long value = values.get(name);
        if (value == null) {
            throw new IllegalArgumentException("no option --" + name);
        }
        return value;
    }

    /** Whether {@code --http 2} asks for our server over HTTP/2 beside ours over HTTP/1.1. */
    boolean http2() {
        return longValue("http") == 2;
    }

    /** The transport of the client's event loops and of the server processes' ones. */
    Transport transport() {
        return transport;
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("--transport ").append(transport.flag());
        values.forEach((name, value) -> s.append(' ').append("--").append(name).append(' ').append(value));
        return s.toString();
    }
}
