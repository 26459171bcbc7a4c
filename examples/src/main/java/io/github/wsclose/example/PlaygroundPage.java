package io.github.wsclose.example;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * Serves the playground page on {@code GET /}: one self-contained HTML file (styles and script
 * inline, no other requests but its own polls of {@code /metrics}) that connects back to the
 * server's WebSocket path; and the server's meters on {@code GET /metrics}, in Prometheus text
 * format. Every other request gets 404 or 405. Each response closes its HTTP connection.
 *
 * <p>Sharable: the page is read once and shared.
 */
@Sharable
final class PlaygroundPage extends SimpleChannelInboundHandler<FullHttpRequest> {

    static final String RESOURCE = "/playground/index.html";
    static final String METRICS_PATH = "/metrics";

    /** The media type of the Prometheus text exposition format 0.0.4. */
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    /** The page may run its inline script and reach the WebSocket, and load nothing else. */
    private static final String CONTENT_SECURITY_POLICY =
            "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; connect-src 'self'";

    private final byte[] page;
    private final Supplier<String> metrics;

    /** Reads the page from the class path; {@code metrics} renders the meters for {@code /metrics}. */
    PlaygroundPage(Supplier<String> metrics) {
        this.metrics = metrics;
        try (InputStream in = PlaygroundPage.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("playground page not on the class path: " + RESOURCE);
            }
            page = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        String path = new QueryStringDecoder(request.uri()).path();
        FullHttpResponse response;
        if (!path.equals("/") && !path.equals("/index.html") && !path.equals(METRICS_PATH)) {
            response = text(request, HttpResponseStatus.NOT_FOUND, "not found: " + path + " (the playground is at /)\n");
        } else if (!request.method().equals(HttpMethod.GET)) {
            response = text(request, HttpResponseStatus.METHOD_NOT_ALLOWED, "method not allowed: " + request.method() + "\n");
            response.headers().set(HttpHeaderNames.ALLOW, HttpMethod.GET);
        } else if (path.equals(METRICS_PATH)) {
            response = text(request, HttpResponseStatus.OK, metrics.get());
            response.headers()
                    .set(HttpHeaderNames.CONTENT_TYPE, PROMETHEUS_TEXT)
                    .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        } else {
            response = new DefaultFullHttpResponse(request.protocolVersion(), HttpResponseStatus.OK, Unpooled.wrappedBuffer(page));
            response.headers()
                    .set(HttpHeaderNames.CONTENT_TYPE, "text/html; charset=utf-8")
                    .set(HttpHeaderNames.CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY)
                    .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        }
        response.headers()
                .setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes())
                .set("x-content-type-options", "nosniff")
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    private static FullHttpResponse text(FullHttpRequest request, HttpResponseStatus status, String body) {
        FullHttpResponse response = new DefaultFullHttpResponse(request.protocolVersion(), status,
                Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        return response;
    }
}
