package io.github.wsclose.relay;

import io.github.wsclose.CloseReport;
import io.netty.channel.ChannelId;
import java.util.Objects;

/**
 * The two {@link CloseReport}s of one relayed connection, paired: how the client's connection to
 * the relay ended, and how the relay's connection to the upstream ended. Each hop is reported
 * on its own, as every connection of this library is; the pair tells which two belong together.
 * {@link WebSocketRelay#closeReports(io.netty.channel.Channel)} gives it once both have ended.
 *
 * <p>Immutable and thread-safe.
 *
 * @param clientChannel   the id of the client's connection, which the client report's channel has
 * @param upstreamChannel the id of the relay's connection to the upstream
 * @param client          how the client's connection ended
 * @param upstream        how the upstream connection ended
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6455#section-7.1.5">RFC 6455 §7.1.5</a>
 */
public record RelayedClose(ChannelId clientChannel, ChannelId upstreamChannel, CloseReport client, CloseReport upstream) {

    /**
     * Checks that nothing is null.
     *
     * @param clientChannel   the id of the client's connection
     * @param upstreamChannel the id of the connection to the upstream
     * @param client          the client hop's report
     * @param upstream        the upstream hop's report
     * @throws NullPointerException if an argument is null
     */
    public RelayedClose {
        Objects.requireNonNull(clientChannel, "clientChannel");
        Objects.requireNonNull(upstreamChannel, "upstreamChannel");
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(upstream, "upstream");
    }

    /** Reads like {@code client 4001: kicked (LOCAL, APPLICATION, …) | upstream 4001: kicked (REMOTE, PEER, …)}. */
    @Override
    public String toString() {
        return "client " + clientChannel.asShortText() + " " + client + " | upstream " + upstreamChannel.asShortText() + " " + upstream;
    }
}
