package io.github.wsclose.bench.load;

import io.github.wsclose.ServerPipeline;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler.ClientHandshakeStateEvent;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.ReferenceCountUtil;

/**
 * The client's end of one WebSocket over an HTTP/2 stream (RFC 8441), for the load tools: on the
 * stream's activation it sends the extended CONNECT; on the server's 200 it puts the RFC 6455
 * frame codec (masked frames out, unmasked in) and a ping answerer after itself and fires
 * {@link ClientHandshakeStateEvent#HANDSHAKE_COMPLETE}, as Netty's client handshaker does over
 * HTTP/1.1, so that a {@link ClientConnection} after them works unchanged. From then on it is the
 * stream's transport: the content of each DATA frame goes up as bytes, each buffer written goes
 * out as a DATA frame, and the server's END_STREAM (which it sends once the closing handshake is
 * done, as it would close TCP) is answered with ours, so that the stream ends without a reset and
 * its channel closes: the client's TCP close. Any other answer than 200 closes the stream.
 *
 * <p>Not sharable: one per stream, confined to its event loop.
 */
final class Http2WebSocketStream extends ChannelDuplexHandler {

    private final String authority;

    // stream state, confined to the event loop
    private State state = State.CONNECTING;

    /** @param authority the {@code :authority} of the CONNECT, such as {@code 127.0.0.1:8080} */
    Http2WebSocketStream(String authority) {
        this.authority = authority;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        Http2Headers connect = new DefaultHttp2Headers().method("CONNECT").scheme("http").path(LoadServer.PATH).authority(authority);
        connect.set(Http2Headers.PseudoHeaderName.PROTOCOL.value(), "websocket"); // RFC 8441 §4
        connect.set("sec-websocket-version", "13");
        ctx.writeAndFlush(new DefaultHttp2HeadersFrame(connect, false));
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (state == State.CONNECTING && msg instanceof Http2HeadersFrame answer) {
            if (!"200".contentEquals(answer.headers().status())) {
                state = State.ENDED;
                ctx.close(); // the ClientConnection counts a stream that closed before its upgrade
                return;
            }
            state = State.OPEN;
            ctx.pipeline().addAfter(ctx.name(), null, new WebSocket13FrameDecoder(false, false, ServerPipeline.DEFAULT_MAX_CONTENT_LENGTH));
            ctx.pipeline().addAfter(ctx.name(), null, new WebSocket13FrameEncoder(true));
            ctx.pipeline().addBefore(ctx.pipeline().context(ClientConnection.class).name(), null, new PingAnswer());
            ctx.fireUserEventTriggered(ClientHandshakeStateEvent.HANDSHAKE_COMPLETE);
        } else if (state == State.OPEN && msg instanceof Http2DataFrame data) {
            boolean end = data.isEndStream();
            if (data.content().isReadable()) {
                ctx.fireChannelRead(data.content()); // the frame decoder releases it
            } else {
                data.release();
            }
            if (end) {
                state = State.ENDED; // the server closed its side, as it closes TCP: ours ends the stream
                ctx.writeAndFlush(new DefaultHttp2DataFrame(true));
            }
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf bytes) {
            if (state != State.OPEN) {
                bytes.release();
                promise.setFailure(new IllegalStateException("cannot write: the stream has ended"));
                return;
            }
            ctx.write(new DefaultHttp2DataFrame(bytes, false), promise);
        } else {
            ctx.write(msg, promise);
        }
    }

    private enum State {
        /** The CONNECT went; no answer yet. */
        CONNECTING,
        /** The server answered 200: the stream carries WebSocket frames. */
        OPEN,
        /** Refused, or both sides ended: nothing more is written. Terminal. */
        ENDED
    }

    /** Answers each ping with a pong carrying its data, as Netty's client protocol handler does over HTTP/1.1. Not sharable. */
    private static final class PingAnswer extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof PingWebSocketFrame ping) {
                ctx.writeAndFlush(new PongWebSocketFrame(ping.content()));
            } else {
                ctx.fireChannelRead(msg);
            }
        }
    }

    /** Sharable: nothing comes of the streams the server would push, which HTTP/2 servers of WebSockets never open. */
    @ChannelHandler.Sharable
    static final class NoPush extends ChannelInboundHandlerAdapter {
        static final NoPush INSTANCE = new NoPush();
    }
}
