package io.github.wsclose.example;

import io.github.wsclose.ClientOptions;
import io.github.wsclose.CloseReason;
import io.github.wsclose.ClosingHandshakeConfig;
import io.github.wsclose.DrainPlan;
import io.github.wsclose.PerMessageDeflateConfig;
import io.github.wsclose.ServerOptions;
import io.github.wsclose.ServerProtection;
import io.github.wsclose.relay.RelayConfig;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * The example server's command line: where it listens, how long closes may take, how it drains on
 * SIGTERM, how large a message may be, whether messages may be compressed, and whether it echoes
 * or relays to an upstream server ({@code --upstream}).
 *
 * <p>Each flag is given as {@code --flag VALUE} or {@code --flag=VALUE}, except
 * {@code --compression}, which has no value. Immutable.
 *
 * @param host          the address to listen on
 * @param port          the TCP port; 0 picks a free one
 * @param closeTimeout  the longest one closing handshake may take (RFC 6455 §7.1.1)
 * @param drain           on SIGTERM or Ctrl-C: the close frame, readiness delay, spread and deadline of the drain
 * @param protection      the limits and timeouts by which the server closes connections on its own
 * @param maxMessageBytes the largest message accepted, in one frame or many, after inflating; larger ones close with 1009
 * @param compression     whether permessage-deflate is negotiated when a client offers it (RFC 7692)
 * @param transport       the socket transport: NIO, epoll or io_uring (docs/transports.md)
 * @param upstream        with {@code --upstream}, the WebSocket server this one relays to instead of echoing; else null
 */
