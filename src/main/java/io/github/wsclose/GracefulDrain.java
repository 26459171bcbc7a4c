package io.github.wsclose;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * Takes a server out of service without losing a client: the drain of a deploy or restart.
 * Its lifecycle is {@link Phase#SERVING} → {@link Phase#DRAINING} → {@link Phase#DRAINED}.
 *
 * <pre>{@code
 * GracefulDrain drain = new GracefulDrain("/ready");          // GET /ready: 200, then 503
 * ServerOptions options = ServerOptions.DEFAULTS.withDrain(drain);
 * // every pipeline: ServerPipeline.configure(ch.pipeline(), "/ws", ClosingHandshakeConfig.server(), options, app);
 * // on SIGTERM:
 * drain.start(DrainPlan.of(new CloseReason(Codes.SERVICE_RESTART, "deploy"), Duration.ofSeconds(30))
 *         .withReadinessDelay(Duration.ofSeconds(5))
 *         .withSpread(Duration.ofSeconds(20)))
 *     .thenAccept(result -> log.info("drained {}", result));      // then close the listening channel
 * }</pre>
 *
 * <p>Every channel of a pipeline built with {@link ServerOptions#withDrain(GracefulDrain)} joins
 * the drain. Once {@link #start(DrainPlan) started}, at once and before any close frame:
 * <ul>
 *   <li>the readiness path, if the drain has one, answers {@code 503 Service Unavailable} with
 *       {@code Retry-After} instead of {@code 200 OK}, so that load balancers stop sending new
 *       clients;</li>
 *   <li>every WebSocket upgrade request is answered {@code 503} with {@code Retry-After} and
 *       {@code Connection: close}, and fires {@link UpgradeRejected.Reason#DRAIN
 *       UpgradeRejected(DRAIN)}: a load balancer that has not noticed yet gets an answer it can
 *       retry on another server, which it would not get from a closed listening socket. Keep the
 *       server's listening channel open until the drain's future completes.</li>
 * </ul>
 * After the plan's {@link DrainPlan#readinessDelay() readiness delay}, each connection gets, at
 * its own moment in the plan's {@link DrainPlan#spread() spread} window, a {@link DrainNotice}
 * event (its last chance to send a message) and then its close frame, and its closing handshake
 * runs; those still open at the deadline are closed at once. The moments are random and even:
 * the window is cut into one slot per connection, in a random order, and each connection's close
 * frame is due at a random moment of its slot. The close frames take turns at least a slot's
 * length apart: one that falls due while the turn it needs is taken, or that runs more than a
 * slot late (a pause of its event loop, or of the whole process), takes the next free turn, so
 * that close frames delayed together do not go together, and no 100 ms holds more than
 * {@code ⌈connections × 100 ms / window⌉ + 2} of them. The deadline comes first: no close frame
 * waits past the last moment that leaves it its close timeout. Channels of the drain that are not
 * WebSocket connections are closed at their moment too (one that has not finished its upgrade
 * fires {@code UpgradeRejected(DRAIN)} first), so that a drain leaves nothing open.
 *
 * <p>A drain runs once: {@link #start(DrainPlan)} a second time fails. {@link #drain(ChannelGroup,
 * CloseReason, Duration)} drains a group of the caller's all at once, without a lifecycle.
 *
 * <p>Thread-safe: call from any thread; one instance serves every pipeline of a server.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6455#section-7.4.1">RFC 6455 §7.4.1</a>
 * @see DrainPlan
 */
public final class GracefulDrain {

    private final @Nullable String readinessPath;
    private final EventExecutor timer; // times the readiness delay, which holds the drain open even with no connection
    private final ChannelGroup channels = new DefaultChannelGroup("drain", GlobalEventExecutor.INSTANCE);
    private final AtomicInteger refusedUpgrades = new AtomicInteger();
    private volatile Phase phase = Phase.SERVING; // moved on from SERVING once, under the lock of this drain
    private volatile long deadlineNanos; // System.nanoTime() at the deadline, set before the phase leaves SERVING

    /** A drain without a readiness path: pipelines answer upgrades 503 while it drains. */
    public GracefulDrain() {
        this.readinessPath = null;
        this.timer = GlobalEventExecutor.INSTANCE;
    }

    /**
     * A drain whose pipelines also answer {@code GET} and {@code HEAD} requests for
     * {@code readinessPath}: {@code 200 OK} while serving, {@code 503 Service Unavailable} with
     * {@code Retry-After} from the start of the drain on. Other methods get {@code 405}.
     *
     * @param readinessPath the request path of the readiness check, such as {@code "/ready"}
     * @throws IllegalArgumentException if {@code readinessPath} does not start with {@code /}
     */
    public GracefulDrain(String readinessPath) {
        if (!Objects.requireNonNull(readinessPath, "readinessPath").startsWith("/")) {
            throw new IllegalArgumentException("readinessPath must start with /: \"" + readinessPath + "\"");
        }
        this.readinessPath = readinessPath;
        this.timer = GlobalEventExecutor.INSTANCE;
    }

    /** A drain whose readiness delay {@code timer} times; for tests on virtual time. */
    GracefulDrain(@Nullable String readinessPath, EventExecutor timer) {
        this.readinessPath = readinessPath;
        this.timer = timer;
    }

    /**
     * Where the drain stands; {@link Phase#DRAINING} from the moment {@link #start(DrainPlan)} is called.
     *
     * @return the phase
     */
    public Phase phase() {
        return phase;
    }

    /**
     * The request path of the readiness check, if the drain has one.
     *
     * @return the path, or empty
     */
    public Optional<String> readinessPath() {
        return Optional.ofNullable(readinessPath);
    }

    /**
     * Starts the drain of every connection that joined it: readiness fails at once, then the
     * close frames go as {@code plan} says.
     *
     * @param plan the close frame, readiness delay, spread and deadline
     * @return the counts of the drain, once every connection has closed and the readiness delay
     *         is over (so that the listening socket stays open at least that long), at the latest
     *         shortly after the plan's deadline; it never completes exceptionally
     * @throws NullPointerException  if {@code plan} is null
     * @throws IllegalStateException if the drain was started before
     */
    public CompletableFuture<Result> start(DrainPlan plan) {
        return run(channels, Objects.requireNonNull(plan, "plan"));
    }

    /**
     * Starts the closing handshake on every connection of {@code channels} at once and returns a
     * future that completes when all of them have closed, at the latest shortly after
     * {@code deadline}. It never completes exceptionally.
     *
     * <pre>{@code
     * GracefulDrain.drain(channels, new CloseReason(Codes.SERVICE_RESTART, "deploy"), Duration.ofSeconds(5))
     *     .thenAccept(result -> log.info("drained {}", result));
     * }</pre>
     *
     * @param channels the connections to close; those that are not WebSocket connections are
     *                 closed and not counted
     * @param reason   the close frame to send, such as {@code 1001 GOING_AWAY}
     * @param deadline how long the closing handshakes may take before the rest are forced
     * @return the counts of the drain, once every connection has closed
     * @throws IllegalArgumentException if {@code reason} may not be sent or {@code deadline}
     *                                  is negative
     */
    public static CompletableFuture<Result> drain(ChannelGroup channels, CloseReason reason, Duration deadline) {
        Objects.requireNonNull(channels, "channels");
        return new GracefulDrain().run(channels, DrainPlan.of(reason, deadline));
    }

    /**
     * Pipelines built with this drain join it: {@code channel} is added unless the drain has started, and this tells
     * whether it was. Atomic with the start: a channel that joined is among those the drain closes, and one that did
     * not must refuse its upgrade (503), as the drain would have closed it.
     */
    boolean join(Channel channel) {
        synchronized (this) {
            if (phase != Phase.SERVING) {
                return false;
            }
            channels.add(channel);
            return true;
        }
    }

    /** An upgrade request was answered 503 because the drain has started. */
    void upgradeRefused() {
        refusedUpgrades.incrementAndGet();
    }

    /** The {@code Retry-After} of a 503: the seconds left until the deadline, at least 1. */
    int retryAfterSeconds() {
        long left = deadlineNanos - System.nanoTime();
        return (int) Math.max(1, TimeUnit.NANOSECONDS.toSeconds(left + TimeUnit.SECONDS.toNanos(1) - 1));
    }

    private CompletableFuture<Result> run(Iterable<Channel> group, DrainPlan plan) {
        long start = System.nanoTime();
        synchronized (this) {
            if (phase != Phase.SERVING) {
                throw new IllegalStateException("drain already started: " + phase);
            }
            deadlineNanos = start + plan.deadline().toNanos(); // before the phase: a 503 reads it once it sees DRAINING
            phase = Phase.DRAINING; // from here on no channel joins: those of the group are all the drain has
        }
        List<Connection> connections = new ArrayList<>();
        for (Channel channel : group) {
            connections.add(new Connection(channel, channel.pipeline().get(ClosingHandshakeHandler.class)));
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        Collections.shuffle(connections, random); // the order of the slots
        Schedule schedule = Schedule.of(plan, connections);
        ClosePacer pacer = schedule.pacer(connections.size());
        // the moments count from one instant, read off each event loop's clock in a tight loop: the pacer
        // compares moments of many loops, which must not drift apart by the time it takes to schedule them all
        long[] origins = new long[connections.size()];
        for (int slot = 0; slot < origins.length; slot++) {
            origins[slot] = connections.get(slot).channel.eventLoop().ticker().nanoTime();
        }
        AtomicInteger forced = new AtomicInteger();
        List<CompletableFuture<@Nullable CloseReport>> reports = new ArrayList<>(connections.size());
        for (int slot = 0; slot < connections.size(); slot++) {
            long at = schedule.moment(slot, connections.size(), random.nextDouble());
            reports.add(drainOne(connections.get(slot), origins[slot], plan, at, pacer, forced));
        }
        // the listening socket stays open at least until load balancers have seen the readiness check fail
        reports.add(readinessDelayOver(schedule.readinessDelay));
        return CompletableFuture.allOf(reports.toArray(CompletableFuture[]::new)).thenApply(done -> {
            int upgraded = 0;
            int clean = 0;
            for (CompletableFuture<@Nullable CloseReport> report : reports) {
                CloseReport closed = report.join();
                if (closed != null) {
                    upgraded++;
                    clean += closed.clean() ? 1 : 0;
                }
            }
            phase = Phase.DRAINED;
            return new Result(upgraded, clean, upgraded - clean - forced.get(), forced.get(), refusedUpgrades.get(),
                    Duration.ofNanos(schedule.readinessDelay), Duration.ofNanos(schedule.window),
                    schedule.window < plan.spread().toNanos(), Duration.ofNanos(System.nanoTime() - start));
        });
    }

    /** Completes with null when the readiness delay is over. */
    private CompletableFuture<@Nullable CloseReport> readinessDelayOver(long delay) {
        CompletableFuture<@Nullable CloseReport> over = new CompletableFuture<>();
        if (delay == 0) {
            over.complete(null);
        } else {
            timer.schedule(() -> over.complete(null), delay, TimeUnit.NANOSECONDS);
        }
        return over;
    }

    /**
     * Closes one channel at its turn from {@code pacer}, claimed {@code at} nanoseconds after the
     * start ({@code origin} on its event loop's clock); completes with the connection's report, or
     * with null for a channel that is not a WebSocket connection.
     */
    private CompletableFuture<@Nullable CloseReport> drainOne(Connection connection, long origin, DrainPlan plan, long at,
            ClosePacer pacer, AtomicInteger forced) {
        CompletableFuture<@Nullable CloseReport> done = new CompletableFuture<>();
        Channel channel = connection.channel;
        EventLoop loop = channel.eventLoop();
        Runnable close = () -> {
            // looked up again here, on the event loop: a stream that joined while becoming a WebSocket has its handshake by now
            ClosingHandshakeHandler handshake = channel.pipeline().get(ClosingHandshakeHandler.class);
            CompletableFuture<CloseReport> report = handshake == null ? null : handshake.drain(plan.reason());
            if (report == null) {
                closeNotUpgraded(channel).addListener(closed -> done.complete(null));
                return;
            }
            // the deadline counts from the start of the drain, however long this task waited for its turn
            long left = Math.max(0, plan.deadline().toNanos() - (loop.ticker().nanoTime() - origin));
            Future<?> force = loop.schedule(() -> forceClose(handshake, report, forced), left, TimeUnit.NANOSECONDS);
            report.whenComplete((closed, never) -> {
                force.cancel(false);
                done.complete(closed);
            });
        };
        Runnable claim = () -> atItsTurn(loop, origin, pacer, -1, close);
        long wait = at - (loop.ticker().nanoTime() - origin);
        if (wait <= 0) {
            loop.execute(claim);
        } else {
            loop.schedule(claim, wait, TimeUnit.NANOSECONDS);
        }
        return done;
    }

    /**
     * Runs {@code close} on {@code loop} at the turn {@code pacer} gives it: claims one ({@code turn}
     * is -1 before the first claim), or claims again when this runs too late for the turn it has.
     */
    private static void atItsTurn(EventLoop loop, long origin, ClosePacer pacer, long turn, Runnable close) {
        long now = loop.ticker().nanoTime() - origin;
        long mine = turn >= 0 && pacer.stillGood(turn, now) ? turn : pacer.claim(now);
        if (mine > now) {
            loop.schedule(() -> atItsTurn(loop, origin, pacer, mine, close), mine - now, TimeUnit.NANOSECONDS);
        } else {
            close.run();
        }
    }

    /** Closes a channel that is not a WebSocket connection, through its upgrade guard if it has one. Call on the event loop. */
    private ChannelFuture closeNotUpgraded(Channel channel) {
        UpgradeGuard guard = channel.pipeline().get(UpgradeGuard.class);
        if (guard != null && guard.drain()) { // the application hears of it: UpgradeRejected(DRAIN)
            refusedUpgrades.incrementAndGet();
        }
        return channel.close();
    }

    /** Runs on the connection's event loop, where its report completes: it cannot complete between the check and the count. */
    private static void forceClose(ClosingHandshakeHandler handshake, CompletableFuture<CloseReport> report, AtomicInteger forced) {
        if (!report.isDone()) {
            forced.incrementAndGet();
            handshake.closeNow(CloseReport.Cause.DRAIN); // still open at the drain deadline
        }
    }

    /**
     * A channel of the drain and its closing handshake as the start saw it, for the close timeouts of the schedule: null
     * if it had none (yet).
     */
    private record Connection(Channel channel, @Nullable ClosingHandshakeHandler handshake) {
    }

    /**
     * When the close frames go, in nanoseconds from the start: the readiness delay, cut to the
     * deadline, then a window of the plan's spread, shortened so that the last close frame has the
     * longest close timeout of the connections before the deadline ({@code latest}, the last turn
     * a late close frame may take).
     */
    private record Schedule(long readinessDelay, long window, long latest) {

        static Schedule of(DrainPlan plan, List<Connection> connections) {
            long deadline = plan.deadline().toNanos();
            long delay = Math.min(plan.readinessDelay().toNanos(), deadline);
            long closeTimeout = 0;
            for (Connection connection : connections) {
                if (connection.handshake != null) {
                    closeTimeout = Math.max(closeTimeout, connection.handshake.closeTimeout().toNanos());
                }
            }
            long window = Math.max(0, Math.min(plan.spread().toNanos(), deadline - delay - closeTimeout));
            return new Schedule(delay, window, Math.max(delay + window, deadline - closeTimeout));
        }

        /** The pacer of {@code slots} close frames: one per slot of the window at most. */
        ClosePacer pacer(int slots) {
            return new ClosePacer(slots == 0 ? 0 : window / slots, latest);
        }

        /** The moment of slot {@code slot} of {@code slots}, {@code random} (in [0, 1)) into the slot. */
        long moment(int slot, int slots, double random) {
            return readinessDelay + (long) (window * ((slot + random) / slots));
        }
    }

    /** Where a drain stands. */
    public enum Phase {
        /** Not started: readiness answers 200 and upgrades are served. */
        SERVING,
        /** Started: readiness and upgrades answer 503, and the connections are being closed. */
        DRAINING,
        /** Every connection of the drain has closed; readiness and upgrades still answer 503. */
        DRAINED
    }

    /**
     * What a drain did.
     *
     * @param connections     the WebSocket connections it closed
     * @param clean           those whose closing handshake completed cleanly
     * @param unclean         those that ended before the deadline without a clean handshake
     * @param forced          those still open at the deadline and closed then
     * @param refusedUpgrades connections refused their upgrade while the drain ran: answered 503,
     *                        or closed before their upgrade completed (each fired
     *                        {@code UpgradeRejected(DRAIN)})
     * @param readinessDelay  from the start until the first close frame could go
     * @param spread          the window the close frames were spread over
     * @param spreadShortened whether that window is shorter than the plan's, to fit the deadline
     * @param took            from the start of the drain until the last connection closed
     */
    public record Result(int connections, int clean, int unclean, int forced, int refusedUpgrades,
            Duration readinessDelay, Duration spread, boolean spreadShortened, Duration took) {
    }
}
