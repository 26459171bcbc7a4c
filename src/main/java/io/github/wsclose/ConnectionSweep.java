package io.github.wsclose;

import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * One timer per event loop for the keepalive and idle timeouts of all its connections: every
 * period it asks each {@link ConnectionGuard} that joined it what is due. A connection costs a
 * slot in a list instead of a scheduled task of its own, renewed at every ping, and the event
 * loop wakes up once a period instead of once per connection; the pings of connections that fell
 * quiet together go out together, and their pongs come back together.
 *
 * <p>A deadline is never met early, and at most one period late: the period is a tenth of the
 * shortest timeout, between {@value #MIN_PERIOD_MILLIS} ms and {@value #MAX_PERIOD_MILLIS} ms. A
 * sweep exists while connections are in it, one per event loop and period. Not sharable across
 * event loops: {@link #join} and {@link #leave} run on the sweep's event loop, as the ticks do.
 */
final class ConnectionSweep {

    static final long MIN_PERIOD_MILLIS = 10;
    static final long MAX_PERIOD_MILLIS = 1000;

    private static final ConcurrentMap<Key, ConnectionSweep> SWEEPS = new ConcurrentHashMap<>();

    private final EventExecutor loop;
    private final List<ChannelHandlerContext> guards = new ArrayList<>(); // each a ConnectionGuard's
    private final ScheduledFuture<?> task;

    private ConnectionSweep(Key key) {
        this.loop = key.loop();
        this.task = loop.scheduleAtFixedRate(this::sweep, key.periodNanos(), key.periodNanos(), TimeUnit.NANOSECONDS);
    }

    /** How often connections with {@code protection} are looked at: a tenth of its shortest timeout, within bounds. */
    static Duration periodFor(ServerProtection protection) {
        long shortest = Math.min(shortestMillis(protection.pingInterval(), protection.pongTimeout()),
                shortestMillis(protection.idleTimeout(), Duration.ZERO));
        return Duration.ofMillis(Math.max(MIN_PERIOD_MILLIS, Math.min(MAX_PERIOD_MILLIS, shortest / 10)));
    }

    /** The shorter of two timeouts in milliseconds, zero meaning none; {@code Long.MAX_VALUE} if neither is set. */
    private static long shortestMillis(Duration one, Duration other) {
        long first = one.isZero() ? Long.MAX_VALUE : one.toMillis();
        long second = other.isZero() ? Long.MAX_VALUE : other.toMillis();
        return Math.min(first, second);
    }

    /** Adds the guard of {@code ctx} to the sweep of its event loop for {@code period}, started if need be; call on that loop. */
    static void join(ChannelHandlerContext ctx, Duration period) {
        ConnectionSweep sweep = SWEEPS.computeIfAbsent(new Key(ctx.executor(), period.toNanos()), ConnectionSweep::new);
        guard(ctx).sweepIndex = sweep.guards.size();
        sweep.guards.add(ctx);
    }

    /**
     * Takes the guard of {@code ctx}, which joined with the same {@code period}, out of its sweep in constant time;
     * the last one out stops the timer. Call on the event loop of {@code ctx}.
     */
    static void leave(ChannelHandlerContext ctx, Duration period) {
        ConnectionGuard guard = guard(ctx);
        Key key = new Key(ctx.executor(), period.toNanos());
        ConnectionSweep sweep = Objects.requireNonNull(SWEEPS.get(key), "no sweep for a guard in one");
        int index = guard.sweepIndex;
        guard.sweepIndex = ConnectionGuard.NOT_IN_SWEEP;
        ChannelHandlerContext last = sweep.guards.remove(sweep.guards.size() - 1);
        if (last != ctx) {
            sweep.guards.set(index, last);
            guard(last).sweepIndex = index;
        }
        if (sweep.guards.isEmpty()) {
            sweep.task.cancel(false);
            SWEEPS.remove(key);
        }
    }

    /** From the last to the first, so that a guard that leaves during its tick moves only one already visited. */
    private void sweep() {
        long now = loop.ticker().nanoTime();
        for (int i = guards.size() - 1; i >= 0; i--) {
            if (i < guards.size()) {
                ChannelHandlerContext ctx = guards.get(i);
                guard(ctx).tick(ctx, now);
            }
        }
    }

    private static ConnectionGuard guard(ChannelHandlerContext ctx) {
        return (ConnectionGuard) ctx.handler();
    }

    private record Key(EventExecutor loop, long periodNanos) {
    }

    /** The number of connections in the sweep of {@code loop} for {@code period}, for tests: 0 when there is none. */
    static int size(EventExecutor loop, Duration period) {
        @Nullable ConnectionSweep sweep = SWEEPS.get(new Key(loop, period.toNanos()));
        return sweep == null ? 0 : sweep.guards.size();
    }
}
