package io.github.wsclose;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The one recorder of the tests: the last handler of a pipeline, standing for the application,
 * or the one just before the application handler a test watches. It records every user event
 * and {@code channelInactive} ({@link #INACTIVE}) in order, every exception that reached it,
 * every {@link CloseReason} read, and the text of every text message read. What it reads it passes on (to the handler after it; an
 * {@code EmbeddedChannel} queues it for the test, a real channel's tail releases it), or releases
 * itself. Exceptions stop here.
 *
 * <p>One instance per channel; what it recorded may be read from any thread. Public, with the
 * members the example tests use, for those outside this package.
 */
public final class Recorder extends ChannelInboundHandlerAdapter {

    /** Recorded in {@link #events()} when {@code channelInactive} reaches the recorder. */
    static final String INACTIVE = "channelInactive";

    private final boolean passOn;
    private final List<Object> events = new CopyOnWriteArrayList<>();
    private final List<Throwable> exceptions = new CopyOnWriteArrayList<>();
    private final List<CloseReason> reasons = new CopyOnWriteArrayList<>();
    private final List<String> texts = new CopyOnWriteArrayList<>();
    private final CompletableFuture<CloseReport> firstReport = new CompletableFuture<>();

    /** {@code passOn}: whether messages are passed on to the next handler (true) or released here. */
    Recorder(boolean passOn) {
        this.passOn = passOn;
    }

    /** Every user event and {@link #INACTIVE}, in order. */
    List<Object> events() {
        return events;
    }

    /** The exceptions that reached the recorder. */
    List<Throwable> exceptions() {
        return exceptions;
    }

    /** The {@link CloseReason}s read: the peer's close frames passed on by the handshake. */
    public List<CloseReason> reasons() {
        return reasons;
    }

    /** The text of every text message read, in order. */
    List<String> texts() {
        return texts;
    }

    /** Every report fired, in order. */
    List<CloseReport> reports() {
        return events.stream().filter(CloseReport.class::isInstance).map(CloseReport.class::cast).toList();
    }

    /** Completes with the first report fired. */
    CompletableFuture<CloseReport> firstReport() {
        return firstReport;
    }

    /**
     * The one report, after checking that exactly one was fired and that it came before
     * {@code channelInactive}. Call once the channel has closed and its event loop is idle.
     */
    CloseReport onlyReport() {
        List<CloseReport> reports = reports();
        if (reports.size() != 1) {
            throw new AssertionError("expected exactly one close report, got " + reports);
        }
        int report = events.indexOf(reports.get(0));
        int inactive = events.indexOf(INACTIVE);
        if (inactive < report) {
            throw new AssertionError("close report not fired before channelInactive: " + events);
        }
        return reports.get(0);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof CloseReason reason) {
            reasons.add(reason);
        } else if (msg instanceof TextWebSocketFrame text) {
            texts.add(text.text());
        }
        if (passOn) {
            ctx.fireChannelRead(msg);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        events.add(evt);
        if (evt instanceof CloseReport report) {
            firstReport.complete(report);
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        exceptions.add(cause);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        events.add(INACTIVE);
        ctx.fireChannelInactive();
    }
}
