package io.github.wsclose;

import io.github.wsclose.UpgradeFailedException.Reason;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker13;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler.ClientHandshakeStateEvent;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.SocketAddress;
import java.net.URI;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;

/**
 * The client's side of the opening handshake (RFC 6455 §4.1), with Netty's
 * {@link WebSocketClientHandshaker13}: sends the upgrade request once TCP is up, checks the
 * server's answer, and either makes the connection a WebSocket connection or fails the upgrade
 * with an {@link UpgradeFailedException}, once, on every path: a refused connection, a status
 * other than 101, an invalid 101, the upgrade timeout, the server closing first.
 *
 * <p>It takes the place of Netty's {@code WebSocketClientProtocolHandler}, which would answer
 * pings and handle close frames after the upgrade, and which reports a failed upgrade as an
 * exception without a future; here the answer's head is read as soon as it arrives, so an
 * error status is known without waiting for its body, and no response aggregator is needed.
 * On a 101 it installs Netty's frame decoder (masked frames from the server refused, §5.1; close
 * bodies left to {@link ClosePayload}), the masking frame encoder (§5.3), and the connection's
 * {@link ConnectionGuard}; fires {@link ClientHandshakeStateEvent#HANDSHAKE_COMPLETE}; completes
 * the upgrade's future with the 101's head; and removes itself.
 *
 * <p>Not sharable: one instance per channel, confined to its event loop.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6455#section-4.1">RFC 6455 §4.1</a>
 */
final class ClientUpgrade extends ChannelDuplexHandler {

    /** The upgrade's future on the channel, where it outlives the pipeline. */
    static final AttributeKey<Promise<HttpResponse>> UPGRADE = AttributeKey.valueOf(ClientUpgrade.class, "upgrade");

    private final Handshaker handshaker;
    private final ClientOptions options;
    private final List<String> subprotocols;

    // connection state, confined to the event loop
    private State state = State.CONNECTING;
    private @Nullable ScheduledFuture<?> timer;

    ClientUpgrade(URI uri, ClientOptions options, WebSocketDecoderConfig decoderConfig) {
        this.options = options;
        this.subprotocols = options.subprotocols();
        HttpHeaders request = new DefaultHttpHeaders().add(options.headers());
        if (!subprotocols.isEmpty()) {
            // offered as a header of ours: the answer is checked here, as RFC 6455 words it, not as Netty does
            request.set(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL, String.join(", ", subprotocols));
        }
        this.handshaker = new Handshaker(uri, request, decoderConfig);
    }

