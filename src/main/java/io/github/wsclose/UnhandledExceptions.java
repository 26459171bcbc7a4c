package io.github.wsclose;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

/**
 * The last handler of a {@link ServerPipeline}: an exception that no handler dealt with closes
 * the WebSocket connection with 1011 UNEXPECTED_CONDITION through the
 * {@link ClosingHandshakeHandler}, and is reported in its {@link CloseReport}. Before the
 * upgrade, it is logged and the connection closed; on a connection closed already (a request
 * that a timeout cut short), it is logged at debug level only, so that peers cannot fill the log.
 * An HTTP/2 error of the peer's making, which Netty's codec answers with RST_STREAM or GOAWAY
 * and ends the stream or connection on (RFC 9113 §5.4), is logged at debug level too, and left to
 * the codec: a close here would take the place of its GOAWAY's error code.
 *
 * <p>Stateless and sharable.
 */
@Sharable
final class UnhandledExceptions extends ChannelInboundHandlerAdapter {

    static final UnhandledExceptions INSTANCE = new UnhandledExceptions();

    private static final InternalLogger LOG = InternalLoggerFactory.getInstance(UnhandledExceptions.class);

    private UnhandledExceptions() {
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ClosingHandshakeHandler handshake = ctx.pipeline().get(ClosingHandshakeHandler.class);
        if (handshake == null || !handshake.fail(cause)) {
            if (Http2CodecUtil.getEmbeddedHttp2Exception(cause) != null) {
                // the codec has answered it and ends the stream or connection; a peer must not fill the log
                LOG.debug("{} HTTP/2 error of the peer's", ctx.channel(), cause);
            } else if (ctx.channel().isActive()) {
                LOG.warn("{} closing a connection on an unhandled exception", ctx.channel(), cause);
                ctx.close();
            } else {
                // already closed before its upgrade (a timed-out request cut short, say): a peer must not fill the log
                LOG.debug("{} unhandled exception after the connection closed", ctx.channel(), cause);
            }
        }
    }
}
