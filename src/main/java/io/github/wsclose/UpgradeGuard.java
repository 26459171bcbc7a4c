package io.github.wsclose;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Guards a server connection from accept until its WebSocket upgrade is done, then removes
 * itself. Sits right after the {@link HttpServerCodec}, where it sees every HTTP object in and
 * every response out, and where Netty hands on the bytes left behind the upgrade request.
 * <ul>
 *   <li>A connection not upgraded within the upgrade timeout, counted from accept, is closed,
 *       whatever it did meanwhile (plain HTTP exchanges included).</li>
 *   <li>A request that could not be parsed is answered 400 (414 for a long request line, 431
 *       for long headers); an upgrade request for any WebSocket version but 13, 8 or 7
 *       (hixie-76 sends none) is answered 426 with {@code Sec-WebSocket-Version: 13}; an upgrade
 *       request while the options' {@link GracefulDrain} drains is answered 503 with
 *       {@code Retry-After}.</li>
 *   <li>Every error answer (4xx, 5xx), whoever wrote it, gets {@code Connection: close} and
 *       closes the connection once written.</li>
 *   <li>Bytes that came before the 101 response was written (with the upgrade request, in the
 *       same TCP segment) fail the connection with 1002: a client MUST wait for the response
 *       (RFC 6455 §4.1).</li>
 *   <li>Every connection it closes before the upgrade gets one {@link UpgradeRejected} event.</li>
 *   <li>Once the 101 response is written, it puts the protections of the WebSocket connection
 *       in its place: keepalive, the answers to the peer's pings, the idle timeout and the
 *       limits of message size and pending bytes.</li>
 * </ul>
 *
 * <p>Not sharable: one instance per channel, confined to its event loop.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6455#section-4.2">RFC 6455 §4.2</a>
 */
final class UpgradeGuard extends ChannelDuplexHandler {

    /** The WebSocket versions that frame as RFC 6455 does; hixie-76 (draft-00) is not one. */
    private static final Set<String> VERSIONS = Set.of("13", "8", "7");

    private final ServerOptions options;
    private final boolean dropPongs;

    // connection state, confined to the event loop
    private State state = State.HTTP;
    private @Nullable ChannelHandlerContext ctx;
    private @Nullable ScheduledFuture<?> timer;
    private boolean upgradeRequested; // the request being answered asks for a WebSocket upgrade
    private boolean closeAfterResponse; // the response being written is an error answer
    private @Nullable String earlyBytes; // what arrived before the 101 response was written

