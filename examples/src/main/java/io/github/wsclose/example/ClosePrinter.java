package io.github.wsclose.example;

import io.github.wsclose.CloseReason;
import io.github.wsclose.CloseReport;
import io.github.wsclose.StatusCodeRange;
import io.github.wsclose.UpgradeRejected;
import io.github.wsclose.relay.WebSocketRelay;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Locale;

/**
 * Prints one line for every closed WebSocket connection, from its {@link CloseReport}: the
 * connection's close code and reason ({@link CloseReport#reason()}), who started, whether it was
 * clean, how long it took, why it ended ({@link CloseReport#cause()}), the failure if there
 * was one, and the HTTP version that carried it ({@link CloseReport#httpVersion()}: a stream of an
 * HTTP/2 connection, or HTTP/1.1):
 *
 * <pre>
 * closed 127.0.0.1:50412 code=4000 (PRIVATE_USE) reason="done" started-by=client clean=true duration=2ms cause=peer http=HTTP/1.1
 * </pre>
 *
 * <p>with, for a connection the example relays ({@code --upstream}), one more once the relay's
 * connection to the upstream has ended, from the upstream hop's report ({@link WebSocketRelay#closeReports}):
 *
 * <pre>
 * upstream-closed 127.0.0.1:50412 code=4000 (PRIVATE_USE) reason="done" started-by=relay clean=true duration=1ms http=HTTP/1.1
 * </pre>
 *
 * <p>and one line for every connection closed before its upgrade, from its {@link UpgradeRejected}:
 *
 * <pre>
 * rejected 127.0.0.1:50414 reason=version status=426
 * </pre>
 *
 * <p>Sharable.
 */
@Sharable
final class ClosePrinter extends ChannelInboundHandlerAdapter {

    private final PrintStream out;

    ClosePrinter(PrintStream out) {
        this.out = out;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof CloseReport report) {
            out.println(line(ctx.channel().remoteAddress(), report));
        } else if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete && ctx.pipeline().get(WebSocketRelay.RELAY) != null) {
            SocketAddress client = ctx.channel().remoteAddress(); // the upstream hop may end after the client's channel is gone
            WebSocketRelay.closeReports(ctx.channel()).thenAccept(pair -> out.println(upstreamLine(client, pair.upstream())));
        } else if (evt instanceof UpgradeRejected rejected) { // closed before its upgrade: no CloseReport
            out.println("rejected " + address(ctx.channel().remoteAddress()) + " reason=" + rejected.reason().tag()
                    + (rejected.status() == null ? "" : " status=" + rejected.status().code()));
        }
        ctx.fireUserEventTriggered(evt);
    }

    static String line(SocketAddress peer, CloseReport report) {
        return "closed " + address(peer) + fields(report, "server", "client");
    }

    /** The line of a relayed connection's upstream hop, named by the client's address as its client hop's line is. */
    static String upstreamLine(SocketAddress client, CloseReport upstream) {
        return "upstream-closed " + address(client) + fields(upstream, "relay", "upstream");
    }

    /** The report's fields, each after a space, the HTTP version last; {@code local} and {@code remote} name the ends for started-by. */
    private static String fields(CloseReport report, String local, String remote) {
        CloseReason reason = report.reason();
        CloseReason.Codes known = reason.knownReason();
        String name = known != null ? known.name() : StatusCodeRange.of(reason.unsignedCode()).name();
        return " code=" + reason.unsignedCode() + " (" + name + ")"
                + " reason=" + quoted(reason.message())
                + " started-by=" + (report.initiator() == CloseReport.Initiator.LOCAL ? local : remote)
                + " clean=" + report.clean()
                + " duration=" + report.duration().toMillis() + "ms"
                + " cause=" + report.cause().name().toLowerCase(Locale.ROOT).replace('_', '-')
                + (report.failure() == null ? "" : " failure=" + quoted(report.failure().toString()))
                + " http=" + report.httpVersion();
    }

    private static String address(SocketAddress peer) {
        return peer instanceof InetSocketAddress inet ? inet.getHostString() + ":" + inet.getPort() : String.valueOf(peer);
    }

    /** Quotes {@code text} so that the line stays one line whatever the reason holds. */
    private static String quoted(String text) {
        StringBuilder quoted = new StringBuilder(text.length() + 2).append('"');
        text.codePoints().forEach(c -> {
            switch (c) {
                case '"' -> quoted.append("\\\"");
                case '\\' -> quoted.append("\\\\");
                case '\n' -> quoted.append("\\n");
                case '\r' -> quoted.append("\\r");
                default -> {
                    if (Character.isISOControl(c)) {
                        quoted.append(String.format("\\u%04x", c));
                    } else {
                        quoted.appendCodePoint(c);
                    }
                }
            }
        });
        return quoted.append('"').toString();
    }
}
