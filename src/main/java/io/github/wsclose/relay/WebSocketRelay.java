package io.github.wsclose.relay;

import io.github.wsclose.ClosingHandshakeConfig;
import io.github.wsclose.ServerOptions;
import io.github.wsclose.ServerPipeline;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.util.AttributeKey;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * A WebSocket relay (a gateway): each client connection accepted on the WebSocket path is joined
 * to a connection of its own to one upstream server, and both close right.
 *
 * <pre>{@code
 * protected void initChannel(SocketChannel ch) {
 *     WebSocketRelay.configure(ch.pipeline(), protocol, ClosingHandshakeConfig.server(), ServerOptions.DEFAULTS,
 *             RelayConfig.to(URI.create("ws://10.0.0.7:8080/ws")));
 * }
 * }</pre>
 *
 * <ul>
 *   <li><b>Upgrade.</b> The client's upgrade request is held while the relay connects to the
 *       upstream and upgrades there; the client gets its 101 only after the upstream's, and
 *       {@code 502 Bad Gateway} if the upstream is unreachable, refuses, or does not answer within
 *       the upstream options' upgrade timeout: never a 101 followed by a close. The client's
 *       subprotocols are offered to the upstream, and the upstream's choice is the client's.</li>
 *   <li><b>Data</b> frames (whole messages, within each hop's limits) pass both ways, with
 *       backpressure: a hop stops reading while the other is not writable, so neither holds more
 *       than its pending limit.</li>
 *   <li><b>Close.</b> A close frame from either peer reaches the other with the same code and
 *       reason (an empty close as an empty close); a hop that ends without one closes the other
 *       with {@code 1014 BAD_GATEWAY} (to the client) or {@code 1001 GOING_AWAY} (to the
 *       upstream). The mapping is documented in docs/relay.md.</li>
 *   <li><b>Each hop on its own</b>: the client hop has the protections of {@code options}
 *       (keepalive, idle, sizes, pending bytes, drain), the upstream hop those of
 *       {@link RelayConfig#upstreamOptions()}. A drain of {@code options} closes the client with
 *       the drain's close and its upstream with {@code 1001}.</li>
 *   <li><b>Reports</b>: the application's handlers see the client hop's {@code CloseReport} as on
 *       any server connection; {@link #closeReports(Channel)} pairs it with the upstream hop's.</li>
 * </ul>
 *
 * <p>The pipeline is that of {@link ServerPipeline#addWebSocketHandlers}, behind an HTTP side
 * built here ({@value ServerPipeline#HTTP_CODEC}, {@value ServerPipeline#HTTP_AGGREGATOR}, then
 * {@value #RELAY_UPGRADE}), with {@value #RELAY} as its application handler, before the
 * caller's: HTTP requests for other paths, the client's {@code CloseReason}, its
 * {@code CloseReport} and other user events reach them. The upstream connection is opened on the
 * client connection's event loop, on that connection's own transport (NIO, epoll or io_uring). The
 * upstream connections are not accepted channels: a server that stops its event loops should first
 * wait for the {@link #closeReports(Channel)} of its relayed connections (an io_uring loop that stops
 * under an open channel can leak the read buffer it holds for it).
 *
 * <p>Thread-safe; a static entry point, nothing to share.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6455#section-7">RFC 6455 §7</a>
 * @see RelayConfig
 */
public final class WebSocketRelay {

    /** The name of the handler that holds the client's upgrade request until the upstream's upgrade, after {@value ServerPipeline#HTTP_AGGREGATOR}. */
    public static final String RELAY_UPGRADE = "ws-relay-upgrade";
    /** The name of the client hop, the first application handler. */
    public static final String RELAY = "ws-relay";

    private static final AttributeKey<CompletableFuture<RelayedClose>> PAIR =
            AttributeKey.valueOf(WebSocketRelay.class, "relayedClose");

    private WebSocketRelay() {
    }

    /**
     * Configures {@code pipeline}, a new client connection's, as one hop of a relay to the
     * upstream of {@code relay}.
     *
     * @param pipeline    the channel's pipeline, empty or holding only what goes first (TLS, a logger)
     * @param protocol    Netty's settings of the client side: path, handshake timeout … (its
     *                    subprotocols are replaced by the upstream's choice)
     * @param close       the closing handshake of the client side, a server configuration
     * @param options     the client side's limits, protections and drain
     * @param relay       the upstream and the settings of the connections to it
     * @param application handlers after the relay: they see other HTTP requests and the client hop's events
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code close} is not a server configuration
     */
    public static void configure(ChannelPipeline pipeline, WebSocketServerProtocolConfig protocol, ClosingHandshakeConfig close,
            ServerOptions options, RelayConfig relay, ChannelHandler... application) {
        Objects.requireNonNull(pipeline, "pipeline");
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(relay, "relay");
        Objects.requireNonNull(application, "application");
        CompletableFuture<RelayedClose> pair = new CompletableFuture<>();
        pipeline.channel().attr(PAIR).set(pair);
        RelayHop client = RelayHop.client(pair);
        WebSocketServerProtocolConfig anySubprotocol = protocol.toBuilder()
                .subprotocols("*") // the request Netty answers holds only the upstream's choice
                .build();
        pipeline.addLast(ServerPipeline.HTTP_CODEC, new HttpServerCodec());
        pipeline.addLast(ServerPipeline.HTTP_AGGREGATOR, new HttpObjectAggregator(options.maxHttpRequestBytes()));
        pipeline.addLast(RELAY_UPGRADE, new RelayUpgrade(relay, anySubprotocol, client));
        ServerPipeline.addWebSocketHandlers(pipeline, anySubprotocol, close, options, application);
        pipeline.addAfter(ServerPipeline.CLOSING_HANDSHAKE, RELAY, client); // the first application handler
    }

    /**
     * Returns the future of the paired reports of a relayed connection: it completes once both
     * hops have ended, on the event loop, and fails with an {@link IllegalStateException} if the
     * client connection closed before its upgrade (the upstream refused, or the client left).
     *
     * @param client the client's channel, configured by {@link #configure}
     * @return the future of both reports
     * @throws IllegalArgumentException if {@code client} is not a relay's client channel
     */
    public static CompletableFuture<RelayedClose> closeReports(Channel client) {
        CompletableFuture<RelayedClose> pair = Objects.requireNonNull(client, "client").attr(PAIR).get();
        if (pair == null) {
            throw new IllegalArgumentException("not a relayed connection: " + client);
        }
        return pair;
    }
}
