package io.github.wsclose;

import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A client's WebSocket upgrade that failed: the connection never became a WebSocket connection,
 * so it gets no {@link CloseReport}; this is what it gets instead.
 *
 * <p>{@link ClientPipeline} fails the future of {@link ClientPipeline#upgrade(io.netty.channel.Channel)}
 * with it, fires it as a user event (not through {@code exceptionCaught}) to the application's
 * handlers, and fails {@link ClosingHandshakeHandler#closeReport(io.netty.channel.Channel)} with it;
 * then the connection is closed. {@link #status()} is the HTTP status the server answered, or
 * null when no answer came (connection refused, reset or closed, timeout). Like the JDK's
 * {@code java.net.http.WebSocketHandshakeException}, it is an {@link IOException}.
 *
 * <p>Immutable once thrown; the response it holds is the head only, with no content to release.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6455#section-4.1">RFC 6455 §4.1</a>
 */
public final class UpgradeFailedException extends IOException {

    private static final long serialVersionUID = 1L;

    /** Why the upgrade failed. */
    private final Reason reason;
    /** The server's answer, head only; transient since Netty's responses are not serializable. */
    private final transient @Nullable HttpResponse response;

    /**
     * Creates the failure.
     *
     * @param reason   why the upgrade failed
     * @param response the server's answer (its head), or null if none came
     * @param message  what went wrong, in lower case
     * @param cause    the underlying failure (a refused connection, a bad header), or null
     * @throws NullPointerException if {@code reason} or {@code message} is null
     */
    public UpgradeFailedException(Reason reason, @Nullable HttpResponse response, String message, @Nullable Throwable cause) {
        super(Objects.requireNonNull(message, "message"), cause);
        this.reason = Objects.requireNonNull(reason, "reason");
        this.response = response;
    }

    /**
     * Why the upgrade failed.
     *
     * @return the reason
     */
    public Reason reason() {
        return reason;
    }

    /**
     * The HTTP status the server answered the upgrade request with.
     *
     * @return the status (101 when the answer switched protocols but broke RFC 6455), or null if no
     *         answer came
     */
    public @Nullable HttpResponseStatus status() {
        return response == null ? null : response.status();
    }

    /**
     * The server's answer, status line and headers, such as a 401's {@code WWW-Authenticate} or a
     * 503's {@code Retry-After}.
     *
     * @return the head of the answer, or null if none came
     */
    public @Nullable HttpResponse response() {
        return response;
    }

    /** Why a client's upgrade failed. */
    public enum Reason {
        /** The TCP connection (or its TLS handshake) could not be made: refused, unreachable, TLS refused. */
        CONNECT,
        /** The server answered with a status other than 101 Switching Protocols. */
        STATUS,
        /**
         * The server answered 101, but not as RFC 6455 §4.1 requires: a wrong
         * {@code Sec-WebSocket-Accept}, {@code Upgrade} or {@code Connection}, a subprotocol or an
         * extension that was not offered, or a response that is not HTTP.
         */
        INVALID_RESPONSE,
        /** No answer within {@link ClientOptions#upgradeTimeout()}: the connection is closed. */
        TIMEOUT,
        /** The server closed or reset the connection before it answered. */
        CLOSED;

        /**
         * The reason in lower case, as a metric tag.
         *
         * @return {@code connect}, {@code status}, {@code invalid_response}, {@code timeout} or {@code closed}
         */
        public String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }
}
