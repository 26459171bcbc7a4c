package io.github.wsclose;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionData;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionUtil;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketServerExtension;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.util.ReferenceCountUtil;
import java.util.Map;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The first handler of each HTTP/2 stream: it reads the request's HEADERS and makes the stream
 * a WebSocket connection (an extended CONNECT, RFC 8441 §4–5) or an ordinary HTTP request
 * (anything else), then puts the handlers of either in its place.
 * <ul>
 *   <li>An extended CONNECT that {@link Http2ConnectCheck} refuses, or one that arrives while
 *       the options' drain drains (503 with {@code retry-after}), is answered with its status
 *       and a one-line body, then the stream is closed (RST_STREAM(NO_ERROR) if the peer's side
 *       is still open: RFC 9113 §8.1). It never becomes a WebSocket.</li>
 *   <li>An accepted one is answered {@code 200} with the subprotocol and the permessage-deflate
 *       parameters negotiated as over HTTP/1.1; the stream then carries, from head to tail, the
 *       {@link Http2StreamTransport}, Netty's RFC 6455 frame decoder (masked frames expected:
 *       RFC 8441 keeps masking) and encoder (unmasked), the compression, the connection's
 *       protections, UTF-8 validation, the message aggregator, the
 *       {@link ClosingHandshakeHandler}, the application's handlers and the last handler of
 *       {@link ServerPipeline}, as a connection upgraded over HTTP/1.1 does; then Netty's
 *       {@link WebSocketServerProtocolHandler.HandshakeComplete} is fired, with the {@code :path},
 *       the request's headers and the subprotocol, as at the end of an HTTP/1.1 upgrade.</li>
 *   <li>Any other request reaches the application's handlers as a {@code FullHttpRequest}, as
 *       over HTTP/1.1; they answer with HTTP/1.1 objects, which Netty turns into HTTP/2 frames.
 *       The drain's readiness path, if it has one, is answered here, as over HTTP/1.1.</li>
 * </ul>
 *
 * <p>Not sharable: one instance per stream, which replaces itself.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc8441#section-5">RFC 8441 §5</a>
 */
final class Http2StreamUpgrade extends ChannelInboundHandlerAdapter {

    private final WebSocketServerProtocolConfig protocol;
    private final ClosingHandshakeConfig close;
    private final ServerOptions options;
    private final Supplier<ChannelHandler[]> application;

