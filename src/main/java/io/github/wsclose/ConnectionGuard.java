package io.github.wsclose;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The protections of an open WebSocket connection, in one handler right behind Netty's frame
 * decoder, so that a message passes one handler for all of them:
 * <ul>
 *   <li><b>Keepalive.</b> When nothing has come from the peer for the ping interval, a ping (an
 *       8-byte counter); when nothing comes back within the pong timeout, the connection fails
 *       with {@link #KEEPALIVE_TIMED_OUT 1011} and {@link CloseReport.Cause#KEEPALIVE_TIMEOUT}.
 *       Any frame is a sign of life. A pong that answers the latest ping (it MUST carry the ping's
 *       payload, RFC 6455 §5.5.3) gives the round trip to the {@link ClosingHandshakeHandler}. A
 *       pong timeout of zero keeps pinging and never fails. Pings go even while the channel is
 *       not writable: a peer that reads slowly answers once it has read what waits before them.</li>
 *   <li><b>The peer's pings</b>, in place of Netty's protocol handler, which answers every ping
 *       whatever the channel's writability: a pong for each ping, in order, up to
 *       {@value #PONGS_IN_FLIGHT} pongs not yet out of the channel; past that, one for the latest
 *       ping only (§5.5.3 allows it) when one of them is out. The pongs of one read leave in one
 *       flush at its end, so that a flood of pings costs two writes to the socket per read, not one
 *       per ping. None while the channel is not writable. A peer that keeps pinging while a pong of
 *       ours has waited longer than the pong timeout does not read: it is closed as a slow
 *       consumer. Pings are consumed here.</li>
 *   <li><b>Idle timeout.</b> No data frame (text, binary, continuation) either way for the idle
 *       timeout starts the closing handshake with 1001 GOING_AWAY and
 *       {@link CloseReport.Cause#IDLE_TIMEOUT}; pings and pongs are no use of the connection.</li>
 *   <li><b>Message size.</b> A message from the peer over the limit, in one frame or many
 *       (§5.4), fails the connection with 1009 and {@link CloseReport.Cause#MESSAGE_TOO_BIG}: the
 *       payloads of its frames are added up as they arrive, none held; the frame that crosses the
 *       limit and everything after it are released.</li>
 *   <li><b>UTF-8.</b> A text message that is not UTF-8 (§8.1) fails the connection with 1007 at
 *       the first frame that shows it ({@link Utf8Text}), with the exception and words of Netty's
 *       {@code Utf8FrameValidator}, which no pipeline of this library then needs.</li>
 *   <li><b>Pending bytes.</b> A write that finds more than the limit still queued for the
 *       socket (written before, not taken by the peer yet) starts the closing handshake with the
 *       slow-consumer reason and {@link CloseReport.Cause#SLOW_CONSUMER}. One message larger than
 *       the limit is no sign of a slow peer, and goes out.</li>
 * </ul>
 * The timeouts are looked at by the {@link ConnectionSweep} of the event loop, so each is met at
 * most one sweep period late, never early; a frame costs no clock read. Nothing is pinged or
 * answered after the first close frame sent.
 *
 * <p>An inbound handler only, so that the writes of the application do not pass it: the
 * {@link ClosingHandshakeHandler}, which every write of the application passes, tells it of each
 * ({@link #writing(Channel, Object)}), close frames included.
 *
 * <p>Once the upgrade is done, it takes the place of Netty's {@code WebSocketServerProtocolHandler}
 * too, whose work after the upgrade was to answer pings and drop pongs (close frames are left to
 * the {@link ClosingHandshakeHandler}): pongs are dropped here unless the protocol's
 * configuration keeps them, and a frame consumed here asks for the next read when auto-read is off.
 * A {@link ClientPipeline} puts the same guard right behind the frame encoder at its upgrade,
 * with the limits of its {@link ClientOptions}: a client needs every one of these protections too.
 *
 * <p>Not sharable, confined to the event loop. Releases the ping payload it holds when removed
 * or when the channel closes.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6455#section-5.5.2">RFC 6455 §5.5.2, §5.5.3</a>
 * @see ServerProtection
 */
final class ConnectionGuard extends ChannelInboundHandlerAdapter {

    /** The {@link #sweepIndex} of a guard that is in no sweep (no timeout to look at, or closing). */
    static final int NOT_IN_SWEEP = -1;

    /**
     * How many pongs may be in flight at once: the pings of a read get a pong each, in order, up to this many; the
     * read's latest ping gets one when one of them is out.
     */
    static final int PONGS_IN_FLIGHT = 16;

    /** The close frame sent when no pong came in time, as Python's websockets sends. */
    static final CloseReason KEEPALIVE_TIMED_OUT = new CloseReason(CloseReason.Codes.UNEXPECTED_CONDITION, "keepalive ping timeout");

    private final ServerProtection protection;
    private final int maxMessageBytes;
    private final boolean dropPongs;
    private final ClosingHandshakeHandler handshake;
    private final Utf8Text text = new Utf8Text(); // of the text message being received

    // connection state, confined to the event loop
    private @Nullable ChannelHandlerContext context; // this guard's, once added
    private State state = State.OPEN;
    int sweepIndex = NOT_IN_SWEEP; // this guard's place in its sweep, kept by the sweep
    private boolean heard; // a frame came since the last tick
    private boolean used; // a data frame went either way since the last tick
    private long quietSince; // the tick that last found a frame heard
    private long unusedSince; // the tick that last found a data frame
    private long pingSentNanos;
    private int pings; // how many were sent: the payload of the latest ping, as 8 bytes
    private int messageBytes; // of the message being received, so far: at most the limit
    private @Nullable ByteBuf unanswered; // the payload of the peer's latest ping without a pong yet
    private int pongsInFlight; // written, and not yet out of the channel: at most PONGS_IN_FLIGHT
    private long pongWrittenNanos; // when the oldest pong in flight was written, or later
    private boolean pongsUnflushed; // pongs written during this read, flushed at its end

    /**
     * {@code maxMessageBytes}: the largest message from the peer, all its frames together, as they
     * arrive here; {@code dropPongs}: whether pongs are released here rather than passed on (Netty's
     * protocol handler drops them by default). The same guard serves a server, a client and an
     * HTTP/2 stream, behind the inflater where there is one.
     */
    ConnectionGuard(ServerProtection protection, int maxMessageBytes, boolean dropPongs, ClosingHandshakeHandler handshake) {
        this.protection = protection;
        this.maxMessageBytes = maxMessageBytes;
        this.dropPongs = dropPongs;
        this.handshake = handshake;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        context = ctx;
        handshake.guardedBy(this); // which tells it of every write
        quietSince = now(ctx);
        unusedSince = quietSince;
        if (!protection().pingInterval().isZero() || !protection().idleTimeout().isZero()) {
            ConnectionSweep.join(ctx, ConnectionSweep.periodFor(protection()));
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        handshake.guardedBy(null);
        stop(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        stop(ctx);
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (state == State.DISCARDING || state == State.CLOSED) {
            ReferenceCountUtil.release(msg); // the connection is failing: nothing more is read
            return;
        }
        if (!(msg instanceof WebSocketFrame frame)) {
            ctx.fireChannelRead(msg);
            return;
        }
        heard = true; // any frame is a sign of life
        if (state == State.AWAITING_PONG) {
            state = State.OPEN;
            if (frame instanceof PongWebSocketFrame pong && answersLatestPing(pong.content())) {
                handshake.pingAnswered(Duration.ofNanos(now(ctx) - pingSentNanos)); // for the report
            }
        }
        if (frame instanceof PingWebSocketFrame ping) {
            peerPinged(ctx, ping);
            readIfNeeded(ctx);
        } else if (frame instanceof PongWebSocketFrame && dropPongs) {
            frame.release();
            readIfNeeded(ctx);
        } else if (!isData(frame)) {
            ctx.fireChannelRead(frame);
        } else if (withinMessageLimit(frame) && isUtf8IfText(frame)) {
            used = true;
            ctx.fireChannelRead(frame);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        answerPing(ctx, false);
        if (pongsUnflushed) {
            pongsUnflushed = false;
            ctx.flush(); // the pongs of one read leave together, in one write to the socket
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        answerPing(ctx, true);
        ctx.fireChannelWritabilityChanged();
    }

    /**
     * Told by the {@link ClosingHandshakeHandler} of {@code msg} before it writes it on {@code channel}:
     * a data frame is a use of the connection, a close frame ends the pings and pongs. Returns whether
     * the peer leaves more than the limit of pending bytes untaken (this message not counted): the
     * message still goes, and then the closing handshake starts with {@link #slowConsumerReason()}.
     */
    boolean writing(Channel channel, Object msg) {
        if (msg instanceof CloseWebSocketFrame) {
            closeSent(); // the close has its own timeout
        } else if (isData(msg)) {
            used = true;
        }
        return (state == State.OPEN || state == State.AWAITING_PONG) && pendingBytes(channel) > protection().maxPendingBytes();
    }

    /** The reason of the close that {@link #writing(Channel, Object)} asks for. */
    CloseReason slowConsumerReason() {
        return protection().slowConsumerReason();
    }

    /** The sweep's look at the timeouts, at {@code now}. */
    void tick(ChannelHandlerContext ctx, long now) {
        if (heard) {
            heard = false;
            quietSince = now;
        }
        if (used) {
            used = false;
            unusedSince = now;
        }
        long idleTimeout = protection().idleTimeout().toNanos();
        if (idleTimeout > 0 && now - unusedSince >= idleTimeout && (state == State.OPEN || state == State.AWAITING_PONG)) {
            handshake.startClose(new CloseReason(CloseReason.Codes.GOING_AWAY,
                    "idle for " + TimeUnit.NANOSECONDS.toMillis(now - unusedSince) + " ms: no message either way"),
                    CloseReport.Cause.IDLE_TIMEOUT);
            return;
        }
        long interval = protection().pingInterval().toNanos();
        long pongTimeout = protection().pongTimeout().toNanos();
        switch (state) {
            case OPEN -> {
                if (interval > 0 && now - quietSince >= interval) {
                    ping(ctx, now);
                }
            }
            case AWAITING_PONG -> {
                if (pongTimeout > 0 && now - pingSentNanos >= pongTimeout) {
                    state = State.DISCARDING;
                    handshake.failConnection(KEEPALIVE_TIMED_OUT, CloseReport.Cause.KEEPALIVE_TIMEOUT);
                } else if (pongTimeout == 0 && now - pingSentNanos >= interval) {
                    ping(ctx, now); // no pong timeout: keep pinging, never fail
                }
            }
            case CLOSING, DISCARDING, CLOSED -> { }
        }
    }

    private void ping(ChannelHandlerContext ctx, long now) {
        state = State.AWAITING_PONG;
        pingSentNanos = now;
        ctx.writeAndFlush(new PingWebSocketFrame(ctx.alloc().buffer(Long.BYTES).writeLong(++pings & 0xFFFFFFFFL)));
    }

    private boolean answersLatestPing(ByteBuf payload) {
        return payload.readableBytes() == Long.BYTES && payload.getLong(payload.readerIndex()) == (pings & 0xFFFFFFFFL);
    }

    private void peerPinged(ChannelHandlerContext ctx, PingWebSocketFrame ping) {
        if (state == State.CLOSING) {
            ping.release(); // nothing is answered after our close frame
            return;
        }
        releasePing();
        unanswered = ping.content(); // the frame is its content: holding it holds the ping
        long pongTimeout = protection().pongTimeout().toNanos();
        if (pongsInFlight > 0 && pongTimeout > 0 && now(ctx) - pongWrittenNanos > pongTimeout) {
            handshake.startClose(protection().slowConsumerReason(), CloseReport.Cause.SLOW_CONSUMER); // it pings, and does not read
        }
        answerPing(ctx, false); // flushed at the end of the read
    }

    /** Writes a pong for the latest ping if it has none, the channel is writable and fewer than PONGS_IN_FLIGHT are out. */
    private void answerPing(ChannelHandlerContext ctx, boolean flush) {
        if (unanswered == null || pongsInFlight >= PONGS_IN_FLIGHT || !ctx.channel().isWritable()) {
            return;
        }
        ByteBuf payload = unanswered;
        unanswered = null;
        if (pongsInFlight++ == 0) {
            pongWrittenNanos = now(ctx);
        }
        // a pong sent in response MUST carry the ping's application data (§5.5.3)
        PongWebSocketFrame pong = new PongWebSocketFrame(payload);
        ChannelFuture written = flush ? ctx.writeAndFlush(pong) : ctx.write(pong);
        pongsUnflushed |= !flush;
        written.addListener(out -> {
            if (--pongsInFlight > 0) {
                pongWrittenNanos = now(ctx); // the next in flight was written before: its wait is counted short, never long
            }
            answerPing(ctx, true);
        });
    }

    /** Adds up the message's payloads; over the limit, releases the frame and fails the connection. */
    private boolean withinMessageLimit(WebSocketFrame frame) {
        long bytes = (frame instanceof ContinuationWebSocketFrame ? messageBytes : 0L) + frame.content().readableBytes();
        if (bytes <= maxMessageBytes) {
            messageBytes = (int) bytes;
            return true;
        }
        state = State.DISCARDING;
        frame.release();
        handshake.failConnection(new CloseReason(CloseReason.Codes.TOO_BIG,
                "message too big: " + bytes + " bytes so far (expected: <= " + maxMessageBytes + ")"),
                CloseReport.Cause.MESSAGE_TOO_BIG);
        return false;
    }

    /** A text message's frame that is UTF-8 so far, or any other data frame; else releases it and fails the connection. */
    private boolean isUtf8IfText(WebSocketFrame frame) {
        if (text.accepts(frame)) {
            return true;
        }
        state = State.DISCARDING;
        frame.release();
        // text frames MUST be valid UTF-8 (§8.1): 1007, in the words of Netty's validator
        handshake.fail(new CorruptedWebSocketFrameException(WebSocketCloseStatus.INVALID_PAYLOAD_DATA, "bytes are not UTF-8"));
        return false;
    }

    private void closeSent() {
        if (state == State.OPEN || state == State.AWAITING_PONG) {
            state = State.CLOSING;
        }
        releasePing();
        if (context != null) {
            leaveSweep(context);
        }
    }

    private void stop(ChannelHandlerContext ctx) {
        state = State.CLOSED;
        releasePing();
        leaveSweep(ctx);
    }

    private void leaveSweep(ChannelHandlerContext ctx) {
        if (sweepIndex != NOT_IN_SWEEP) {
            ConnectionSweep.leave(ctx, ConnectionSweep.periodFor(protection()));
        }
    }

    private void releasePing() {
        if (unanswered != null) {
            unanswered.release();
            unanswered = null;
        }
    }

    /** A frame consumed here is none the application asked for: without auto-read, it asks for the next. */
    private static void readIfNeeded(ChannelHandlerContext ctx) {
        if (!ctx.channel().config().isAutoRead()) {
            ctx.read();
        }
    }

    private ServerProtection protection() {
        return protection;
    }

    private static boolean isData(Object msg) {
        return msg instanceof TextWebSocketFrame || msg instanceof BinaryWebSocketFrame || msg instanceof ContinuationWebSocketFrame;
    }

    private static long pendingBytes(Channel channel) {
        ChannelOutboundBuffer queued = channel.unsafe().outboundBuffer();
        return queued == null ? writtenThroughPending(channel) : queued.totalPendingWriteBytes();
    }

    /**
     * What a channel without an outbound buffer of its own (an HTTP/2 stream, which writes through to
     * its connection) has written and not yet seen go out, read back from its writability: a stream
     * counts each frame until HTTP/2 flow control lets it out. Exact above the low water mark; below
     * it, on a stream whose peer's window is exhausted, 0.
     */
    private static long writtenThroughPending(Channel channel) {
        if (channel.isWritable()) {
            long before = channel.bytesBeforeUnwritable();
            return before > 0 ? channel.config().getWriteBufferHighWaterMark() + 1 - before : 0;
        }
        long before = channel.bytesBeforeWritable();
        return before > 0 ? before + channel.config().getWriteBufferLowWaterMark() - 1 : 0;
    }

    private static long now(ChannelHandlerContext ctx) {
        return ctx.executor().ticker().nanoTime();
    }

    /** Where the connection stands, for its protections. */
    enum State {
        /** Open, with no ping of ours waiting for an answer. */
        OPEN,
        /** A keepalive ping went: waiting for any frame, up to the pong timeout. */
        AWAITING_PONG,
        /** A close frame was sent: no more pings or pongs, frames still pass. */
        CLOSING,
        /** The connection is failing (message too big, no pong): whatever comes is released. */
        DISCARDING,
        /** Terminal: the channel closed or the guard was removed. */
        CLOSED
    }
}
