package io.github.wsclose.example;

import io.github.wsclose.ServerProtection;
import java.time.Duration;

/**
 * The example server's command line: where it listens and how long closes may take.
 *
 * <p>Each flag is given as {@code --flag VALUE} or {@code --flag=VALUE}. Immutable.
 *
 * @param host          the address to listen on
 * @param port          the TCP port; 0 picks a free one
 * @param closeTimeout  the longest one closing handshake may take (RFC 6455 §7.1.1)
 * @param drainDeadline on shutdown, the longest the drain of all connections may take
 * @param protection    the limits and timeouts by which the server closes connections on its own
 */
record ExampleOptions(String host, int port, Duration closeTimeout, Duration drainDeadline, ServerProtection protection) {

    static final String USAGE = """
            usage: mvn -q test-compile exec:java -Dexec.args="[OPTION]..."
              --host HOST             address to listen on (default 127.0.0.1)
              --port PORT             TCP port, 0 picks a free one (default 8080)
              --close-timeout-ms MS   longest a closing handshake may take (default 5000)
              --drain-deadline-ms MS  on SIGTERM or Ctrl-C, longest the drain may take (default 3000)
              --upgrade-timeout-ms MS longest from accept to a completed WebSocket upgrade, 0 for no limit (default 10000)
              --ping-interval-ms MS   ping a peer that has sent nothing for this long, 0 for no pings (default 20000)
              --pong-timeout-ms MS    fail a peer that sends nothing this long after a ping, 0 never (default 20000)
              --idle-timeout-ms MS    close a connection with no message either way for this long, 0 never (default 0)
              --max-pending-bytes N   close a peer that leaves more than this unread, 1008 (default 4194304)
              --max-message-bytes N   largest message accepted, in one frame or many, 1009 (default 1048576)
              --help                  print this and exit""";

    static final ExampleOptions DEFAULTS = new ExampleOptions("127.0.0.1", 8080, Duration.ofSeconds(5), Duration.ofSeconds(3),
            ServerProtection.defaults());

    /**
     * Reads the flags over {@link #DEFAULTS}.
     *
     * @throws IllegalArgumentException naming the flag, for an unknown flag, a missing value or
     *                                  a value out of range
     */
    static ExampleOptions parse(String... args) {
        ExampleOptions options = DEFAULTS;
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            String value;
            int equals = flag.indexOf('=');
            if (equals >= 0) {
                value = flag.substring(equals + 1);
                flag = flag.substring(0, equals);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                throw new IllegalArgumentException("missing value for " + flag);
            }
            options = switch (flag) {
                case "--host" -> options.withHost(value);
                case "--port" -> options.withPort((int) number(flag, value, 0, 65535));
                case "--close-timeout-ms" -> options.withCloseTimeout(Duration.ofMillis(number(flag, value, 1, Integer.MAX_VALUE)));
                case "--drain-deadline-ms" -> options.withDrainDeadline(Duration.ofMillis(number(flag, value, 0, Integer.MAX_VALUE)));
                case "--upgrade-timeout-ms" -> options.withProtection(options.protection.withUpgradeTimeout(millis(flag, value)));
                case "--ping-interval-ms" -> options.withProtection(options.protection.withPingInterval(millis(flag, value)));
                case "--pong-timeout-ms" -> options.withProtection(options.protection.withPongTimeout(millis(flag, value)));
                case "--idle-timeout-ms" -> options.withProtection(options.protection.withIdleTimeout(millis(flag, value)));
                case "--max-pending-bytes" -> options.withProtection(
                        options.protection.withMaxPendingBytes(number(flag, value, 1, Integer.MAX_VALUE)));
                case "--max-message-bytes" -> options.withProtection(
                        options.protection.withMaxMessageBytes(number(flag, value, 1, Integer.MAX_VALUE)));
                default -> throw new IllegalArgumentException("unknown option: " + flag);
            };
        }
        return options;
    }

    /** Tells whether the command line asks for the usage text. */
    static boolean wantsHelp(String... args) {
        for (String arg : args) {
            if (arg.equals("--help") || arg.equals("-h")) {
                return true;
            }
        }
        return false;
    }

    private ExampleOptions withHost(String host) {
        if (host.isBlank()) {
            throw new IllegalArgumentException("--host must not be empty");
        }
        return new ExampleOptions(host, port, closeTimeout, drainDeadline, protection);
    }

    private ExampleOptions withPort(int port) {
        return new ExampleOptions(host, port, closeTimeout, drainDeadline, protection);
    }

    private ExampleOptions withCloseTimeout(Duration closeTimeout) {
        return new ExampleOptions(host, port, closeTimeout, drainDeadline, protection);
    }

    private ExampleOptions withDrainDeadline(Duration drainDeadline) {
        return new ExampleOptions(host, port, closeTimeout, drainDeadline, protection);
    }

    private ExampleOptions withProtection(ServerProtection protection) {
        return new ExampleOptions(host, port, closeTimeout, drainDeadline, protection);
    }

    /** A timeout in milliseconds, where 0 turns it off. */
    private static Duration millis(String flag, String value) {
        return Duration.ofMillis(number(flag, value, 0, Integer.MAX_VALUE));
    }

    private static long number(String flag, String value, long min, long max) {
        long n;
        try {
            n = Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " needs a number, got \"" + value + "\"");
        }
        if (n < min || n > max) {
            throw new IllegalArgumentException(flag + " out of range: " + n + " (expected: " + min + "-" + max + ")");
        }
        return n;
    }
}