    /** {@code dropPongs}: whether the connection's guard drops pongs, as Netty's protocol handler it replaces would. */
    UpgradeGuard(ServerOptions options, boolean dropPongs) {
        this.options = options;
        this.dropPongs = dropPongs;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        if (ctx.channel().isActive()) {
            startTimer(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (timer == null) {
            startTimer(ctx);
        }
        ctx.fireChannelActive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancelTimer();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelTimer();
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        switch (state) {
            case HTTP -> readHttp(ctx, msg);
            case UPGRADING -> {
                if (msg instanceof WebSocketFrame && earlyBytes == null) {
                    ctx.fireChannelRead(msg); // read after the 101 was written: the frame decoder is in place
                } else {
                    if (earlyBytes == null) {
                        earlyBytes = msg instanceof ByteBuf bytes ? bytes.readableBytes() + " bytes" : msg.getClass().getSimpleName();
                    }
                    ReferenceCountUtil.release(msg);
                }
            }
            case REJECTED -> ReferenceCountUtil.release(msg); // the answer is on its way: nothing more is read
            default -> throw new IllegalStateException("unknown state: " + state);
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        ChannelPromise written = promise;
        if (state == State.HTTP && msg instanceof HttpResponse response) {
            if (response.status().equals(HttpResponseStatus.SWITCHING_PROTOCOLS)) {
                state = State.UPGRADING;
                written = promise.unvoid();
                written.addListener(future -> {
                    if (future.isSuccess()) {
                        upgraded(ctx);
                    }
                });
            } else if (response.status().code() >= 400) {
                HttpUtil.setKeepAlive(response, false); // the answer says the connection closes, and it does
                closeAfterResponse = true;
                reject(ctx, upgradeRequested ? reasonFor(response.status()) : null, response.status());
            }
        }
        if (closeAfterResponse && msg instanceof LastHttpContent) {
            written = written.unvoid();
            written.addListener(ChannelFutureListener.CLOSE);
        }
        ctx.write(msg, written);
    }

    /**
     * A drain is about to close the connection: says so with {@code UpgradeRejected(DRAIN)}, unless it is closing
     * already, and tells whether it did. Call on the event loop.
     */
    boolean drain() {
        if (state == State.HTTP || state == State.UPGRADING) {
            reject(ctx(), UpgradeRejected.Reason.DRAIN, null);
            return true;
        }
        return false;
    }

    private void readHttp(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpObject http && http.decoderResult().isFailure()) {
            DecoderResult result = http.decoderResult();
            ReferenceCountUtil.release(msg);
            answer(ctx, UpgradeRejected.Reason.BAD_REQUEST, statusFor(result.cause()),
                    "bad request: " + result.cause().getMessage());
            return;
        }
        if (msg instanceof HttpRequest request) {
            upgradeRequested = isWebSocketUpgrade(request);
            GracefulDrain drain = options.drainOrNull();
            if (drain != null && answeredForDrain(ctx, drain, request)) {
                return;
            }
            String version = request.headers().get(HttpHeaderNames.SEC_WEBSOCKET_VERSION);
            if (upgradeRequested && (version == null || !VERSIONS.contains(version.strip()))) {
                ReferenceCountUtil.release(msg);
                // a server that does not speak the client's version MUST answer with the ones it does (§4.2.2)
                FullHttpResponse refused = response(HttpResponseStatus.UPGRADE_REQUIRED,
                        "unsupported WebSocket version: " + (version == null ? "none (hixie-76)" : version) + " (expected: 13)");
                refused.headers().set(HttpHeaderNames.SEC_WEBSOCKET_VERSION, "13");
                send(ctx, UpgradeRejected.Reason.VERSION, refused);
                return;
            }
        }
        ctx.fireChannelRead(msg);
    }

    /**
     * Answers, for {@code drain}, its readiness check and, once it has started, an upgrade request
     * (with 503), then closes; tells whether it answered. The request is released if it did.
     */
    private boolean answeredForDrain(ChannelHandlerContext ctx, GracefulDrain drain, HttpRequest request) {
        FullHttpResponse readiness = DrainResponses.readiness(drain, request);
        if (readiness != null) {
            ReferenceCountUtil.release(request);
            send(ctx, null, readiness); // a check is no upgrade; each gets a connection of its own, as probes do
            return true;
        }
        if (upgradeRequested && drain.phase() != GracefulDrain.Phase.SERVING) {
            ReferenceCountUtil.release(request);
            drain.upgradeRefused();
            send(ctx, UpgradeRejected.Reason.DRAIN, DrainResponses.upgradeRefused(drain));
            return true;
        }
        return false;
    }

    /** The 101 response was written: the connection is a WebSocket connection once Netty's listeners have run. */
    private void upgraded(ChannelHandlerContext ctx) {
        cancelTimer();
        ClosingHandshakeHandler handshake = ctx.pipeline().get(ClosingHandshakeHandler.class);
        if (handshake != null) {
            guardConnection(ctx, handshake);
        }
        // Netty removes the HTTP codec next, handing us whatever it held after the request, then fires HandshakeComplete
        ctx.executor().execute(() -> {
            if (earlyBytes != null) {
                // a client MUST wait for the server's response before sending more (§4.1)
                ctx.fireExceptionCaught(new CorruptedWebSocketFrameException(WebSocketCloseStatus.PROTOCOL_ERROR,
                        "data sent before the handshake response: " + earlyBytes));
            }
            if (!ctx.isRemoved()) {
                ChannelHandlerContext netty = ctx.pipeline().context(WebSocketServerProtocolHandler.class);
                if (netty != null && ctx.pipeline().get(ConnectionGuard.class) != null) {
                    ctx.pipeline().remove(netty.handler()); // the connection's guard does all it did after the upgrade
                }
                ctx.pipeline().remove(this);
            }
        });
    }

    /**
     * Puts the {@link ConnectionGuard} of the WebSocket connection in front of Netty's protocol
     * handler, which would answer every ping itself: right behind this handler, that is right
     * behind Netty's frame decoder, or, if the server offers compression, behind
     * {@link ReservedBits}, so that no frame with RSV bits of no extension is answered.
     */
    private void guardConnection(ChannelHandlerContext ctx, ClosingHandshakeHandler handshake) {
        ChannelPipeline pipeline = ctx.pipeline();
        ChannelHandlerContext reservedBits = pipeline.context(ReservedBits.class);
        String at = reservedBits == null ? ctx.name() : reservedBits.name();
        // a name of ours spares Netty generating one (a per-thread cache and a scan) on every upgrade
        String name = pipeline.context(ServerPipeline.CONNECTION_GUARD) == null ? ServerPipeline.CONNECTION_GUARD : null;
        pipeline.addAfter(at, name, new ConnectionGuard(options.protection(), options.maxMessageBytes(), dropPongs, handshake));
    }

    private void answer(ChannelHandlerContext ctx, UpgradeRejected.Reason reason, HttpResponseStatus status, String text) {
        send(ctx, reason, response(status, text));
    }

    private void send(ChannelHandlerContext ctx, UpgradeRejected.@Nullable Reason reason, FullHttpResponse response) {
        reject(ctx, reason, response.status());
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    /**
     * The one way into {@link State#REJECTED}: fires the connection's one {@link UpgradeRejected},
     * unless {@code reason} is null (an error answer to a plain HTTP request is no rejected upgrade).
     */
    private void reject(ChannelHandlerContext ctx, UpgradeRejected.@Nullable Reason reason, @Nullable HttpResponseStatus status) {
        state = State.REJECTED;
        if (reason != null) {
            ctx.fireUserEventTriggered(new UpgradeRejected(reason, status));
        }
    }

    private void startTimer(ChannelHandlerContext ctx) {
        cancelTimer();
        if (!options.protection().upgradeTimeout().isZero()) {
            timer = ctx.executor().schedule(() -> timedOut(ctx), options.protection().upgradeTimeout().toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    private void timedOut(ChannelHandlerContext ctx) {
        if (state == State.HTTP || state == State.UPGRADING) {
            reject(ctx, UpgradeRejected.Reason.TIMEOUT, null);
        }
        ctx.close();
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private ChannelHandlerContext ctx() {
        if (ctx == null) {
            throw new IllegalStateException("handler not added to a pipeline");
        }
        return ctx;
    }

    private static boolean isWebSocketUpgrade(HttpRequest request) {
        return request.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true);
    }

    private static UpgradeRejected.Reason reasonFor(HttpResponseStatus status) {
        if (status.equals(HttpResponseStatus.UPGRADE_REQUIRED)) {
            return UpgradeRejected.Reason.VERSION;
        }
        return status.equals(HttpResponseStatus.NOT_FOUND) ? UpgradeRejected.Reason.NOT_FOUND : UpgradeRejected.Reason.BAD_REQUEST;
    }

    private static HttpResponseStatus statusFor(Throwable decodeFailure) {
        if (decodeFailure instanceof TooLongHttpLineException) {
            return HttpResponseStatus.REQUEST_URI_TOO_LONG;
        }
        if (decodeFailure instanceof TooLongHttpHeaderException) {
            return HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
        }
        return HttpResponseStatus.BAD_REQUEST;
    }

    /** A plain-text answer that closes the connection. */
    static FullHttpResponse response(HttpResponseStatus status, String text) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(text + "\n", StandardCharsets.UTF_8));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes())
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return response;
    }

    /** Where the connection stands before its upgrade. */
    enum State {
        /** Reading HTTP requests and answering them: the timer runs. */
        HTTP,
        /** The 101 response is being written: anything but a frame read after it is early. */
        UPGRADING,
        /** Terminal: an answer that closes the connection is on its way, or the connection is closing. */
        REJECTED
    }
}
