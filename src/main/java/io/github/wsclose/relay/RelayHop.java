package io.github.wsclose.relay;

import io.github.wsclose.CloseReason;
import io.github.wsclose.CloseReport;
import io.github.wsclose.DrainNotice;
import io.github.wsclose.relay.RelayCodes.Side;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelId;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * One hop of a relayed connection, the application handler of its pipeline: it hands the data
 * frames its peer sends to the other hop, and the close its peer sends, mapped by
 * {@link RelayCodes}; when its connection ends without one, it closes the other hop with
 * {@code 1014} (to the client) or {@code 1001} (to the upstream).
 *
 * <p><b>Backpressure.</b> A frame read on one hop is written to the other, and flushed when the
 * read is complete. While the other hop is not writable (or not upgraded yet) this hop stops
 * reading (auto-read off); once it is writable again reading resumes. So what waits in the
 * relay is at most the other channel's write buffer high water mark, a message, and one read:
 * the {@code maxPendingBytes} of each hop's protections is never reached by relaying alone.
 *
 * <p><b>Buffers.</b> A data frame read is owned by the hop that read it until it is handed to
 * the other hop's {@link #take(WebSocketFrame)}, which writes it (the pipeline releases it),
 * holds it until its upgrade, or releases it when it is closing. Other frames (pings and pongs
 * the protections left) are released on arrival; frames held when a hop ends or is removed are
 * released.
 *
 * <p>Both hops run on the client connection's event loop (the upstream connection is opened on
 * it), so their state needs no locks. Not sharable: one per channel.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6455#section-7.1.2">RFC 6455 §7.1.2</a>
 */
final class RelayHop extends ChannelInboundHandlerAdapter {

    private final Side side;
    /** The client hop's: completes with both reports, fails when the client closes before its upgrade. */
    private final @Nullable CompletableFuture<RelayedClose> pair;

    // hop state, confined to the event loop
    private State state = State.AWAITING_UPGRADE;
    private @Nullable ChannelHandlerContext ctx;
    private @Nullable RelayHop other;
    private final ArrayDeque<Object> held = new ArrayDeque<>(); // for this hop before its upgrade: frames, then maybe a close
    private @Nullable CloseReport report;
    private @Nullable CloseReport upstreamReport; // the client hop's copy of the upstream hop's report
    private @Nullable ChannelId upstreamId;

    private RelayHop(Side side, @Nullable CompletableFuture<RelayedClose> pair) {
        this.side = side;
        this.pair = pair;
    }

    /** The hop of a client connection, whose reports complete {@code pair}. */
    static RelayHop client(CompletableFuture<RelayedClose> pair) {
        return new RelayHop(Side.CLIENT, pair);
    }

