package io.github.wsclose;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A user event fired once on a server connection that is closed before its WebSocket upgrade
 * completed: such a connection never becomes a WebSocket connection and gets no
 * {@link CloseReport}, so this is how an application counts them (for example as a
 * {@code websocket.upgrades.rejected} counter tagged with {@link #reason()}).
 *
 * <p>{@link ServerPipeline} fires it, from the handler that guards the upgrade, to every
 * handler after it, the application's included, just before the connection is closed (when
 * {@link #status()} is set: once the answer is on its way).
 *
 * <p>Immutable and thread-safe.
 *
 * @param reason why the connection was not upgraded
 * @param status the HTTP answer sent before closing, or null when TCP was closed without one
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6455#section-4.2.2">RFC 6455 §4.2.2</a>
 * @see ServerProtection#upgradeTimeout()
 */
public record UpgradeRejected(Reason reason, @Nullable HttpResponseStatus status) {

    /**
     * Checks that {@code reason} is not null.
     *
     * @param reason why the connection was not upgraded
     * @param status the HTTP answer sent before closing, or null
     * @throws NullPointerException if {@code reason} is null
     */
    public UpgradeRejected {
        Objects.requireNonNull(reason, "reason");
    }

    /** Why a connection was closed before its upgrade. */
    public enum Reason {
        /** Not upgraded within {@link ServerProtection#upgradeTimeout()} of being accepted: TCP is closed. */
        TIMEOUT,
        /**
         * The request could not be parsed or was refused: 400, 413, 414, 431, or another error
         * answer to an upgrade request.
         */
        BAD_REQUEST,
        /** An upgrade request for a WebSocket version other than 13, 8 or 7 (hixie-76 included): 426. */
        VERSION,
        /** An upgrade request for a path the server does not serve: the application answered 404. */
        NOT_FOUND,
        /**
         * {@link GracefulDrain} closed the connection before its upgrade, or, once started, answered
         * its upgrade request with 503 and {@code Retry-After}.
         */
        DRAIN;

        /**
         * The reason in lower case, as a metric tag.
         *
         * @return {@code timeout}, {@code bad_request}, {@code version}, {@code not_found} or {@code drain}
         */
        public String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }
}