    /** The future of {@code channel}'s upgrade, made by whoever asks first. */
    static Promise<HttpResponse> upgradeOf(Channel channel) {
        Promise<HttpResponse> existing = channel.attr(UPGRADE).get();
        if (existing != null) {
            return existing;
        }
        Promise<HttpResponse> made = channel.eventLoop().newPromise();
        Promise<HttpResponse> earlier = channel.attr(UPGRADE).setIfAbsent(made);
        return earlier == null ? made : earlier;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        upgradeOf(ctx.channel());
        if (ctx.channel().isActive()) {
            startTimer(ctx); // connected before the pipeline was built: counted from now
            ctx.executor().execute(() -> {
                if (state == State.CONNECTING && ctx.channel().isActive()) {
                    sendRequest(ctx); // once the rest of the pipeline is built
                }
            });
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancelTimer();
    }

    @Override
    public void connect(ChannelHandlerContext ctx, SocketAddress remote, @Nullable SocketAddress local, ChannelPromise promise) {
        startTimer(ctx);
        ctx.connect(remote, local, promise).addListener((ChannelFuture connected) -> {
            if (!connected.isSuccess()) {
                fail(ctx, Reason.CONNECT, null, "connection failed: " + connected.cause(), connected.cause());
            }
        });
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof WebSocketFrame && state != State.SWITCHING) {
            // a client MUST NOT send frames before the server's 101 (§4.1)
            ReferenceCountUtil.release(msg);
            promise.setFailure(new IllegalStateException("cannot write " + msg.getClass().getSimpleName()
                    + ": the WebSocket upgrade has not completed"));
            return;
        }
        ctx.write(msg, promise);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.fireChannelActive();
        if (state == State.CONNECTING) {
            sendRequest(ctx); // behind TLS, the request waits in the SslHandler for its handshake
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent tls && !tls.isSuccess() && state != State.FAILED) {
            fail(ctx, Reason.CONNECT, null, "tls handshake failed: " + tls.cause(), tls.cause());
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        switch (state) {
            case CONNECTING, AWAITING_RESPONSE -> {
                if (msg instanceof HttpResponse head) {
                    answered(ctx, head);
                } else {
                    ReferenceCountUtil.release(msg); // nothing but the answer's head can come first
                }
            }
            case SWITCHING -> {
                if (msg instanceof HttpContent) {
                    ReferenceCountUtil.release(msg); // the 101's empty content
                    if (msg instanceof LastHttpContent) {
                        ctx.pipeline().remove(this);
                    }
                } else {
                    ctx.fireChannelRead(msg);
                }
            }
            case FAILED -> ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (state == State.SWITCHING) {
            ctx.fireExceptionCaught(cause);
        } else if (state != State.FAILED && tlsFailure(cause)) {
            fail(ctx, Reason.CONNECT, null, "tls handshake failed: " + cause, cause);
        } else if (state != State.FAILED) {
            // an answer that is not HTTP, or an extension answer the offer does not allow
            fail(ctx, Reason.INVALID_RESPONSE, null, "invalid answer to the upgrade request: " + cause.getMessage(), cause);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (state == State.CONNECTING || state == State.AWAITING_RESPONSE) {
            fail(ctx, Reason.CLOSED, null, "connection closed before the upgrade was answered", null);
        }
        ctx.fireChannelInactive();
    }

    private void sendRequest(ChannelHandlerContext ctx) {
        state = State.AWAITING_RESPONSE;
        handshaker.handshake(ctx.channel()).addListener((ChannelFuture sent) -> {
            if (sent.isSuccess()) {
                ctx.fireUserEventTriggered(ClientHandshakeStateEvent.HANDSHAKE_ISSUED);
            } else if (state == State.AWAITING_RESPONSE) {
                fail(ctx, Reason.CLOSED, null, "upgrade request not sent: " + sent.cause(), sent.cause());
            }
        });
    }

    /** The head of the server's answer: a 101 that RFC 6455 accepts upgrades, anything else fails. */
    private void answered(ChannelHandlerContext ctx, HttpResponse head) {
        boolean full = head instanceof FullHttpResponse;
        ReferenceCountUtil.release(head); // only its head is kept: a body is no use
        DecoderResult decoded = head.decoderResult();
        if (decoded.isFailure()) {
            fail(ctx, Reason.INVALID_RESPONSE, null, "invalid answer to the upgrade request: " + decoded.cause(), decoded.cause());
            return;
        }
        if (!HttpResponseStatus.SWITCHING_PROTOCOLS.equals(head.status())) {
            fail(ctx, Reason.STATUS, head, "upgrade refused: " + head.status() + " (expected: 101 Switching Protocols)", null);
            return;
        }
        String chosen = head.headers().get(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL);
        // a subprotocol the client did not offer MUST fail the connection (§4.1); none chosen is allowed
        if (chosen != null && !subprotocols.contains(chosen.strip())) {
            fail(ctx, Reason.INVALID_RESPONSE, head, "subprotocol not offered: " + chosen + " (expected: one of " + subprotocols + ")", null);
            return;
        }
        String extensions = head.headers().get(HttpHeaderNames.SEC_WEBSOCKET_EXTENSIONS);
        // an extension the client did not offer MUST fail the connection (§4.1); offered ones were checked before this handler
        if (options.compressionOrNull() == null && extensions != null && !extensions.isBlank()) {
            fail(ctx, Reason.INVALID_RESPONSE, head, "extension not offered: " + extensions + " (expected: none)", null);
            return;
        }
        HttpHeaders checked = head.headers().copy().remove(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL);
        try {
            // Sec-WebSocket-Accept, Upgrade and Connection MUST be right (§4.1): Netty's handshaker checks them
            handshaker.finishHandshake(ctx.channel(), new DefaultFullHttpResponse(head.protocolVersion(), head.status(),
                    Unpooled.EMPTY_BUFFER, checked, EmptyHttpHeaders.INSTANCE));
        } catch (WebSocketHandshakeException e) {
            fail(ctx, Reason.INVALID_RESPONSE, head, "invalid upgrade: " + e.getMessage(), e);
            return;
        }
        cancelTimer();
        state = State.SWITCHING;
        addGuard(ctx);
        upgradeOf(ctx.channel()).trySuccess(head);
        ctx.fireUserEventTriggered(ClientHandshakeStateEvent.HANDSHAKE_COMPLETE);
        if (full && state == State.SWITCHING) {
            ctx.pipeline().remove(this); // no content follows a response that came whole
        }
    }

    /**
     * Puts the protections of the open connection where a server has them: right behind the frame
     * encoder, or, with compression, behind {@link ReservedBits}, so that the guard sees the
     * inflated text it checks for UTF-8.
     */
    private void addGuard(ChannelHandlerContext ctx) {
        ClosingHandshakeHandler handshake = ctx.pipeline().get(ClosingHandshakeHandler.class);
        ChannelHandlerContext reservedBits = ctx.pipeline().context(ReservedBits.class);
        ChannelHandlerContext at = reservedBits != null ? reservedBits : ctx.pipeline().context(WebSocketFrameEncoder.class);
        if (handshake != null && at != null) {
            ctx.pipeline().addAfter(at.name(), ClientPipeline.CONNECTION_GUARD,
                    new ConnectionGuard(options.protection(), options.maxMessageBytes(), true, handshake));
        }
    }

    /** The one failure path: the future fails, the application is told, the connection closes. */
    private void fail(ChannelHandlerContext ctx, Reason reason, @Nullable HttpResponse head, String message, @Nullable Throwable cause) {
        if (state == State.FAILED || state == State.SWITCHING) {
            return;
        }
        state = State.FAILED;
        cancelTimer();
        UpgradeFailedException failure = new UpgradeFailedException(reason, head, message, cause);
        upgradeOf(ctx.channel()).tryFailure(failure);
        ctx.fireUserEventTriggered(failure);
        ctx.close();
    }

    /** Whether {@code cause} is the TLS handshake's failure, whichever of its event and its exception comes first. */
    private static boolean tlsFailure(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof SSLException) {
                return true;
            }
        }
        return false;
    }

    private void startTimer(ChannelHandlerContext ctx) {
        long nanos = options.upgradeTimeout().toNanos();
        if (nanos > 0 && timer == null) {
            timer = ctx.executor().schedule(() -> fail(ctx, Reason.TIMEOUT, null,
                    "upgrade not answered within " + options.upgradeTimeout().toMillis() + " ms", null), nanos, TimeUnit.NANOSECONDS);
        }
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    /**
     * Netty's RFC 6455 client handshaker with this library's frame decoder: its decoder refuses
     * masked frames from the server (§5.1) and throws, without writing a close frame of its own, on
     * a protocol error; its encoder masks every frame (§5.3).
     */
    private static final class Handshaker extends WebSocketClientHandshaker13 {

        private final WebSocketDecoderConfig decoderConfig;

        Handshaker(URI uri, HttpHeaders request, WebSocketDecoderConfig decoderConfig) {
            super(uri, WebSocketVersion.V13, null, decoderConfig.allowExtensions(), request,
                    decoderConfig.maxFramePayloadLength(), true, false, -1);
            this.decoderConfig = decoderConfig;
        }

        @Override
        protected WebSocketFrameDecoder newWebsocketDecoder() {
            return new CloseBodyHandover.FrameDecoder(decoderConfig);
        }

        @Override
        protected WebSocketFrameEncoder newWebSocketEncoder() {
            return new WebSocket13FrameEncoder(true); // a client MUST mask every frame it sends (§5.3)
        }
    }

    /** Where the opening handshake stands. */
    enum State {
        /** TCP (and TLS) not up yet: the request is not sent. */
        CONNECTING,
        /** The request went: waiting for the answer's head. */
        AWAITING_RESPONSE,
        /** A valid 101 arrived: the connection is a WebSocket connection; the 101's empty content is dropped, then this handler leaves. */
        SWITCHING,
        /** Terminal: the upgrade failed and the connection is closing; whatever comes is released. */
        FAILED
    }
}
