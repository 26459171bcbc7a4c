package io.github.wsclose;

import io.github.wsclose.CloseReport.Cause;
import io.github.wsclose.HandshakeState.State;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.Attribute;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Runs the closing handshake of RFC 6455 §7 for one connection, and reports how it ended.
 *
 * <p>Place it after Netty's WebSocket frame decoder and encoder, before the application's
 * handlers ({@link ServerPipeline} does this in one call). It reads and writes close frames
 * itself, with {@link ClosePayload}: it needs neither {@link CloseFrameDecoder} nor
 * {@link CloseFrameEncoder}, and works unchanged behind them (it takes the {@link CloseReason}
 * the decoder makes as the peer's close, and the encoder passes its close frames on).
 * <ul>
 *   <li><b>Peer closes first.</b> Exactly one close frame goes back with the peer's code (an
 *       empty close is answered with an empty close; the reason text only if
 *       {@link ClosingHandshakeConfig#echoReason()}), and the peer's {@link CloseReason} is
 *       passed on to the application as an inbound message. A server then closes TCP as soon
 *       as the answer is written; a client waits for the server to close it.</li>
 *   <li><b>Application closes first.</b> Writing a {@link CloseReason}, or a plain
 *       {@code channel.close()} (which sends {@link ClosingHandshakeConfig#closeReasonOnClose()}),
 *       sends one close frame and waits for the peer's answer. Its future completes when the
 *       connection is closed, and never fails for a sendable reason written while the channel
 *       is open; calling it again, from any thread, sends nothing more. Once the channel has
 *       closed, a written {@link CloseReason} fails with a {@code ClosedChannelException}, as
 *       every write to a closed channel does. A reason that may not be sent fails the write
 *       with an {@link IllegalArgumentException} and leaves the connection open.</li>
 *   <li><b>After a close frame was received</b> every later inbound message is released and
 *       dropped. Each inbound {@link CloseWebSocketFrame} is released here, whether it decodes
 *       or not. <b>After a close frame was sent</b> the application's writes fail with an
 *       {@link IllegalStateException} and are released; inbound frames are still delivered
 *       until the peer's close.</li>
 *   <li><b>Failures.</b> A {@link CorruptedWebSocketFrameException} (from Netty's frame decoder,
 *       its UTF-8 validator, or a close frame whose body breaks RFC 6455, as
 *       {@link ClosePayload#decode(io.netty.buffer.ByteBuf)} words it) fails the connection with its status,
 *       1002, 1007 or 1009; a {@link TooLongFrameException} (a message over an aggregator's
 *       limit) with 1009; any other exception with 1011; exactly one close frame is sent, then
 *       TCP is closed. An {@link IOException} closes TCP without a close frame. A
 *       {@link PrematureChannelClosureException}, by which Netty's message aggregators tell that TCP
 *       closed in the middle of a message, is no failure: the closed TCP is reported as such.</li>
 *   <li><b>Timeout.</b> A started close that has not ended within
 *       {@link ClosingHandshakeConfig#closeTimeout()} closes TCP anyway.</li>
 *   <li><b>Report.</b> When TCP closes, one {@link CloseReport} is fired as a user event to the
 *       next handlers, on every path, before {@code channelInactive}; {@link #closeReport(Channel)}
 *       gives it as a future to code that has the channel but no handler.</li>
 * </ul>
 *
 * <p>Added next to a {@link WebSocketServerProtocolHandler} (or the client one, or in a
 * {@link ClientPipeline}) before the HTTP upgrade, it stays out of the way until the upgrade
 * completes; connections that never become WebSocket connections are not reported (their
 * report's future fails, with the {@link UpgradeFailedException} of a client pipeline). Added anywhere else,
 * the connection is taken as open.
 *
 * <p>Not sharable: one instance per channel. All state is confined to the channel's event loop,
 * so every operation may be called from any thread through the channel.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6455#section-7">RFC 6455 §7</a>
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6455#section-5.5.1">RFC 6455 §5.5.1</a>
 */
public final class ClosingHandshakeHandler extends ChannelDuplexHandler {

    /** The report's future on the channel, where it outlives the pipeline. */
    private static final AttributeKey<CompletableFuture<CloseReport>> REPORT =
            AttributeKey.valueOf(ClosingHandshakeHandler.class, "closeReport");

    private final ClosingHandshakeConfig config;

    // connection state, confined to the event loop
    private HandshakeState state = HandshakeState.OPEN;
    private @Nullable ChannelHandlerContext ctx;
    private @Nullable ScheduledFuture<?> timeout;
    private @Nullable Duration lastPingRoundTrip; // told by the keepalive, for the report
    private @Nullable ConnectionGuard guard; // the connection's protections, told of every write that passes here

    /**
     * Creates a handler for one connection.
     *
     * @param config the role, close timeout and close reasons to use
     */
    public ClosingHandshakeHandler(ClosingHandshakeConfig config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    /**
     * Returns the future of {@code channel}'s {@link CloseReport}: it completes once, on the
     * channel's event loop, when TCP has closed after the WebSocket upgrade, and fails with an
     * {@link IllegalStateException} if the channel closed before the upgrade completed. Callable
     * from any thread, at any time once the handler was added, after the channel closed too.
     * Actions chained without {@code Async} run on the event loop: they must not block.
     *
     * @param channel a channel with a {@code ClosingHandshakeHandler}
     * @return the future of its report
     * @throws IllegalArgumentException if no {@code ClosingHandshakeHandler} was added to {@code channel}
     */
    public static CompletableFuture<CloseReport> closeReport(Channel channel) {
        Objects.requireNonNull(channel, "channel");
        // made when first asked for or when the connection ends, whichever comes first; there to stay once made.
        // Looked for again after the pipeline: the connection may have ended, and its handler left, meanwhile.
        if (!channel.hasAttr(REPORT) && channel.pipeline().get(ClosingHandshakeHandler.class) == null && !channel.hasAttr(REPORT)) {
            throw new IllegalArgumentException("no ClosingHandshakeHandler in the pipeline of " + channel);
        }
        return reportOf(channel);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        state = upgradePending(ctx.pipeline()) ? HandshakeState.AWAITING_UPGRADE : HandshakeState.OPEN;
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancelTimeout();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (isUpgradeComplete(evt)) {
            state = state.upgraded();
        } else if (evt instanceof UpgradeFailedException failed && state.state() == State.AWAITING_UPGRADE) {
            report().completeExceptionally(failed); // never a WebSocket connection: no report, and why
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof CloseWebSocketFrame frame && awaitsPeerClose()) {
            closeFrameRead(ctx, frame);
            return;
        }
        switch (state.state()) {
            case AWAITING_UPGRADE -> ctx.fireChannelRead(msg);
            case OPEN -> {
                if (msg instanceof CloseReason peer) {
                    peerClosedFirst(ctx, peer);
                } else {
                    ctx.fireChannelRead(msg);
                }
            }
            // after its close frame the peer MUST NOT send more (§5.5.1): drop whatever it does
            case CLOSING -> {
                if (state.received() != null) {
                    ReferenceCountUtil.release(msg);
                } else if (msg instanceof CloseReason peer) {
                    peerAnswered(ctx, peer);
                } else {
                    ctx.fireChannelRead(msg); // frames sent before the peer saw our close still count
                }
            }
            case CLOSED -> ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        switch (state.state()) {
            case AWAITING_UPGRADE -> {
                if (msg instanceof CloseReason) {
                    promise.setFailure(new IllegalStateException("cannot send a close frame: the WebSocket upgrade has not completed"));
                } else {
                    writeOn(ctx, msg, promise);
                }
            }
            case OPEN -> {
                if (msg instanceof CloseReason reason) {
                    closeFirst(ctx, reason, Cause.APPLICATION, promise);
                } else {
                    writeOn(ctx, msg, promise);
                }
            }
            case CLOSING, CLOSED -> {
                if (msg instanceof CloseReason) {
                    completeWhenClosed(promise); // a second close: nothing more is sent
                } else {
                    // after sending a close frame an endpoint MUST NOT send any more data frames (§5.5.1)
                    ReferenceCountUtil.release(msg);
                    promise.setFailure(new IllegalStateException(
                            "cannot write " + msg.getClass().getSimpleName() + ": the closing handshake has started"));
                }
            }
        }
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        switch (state.state()) {
            case AWAITING_UPGRADE, CLOSED -> ctx.close(promise);
            case OPEN -> closeFirst(ctx, config.closeReasonOnClose(), Cause.APPLICATION, promise);
            case CLOSING -> completeWhenClosed(promise);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (state.state() == State.AWAITING_UPGRADE) {
            ctx.fireExceptionCaught(cause); // not a WebSocket connection yet: not ours to handle
        } else if (!(cause instanceof PrematureChannelClosureException)) {
            fail(cause);
        } // else a message aggregator's word that TCP closed in the middle of a message: channelInactive, next, reports it
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        switch (state.state()) {
            case AWAITING_UPGRADE -> report().completeExceptionally(
                    new IllegalStateException("connection closed before the WebSocket upgrade completed"));
            case OPEN, CLOSING -> {
                cancelTimeout();
                long now = now();
                state = state.troubled(Cause.TRANSPORT, now).closed(); // TCP closed under an unfinished handshake
                CloseReport closed = state.report(now, lastPingRoundTrip, Http2StreamTransport.httpVersion(ctx.channel()));
                ctx.fireUserEventTriggered(closed);
                report().complete(closed);
            }
            case CLOSED -> { }
        }
        ctx.fireChannelInactive();
    }

    /** Tells whether the connection is a WebSocket connection: its upgrade completed, or there was none to wait for. */
    boolean upgraded() {
        return state.state() != State.AWAITING_UPGRADE;
    }

    /*
     * Package-private hooks for the handlers of this library (graceful drain, unhandled
     * exceptions, server protections). Call them on the event loop; each returns false, doing
     * nothing, while the connection is not yet a WebSocket connection.
     *   startClose:     the closing handshake on this end's initiative: one close frame, then wait
     *                   for the answer under the close timeout (§7.1.2); nothing if a close started.
     *   failConnection: _Fail the WebSocket Connection_ (§7.1.7): one close frame, then TCP closed
     *                   without waiting; only TCP is closed if a close frame went already.
     *   closeNow:       abandon: TCP closed now, no frame, no more waiting.
     *   pingAnswered:   the keepalive's latest round trip, for the report.
     * The cause goes into the report, replacing an orderly one (see CloseReport.Cause).
     */

    boolean startClose(CloseReason reason, Cause cause) {
        reason.requireSendable();
        if (state.state() == State.AWAITING_UPGRADE) {
            return false;
        }
        if (state.state() == State.OPEN) {
            closeFirst(ctx(), reason, cause, ctx().newPromise());
        }
        return true;
    }

    boolean failConnection(CloseReason reason, Cause cause) {
        reason.requireSendable();
        if (state.state() != State.OPEN) {
            return closeNow(cause); // a close frame went already, or is going: only TCP is left to close
        }
        ChannelHandlerContext ctx = ctx();
        startClosing(ctx, state.started(cause, now()).withSent(reason));
        writeCloseFrame(ctx, reason).addListener((ChannelFuture written) -> {
            closeFrameWritten(written);
            ctx.close(); // after failing, TCP is closed without waiting for the answer (§7.1.7)
        });
        return true;
    }

    boolean closeNow(Cause cause) {
        if (state.state() == State.AWAITING_UPGRADE) {
            return false;
        }
        if (state.state() != State.CLOSED) {
            state = state.troubled(cause, now());
            ctx().close();
        }
        return true;
    }

    /** Where the handshake stands, for a transport that ends in order only after an orderly close (HTTP/2 streams). */
    HandshakeState handshakeState() {
        return state;
    }

    void pingAnswered(Duration roundTrip) {
        lastPingRoundTrip = roundTrip;
    }

    /** The connection's {@link ConnectionGuard}, which each write passing here is told to first; null when it leaves. */
    void guardedBy(@Nullable ConnectionGuard connectionGuard) {
        guard = connectionGuard;
    }

    /** Fails the connection for {@code failure} (see {@link FailureCodes}); false before the upgrade. */
    boolean fail(Throwable failure) {
        if (state.state() == State.AWAITING_UPGRADE) {
            return false;
        }
        CloseReason frame = FailureCodes.closeFrameFor(failure);
        Cause cause = FailureCodes.causeOf(frame);
        state = state.withFailure(failure);
        return frame == null ? closeNow(cause) : failConnection(frame, cause);
    }

    /**
     * Starts the close with {@code reason} as a drain, after telling the application with a
     * {@link DrainNotice} if the connection is open, and returns the report's future; null before the upgrade.
     */
    @Nullable CompletableFuture<CloseReport> drain(CloseReason reason) {
        if (state.state() == State.OPEN) {
            ctx().fireUserEventTriggered(new DrainNotice(reason)); // what the application writes now goes before the close frame
        }
        return startClose(reason, Cause.DRAIN) ? report() : null;
    }

    /** The close timeout of this connection's handshakes, which a drain must leave room for before its deadline. */
    Duration closeTimeout() {
        return config.closeTimeout();
    }

    private void peerClosedFirst(ChannelHandlerContext ctx, CloseReason peer) {
        // an endpoint that receives a close frame MUST send a close frame in response (§5.5.1), echoing its code
        CloseReason answer = config.echoReason() ? peer : CloseReason.withoutMessage(peer.code());
        state = state.started(Cause.PEER, now()).withReceived(peer).withSent(answer);
        ChannelFuture answered = writeCloseFrame(ctx, answer);
        if (!answered.isSuccess() || config.role() != ClosingHandshakeConfig.Role.SERVER) {
            startTimeout(ctx); // the answer waits for the peer to read, or a client waits for the server's TCP close
        } // else a server's answer is out already, and TCP closes now: nothing left to time
        answered.addListener((ChannelFuture written) -> {
            closeFrameWritten(written); // a failed answer is the report's failure, and closes TCP
            if (written.isSuccess() && config.role() == ClosingHandshakeConfig.Role.SERVER) {
                ctx.close(); // the server SHOULD close TCP first, right after the exchange (§7.1.1)
            }
        });
        ctx.fireChannelRead(peer);
    }

    private void peerAnswered(ChannelHandlerContext ctx, CloseReason peer) {
        state = state.withReceived(peer);
        ctx.fireChannelRead(peer);
        if (config.role() == ClosingHandshakeConfig.Role.SERVER) {
            ctx.close(); // both close frames exchanged: the server closes TCP (§7.1.1)
        }
    }

    private void closeFirst(ChannelHandlerContext ctx, CloseReason reason, Cause cause, ChannelPromise promise) {
        try {
            reason.requireSendable();
        } catch (IllegalArgumentException e) {
            promise.setFailure(e); // the connection stays open
            return;
        }
        startClosing(ctx, state.started(cause, now()).withSent(reason));
        completeWhenClosed(promise);
        writeCloseFrame(ctx, reason).addListener(this::closeFrameWritten);
    }

    /** Tells whether a close frame from the peer would be its close or its answer: open, or closing with none received. */
    private boolean awaitsPeerClose() {
        State now = state.state();
        return (now == State.OPEN || now == State.CLOSING) && state.received() == null;
    }

    /** Decodes and releases the peer's close frame, then reads its {@link CloseReason}; a bad body fails the connection. */
    private void closeFrameRead(ChannelHandlerContext ctx, CloseWebSocketFrame frame) {
        CloseReason peer;
        try {
            peer = ClosePayload.decode(frame);
        } catch (CorruptedWebSocketFrameException badBody) {
            fail(badBody); // 1002 or 1007, in the words of the payload codec
            return;
        } finally {
            frame.release(); // the frame is ours, decoded or not
        }
        channelRead(ctx, peer);
    }

    /** Writes and flushes {@code reason}, checked as sendable already, as a close frame. */
    private ChannelFuture writeCloseFrame(ChannelHandlerContext ctx, CloseReason reason) {
        ChannelFuture written = writeOn(ctx, ClosePayload.newFrame(reason, ctx.alloc()), ctx.newPromise());
        ctx.flush();
        return written;
    }

    /**
     * Writes {@code msg} on, after telling the connection's guard, which sits behind this handler
     * and sees no write itself; if the guard finds the peer too slow to take what waits, the
     * closing handshake starts right after this message.
     */
    private ChannelFuture writeOn(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        ConnectionGuard protections = guard;
        boolean slowConsumer = protections != null && protections.writing(ctx.channel(), msg);
        ChannelFuture written = ctx.write(msg, promise);
        if (slowConsumer) {
            startClose(protections.slowConsumerReason(), Cause.SLOW_CONSUMER);
        }
        return written;
    }

    /** Enters {@code closing} and starts the close timeout. */
    private void startClosing(ChannelHandlerContext ctx, HandshakeState closing) {
        state = closing;
        startTimeout(ctx);
    }

    /** Closes TCP at the close timeout, if the closing handshake has not ended by then. */
    private void startTimeout(ChannelHandlerContext ctx) {
        long millis = config.closeTimeout().toMillis();
        timeout = ctx.executor().schedule(() -> closeNow(Cause.CLOSE_TIMEOUT), millis, TimeUnit.MILLISECONDS);
    }

    private void closeFrameWritten(Future<?> written) {
        if (!written.isSuccess()) {
            state = state.withFailure(written.cause()).troubled(Cause.TRANSPORT, now());
            ctx().close();
        }
    }

    private void completeWhenClosed(ChannelPromise promise) {
        report().whenComplete((closed, error) -> promise.trySuccess());
    }

    private CompletableFuture<CloseReport> report() {
        return reportOf(ctx().channel());
    }

    /** The report's future on {@code channel}, made by whoever asks first: an idle connection holds none. */
    private static CompletableFuture<CloseReport> reportOf(Channel channel) {
        Attribute<CompletableFuture<CloseReport>> attribute = channel.attr(REPORT);
        CompletableFuture<CloseReport> report = attribute.get();
        if (report == null) {
            CompletableFuture<CloseReport> made = new CompletableFuture<>();
            report = attribute.setIfAbsent(made);
            return report == null ? made : report;
        }
        return report;
    }

    private long now() {
        return ctx().executor().ticker().nanoTime();
    }

    private ChannelHandlerContext ctx() {
        if (ctx == null) {
            throw new IllegalStateException("handler not added to a pipeline");
        }
        return ctx;
    }

    private void cancelTimeout() {
        if (timeout != null) {
            timeout.cancel(false);
            timeout = null;
        }
    }

    private static boolean upgradePending(ChannelPipeline pipeline) {
        boolean nextToUpgrade = pipeline.get(WebSocketServerProtocolHandler.class) != null
                || pipeline.get(WebSocketClientProtocolHandler.class) != null
                || pipeline.get(ClientUpgrade.class) != null;
        return nextToUpgrade && pipeline.get(WebSocketFrameDecoder.class) == null;
    }

    private static boolean isUpgradeComplete(Object evt) {
        return evt instanceof WebSocketServerProtocolHandler.HandshakeComplete
                || evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE;
    }
}
