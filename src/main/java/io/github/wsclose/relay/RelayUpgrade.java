package io.github.wsclose.relay;

import io.github.wsclose.ClientOptions;
import io.github.wsclose.ClientPipeline;
import io.github.wsclose.UpgradeFailedException;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.util.Arrays;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Holds a client's WebSocket upgrade request while the relay connects to the upstream and
 * upgrades there, then lets it on to Netty's handshake (the client gets its 101 only once the
 * upstream gave one), or answers {@code 502 Bad Gateway} and closes, so that a client never sees
 * a 101 followed by a close for an upstream it could not reach.
 *
 * <p>Sits at the end of the relay's HTTP side, before {@code ServerPipeline.WEBSOCKET_UPGRADE};
 * requests for other paths pass. While it holds the request the client's channel does not read
 * (a client MUST NOT send frames before the 101, RFC 6455 §4.1); what was read already is
 * released. It removes itself once it let the request on.
 *
 * <p>The upstream connection runs on the client connection's event loop (the two hops share it,
 * and no lock), on the client connection's own transport. The client's subprotocols are offered to the upstream, and
 * the upstream's choice is the only one left in the request Netty answers (its server
 * configuration takes any, {@code "*"}); the client's address goes in {@code X-Forwarded-For}.
 *
 * <p>The 502, as every error answer to an upgrade request, is reported by the guard of the
 * upgrade as an {@code UpgradeRejected} event ({@code BAD_REQUEST}, status 502).
 *
 * <p>Buffers: the held request is released when the upstream refuses, or when the channel closes
 * or the handler is removed while it is held; once let on, it is Netty's.
 *
 * <p>Not sharable: one per client connection.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6455#section-4.2.2">RFC 6455 §4.2.2</a>
 */
final class RelayUpgrade extends ChannelInboundHandlerAdapter {

    private static final String FORWARDED_FOR = "X-Forwarded-For";

    private final RelayConfig config;
    private final WebSocketServerProtocolConfig protocol;
    private final RelayHop client;

    // upgrade state, confined to the event loop
    private State state = State.AWAITING_REQUEST;
    private @Nullable FullHttpRequest held;
    private @Nullable Channel upstream;

