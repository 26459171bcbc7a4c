package io.github.wsclose.example;

import io.github.wsclose.CloseMetrics;
import io.github.wsclose.ClosingHandshakeConfig;
import io.github.wsclose.DrainPlan;
import io.github.wsclose.GracefulDrain;
import io.github.wsclose.Http2ServerPipeline;
import io.github.wsclose.ServerOptions;
import io.github.wsclose.ServerPipeline;
import io.github.wsclose.relay.RelayConfig;
import io.github.wsclose.relay.RelayedClose;
import io.github.wsclose.relay.WebSocketRelay;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.ZonedDateTime;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * A WebSocket echo server that shows every part of the library's close handling, with a
 * playground page to try it from a browser.
 *
 * <ul>
 *   <li>{@code GET /} serves the playground page; {@code /ws} is the WebSocket endpoint, built
 *       with {@link ServerPipeline#configure}.</li>
 *   <li>{@code GET /metrics} serves the close meters of {@link CloseMetrics} in Prometheus text
 *       format.</li>
 *   <li>{@code GET /ready} answers 200 while the server serves and 503 once it drains, for a
 *       load balancer's health checks ({@link GracefulDrain#GracefulDrain(String)}).</li>
 *   <li>Text and binary messages are echoed, unchanged. A client that asks for the subprotocol
 *       {@code wsclose.playground}, as the playground page does, may send the text
 *       {@code close CODE [REASON]} instead, which makes the server send the first close frame
 *       ({@link CloseCommand}, {@link EchoHandler}).</li>
 *   <li>One line is printed per closed connection, and per connection refused before its
 *       upgrade ({@link ClosePrinter}).</li>
 *   <li>With {@code --upstream ws://HOST:PORT/PATH} it echoes nothing itself: it is a relay
 *       ({@link WebSocketRelay}) to that server, the playground page included; the upstream's close
 *       codes reach the browser and the browser's reach the upstream, an upstream that cannot be
 *       reached gets the browser a 502, and a second line per connection tells how the upstream
 *       connection ended.</li>
 *   <li>The server closes on its own what a server must, with the limits and timeouts of the
 *       {@code --upgrade-timeout-ms} … {@code --max-message-bytes} flags (a
 *       {@link io.github.wsclose.ServerProtection}, docs/protection.md).</li>
 *   <li>On SIGTERM or Ctrl-C the server drains ({@link GracefulDrain}): {@code /ready} and upgrades
 *       answer 503 at once, and after {@code --readiness-delay-ms} every connection gets its close
 *       frame ({@code --drain-code}: {@code 1001 GOING_AWAY} or {@code 1012 SERVICE_RESTART}) at a
 *       moment spread over {@code --drain-spread-ms}, all bounded by {@code --drain-deadline-ms};
 *       then the result is printed, the listening socket closed, and the process exits with 0.</li>
 *   <li>It runs on the {@link Transport} of {@code --transport}: {@code nio}, {@code epoll} or {@code io_uring}, by
 *       default the best one available here, and prints which before it listens.</li>
 *   <li>Out of file descriptors under a flood of connections, it prints one line, pauses accepting
 *       and accepts again once the flood is gone ({@link AcceptFailures}); a connection run through
 *       the pipeline before it listens ({@link WarmUp}) keeps the flood from breaking later ones.</li>
 * </ul>
 *
 * <p>With {@code --tls} ({@link ExampleTls}) the same port serves HTTPS and WSS, HTTP/2 and HTTP/1.1 chosen by
 * ALPN ({@link Http2ServerPipeline#configureTls}): browsers open their WebSockets over HTTP/2 (RFC 8441) on the
 * connection that loaded the page; each closed line ends with {@code http=HTTP/2} or {@code http=HTTP/1.1}, from the report.
 *
 * <p>Run from the project root: {@code mvn -q test-compile exec:java}; see {@link ExampleOptions}.
 */
public final class ExampleServer {

    static final String WEBSOCKET_PATH = "/ws";
    static final String READINESS_PATH = "/ready";

    private final ExampleOptions options;
    private final PrintStream out;
    private final EventLoopGroup group;
    private final GracefulDrain drain = new GracefulDrain(READINESS_PATH); // every connection joins it
    // every accepted connection, WebSocket or not (a health check's), to close before the event loops stop
    private final ChannelGroup accepted = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    // with --upstream, the paired reports of the relayed connections not ended yet: their upstream connections end too
    private final Set<CompletableFuture<RelayedClose>> relayed = ConcurrentHashMap.newKeySet();
    private @Nullable SslContext tls; // with --tls: HTTPS and WSS, HTTP/2 or HTTP/1.1 by ALPN

    ExampleServer(ExampleOptions options, PrintStream out) {
        this.options = options;
        this.out = out;
        this.group = options.transport().newGroup(0);
    }

    /** Starts the server; after SIGTERM or Ctrl-C it drains and the process exits with 0. */
    public static void main(String[] args) throws InterruptedException {
        if (ExampleOptions.wantsHelp(args)) {
            System.out.println(ExampleOptions.USAGE + "\n" + ExampleTls.USAGE);
            return;
        }
        ExampleOptions options;
        ExampleTls tls;
        try {
            tls = ExampleTls.parse(args);
            options = ExampleOptions.parse(tls.remaining());
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println(ExampleOptions.USAGE);
            System.exit(2);
            return;
        }
        // java.util.logging's formatter reads the time-zone file at its first line: read it now, while a descriptor is
        // free; a first warning logged when none is left (a flood of connections) breaks every later date and log line
        ZonedDateTime.now().getZone().getRules();
        ExampleServer server = new ExampleServer(options, System.out);
        try {
            server.tls = tls.context();
        } catch (Exception e) {
            System.err.println("error: cannot set up TLS: " + e.getMessage());
            System.exit(2);
            return;
        }
        server.run();
    }

    private void run() throws InterruptedException {
        Channel server;
        try {
            server = bind();
        } catch (Exception e) {
            System.err.println("error: cannot listen on " + options.host() + ":" + options.port() + ": " + e.getMessage());
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            System.exit(1);
            return;
        }
        CountDownLatch drained = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            shutDown(server);
            drained.countDown();
            Runtime.getRuntime().halt(0); // drained as planned, forced closes included: a clean exit, not 143 for SIGTERM
        }, "example-server-shutdown"));
        InetSocketAddress bound = (InetSocketAddress) server.localAddress();
        String authority = authority(bound);
        out.println("transport " + options.transport().flag() + " (of " + Transport.describeAll() + ")");
        String secure = tls == null ? "" : "s";
        out.println("listening on ws" + secure + "://" + authority + WEBSOCKET_PATH + (tls == null ? "" : " (HTTP/2 and HTTP/1.1)"));
        if (options.upstream() != null) {
            out.println("relaying to " + options.upstream());
        }
        out.println("http" + secure + "://" + authority + "/");
        out.flush();
        drained.await();
    }

    /**
     * Listens on the options' address and returns the listening channel, after running the pipeline once on an
     * {@link WarmUp embedded channel} of its own, with meters and a printer that go nowhere.
     */
    Channel bind() throws InterruptedException {
        WarmUp.run(initializer(new GracefulDrain(READINESS_PATH), new PrintStream(OutputStream.nullOutputStream()), null));
        return new ServerBootstrap()
                .group(group)
                .channel(options.transport().serverChannel())
                .handler(new AcceptFailures(out)) // out of file descriptors: one line, a pause, and accepting again
                .childHandler(counted(initializer(drain, out, tls)))
                .bind(options.host(), options.port())
                .sync()
                .channel();
    }

    /**
     * Each connection's pipeline: joining {@code drain}, counted in meters of its own, printing to {@code printed};
     * with {@code --upstream}, a relay to the upstream ({@link WebSocketRelay}); else with {@code tls}, HTTP/2 or
     * HTTP/1.1 by ALPN ({@link Http2ServerPipeline#configureTls}).
     */
    private ChannelInitializer<Channel> initializer(GracefulDrain drain, PrintStream printed, @Nullable SslContext tls) {
        WebSocketServerProtocolConfig protocol = WebSocketServerProtocolConfig.newBuilder()
                .websocketPath(WEBSOCKET_PATH)
                .subprotocols(EchoHandler.PLAYGROUND) // chosen when a client asks for it: the playground's close commands
                .build();
        ClosingHandshakeConfig close = ClosingHandshakeConfig.server()
                .withCloseTimeout(options.closeTimeout())
                .withEchoReason(true); // the answer to a client's close carries its code and its reason
        ServerOptions limits = options.serverOptions().withDrain(drain);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        CloseMetrics metrics = CloseMetrics.bindTo(registry, drain); // once per registry, then in every pipeline
        PlaygroundPage page = new PlaygroundPage(registry::scrape);
        ClosePrinter printer = new ClosePrinter(printed);
        URI upstream = options.upstream();
        @Nullable RelayConfig relay = upstream == null ? null : options.relay(upstream);
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                if (relay != null) {
                    // the upstream echoes, and takes the playground's close commands: this server relays both ways
                    WebSocketRelay.configure(ch.pipeline(), protocol, close, limits, relay, metrics, page, printer);
                    return;
                }
                if (tls != null) {
                    Http2ServerPipeline.configureTls(ch.pipeline(), tls, protocol, close, limits,
                            () -> new ChannelHandler[] {metrics, page, EchoHandler.INSTANCE, printer});
                    return;
                }
                ServerPipeline.configure(ch.pipeline(), protocol, close, limits,
                        metrics, page, EchoHandler.INSTANCE, printer);
            }
        };
    }

    /**
     * Drains every connection as {@code --readiness-delay-ms}, {@code --drain-spread-ms},
     * {@code --drain-code} and {@code --drain-deadline-ms} say, then closes the listening socket
     * and stops the event loops.
     */
    void shutDown(Channel server) {
        DrainPlan plan = options.drain();
        CompletableFuture<GracefulDrain.Result> drained = drain.start(plan); // first: /ready says 503 from now on
        out.println("draining with " + plan.reason() + " (readiness delay " + plan.readinessDelay().toMillis() + " ms, spread "
                + plan.spread().toMillis() + " ms, deadline " + plan.deadline().toMillis() + " ms)");
        out.flush();
        try {
            GracefulDrain.Result result = drained.get(plan.deadline().toMillis() + 1000, TimeUnit.MILLISECONDS);
            out.println("drained connections=" + result.connections() + " clean=" + result.clean()
                    + " unclean=" + result.unclean() + " forced=" + result.forced() + " refused-upgrades=" + result.refusedUpgrades()
                    + " readiness-delay=" + result.readinessDelay().toMillis() + "ms spread=" + result.spread().toMillis() + "ms"
                    + (result.spreadShortened() ? " (shortened to fit the deadline)" : "")
                    + " took=" + result.took().toMillis() + "ms");
        } catch (TimeoutException | ExecutionException e) {
            out.println("drain did not finish: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            out.println("drain interrupted");
        }
        server.close().syncUninterruptibly(); // open until now: a load balancer that had not noticed got a 503 to retry
        // what the drain does not hold (HTTP connections, refused upgrades) closes now, not while its event loop stops:
        // io_uring would complete such a close after its loop ended, and Netty logs the task it can no longer run
        accepted.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        awaitUpstreams();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        out.flush();
    }

    /**
     * Waits up to a second for the relay's upstream connections, which are not accepted ones, to end their closing
     * handshakes: an io_uring event loop that stops under an open channel can leak the read buffer it holds for it.
     */
    private void awaitUpstreams() {
        try {
            CompletableFuture.allOf(relayed.toArray(CompletableFuture[]::new)).get(1, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            // a client that left before its upgrade: its upstream connection was closed at once
        } catch (TimeoutException e) {
            out.println("upstream connections still open: " + relayed.size());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** {@code connections}, for a channel that first joins {@link #accepted}. */
    private ChannelInitializer<Channel> counted(ChannelInitializer<Channel> connections) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                accepted.add(ch); // leaves the group when it closes
                ch.pipeline().addLast(connections); // runs at once: the channel is registered
                if (ch.pipeline().get(WebSocketRelay.RELAY) != null) {
                    CompletableFuture<RelayedClose> pair = WebSocketRelay.closeReports(ch);
                    relayed.add(pair);
                    pair.whenComplete((ended, failed) -> relayed.remove(pair));
                }
            }
        };
    }

    /** HOST:PORT, with an IPv6 address in brackets. */
    private static String authority(InetSocketAddress address) {
        String host = address.getHostString();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
    }
}