record ExampleOptions(String host, int port, Duration closeTimeout, DrainPlan drain, ServerProtection protection,
        int maxMessageBytes, boolean compression, Transport transport, @Nullable URI upstream) {

    static final String USAGE = """
            usage: mvn -q test-compile exec:java -Dexec.args="[OPTION]..."
              --host HOST             address to listen on (default 127.0.0.1)
              --port PORT             TCP port, 0 picks a free one (default 8080)
              --close-timeout-ms MS   longest a closing handshake may take (default 5000)
              --drain-deadline-ms MS  on SIGTERM or Ctrl-C, longest the drain may take (default 3000)
              --readiness-delay-ms MS on SIGTERM, /ready answers 503 this long before the first close frame (default 0)
              --drain-spread-ms MS    spread the drain's close frames over this window, 0 sends them at once (default 0)
              --drain-code CODE       the drain's close code: 1001 going away or 1012 restarting (default 1001)
              --upgrade-timeout-ms MS longest from accept to a completed WebSocket upgrade, 0 for no limit (default 10000)
              --ping-interval-ms MS   ping a peer that has sent nothing for this long, 0 for no pings (default 20000)
              --pong-timeout-ms MS    fail a peer that sends nothing this long after a ping, 0 never (default 20000)
              --idle-timeout-ms MS    close a connection with no message either way for this long, 0 never (default 0)
              --max-pending-bytes N   close a peer that leaves more than this unread, 1008 (default 4194304)
              --max-message-bytes N   largest message, in one frame or many, larger ones close with 1009 (default 65536)
              --compression           negotiate permessage-deflate when a client offers it
              --transport NAME        nio, epoll or io_uring (default: the best available here, io_uring > epoll > nio)
              --upstream URI          relay every WebSocket connection to ws://HOST:PORT/PATH instead of echoing
              --help                  print this and exit""";

    /** The largest value of {@code --max-message-bytes}: 1 GiB. */
    static final int MAX_MESSAGE_BYTES_LIMIT = 1 << 30;

    /** The drain's close frame with {@code --drain-code 1001}, the default: this server is going away. */
    static final CloseReason GOING_AWAY = new CloseReason(CloseReason.Codes.GOING_AWAY, "server shutting down");
    /** The drain's close frame with {@code --drain-code 1012}: the service restarts, come back now. */
    static final CloseReason RESTARTING = new CloseReason(CloseReason.Codes.SERVICE_RESTART, "server restarting");

    static final ExampleOptions DEFAULTS = new ExampleOptions("127.0.0.1", 8080, Duration.ofSeconds(5),
            DrainPlan.of(GOING_AWAY, Duration.ofSeconds(3)), ServerProtection.defaults(), ServerOptions.DEFAULT_MAX_BYTES, false,
            Transport.best(), null);

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
            if (flag.equals("--compression")) {
                options = options.withCompression();
                continue;
            }
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
                case "--drain-deadline-ms" -> options.withDrain(new DrainPlan(options.drain.reason(),
                        options.drain.readinessDelay(), options.drain.spread(), millis(flag, value)));
                case "--readiness-delay-ms" -> options.withDrain(options.drain.withReadinessDelay(millis(flag, value)));
                case "--drain-spread-ms" -> options.withDrain(options.drain.withSpread(millis(flag, value)));
                case "--drain-code" -> options.withDrain(new DrainPlan(drainReason(flag, value),
                        options.drain.readinessDelay(), options.drain.spread(), options.drain.deadline()));
                case "--upgrade-timeout-ms" -> options.withProtection(options.protection.withUpgradeTimeout(millis(flag, value)));
                case "--ping-interval-ms" -> options.withProtection(options.protection.withPingInterval(millis(flag, value)));
                case "--pong-timeout-ms" -> options.withProtection(options.protection.withPongTimeout(millis(flag, value)));
                case "--idle-timeout-ms" -> options.withProtection(options.protection.withIdleTimeout(millis(flag, value)));
                case "--max-pending-bytes" -> options.withProtection(
                        options.protection.withMaxPendingBytes(number(flag, value, 1, Integer.MAX_VALUE)));
                case "--max-message-bytes" -> options.withMaxMessageBytes((int) number(flag, value, 1, MAX_MESSAGE_BYTES_LIMIT));
                case "--transport" -> options.withTransport(transport(flag, value));
                case "--upstream" -> options.withUpstream(upstream(flag, value));
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

    /** The server's limits, protections and extensions: these messages, no larger frames, and compression if asked for. */
    ServerOptions serverOptions() {
        ServerOptions limited = ServerOptions.DEFAULTS.withMaxMessageBytes(maxMessageBytes).withProtection(protection);
        return compression ? limited.withCompression(PerMessageDeflateConfig.DEFAULT) : limited;
    }

    private ExampleOptions withHost(String host) {
        if (host.isBlank()) {
            throw new IllegalArgumentException("--host must not be empty");
        }
        return new ExampleOptions(host, port, closeTimeout, drain, protection, maxMessageBytes, compression, transport, upstream);
    }

    private ExampleOptions withPort(int port) {
        return new ExampleOptions(host, port, closeTimeout, drain, protection, maxMessageBytes, compression, transport, upstream);
    }

    private ExampleOptions withCloseTimeout(Duration closeTimeout) {
        return new ExampleOptions(host, port, closeTimeout, drain, protection, maxMessageBytes, compression, transport, upstream);
    }

    private ExampleOptions withDrain(DrainPlan drain) {
        return new ExampleOptions(host, port, closeTimeout, drain, protection, maxMessageBytes, compression, transport, upstream);
    }

    private ExampleOptions withProtection(ServerProtection protection) {
        return new ExampleOptions(host, port, closeTimeout, drain, protection, maxMessageBytes, compression, transport, upstream);
    }

    private ExampleOptions withMaxMessageBytes(int maxMessageBytes) {
        return new ExampleOptions(host, port, closeTimeout, drain, protection, maxMessageBytes, compression, transport, upstream);
    }

    private ExampleOptions withCompression() {
        return new ExampleOptions(host, port, closeTimeout, drain, protection, maxMessageBytes, true, transport, upstream);
    }

    private ExampleOptions withTransport(Transport transport) {
        return new ExampleOptions(host, port, closeTimeout, drain, protection, maxMessageBytes, compression, transport, upstream);
    }

    private ExampleOptions withUpstream(URI upstream) {
        return new ExampleOptions(host, port, closeTimeout, drain, protection, maxMessageBytes, compression, transport, upstream);
    }

    /**
     * The relay's settings for {@code upstream}: the close timeout, message limit, compression and
     * keepalive of this server's flags on the upstream side too, and an upstream upgrade timeout of
     * half the client's, so that a client whose upstream does not answer gets its 502 in time.
     */
    RelayConfig relay(URI upstream) {
        Duration clientUpgrade = protection.upgradeTimeout();
        ClientOptions upstreamOptions = ClientOptions.DEFAULTS
                .withMaxMessageBytes(maxMessageBytes)
                .withUpgradeTimeout(clientUpgrade.isZero() ? ClientOptions.DEFAULTS.upgradeTimeout() : clientUpgrade.dividedBy(2))
                .withPingInterval(protection.pingInterval())
                .withPongTimeout(protection.pongTimeout())
                .withIdleTimeout(protection.idleTimeout())
                .withMaxPendingBytes(protection.maxPendingBytes());
        return RelayConfig.to(upstream)
                .withUpstreamClose(ClosingHandshakeConfig.client().withCloseTimeout(closeTimeout))
                .withUpstreamOptions(compression ? upstreamOptions.withCompression(PerMessageDeflateConfig.DEFAULT) : upstreamOptions);
    }

    /** The transport {@code --transport} names, if it works here. */
    private static Transport transport(String flag, String value) {
        Transport transport = Transport.of(value);
        Throwable why = transport.unavailabilityCause();
        if (why != null) {
            throw new IllegalArgumentException(flag + " " + transport.flag() + " is not available here: " + why, why);
        }
        return transport;
    }

    /** The URI of {@code --upstream}: {@code ws://HOST:PORT/PATH}. */
    private static URI upstream(String flag, String value) {
        URI uri;
        try {
            uri = new URI(value);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(flag + " needs a URI such as ws://127.0.0.1:9000/ws, got \"" + value + "\"");
        }
        if (!"ws".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null || uri.getPort() < 0) {
            throw new IllegalArgumentException(flag + " needs a URI ws://HOST:PORT/PATH, got \"" + value + "\"");
        }
        return uri;
    }

    /** The drain's close frame for {@code --drain-code}: 1001 or 1012. */
    private static CloseReason drainReason(String flag, String value) {
        return switch (value) {
            case "1001" -> GOING_AWAY;
            case "1012" -> RESTARTING;
            default -> throw new IllegalArgumentException(flag + " must be 1001 or 1012, got \"" + value + "\"");
        };
    }

    /** A duration in milliseconds, where 0 turns a timeout off. */
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
