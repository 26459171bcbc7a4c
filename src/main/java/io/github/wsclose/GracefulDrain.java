package io.github.wsclose;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.channel.group.ChannelGroup;
import io.netty.util.concurrent.Future;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * Closes many WebSocket connections at once with one close reason, as a server does before a
 * deploy or restart: every connection gets a close frame ({@code 1001 GOING_AWAY},
 * {@code 1012 SERVICE_RESTART}, {@code 1013 TRY_AGAIN_LATER} …) and its closing handshake runs;
 * those still open at the deadline are closed at once.
 *
 * <pre>{@code
 * GracefulDrain.drain(channels, new CloseReason(Codes.SERVICE_RESTART, "deploy"), Duration.ofSeconds(5))
 *     .thenAccept(result -> log.info("drained {}", result));
 * }</pre>
 *
 * <p>Connections are those of the group that have a {@link ClosingHandshakeHandler} and
 * completed the WebSocket upgrade; other channels of the group are closed and not counted (one
 * of a {@link ServerPipeline} that has not finished its upgrade fires
 * {@link UpgradeRejected.Reason#DRAIN UpgradeRejected(DRAIN)} first), so that a drain leaves
 * nothing open.
 * Thread-safe: call from any thread.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6455#section-7.4.1">RFC 6455 §7.4.1</a>
 */
public final class GracefulDrain {

    private GracefulDrain() {
    }

    /**
     * Starts the closing handshake on every connection of {@code channels} and returns a
     * future that completes when all of them have closed, at the latest shortly after
     * {@code deadline}. It never completes exceptionally.
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
        Objects.requireNonNull(reason, "reason").requireSendable();
        if (Objects.requireNonNull(deadline, "deadline").isNegative()) {
            throw new IllegalArgumentException("deadline must not be negative: " + deadline);
        }
        long deadlineNanos = deadline.toNanos();
        long start = System.nanoTime();
        AtomicInteger forced = new AtomicInteger();
        List<CompletableFuture<@Nullable CloseReport>> reports = new ArrayList<>();
        for (Channel channel : channels) {
            reports.add(drainOne(channel, reason, deadlineNanos, forced));
        }
        return CompletableFuture.allOf(reports.toArray(CompletableFuture[]::new)).thenApply(done -> {
            int connections = 0;
            int clean = 0;
            for (CompletableFuture<@Nullable CloseReport> report : reports) {
                CloseReport closed = report.join();
                if (closed != null) {
                    connections++;
                    clean += closed.clean() ? 1 : 0;
                }
            }
            return new Result(connections, clean, connections - clean - forced.get(), forced.get(),
                    Duration.ofNanos(System.nanoTime() - start));
        });
    }

    /** Completes with the connection's report, or with null for a channel that is not a WebSocket connection. */
    private static CompletableFuture<@Nullable CloseReport> drainOne(Channel channel, CloseReason reason,
            long deadlineNanos, AtomicInteger forced) {
        CompletableFuture<@Nullable CloseReport> done = new CompletableFuture<>();
        ClosingHandshakeHandler handshake = channel.pipeline().get(ClosingHandshakeHandler.class);
        if (handshake == null) {
            channel.close().addListener(closed -> done.complete(null));
            return done;
        }
        EventLoop loop = channel.eventLoop();
        long queued = loop.ticker().nanoTime();
        loop.execute(() -> {
            CompletableFuture<CloseReport> report = handshake.drain(reason);
            if (report == null) {
                closeNotUpgraded(channel).addListener(closed -> done.complete(null));
            } else {
                // the deadline counts from the start of the drain, however long this task waited for its turn
                long left = Math.max(0, deadlineNanos - (loop.ticker().nanoTime() - queued));
                Future<?> force = loop.schedule(
                        () -> forceClose(handshake, report, forced), left, TimeUnit.NANOSECONDS);
                report.whenComplete((closed, never) -> {
                    force.cancel(false);
                    done.complete(closed);
                });
            }
        });
        return done;
    }

    /** Closes a channel that is not a WebSocket connection, through its upgrade guard if it has one. Call on the event loop. */
    private static ChannelFuture closeNotUpgraded(Channel channel) {
        UpgradeGuard guard = channel.pipeline().get(UpgradeGuard.class);
        if (guard != null) {
            guard.drain(); // the application hears of it: UpgradeRejected(DRAIN)
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
     * What a drain did.
     *
     * @param connections the WebSocket connections it closed
     * @param clean       those whose closing handshake completed cleanly
     * @param unclean     those that ended before the deadline without a clean handshake
     * @param forced      those still open at the deadline and closed then
     * @param took        from the start of the drain until the last connection closed
     */
    public record Result(int connections, int clean, int unclean, int forced, Duration took) {
    }
}
