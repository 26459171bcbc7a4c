package io.github.wsclose;

import java.util.Objects;

/**
 * A user event fired on a WebSocket connection by a {@link GracefulDrain} right before its close
 * frame is written, to the handlers after the {@link ClosingHandshakeHandler} (the application's):
 * the connection's last chance to send a message, such as where to reconnect or state to hand
 * off. What a handler writes while it handles the event goes out before the close frame; once it
 * returns, the closing handshake starts with {@link #reason()}, and later data writes fail
 * (RFC 6455 §5.5.1).
 *
 * <p>Fired on the connection's event loop, once per connection, and only while the connection
 * is open: one that is already closing gets none. Immutable and thread-safe.
 *
 * @param reason the close frame that follows, such as {@code 1012 SERVICE_RESTART}
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6455#section-7.1.2">RFC 6455 §7.1.2</a>
 */
public record DrainNotice(CloseReason reason) {

    /**
     * Checks that {@code reason} is not null.
     *
     * @param reason the close frame that follows
     * @throws NullPointerException if {@code reason} is null
     */
    public DrainNotice {
        Objects.requireNonNull(reason, "reason");
    }
}
