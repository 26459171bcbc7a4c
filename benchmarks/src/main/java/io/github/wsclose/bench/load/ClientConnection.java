package io.github.wsclose.bench.load;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler.ClientHandshakeStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.CompletableFuture;
import org.HdrHistogram.Histogram;

/**
 * One load-generating WebSocket client connection: reports the upgrade, keeps a window of text
 * messages in flight to an echo server on request and records their round trips, starts a close on
 * request or answers the server's close with one close frame carrying its code, and records when
 * the server's close frame arrived and when TCP closed; on request it sends a frame and waits for the answer
 * to a ping after it, or sends pings as fast as the channel takes them while it reads the pongs.
 * Netty's client protocol handler before it answers the server's pings. Not sharable;
 * its state is confined to the channel's event loop, and read after {@link #closed()}
 * completes.
 */
final class ClientConnection extends ChannelInboundHandlerAdapter {

    private final CompletableFuture<ClientConnection> upgraded = new CompletableFuture<>();
    private final CompletableFuture<ClientConnection> closed = new CompletableFuture<>();

    // connection state, confined to the event loop
    private ChannelHandlerContext ctx;
    private boolean closeSent;
    private int closeCodeReceived = -2; // -2: none received; -1: an empty close frame
    private long closeStartNanos;
    private long closeReceivedNanos;
    private long closedNanos;
    private Throwable failure;

    // echo state, confined to the event loop; set by startEcho
    private ByteBuf message; // unreleasable: every send is a duplicate of it
    private long[] sentNanos; // send times of the messages in flight, a ring whose oldest is at head
    private int head;
    private int inFlight;
    private boolean echoing;
    private Histogram roundTrips;
    private CompletableFuture<Histogram> echoStopped;

    // ping state, confined to the event loop
    private boolean flooding;
    private long pingsSent;
    private long pongsReceived;
    private CompletableFuture<Void> nextPong;

    /** Completes when the WebSocket upgrade completed; fails if the connection ended first. */
    CompletableFuture<ClientConnection> upgraded() {
        return upgraded;
    }

    /** Completes when TCP closed. */
    CompletableFuture<ClientConnection> closed() {
        return closed;
    }

    /** Sends a close frame with {@code code} and {@code reason}, from the channel's event loop. */
    void startClose(int code, String reason) {
        ctx.executor().execute(() -> {
            closeStartNanos = System.nanoTime();
            closeSent = true;
            ctx.writeAndFlush(new CloseWebSocketFrame(code, reason));
        });
    }

    /**
     * Starts keeping {@code window} copies of {@code message} in flight, from the channel's event
     * loop: every echo that comes back is timed and answered with the next message, until
     * {@link #stopEcho()}.
     *
     * @param message an unreleasable buffer, sent as a text message
     * @return completes with the round trips, in nanoseconds, once the echo stopped and every
     *         message in flight came back; fails if the connection closed first
     */
    CompletableFuture<Histogram> startEcho(ByteBuf message, int window) {
        CompletableFuture<Histogram> stopped = new CompletableFuture<>();
        ctx.executor().execute(() -> {
            this.message = message;
            sentNanos = new long[window];
            head = 0;
            inFlight = 0;
            roundTrips = new Histogram(3);
            echoStopped = stopped;
            echoing = true;
            for (int i = 0; i < window; i++) {
                send();
            }
            ctx.flush();
        });
        return stopped;
    }

    /** Stops sending new messages, from the channel's event loop. */
    void stopEcho() {
        ctx.executor().execute(() -> {
            echoing = false;
            if (inFlight == 0) {
                echoStopped.complete(roundTrips);
            }
        });
    }

    /**
     * Sends {@code frame}, then a ping, from the channel's event loop.
     *
     * @return completes when the next pong arrives: the server has read the frame
     */
    CompletableFuture<Void> sendThenPing(WebSocketFrame frame) {
        CompletableFuture<Void> pong = new CompletableFuture<>();
        ctx.executor().execute(() -> {
            nextPong = pong;
            ctx.write(frame);
            ctx.writeAndFlush(new PingWebSocketFrame(Unpooled.copyLong(pingsSent++)));
        });
        return pong;
    }

