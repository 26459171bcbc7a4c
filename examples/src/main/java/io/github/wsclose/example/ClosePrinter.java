package io.github.wsclose.example;

import io.github.wsclose.CloseReason;
import io.github.wsclose.CloseReport;
import io.github.wsclose.Http2ServerPipeline;
import io.github.wsclose.StatusCodeRange;
import io.github.wsclose.UpgradeRejected;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Locale;

/**
 * Prints one line for every closed WebSocket connection, from its {@link CloseReport}: the
 * connection's close code and reason ({@link CloseReport#reason()}), who started, whether it was
 * clean, how long it took, why it ended ({@link CloseReport#cause()}), and the failure if there
 * was one:
 *
 * <pre>
 * closed 127.0.0.1:50412 code=4000 (PRIVATE_USE) reason="done" started-by=client clean=true duration=2ms cause=peer
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
    private final boolean namesHttpVersion;

    ClosePrinter(PrintStream out) {
        this(out, false);
    }

    /** With {@code namesHttpVersion}, each closed line ends with {@code http=HTTP/2} or {@code http=HTTP/1.1}. */
    ClosePrinter(PrintStream out, boolean namesHttpVersion) {
        this.out = out;
        this.namesHttpVersion = namesHttpVersion;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof CloseReport report) {
            out.println(line(ctx.channel().remoteAddress(), report)
                    + (namesHttpVersion ? " http=" + Http2ServerPipeline.httpVersion(ctx.channel()) : ""));
        } else if (evt instanceof UpgradeRejected rejected) { // closed before its upgrade: no CloseReport
            out.println("rejected " + address(ctx.channel().remoteAddress()) + " reason=" + rejected.reason().tag()
                    + (rejected.status() == null ? "" : " status=" + rejected.status().code()));
        }
        ctx.fireUserEventTriggered(evt);
    }

    static String line(SocketAddress peer, CloseReport report) {
        CloseReason reason = report.reason();
        CloseReason.Codes known = reason.knownReason();
        String name = known != null ? known.name() : StatusCodeRange.of(reason.unsignedCode()).name();
        return "closed " + address(peer)
                + " code=" + reason.unsignedCode() + " (" + name + ")"
                + " reason=" + quoted(reason.message())
                + " started-by=" + (report.initiator() == CloseReport.Initiator.LOCAL ? "server" : "client")
                + " clean=" + report.clean()
                + " duration=" + report.duration().toMillis() + "ms"
                + " cause=" + report.cause().name().toLowerCase(Locale.ROOT).replace('_', '-')
                + (report.failure() == null ? "" : " failure=" + quoted(report.failure().toString()));
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
