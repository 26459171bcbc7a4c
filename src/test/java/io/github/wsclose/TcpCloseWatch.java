package io.github.wsclose;

import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.util.AttributeKey;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Tells which end of a Netty connection closed TCP first (RFC 6455 §7.1.1: the server should).
 * Placed first in the pipeline, every {@code close()} of this end's handlers or application
 * passes it on its way to the socket, while a FIN or reset from the peer closes the channel from
 * the transport without passing it. So a {@code close()} seen while the channel was still active
 * means this end closed first; {@code channelInactive} without one means the peer did.
 *
 * <p>One instance per channel, found again through the channel with {@link #of(Channel)} after
 * the pipeline was torn down. Read from any thread.
 */
final class TcpCloseWatch extends ChannelDuplexHandler {

    private static final AttributeKey<TcpCloseWatch> KEY = AttributeKey.valueOf(TcpCloseWatch.class, "watch");

    private final CompletableFuture<Boolean> closedHereFirst = new CompletableFuture<>();

    // confined to the event loop until closedHereFirst completes
    private long localCloseNanos;
    private long inactiveNanos;

    private TcpCloseWatch() {
    }

    /** Adds a watch in front of every handler of {@code pipeline}, and returns it. */
    static TcpCloseWatch addFirst(ChannelPipeline pipeline) {
        TcpCloseWatch watch = new TcpCloseWatch();
        pipeline.addFirst("tcp-close-watch", watch);
        pipeline.channel().attr(KEY).set(watch);
        return watch;
    }

    /** The watch added to {@code channel}. */
    static TcpCloseWatch of(Channel channel) {
        TcpCloseWatch watch = channel.attr(KEY).get();
        if (watch == null) {
            throw new IllegalArgumentException("no TcpCloseWatch on " + channel);
        }
        return watch;
    }

    /**
     * Waits until TCP closed, then tells whether this end closed it first.
     *
     * @throws AssertionError if TCP is still open after {@link TestServer#TIMEOUT_SECONDS}
     */
    boolean closedHereFirst() throws Exception {
        try {
            return closedHereFirst.get(TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("TCP still open after " + TestServer.TIMEOUT_SECONDS + " s", e);
        }
    }

    /** From {@code since} (a {@link System#nanoTime()}) until TCP closed; call after {@link #closedHereFirst()}. */
    Duration tcpClosedAfter(long since) {
        return Duration.ofNanos(inactiveNanos - since);
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        if (localCloseNanos == 0 && ctx.channel().isActive()) {
            localCloseNanos = System.nanoTime();
        }
        ctx.close(promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        inactiveNanos = System.nanoTime();
        closedHereFirst.complete(localCloseNanos != 0);
        ctx.fireChannelInactive();
    }
}