    /** A new upstream hop for this client hop, the two joined. */
    RelayHop newUpstream() {
        RelayHop upstream = new RelayHop(Side.UPSTREAM, null);
        upstream.other = this;
        this.other = upstream;
        return upstream;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releaseHeld();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof WebSocketFrame frame) {
            if (isData(frame) && other != null) {
                other.take(frame); // ownership passes to the other hop
                if (!other.canTake()) {
                    ctx.channel().config().setAutoRead(false); // the other hop is not writable: read no more for now
                }
            } else {
                frame.release(); // a ping or pong the protections left here: each hop keeps itself alive
            }
        } else if (msg instanceof CloseReason peer) {
            if (state == State.OPEN) {
                state = State.CLOSING; // this hop's closing handshake has started: data for it is dropped
            }
            if (other != null) {
                other.closeWith(RelayCodes.forward(other.side, peer));
            }
            passOn(ctx, msg);
        } else {
            passOn(ctx, msg); // before the upgrade, the client's requests for other paths go to the application
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (other != null) {
            other.flush();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable() && other != null) {
            other.resume();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        ctx.fireUserEventTriggered(evt);
        if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
            opened(); // the client's 101 went: what the upstream sent meanwhile follows it
        } else if (evt instanceof DrainNotice drain && other != null) {
            other.closeWith(RelayCodes.drained(drain.reason())); // the relay drains: its upstreams hear 1001
        } else if (evt instanceof CloseReport ended) {
            ended(ended);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (state == State.AWAITING_UPGRADE) {
            state = State.ENDED; // closed before its upgrade: no report will come
            releaseHeld();
            if (side == Side.CLIENT) {
                if (other != null) {
                    other.closeWith(CloseReason.truncated(CloseReason.Codes.GOING_AWAY, "client gone before its upgrade"));
                }
                if (pair != null) {
                    pair.completeExceptionally(new IllegalStateException("client connection closed before its upgrade completed"));
                }
            }
        }
        ctx.fireChannelInactive();
    }

    /** The upstream's upgrade completed (for the upstream hop), or the client's did: writes to this hop may go. */
    void opened() {
        if (state != State.AWAITING_UPGRADE) {
            return;
        }
        state = State.OPEN;
        for (Object next; (next = held.poll()) != null; ) {
            if (next instanceof CloseReason close) {
                closeWith(close); // last in the queue: the upstream closed before the client's upgrade was done
            } else {
                ctx().write(next);
            }
        }
        ctx().flush();
        if (other != null) {
            other.resume();
        }
    }

    /** Takes a data frame from the other hop: writes it, holds it until the upgrade, or drops it when closing. */
    private void take(WebSocketFrame frame) {
        switch (state) {
            case AWAITING_UPGRADE -> held.add(frame);
            case OPEN -> ctx().write(frame); // the pipeline releases it, written or failed
            // after sending a close frame an endpoint MUST NOT send any more data frames (§5.5.1)
            case CLOSING, ENDED -> frame.release();
        }
    }

    /** Tells whether the other hop may go on reading: this hop is writable, or closing and dropping what comes. */
    private boolean canTake() {
        return switch (state) {
            case AWAITING_UPGRADE -> false;
            case OPEN -> ctx().channel().isWritable();
            case CLOSING, ENDED -> true; // reading goes on, so that the other hop's close is read
        };
    }

    private void flush() {
        if (state == State.OPEN) {
            ctx().flush();
        }
    }

    /** Reads again, if it was stopped for the other hop and the other hop can take more. */
    private void resume() {
        if (state == State.AWAITING_UPGRADE) {
            return; // before the client's upgrade, reading is the upgrade's business
        }
        if (ctx != null && other != null && other.canTake() && !ctx.channel().config().isAutoRead()) {
            ctx.channel().config().setAutoRead(true); // reads at once
        }
    }

    /** Starts this hop's close with {@code reason}, once: after its upgrade, or right after it. */
    private void closeWith(CloseReason reason) {
        switch (state) {
            case AWAITING_UPGRADE -> {
                if (side == Side.CLIENT) {
                    if (!(held.peekLast() instanceof CloseReason)) {
                        held.add(reason); // the 101 goes first, then this close
                    }
                } else {
                    state = State.ENDED;
                    if (ctx != null) {
                        ctx.close(); // the upstream was not upgraded yet: no close frame to send
                    } // else its channel never got an event loop: there is nothing to close
                }
            }
            case OPEN -> {
                state = State.CLOSING;
                ctx().writeAndFlush(reason); // after the data frames written before it
                if (other != null) {
                    other.resume();
                }
            }
            case CLOSING, ENDED -> { } // a close started already: the closing handshake sends one close frame
        }
    }

    /** This hop's connection ended as {@code ended} says: the other hop hears of it, and the reports are paired. */
    private void ended(CloseReport ended) {
        state = State.ENDED;
        report = ended;
        releaseHeld();
        if (other != null) {
            other.closeWith(RelayCodes.ended(other.side, ended));
            other.resume();
            if (side == Side.UPSTREAM) {
                other.upstreamEnded(ended, ctx().channel().id());
            }
        }
        completePair();
    }

    /** The client hop learns the upstream hop's report. */
    private void upstreamEnded(CloseReport ended, ChannelId upstream) {
        upstreamReport = ended;
        upstreamId = upstream;
        completePair();
    }

    private void completePair() {
        if (pair != null && report != null && upstreamReport != null && upstreamId != null) {
            pair.complete(new RelayedClose(ctx().channel().id(), upstreamId, report, upstreamReport));
        }
    }

    private void passOn(ChannelHandlerContext ctx, Object msg) {
        if (side == Side.CLIENT) {
            ctx.fireChannelRead(msg);
        } else {
            ReferenceCountUtil.release(msg); // nothing follows the upstream hop
        }
    }

    private void releaseHeld() {
        for (Object next; (next = held.poll()) != null; ) {
            ReferenceCountUtil.release(next);
        }
    }

    private ChannelHandlerContext ctx() {
        if (ctx == null) {
            throw new IllegalStateException("relay hop not added to a pipeline");
        }
        return ctx;
    }

    private static boolean isData(WebSocketFrame frame) {
        return frame instanceof TextWebSocketFrame || frame instanceof BinaryWebSocketFrame
                || frame instanceof ContinuationWebSocketFrame;
    }

    /** Where a hop stands. */
    enum State {
        /** Not upgraded yet: what the other hop sends for it is held (the client hop), or nothing may come (the upstream hop). */
        AWAITING_UPGRADE,
        /** Upgraded: frames pass. */
        OPEN,
        /** A close frame went or came on this hop: data frames for it are dropped. */
        CLOSING,
        /** Terminal: the hop's connection ended, with its report or before its upgrade. */
        ENDED
    }
}
