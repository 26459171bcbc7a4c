package io.github.wsclose;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Runs the closing handshake of RFC 6455 §7 for one connection, and reports how it ended.
 *
 * <p>Place it after {@link CloseFrameDecoder} and {@link CloseFrameEncoder}, before the
 * application's handlers ({@link ServerPipeline} does all of this in one call).
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
 *       dropped. <b>After a close frame was sent</b> the application's writes fail with an
 *       {@link IllegalStateException} and are released; inbound frames are still delivered
 *       until the peer's close.</li>
 *   <li><b>Failures.</b> A {@link CorruptedWebSocketFrameException} (from Netty's frame decoder,
 *       its UTF-8 validator or {@link CloseFrameDecoder}) fails the connection with its status,
 *       1002, 1007 or 1009; any other exception with 1011; exactly one close frame is sent, then
 *       TCP is closed. An {@link IOException} closes TCP without a close frame.</li>
 *   <li><b>Timeout.</b> A started close that has not ended within
 *       {@link ClosingHandshakeConfig#closeTimeout()} closes TCP anyway.</li>
 *   <li><b>Report.</b> When TCP closes, one {@link CloseReport} is fired as a user event to the
 *       next handlers, on every path, before {@code channelInactive}.</li>
 * </ul>
 *
 * <p>Added next to a {@link WebSocketServerProtocolHandler} (or the client one) before the HTTP
 * upgrade, it stays out of the way until the upgrade completes; connections that never become
 * WebSocket connections are not reported. Added anywhere else, the connection is taken as open.
 *
 * <p>Not sharable: one instance per channel. All state is confined to the channel's event loop,
 * so every operation may be called from any thread through the channel.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6455#section-7">RFC 6455 §7</a>
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6455#section-5.5.1">RFC 6455 §5.5.1</a>
 */
public final class ClosingHandshakeHandler extends ChannelDuplexHandler {

    private final ClosingHandshakeConfig config;
    private final CompletableFuture<CloseReport> report = new CompletableFuture<>();

    // connection state, confined to the event loop
    private State state = State.OPEN;
    private @Nullable ChannelHandlerContext ctx;
    private CloseReport.@Nullable Initiator initiator;
    private @Nullable CloseReason started; // the close frame that started the close, either way
    private boolean closeFrameWritten;
    private boolean closeFrameReceived;
    private boolean failedByUs; // the close frame was sent to fail the connection (§7.1.7)
    private @Nullable String abandoned; // why TCP was closed before the handshake ended
    private @Nullable Throwable cause;
    private long closeStartNanos;
    private @Nullable ScheduledFuture<?> timeout;

    /** Creates a handler for one connection. */
    public ClosingHandshakeHandler(ClosingHandshakeConfig config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        state = upgradePending(ctx.pipeline()) ? State.AWAITING_UPGRADE : State.OPEN;
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancelTimeout();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (state == State.AWAITING_UPGRADE && isUpgradeComplete(evt)) {
            state = State.OPEN;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        switch (state) {
            case AWAITING_UPGRADE -> ctx.fireChannelRead(msg);
            case OPEN -> {
                if (msg instanceof CloseReason peer) {
                    peerClosedFirst(ctx, peer);
                } else {
                    ctx.fireChannelRead(msg);
                }
            }
            case CLOSE_SENT -> {
                if (msg instanceof CloseReason peer) {
                    peerAnswered(ctx, peer);
                } else {
                    ctx.fireChannelRead(msg); // frames sent before the peer saw our close still count
                }
            }
            // after its close frame the peer MUST NOT send more (§5.5.1): drop whatever it does
            case CLOSE_RECEIVED, CLOSED -> ReferenceCountUtil.release(msg);
            default -> throw new IllegalStateException("unknown state: " + state);
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        switch (state) {
            case AWAITING_UPGRADE -> {
                if (msg instanceof CloseReason) {
                    promise.setFailure(new IllegalStateException("cannot send a close frame: the WebSocket upgrade has not completed"));
                } else {
                    ctx.write(msg, promise);
                }
            }
            case OPEN -> {
                if (msg instanceof CloseReason reason) {
                    closeFirst(ctx, reason, promise);
                } else {
                    ctx.write(msg, promise);
                }
            }
            case CLOSE_SENT, CLOSE_RECEIVED, CLOSED -> {
                if (msg instanceof CloseReason) {
                    completeWhenClosed(promise); // a second close: nothing more is sent
                } else {
                    // after sending a close frame an endpoint MUST NOT send any more data frames (§5.5.1)
                    ReferenceCountUtil.release(msg);
                    promise.setFailure(new IllegalStateException(
                            "cannot write " + msg.getClass().getSimpleName() + ": the closing handshake has started"));
                }
            }
            default -> throw new IllegalStateException("unknown state: " + state);
        }
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        switch (state) {
            case AWAITING_UPGRADE, CLOSED -> ctx.close(promise);
            case OPEN -> closeFirst(ctx, config.closeReasonOnClose(), promise);
            case CLOSE_SENT, CLOSE_RECEIVED -> completeWhenClosed(promise);
            default -> throw new IllegalStateException("unknown state: " + state);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (state == State.AWAITING_UPGRADE) {
            ctx.fireExceptionCaught(cause); // not a WebSocket connection yet: not ours to handle
        } else {
            fail(ctx, cause);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (state != State.AWAITING_UPGRADE && state != State.CLOSED) {
            state = State.CLOSED;
            cancelTimeout();
            CloseReport closed = newReport(ctx);
            ctx.fireUserEventTriggered(closed);
            report.complete(closed);
        }
        ctx.fireChannelInactive();
    }

    /** Tells whether the connection is a WebSocket connection: its upgrade completed, or there was none to wait for. */
    boolean upgraded() {
        return state != State.AWAITING_UPGRADE;
    }

    /** Completes once with the connection's report when TCP has closed after the upgrade. */
    CompletableFuture<CloseReport> closeReport() {
        return report;
    }

    /**
     * Starts the close with {@code reason} if the connection is open, and returns the report's
     * future, or null if the connection never became a WebSocket connection. Call on the
     * event loop.
     */
    @Nullable CompletableFuture<CloseReport> drain(CloseReason reason) {
        if (state == State.AWAITING_UPGRADE) {
            return null;
        }
        if (state == State.OPEN) {
            closeFirst(ctx(), reason, ctx().newPromise());
        }
        return report;
    }

    /** Closes TCP now, with no more waiting, unless it is closed; the report says why. Call on the event loop. */
    void abandon(String why) {
        if (state != State.CLOSED && state != State.AWAITING_UPGRADE) {
            abandoned = why;
            ctx().close();
        }
    }

    /**
     * Fails the connection for an exception no handler dealt with; returns false if the
     * connection never became a WebSocket connection. Call on the event loop.
     */
    boolean failUnhandled(Throwable cause) {
        if (state == State.AWAITING_UPGRADE) {
            return false;
        }
        fail(ctx(), cause);
        return true;
    }

    private void peerClosedFirst(ChannelHandlerContext ctx, CloseReason peer) {
        startClosing(ctx, State.CLOSE_RECEIVED, CloseReport.Initiator.REMOTE, peer);
        closeFrameReceived = true;
        // an endpoint that receives a close frame MUST send a close frame in response (§5.5.1), echoing its code
        CloseReason answer = config.echoReason() ? peer : CloseReason.withoutMessage(peer.code());
        ctx.writeAndFlush(answer).addListener((ChannelFuture written) -> {
            closeFrameWritten(written); // a failed answer is the report's cause, and closes TCP
            if (written.isSuccess() && config.role() == ClosingHandshakeConfig.Role.SERVER) {
                ctx.close(); // the server SHOULD close TCP first, right after the exchange (§7.1.1)
            }
        });
        ctx.fireChannelRead(peer);
    }

    private void peerAnswered(ChannelHandlerContext ctx, CloseReason peer) {
        state = State.CLOSE_RECEIVED;
        closeFrameReceived = true;
        ctx.fireChannelRead(peer);
        if (config.role() == ClosingHandshakeConfig.Role.SERVER) {
            ctx.close(); // both close frames exchanged: the server closes TCP (§7.1.1)
        }
    }

    private void closeFirst(ChannelHandlerContext ctx, CloseReason reason, ChannelPromise promise) {
        try {
            reason.requireSendable();
        } catch (IllegalArgumentException e) {
            promise.setFailure(e); // the connection stays open
            return;
        }
        startClosing(ctx, State.CLOSE_SENT, CloseReport.Initiator.LOCAL, reason);
        completeWhenClosed(promise);
        ctx.writeAndFlush(reason).addListener(this::closeFrameWritten);
    }

    /** The one failure path: record the cause, send one close frame if none was sent, close TCP. */
    private void fail(ChannelHandlerContext ctx, Throwable failure) {
        if (cause == null) {
            cause = failure;
        }
        if (state != State.OPEN || failure instanceof IOException) {
            ctx.close(); // a close frame went already, or the transport is broken: only TCP is left to close
            return;
        }
        // _Fail the WebSocket Connection_ (§7.1.7): send one close frame, then close TCP without waiting
        startClosing(ctx, State.CLOSE_SENT, CloseReport.Initiator.LOCAL, closeReasonFor(failure));
        failedByUs = true;
        ctx.writeAndFlush(started).addListener((ChannelFuture written) -> {
            closeFrameWritten(written);
            ctx.close();
        });
    }

    private void startClosing(ChannelHandlerContext ctx, State next, CloseReport.Initiator by, CloseReason first) {
        state = next;
        initiator = by;
        started = first;
        closeStartNanos = ctx.executor().ticker().nanoTime();
        long millis = config.closeTimeout().toMillis();
        timeout = ctx.executor().schedule(
                () -> abandon("no close within the close timeout of " + millis + " ms"), millis, TimeUnit.MILLISECONDS);
    }

    private void closeFrameWritten(Future<?> written) {
        closeFrameWritten = written.isSuccess();
        if (!written.isSuccess()) {
            if (cause == null) {
                cause = written.cause();
            }
            ctx().close();
        }
    }

    private void completeWhenClosed(ChannelPromise promise) {
        report.whenComplete((closed, error) -> promise.trySuccess());
    }

    private CloseReport newReport(ChannelHandlerContext ctx) {
        if (initiator == null) {
            // TCP died with no close frame either way (§7.1.5)
            return new CloseReport(abnormal("connection closed without a close frame"), CloseReport.Initiator.REMOTE,
                    false, Duration.ZERO, cause);
        }
        Duration took = Duration.ofNanos(ctx.executor().ticker().nanoTime() - closeStartNanos);
        boolean failed = cause != null;
        boolean clean = closeFrameWritten && closeFrameReceived && abandoned == null && !failed;
        CloseReason reason;
        if (closeFrameReceived || failedByUs && closeFrameWritten) {
            reason = started;
        } else {
            reason = abnormal(abandoned != null ? abandoned : "connection closed before the peer's close frame");
        }
        return new CloseReport(reason, initiator, clean, took, cause);
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

    private static CloseReason closeReasonFor(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof CorruptedWebSocketFrameException corrupted) {
                int code = corrupted.closeStatus().code();
                String message = corrupted.getMessage() == null ? "" : corrupted.getMessage();
                // the reason MUST be valid UTF-8 (§5.5.1): a round trip turns each unpaired surrogate into '?'
                String sendable = new String(message.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
                return CloseReason.truncated(StatusCodeRange.mayAppearOnWire(code) ? code : 1002, sendable);
            }
        }
        // an unexpected condition: its details stay on this side
        return CloseReason.Codes.UNEXPECTED_CONDITION.withoutMessage;
    }

    private static CloseReason abnormal(String what) {
        return new CloseReason(CloseReason.Codes.CLOSED_ABNORMALLY, what);
    }

    private static boolean upgradePending(ChannelPipeline pipeline) {
        boolean nextToUpgrade = pipeline.get(WebSocketServerProtocolHandler.class) != null
                || pipeline.get(WebSocketClientProtocolHandler.class) != null;
        return nextToUpgrade && pipeline.get(WebSocketFrameDecoder.class) == null;
    }

    private static boolean isUpgradeComplete(Object evt) {
        return evt instanceof WebSocketServerProtocolHandler.HandshakeComplete
                || evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE;
    }

    /** Where the connection stands in the closing handshake. */
    enum State {
        /** Next to Netty's upgrade handler, before the HTTP upgrade completed: not ours yet. */
        AWAITING_UPGRADE,
        /** Open: no close frame sent or received. */
        OPEN,
        /** This end sent the first close frame and waits for the peer's. */
        CLOSE_SENT,
        /** The peer's close frame arrived (first, or as the answer); only TCP is left to close. */
        CLOSE_RECEIVED,
        /** Terminal: TCP closed and the report delivered. */
        CLOSED
    }
}
