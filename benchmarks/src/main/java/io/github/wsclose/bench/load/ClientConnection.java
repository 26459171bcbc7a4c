package io.github.wsclose.bench.load;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler.ClientHandshakeStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.CompletableFuture;

/**
 * One load-generating WebSocket client connection: reports the upgrade, starts a close on request
 * or answers the server's close with one close frame carrying its code, and records when TCP
 * closed. Not sharable; its state is confined to the channel's event loop, and read after
 * {@link #closed()} completes.
 */
final class ClientConnection extends ChannelInboundHandlerAdapter {

    private final CompletableFuture<ClientConnection> upgraded = new CompletableFuture<>();
    private final CompletableFuture<ClientConnection> closed = new CompletableFuture<>();

    // connection state, confined to the event loop
    private ChannelHandlerContext ctx;
    private boolean closeSent;
    private int closeCodeReceived = -2; // -2: none received; -1: an empty close frame
    private long closeStartNanos;
    private long closedNanos;
    private Throwable failure;

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

    /** Closes TCP now, from any thread; call once the upgrade completed. */
    void abort() {
        ctx.channel().close();
    }

    /** From the close frame this end sent until TCP closed, in nanoseconds. */
    long closeLatencyNanos() {
        return closedNanos - closeStartNanos;
    }

    /** When TCP closed, in {@link System#nanoTime()}. */
    long closedNanos() {
        return closedNanos;
    }

    /** A close frame went each way, nothing failed, and the server closed TCP. */
    boolean clean() {
        return closeSent && closeCodeReceived != -2 && failure == null;
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
            if (msg instanceof CloseWebSocketFrame close && closeCodeReceived == -2) {
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
        ctx.fireChannelInactive();
    }
}
