package io.github.wsclose.relay;

import io.github.wsclose.ClientOptions;
import io.github.wsclose.ClosingHandshakeConfig;
import java.net.URI;
import java.util.Locale;
import java.util.Objects;

/**
 * Where a {@link WebSocketRelay} connects for each client, and how: the upstream's URI, the
 * closing handshake and the options (limits, compression, keepalive, pending bytes, upgrade
 * timeout, extra headers) of its connections to the upstream.
 *
 * <p>The subprotocols the client offers replace those of {@link #upstreamOptions()} on each
 * connection (the upstream chooses, the client gets its choice); without an offer from the
 * client, those of the options are offered.
 *
 * <p>Immutable and thread-safe; one instance may serve every connection.
 *
 * @param upstream        the upstream's {@code ws://} or {@code wss://} URI
 * @param upstreamClose   the closing handshake of the upstream connections, a client configuration
 * @param upstreamOptions the limits, protections and upgrade request of the upstream connections
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6455#section-3">RFC 6455 §3</a>
 */
public record RelayConfig(URI upstream, ClosingHandshakeConfig upstreamClose, ClientOptions upstreamOptions) {

    /**
     * Checks the settings.
     *
     * @param upstream        the upstream's {@code ws://} or {@code wss://} URI, with a host
     * @param upstreamClose   a client configuration
     * @param upstreamOptions the options of the upstream connections
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if the URI is not a {@code ws://} or {@code wss://} URI with a
     *                                  host, or {@code upstreamClose} is not a client configuration
     */
    public RelayConfig {
        Objects.requireNonNull(upstream, "upstream");
        Objects.requireNonNull(upstreamClose, "upstreamClose");
        Objects.requireNonNull(upstreamOptions, "upstreamOptions");
        String scheme = upstream.getScheme() == null ? "" : upstream.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("ws") && !scheme.equals("wss") || upstream.getHost() == null) {
            throw new IllegalArgumentException("upstream must be a ws:// or wss:// URI with a host, got " + upstream);
        }
        if (upstreamClose.role() != ClosingHandshakeConfig.Role.CLIENT) {
            throw new IllegalArgumentException("the upstream connections need a client configuration, got " + upstreamClose.role());
        }
    }

    /**
     * A relay to {@code upstream} with the default client closing handshake and {@link ClientOptions#DEFAULTS}.
     *
     * @param upstream the upstream's {@code ws://} or {@code wss://} URI
     * @return the configuration
     * @throws IllegalArgumentException if the URI is not a WebSocket URI with a host
     */
    public static RelayConfig to(URI upstream) {
        return new RelayConfig(upstream, ClosingHandshakeConfig.client(), ClientOptions.DEFAULTS);
    }

    /**
     * Returns a copy with {@code upstreamClose} for the upstream connections.
     *
     * @param upstreamClose a client configuration
     * @return the copy
     * @throws IllegalArgumentException if it is not a client configuration
     */
    public RelayConfig withUpstreamClose(ClosingHandshakeConfig upstreamClose) {
        return new RelayConfig(upstream, upstreamClose, upstreamOptions);
    }

    /**
     * Returns a copy with {@code upstreamOptions} for the upstream connections.
     *
     * @param upstreamOptions the options
     * @return the copy
     */
    public RelayConfig withUpstreamOptions(ClientOptions upstreamOptions) {
        return new RelayConfig(upstream, upstreamClose, upstreamOptions);
    }
}
