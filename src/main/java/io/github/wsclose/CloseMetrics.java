package io.github.wsclose;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.AttributeKey;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Turns each connection's {@link CloseReport} into Micrometer meters: how many WebSocket
 * connections are open, how they closed (code, initiator, cleanliness, cause) and how long
 * their closes took. Every tag has a small fixed set of values, whatever the peers send.
 *
 * <pre>{@code
 * CloseMetrics metrics = CloseMetrics.bindTo(registry); // once per registry
 * // for each channel:
 * ServerPipeline.configure(ch.pipeline(), "/ws", ClosingHandshakeConfig.server(), metrics, new MyApp());
 * }</pre>
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>name</th><th>type</th><th>tags</th><th>what it measures</th></tr>
 *   <tr><td>{@value #ACTIVE}</td><td>gauge</td><td>-</td><td>WebSocket connections open now:
 *       counted when the upgrade completes, until their report</td></tr>
 *   <tr><td>{@value #CLOSES}</td><td>counter</td><td>code, initiator, clean, cause, http</td><td>one
 *       per connection, from its report</td></tr>
 *   <tr><td>{@value #CLOSE_DURATION}</td><td>timer</td><td>initiator, clean, cause, http</td><td>from
 *       the first close frame (or the failure) until TCP closed</td></tr>
 *   <tr><td>{@value #PING_RTT}</td><td>timer</td><td>-</td><td>keepalive round trips: at each
 *       report, its {@link CloseReport#lastPingRoundTrip()}, if a pong answered a ping</td></tr>
 *   <tr><td>{@value #UPGRADES_REJECTED}</td><td>counter</td><td>reason</td><td>connections that
 *       never became WebSocket connections: one per {@link UpgradeRejected} event; those a drain
 *       refused have {@code reason=drain}</td></tr>
 *   <tr><td>{@value #DRAINING}</td><td>gauge</td><td>-</td><td>with
 *       {@link #bindTo(MeterRegistry, GracefulDrain)} only: 1 while the drain is
 *       {@link GracefulDrain.Phase#DRAINING}, 0 before and after</td></tr>
 * </table>
 *
 * <p>The {@code code} tag is the code of {@link CloseReport#reason()} (RFC 6455 §7.1.5: of the
 * close frame received, 1005 for one without a code, 1006 when none came): the number of a
 * named code ({@link CloseReason.Codes}, such as {@code 1000} or {@code 1006}), {@code 3xxx} for
 * 3000–3999, {@code 4xxx} for 4000–4999 and {@code other} for anything else; {@code initiator} is {@code local} or {@code remote};
 * {@code clean} is {@code true} or {@code false}; {@code cause} is the report's
 * {@link CloseReport.Cause} in lower case ({@code peer}, {@code application},
 * {@code protocol_error} …), so it takes one value per constant of that enum; {@code http} is
 * the report's {@link CloseReport.HttpVersion#number()}, {@code 1.1} or {@code 2}; {@code reason} is
 * the {@link UpgradeRejected.Reason#tag()} of the rejection.
 *
 * <p>Add the handler after the {@link ClosingHandshakeHandler} (among the application's
 * handlers of a {@link ServerPipeline}): it reads the upgrade event, the report and the
 * rejection on their way to the application and passes them on. A connection that closes before its upgrade completes
 * is never counted as open.
 *
 * <p>This is the only class of the library that uses Micrometer, which is an optional
 * dependency: without Micrometer on the class path everything else works, and only a call to
 * {@link #bindTo(MeterRegistry)} fails.
 *
 * <p>Sharable and thread-safe: one instance serves every channel of a registry.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6455#section-7.1.5">RFC 6455 §7.1.5</a>
 */
@Sharable
public final class CloseMetrics extends ChannelInboundHandlerAdapter {

    static final String ACTIVE = "websocket.connections.active";
    static final String CLOSES = "websocket.closes";
    static final String CLOSE_DURATION = "websocket.close.duration";
    static final String PING_RTT = "websocket.ping.rtt";
    static final String UPGRADES_REJECTED = "websocket.upgrades.rejected";
    static final String DRAINING = "websocket.draining";


    private static final AttributeKey<Boolean> OPEN = AttributeKey.valueOf(CloseMetrics.class, "open");

    private final AtomicLong active = new AtomicLong();
    private final Meter.MeterProvider<Counter> closes;
    private final Meter.MeterProvider<Timer> closeDurations;
    private final Meter.MeterProvider<Timer> pingRoundTrips;
    private final Meter.MeterProvider<Counter> rejectedUpgrades;

    private CloseMetrics(MeterRegistry registry) {
        Gauge.builder(ACTIVE, active, AtomicLong::get)
                .description("WebSocket connections open now: upgraded and not yet closed")
                .strongReference(true)
                .register(registry);
        closes = Counter.builder(CLOSES)
                .description("WebSocket connections closed, by close code, initiator, cleanliness, cause and HTTP version")
                .withRegistry(registry);
        closeDurations = Timer.builder(CLOSE_DURATION)
                .description("From the first close frame, or the failure, until TCP closed")
                .withRegistry(registry);
        pingRoundTrips = Timer.builder(PING_RTT) // registered with the first round trip: only when keepalive is on
                .description("Keepalive round trips: from a ping sent until its pong")
                .withRegistry(registry);
        rejectedUpgrades = Counter.builder(UPGRADES_REJECTED)
                .description("Connections that never became WebSocket connections, by reason")
                .withRegistry(registry);
    }

    /**
     * Registers the meters in {@code registry} and returns the handler that feeds them; add that
     * one instance to every channel.
     *
     * @param registry where the meters go
     * @return the handler that feeds them, sharable by every channel
     * @throws NullPointerException     if {@code registry} is null
     * @throws IllegalArgumentException if the registry already has a {@value #ACTIVE} gauge:
     *                                  bind once per registry, and share the handler
     */
    public static CloseMetrics bindTo(MeterRegistry registry) {
        if (Objects.requireNonNull(registry, "registry").find(ACTIVE).gauge() != null) {
            throw new IllegalArgumentException("close metrics already bound to this registry (" + ACTIVE
                    + " exists): bind once per registry and add the same handler to every channel");
        }
        return new CloseMetrics(registry);
    }

    /**
     * As {@link #bindTo(MeterRegistry)}, with a {@value #DRAINING} gauge that shows whether
     * {@code drain} is in progress.
     *
     * @param registry where the meters go
     * @param drain    the server's drain
     * @return the handler that feeds them, sharable by every channel
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if the registry already has a {@value #ACTIVE} gauge
     */
    public static CloseMetrics bindTo(MeterRegistry registry, GracefulDrain drain) {
        Objects.requireNonNull(drain, "drain");
        CloseMetrics metrics = bindTo(registry);
        Gauge.builder(DRAINING, drain, d -> d.phase() == GracefulDrain.Phase.DRAINING ? 1 : 0)
                .description("1 while the server drains its connections, 0 before and after")
                .strongReference(true)
                .register(registry);
        return metrics;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        ClosingHandshakeHandler handshake = ctx.pipeline().get(ClosingHandshakeHandler.class);
        if (handshake != null && handshake.upgraded()) {
            opened(ctx); // no upgrade to wait for: the handshake handler takes the connection as open
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete
                || evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
            opened(ctx);
        } else if (evt instanceof CloseReport report) {
            closed(ctx, report);
        } else if (evt instanceof UpgradeRejected rejected) {
            rejectedUpgrades.withTags("reason", rejected.reason().tag()).increment();
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (ctx.channel().attr(OPEN).getAndSet(null) != null) {
            active.decrementAndGet(); // taken out of a pipeline while open: no report will reach it
        }
    }

    private void opened(ChannelHandlerContext ctx) {
        if (ctx.channel().attr(OPEN).setIfAbsent(Boolean.TRUE) == null) {
            active.incrementAndGet();
        }
    }

    private void closed(ChannelHandlerContext ctx, CloseReport report) {
        if (ctx.channel().attr(OPEN).getAndSet(null) != null) {
            active.decrementAndGet();
        }
        String initiator = tag(report.initiator());
        String clean = Boolean.toString(report.clean());
        String cause = tag(report.cause());
        String http = report.httpVersion().number();
        closes.withTags("code", codeTag(report.reason()), "initiator", initiator, "clean", clean, "cause", cause, "http", http)
                .increment();
        closeDurations.withTags("initiator", initiator, "clean", clean, "cause", cause, "http", http)
                .record(report.duration().toNanos(), TimeUnit.NANOSECONDS);
        Duration roundTrip = report.lastPingRoundTrip();
        if (roundTrip != null) {
            pingRoundTrips.withTags().record(roundTrip); // the connection's latest, one sample per connection
        }
    }

    /** The {@code code} tag of {@code reason}, for any code. */
    static String codeTag(CloseReason reason) {
        if (reason.knownReason() != null) {
            return Integer.toString(reason.unsignedCode());
        }
        return switch (StatusCodeRange.of(reason.unsignedCode())) {
            case REGISTERED -> "3xxx";
            case PRIVATE_USE -> "4xxx";
            case DEFINED, LOCAL_ONLY, RESERVED, OUT_OF_RANGE -> "other"; // every DEFINED and LOCAL_ONLY code is named
        };
    }

    /** An enum constant as a tag value: its name in lower case. */
    static String tag(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }
}