    /** Starts sending pings as fast as the channel takes them, from the channel's event loop, until {@link #stopPingFlood()}. */
    void startPingFlood() {
        ctx.executor().execute(() -> {
            flooding = true;
            pumpPings();
        });
    }

    /** Stops the ping flood, from the channel's event loop; completes with the pings sent and the pongs received. */
    CompletableFuture<Pings> stopPingFlood() {
        CompletableFuture<Pings> stopped = new CompletableFuture<>();
        ctx.executor().execute(() -> {
            flooding = false;
            stopped.complete(new Pings(pingsSent, pongsReceived));
        });
        return stopped;
    }

    /** Closes TCP now, from any thread; call once the upgrade completed. */
    void abort() {
        ctx.channel().close();
    }

    /** From the close frame this end sent until TCP closed, in nanoseconds. */
    long closeLatencyNanos() {
        return closedNanos - closeStartNanos;
    }

    /** When the server's close frame arrived, in {@link System#nanoTime()}; meaningful if {@link #closeCodeReceived()} is not -2. */
    long closeReceivedNanos() {
        return closeReceivedNanos;
    }

    /** When TCP closed, in {@link System#nanoTime()}. */
    long closedNanos() {
        return closedNanos;
    }

    /** A close frame went each way, nothing failed, and the server closed TCP. */
    boolean clean() {
        return closeSent && closeCodeReceived != -2 && failure == null;
    }

    /** What failed on the connection, or null. */
    Throwable failure() {
        return failure;
    }

    /** The code of the server's close frame: -1 for an empty one, -2 if none came. */
    int closeCodeReceived() {
        return closeCodeReceived;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
            upgraded.complete(this);
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof TextWebSocketFrame && inFlight > 0) {
                echoed();
            } else if (msg instanceof PongWebSocketFrame) {
                pongsReceived++;
                if (nextPong != null) {
                    nextPong.complete(null);
                    nextPong = null;
                }
            } else if (msg instanceof CloseWebSocketFrame close && closeCodeReceived == -2) {
                closeReceivedNanos = System.nanoTime();
                closeCodeReceived = close.statusCode();
                if (!closeSent) {
                    // the server closed first: answer with one close frame, echoing its code
                    closeStartNanos = System.nanoTime();
                    closeSent = true;
                    ctx.writeAndFlush(closeCodeReceived == -1 ? new CloseWebSocketFrame() : new CloseWebSocketFrame(closeCodeReceived, null));
                }
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (echoing) {
            ctx.flush();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (flooding && ctx.channel().isWritable()) {
            pumpPings();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (failure == null) {
            failure = cause;
        }
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closedNanos = System.nanoTime();
        upgraded.completeExceptionally(new IllegalStateException("connection closed before the upgrade completed", failure));
        closed.complete(this);
        if (echoStopped != null) {
            echoStopped.completeExceptionally(new IllegalStateException("connection closed while echoing", failure));
        }
        if (nextPong != null) {
            nextPong.completeExceptionally(new IllegalStateException("connection closed before the pong", failure));
        }
        ctx.fireChannelInactive();
    }

    /** Writes pings while the channel is writable, 64 a flush, and comes back after the reads in between. */
    private void pumpPings() {
        for (int i = 0; i < 64 && flooding && ctx.channel().isWritable(); i++) {
            ctx.write(new PingWebSocketFrame(Unpooled.copyLong(pingsSent++)));
        }
        ctx.flush();
        if (flooding && ctx.channel().isWritable()) {
            ctx.executor().execute(this::pumpPings);
        }
    }

    private void send() {
        sentNanos[(head + inFlight) % sentNanos.length] = System.nanoTime();
        inFlight++;
        ctx.write(new TextWebSocketFrame(message.duplicate()));
    }

    private void echoed() {
        roundTrips.recordValue(System.nanoTime() - sentNanos[head]);
        head = (head + 1) % sentNanos.length;
        inFlight--;
        if (echoing) {
            send();
        } else if (inFlight == 0) {
            echoStopped.complete(roundTrips);
        }
    }

    /** What a ping flood sent and got back. */
    record Pings(long sent, long pongs) {
    }
}