    RelayUpgrade(RelayConfig config, WebSocketServerProtocolConfig protocol, RelayHop client) {
        this.config = Objects.requireNonNull(config, "config");
        this.protocol = Objects.requireNonNull(protocol, "protocol");
        this.client = Objects.requireNonNull(client, "client");
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        switch (state) {
            case AWAITING_REQUEST -> {
                if (msg instanceof FullHttpRequest request && isUpgradeRequest(request)) {
                    connect(ctx, request);
                } else {
                    ctx.fireChannelRead(msg);
                }
            }
            // nothing may come before the 101 (RFC 6455 §4.1): what does is dropped
            case CONNECTING -> ReferenceCountUtil.release(msg);
            case DONE -> ctx.fireChannelRead(msg);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (state == State.CONNECTING) {
            state = State.DONE;
            releaseHeld();
            if (upstream != null && upstream.isRegistered()) {
                upstream.close(); // the client left during the upstream's upgrade: no 101 will go
            }
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releaseHeld();
    }

    /**
     * The socket channel type of {@code client}'s own transport (NIO, epoll, io_uring …), so that the upstream's channel
     * can share its event loop; NIO for a channel that is no socket.
     */
    private static Class<? extends Channel> sameTransport(Channel client) {
        return client instanceof SocketChannel ? client.getClass() : NioSocketChannel.class;
    }

    /** Holds {@code request}, connects to the upstream and asks for its upgrade. */
    private void connect(ChannelHandlerContext ctx, FullHttpRequest request) {
        state = State.CONNECTING;
        held = request;
        ctx.channel().config().setAutoRead(false); // nothing more from the client until its 101
        RelayHop hop = client.newUpstream();
        ClientOptions options = upstreamOptions(ctx.channel(), request);
        URI uri = config.upstream();
        ChannelFuture connecting = new Bootstrap()
                .group(ctx.channel().eventLoop()) // the two hops share one event loop
                .channel(sameTransport(ctx.channel()))
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ClientPipeline.configure(ch.pipeline(), uri, config.upstreamClose(), options, hop);
                    }
                })
                .connect(uri.getHost(), ClientPipeline.port(uri));
        Channel channel = connecting.channel();
        upstream = channel;
        if (!channel.isRegistered()) {
            refused(ctx, connecting.cause()); // no event loop took the channel (not a socket's loop): no upgrade will come
            return;
        }
        ClientPipeline.upgrade(channel).addListener((Future<HttpResponse> upgraded) -> {
            if (upgraded.isSuccess()) {
                upgraded(ctx, hop, upgraded.getNow());
            } else {
                refused(ctx, upgraded.cause());
            }
        });
    }

    /** The upstream answered 101: the client's request goes on to Netty's handshake, with the upstream's subprotocol. */
    private void upgraded(ChannelHandlerContext ctx, RelayHop hop, HttpResponse answer) {
        FullHttpRequest request = held;
        if (state != State.CONNECTING || request == null) {
            return; // the client left meanwhile, and closed the upstream too
        }
        state = State.DONE;
        held = null;
        hop.opened();
        String chosen = answer.headers().get(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL);
        if (chosen == null) {
            request.headers().remove(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL);
        } else {
            request.headers().set(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL, chosen);
        }
        ctx.fireChannelRead(request); // Netty answers 101 and fires HandshakeComplete to the client hop
        ctx.pipeline().remove(this);
        ctx.channel().config().setAutoRead(true);
    }

    /** The upstream could not be reached, or refused the upgrade: the client gets 502, then TCP is closed. */
    private void refused(ChannelHandlerContext ctx, @Nullable Throwable cause) {
        if (state != State.CONNECTING) {
            return;
        }
        state = State.DONE;
        releaseHeld();
        String why = cause instanceof UpgradeFailedException failed && failed.status() != null
                ? "upstream answered " + failed.status() : "upstream unreachable: " + (cause == null ? "no event loop" : cause.getMessage());
        if (upstream != null && upstream.isRegistered()) {
            upstream.close();
        }
        ByteBuf body = ByteBufUtil.writeUtf8(ctx.alloc(), why + "\n");
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.BAD_GATEWAY, body);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN + "; charset=utf-8")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes())
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    /** The relay's options with the client's subprotocols, if it offered some, and its address in {@code X-Forwarded-For}. */
    private ClientOptions upstreamOptions(Channel clientChannel, FullHttpRequest request) {
        ClientOptions options = config.upstreamOptions();
        String offered = request.headers().get(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL);
        if (offered != null) {
            String[] subprotocols = Arrays.stream(offered.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                    .toArray(String[]::new);
            try {
                options = options.withSubprotocols(subprotocols);
            } catch (IllegalArgumentException notTokens) {
                // not HTTP tokens: the upstream gets none, and Netty's handshake chooses none
            }
        }
        HttpHeaders headers = new DefaultHttpHeaders().add(options.headers());
        SocketAddress remote = clientChannel.remoteAddress();
        String address = remote instanceof InetSocketAddress inet ? inet.getAddress().getHostAddress() : String.valueOf(remote);
        String earlier = request.headers().get(FORWARDED_FOR);
        headers.set(FORWARDED_FOR, earlier == null ? address : earlier + ", " + address);
        return options.withHeaders(headers);
    }

    /** Tells whether {@code request} asks for the WebSocket upgrade of the relay's path, as Netty's handshake would take it. */
    private boolean isUpgradeRequest(FullHttpRequest request) {
        String uri = request.uri();
        String path = protocol.websocketPath();
        boolean onPath = protocol.checkStartsWith()
                ? uri.startsWith(path) && (path.equals("/") || uri.length() == path.length()
                        || "/?".indexOf(uri.charAt(path.length())) >= 0)
                : uri.equals(path);
        return onPath && request.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true);
    }

    private void releaseHeld() {
        if (held != null) {
            held.release();
            held = null;
        }
    }

    /** Where the client's upgrade stands. */
    enum State {
        /** No upgrade request yet: requests for other paths pass. */
        AWAITING_REQUEST,
        /** The upgrade request is held while the upstream connects and upgrades. */
        CONNECTING,
        /** Terminal: the request went on to Netty, or the client got 502, or left. */
        DONE
    }
}
