package io.github.wsclose.example;

import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The listening channel's handler: when accepting a connection fails (the process is out of file descriptors,
 * {@code EMFILE}), it stops accepting for {@link #PAUSE}, then tries again, and prints one line when the failures
 * start and one when a connection is accepted again, with their count.
 *
 * <p>Netty's acceptor pauses the same way, but passes each failure on to the end of the pipeline, where it is
 * logged with its stack trace, once a second for as long as it lasts. Worse, the first such log line of the process
 * goes through {@code java.util.logging}, whose formatter then loads the time-zone file: with no descriptor left
 * that throws an {@code Error}, which ends the listening event loop's thread, and the server never accepts again.
 * This handler keeps accept failures away from the logger; it prints to the server's output stream, which opens
 * nothing.
 *
 * <p>One instance per listening channel; on its event loop only.
 */
final class AcceptFailures extends ChannelInboundHandlerAdapter {

    /** How long accepting pauses after a failure, as Netty's acceptor does. */
    static final Duration PAUSE = Duration.ofSeconds(1);

    private final PrintStream out;

    // the failures since the last accepted connection, and when the first of them came
    private long failures;
    private long firstFailureNanos;

    AcceptFailures(PrintStream out) {
        this.out = out;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object acceptedChannel) {
        if (failures > 0) {
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - firstFailureNanos);
            out.println("accepting again after " + failures + " failed accepts in " + millis + " ms");
            failures = 0;
        }
        ctx.fireChannelRead(acceptedChannel);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!(cause instanceof IOException)) {
            ctx.fireExceptionCaught(cause);
            return;
        }
        if (failures++ == 0) {
            firstFailureNanos = System.nanoTime();
            out.println("accept failed: " + cause.getMessage() + "; accepting again every " + PAUSE.toMillis() + " ms until it works");
        }
        ChannelConfig config = ctx.channel().config();
        if (config.isAutoRead()) {
            // a listening socket stays readable while a connection waits to be accepted: without a pause, the event loop spins
            config.setAutoRead(false);
            ctx.executor().schedule(() -> config.setAutoRead(true), PAUSE.toMillis(), TimeUnit.MILLISECONDS);
        }
    }
}
