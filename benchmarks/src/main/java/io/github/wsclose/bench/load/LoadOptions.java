package io.github.wsclose.bench.load;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Command-line options of the load tools: {@code --name value} pairs of whole numbers, each with a
 * default. Immutable.
 */
final class LoadOptions {

    private final Map<String, Long> values;

    private LoadOptions(Map<String, Long> values) {
        this.values = values;
    }

    /**
     * Parses {@code args} against {@code defaults} (option name without dashes → default value).
     *
     * @throws IllegalArgumentException for an unknown option, a missing value, or a value below 0
     */
    static LoadOptions parse(String[] args, Map<String, Long> defaults) {
        Map<String, Long> values = new LinkedHashMap<>(defaults);
        for (int i = 0; i < args.length; i += 2) {
            String name = args[i].startsWith("--") ? args[i].substring(2) : "";
            if (!values.containsKey(name)) {
                throw new IllegalArgumentException("unknown option " + args[i] + " (expected one of --" + String.join(", --", defaults.keySet()) + ")");
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("missing value after " + args[i]);
            }
            long value = Long.parseLong(args[i + 1]);
            if (value < 0) {
                throw new IllegalArgumentException(args[i] + " " + value + " (expected: >= 0)");
            }
            values.put(name, value);
        }
        return new LoadOptions(values);
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

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder();
        values.forEach((name, value) -> s.append(s.length() == 0 ? "" : " ").append("--").append(name).append(' ').append(value));
        return s.toString();
    }
}