    Http2StreamUpgrade(WebSocketServerProtocolConfig protocol, ClosingHandshakeConfig close, ServerOptions options,
            Supplier<ChannelHandler[]> application) {
        this.protocol = protocol;
        this.close = close;
        this.options = options;
        this.application = application;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof Http2HeadersFrame request)) {
            ReferenceCountUtil.release(msg); // a stream starts with HEADERS (RFC 9113 §8.1): Netty lets nothing else through
            ctx.close();
            return;
        }
        Http2Headers headers = request.headers();
        if (!Http2ConnectCheck.isConnect(headers)) {
            http(ctx, request);
            return;
        }
        boolean advertised = Http2ServerPipeline.connectProtocolAcknowledged(ctx.channel().parent());
        Http2ConnectCheck.Refusal refusal = Http2ConnectCheck.check(headers, protocol.websocketPath(), advertised,
                request.isEndStream());
        GracefulDrain drain = options.drainOrNull();
        // joins the drain in the same step as it looks whether it started: a drain that starts from now on closes this stream
        if (refusal == null && drain != null && !drain.join(ctx.channel())) {
            drain.upgradeRefused();
            refuse(ctx, new Http2ConnectCheck.Refusal(HttpResponseStatus.SERVICE_UNAVAILABLE, "draining: connect again"),
                    drain.retryAfterSeconds());
            return;
        }
        if (refusal != null) {
            refuse(ctx, refusal, 0);
            return;
        }
        accept(ctx, headers);
    }

    /** Answers 200 and makes the stream a WebSocket connection. */
    private void accept(ChannelHandlerContext ctx, Http2Headers request) {
        Http2Headers response = new DefaultHttp2Headers().status(HttpResponseStatus.OK.codeAsText());
        String subprotocol = subprotocol(request.get(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL));
        if (subprotocol != null) {
            response.set(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL, subprotocol);
        }
        WebSocketServerExtension extension = extension(request.get(HttpHeaderNames.SEC_WEBSOCKET_EXTENSIONS));
        if (extension != null) {
            response.set(HttpHeaderNames.SEC_WEBSOCKET_EXTENSIONS, header(extension.newReponseData()));
        }
        ctx.writeAndFlush(new DefaultHttp2HeadersFrame(response, false));

        ChannelPipeline pipeline = ctx.pipeline();
        WebSocketDecoderConfig decoder = protocol.decoderConfig().toBuilder()
                .maxFramePayloadLength(options.maxFrameBytes())
                .expectMaskedFrames(true) // a client MUST mask its frames (RFC 6455 §5.1), over HTTP/2 too (RFC 8441 §5)
                .allowExtensions(options.compressionOrNull() != null)
                .closeOnProtocolViolation(false) // a protocol error is an exception, not Netty's close frame
                .withUTF8Validator(false) // the connection's guard checks text (§8.1)
                .build();
        String at = ctx.name();
        pipeline.addAfter(at, "h2-websocket-stream", new Http2StreamTransport(close.closeTimeout()));
        pipeline.addAfter("h2-websocket-stream", "wsdecoder", new CloseBodyHandover.FrameDecoder(decoder));
        pipeline.addAfter("wsdecoder", "wsencoder", new WebSocket13FrameEncoder(false)); // a server MUST NOT mask (§5.1)
        String last = "wsencoder";
        if (options.compressionOrNull() != null) {
            if (extension != null) {
                pipeline.addAfter(last, "ws-extension-encoder", extension.newExtensionEncoder());
                pipeline.addAfter("ws-extension-encoder", "ws-extension-decoder", extension.newExtensionDecoder());
                last = "ws-extension-decoder";
            }
            pipeline.addAfter(last, ServerPipeline.RESERVED_BITS, ReservedBits.INSTANCE);
            last = ServerPipeline.RESERVED_BITS;
        }
        ClosingHandshakeHandler handshake = new ClosingHandshakeHandler(close);
        pipeline.addAfter(last, ServerPipeline.CONNECTION_GUARD, new ConnectionGuard(options.protection(), options.maxMessageBytes(), protocol.dropPongFrames(), handshake));
        pipeline.addAfter(ServerPipeline.CONNECTION_GUARD, ServerPipeline.MESSAGE_AGGREGATOR, new WebSocketFrameAggregator(options.maxMessageBytes()));
        pipeline.addAfter(ServerPipeline.MESSAGE_AGGREGATOR, ServerPipeline.CLOSING_HANDSHAKE, handshake);
        pipeline.remove(this);
        addApplication(pipeline);
        Http2ServerPipeline.webSocketOpened(ctx.channel());
        // the event an upgrade over HTTP/1.1 fires: the application, metrics and guards see the same on a stream
        pipeline.fireUserEventTriggered(new WebSocketServerProtocolHandler.HandshakeComplete(
                request.path().toString(), requestHeaders(request), subprotocol));
    }

    /** The request's headers less the pseudo-headers, with {@code host} from {@code :authority}, as over HTTP/1.1. */
    private static HttpHeaders requestHeaders(Http2Headers request) {
        HttpHeaders headers = new DefaultHttpHeaders();
        headers.set(HttpHeaderNames.HOST, request.authority());
        for (Map.Entry<CharSequence, CharSequence> header : request) {
            if (!Http2Headers.PseudoHeaderName.hasPseudoHeaderFormat(header.getKey())) {
                headers.add(header.getKey(), header.getValue());
            }
        }
        return headers;
    }

    /** Makes the stream an ordinary HTTP exchange, and passes the request on to it. */
    private void http(ChannelHandlerContext ctx, Http2HeadersFrame request) {
        ChannelPipeline pipeline = ctx.pipeline();
        pipeline.addAfter(ctx.name(), "h2-http-codec", new Http2StreamFrameToHttpObjectCodec(true));
        pipeline.addAfter("h2-http-codec", ServerPipeline.HTTP_AGGREGATOR, new HttpObjectAggregator(options.maxHttpRequestBytes()));
        GracefulDrain drain = options.drainOrNull();
        if (drain != null && drain.readinessPath().isPresent()) {
            pipeline.addAfter(ServerPipeline.HTTP_AGGREGATOR, "h2-readiness", new Readiness(drain));
        }
        pipeline.remove(this);
        addApplication(pipeline);
        pipeline.fireChannelRead(request);
    }

    /** Puts the application's handlers of this stream, in order, in front of the stream's last handler. */
    private void addApplication(ChannelPipeline pipeline) {
        for (ChannelHandler handler : application.get()) {
            pipeline.addBefore(ServerPipeline.UNHANDLED_EXCEPTIONS, null, handler);
        }
    }

    /** Answers {@code refusal} and ends the stream. */
    private static void refuse(ChannelHandlerContext ctx, Http2ConnectCheck.Refusal refusal, int retryAfterSeconds) {
        Http2Headers response = new DefaultHttp2Headers().status(refusal.status().codeAsText())
                .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        if (retryAfterSeconds > 0) {
            response.setInt(HttpHeaderNames.RETRY_AFTER, retryAfterSeconds);
        }
        if (refusal.text().startsWith("unsupported sec-websocket-version")) {
            response.set(HttpHeaderNames.SEC_WEBSOCKET_VERSION, Http2ConnectCheck.VERSION); // the versions we speak (§4.4)
        }
        ctx.write(new DefaultHttp2HeadersFrame(response, false));
        ctx.writeAndFlush(new DefaultHttp2DataFrame(ByteBufUtil.writeUtf8(ctx.alloc(), refusal.text() + "\n"), true))
                .addListener(written -> endRefused(ctx));
    }

    /**
     * Closes a refused stream once its whole answer went: a client whose side is still open is
     * asked to stop sending without an error, RST_STREAM(NO_ERROR) (RFC 9113 §8.1), rather than
     * the CANCEL Netty's stream channel would send.
     */
    private static void endRefused(ChannelHandlerContext ctx) {
        Http2StreamChannel stream = (Http2StreamChannel) ctx.channel();
        if (stream.isActive() && stream.stream().state() == Http2Stream.State.HALF_CLOSED_LOCAL) {
            // after a complete response a server MAY abort the request with RST_STREAM(NO_ERROR) (RFC 9113 §8.1)
            ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.NO_ERROR));
        }
        ctx.close();
    }

    /** The first subprotocol the client offers that the server speaks, or null. */
    private @Nullable String subprotocol(@Nullable CharSequence offered) {
        String supported = protocol.subprotocols();
        if (offered == null || supported == null) {
            return null;
        }
        for (String wanted : offered.toString().split(",")) {
            String name = wanted.trim();
            for (String ours : supported.split(",")) {
                if (ours.trim().equals(name) || "*".equals(ours.trim())) {
                    return name;
                }
            }
        }
        return null;
    }

    /** The permessage-deflate agreed on by the offers of {@code offered}, or null. */
    private @Nullable WebSocketServerExtension extension(@Nullable CharSequence offered) {
        PerMessageDeflateConfig compression = options.compressionOrNull();
        if (offered == null || compression == null) {
            return null;
        }
        PerMessageDeflateHandshaker handshaker = new PerMessageDeflateHandshaker(compression, options.maxMessageBytes());
        for (WebSocketExtensionData offer : WebSocketExtensionUtil.extractExtensions(offered.toString())) {
            WebSocketServerExtension agreed = handshaker.handshakeExtension(offer);
            if (agreed != null) {
                return agreed; // the first acceptable offer, as over HTTP/1.1 (RFC 7692 §5)
            }
        }
        return null;
    }

    /** {@code data} as a sec-websocket-extensions value: {@code permessage-deflate; server_no_context_takeover}. */
    private static String header(WebSocketExtensionData data) {
        StringBuilder value = new StringBuilder(data.name());
        for (Map.Entry<String, String> parameter : data.parameters().entrySet()) {
            value.append("; ").append(parameter.getKey());
            if (parameter.getValue() != null) {
                value.append('=').append(parameter.getValue());
            }
        }
        return value.toString();
    }

    /** Answers the drain's readiness check on an HTTP/2 stream, as the upgrade guard does over HTTP/1.1. One per stream. */
    private static final class Readiness extends ChannelInboundHandlerAdapter {

        private final GracefulDrain drain;

        Readiness(GracefulDrain drain) {
            this.drain = drain;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            FullHttpResponse answer = msg instanceof FullHttpRequest request ? DrainResponses.readiness(drain, request) : null;
            if (answer == null) {
                ctx.fireChannelRead(msg);
                return;
            }
            ReferenceCountUtil.release(msg);
            answer.headers().remove(HttpHeaderNames.CONNECTION); // connection-specific: not in HTTP/2 (RFC 9113 §8.2.2)
            ctx.writeAndFlush(answer); // the response ends the stream, as the request did
        }
    }
}
