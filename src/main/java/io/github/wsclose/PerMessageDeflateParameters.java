package io.github.wsclose;

import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionData;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The parameters of one permessage-deflate offer or answer (RFC 7692 §7.1), read by the rules
 * that a client's offer and a server's answer share: the two {@code *_no_context_takeover}
 * parameters have no value, {@code server_max_window_bits} has one from 8 to 15, and
 * {@code client_max_window_bits} has one or none. What each end then accepts is its own
 * handshaker's business ({@link PerMessageDeflateHandshaker}, {@link PerMessageDeflateClientHandshaker}).
 *
 * <p>Immutable.
 *
 * @param serverNoContextTakeover whether {@code server_no_context_takeover} was sent
 * @param clientNoContextTakeover whether {@code client_no_context_takeover} was sent
 * @param serverMaxWindowBits the value of {@code server_max_window_bits}, or {@link #ABSENT}
 * @param clientMaxWindowBits the value of {@code client_max_window_bits}, {@link #ABSENT}, or
 *        {@link #NO_VALUE} when it was sent without one
 * @see <a href="https://www.rfc-editor.org/rfc/rfc7692#section-7.1">RFC 7692 §7.1</a>
 */
record PerMessageDeflateParameters(boolean serverNoContextTakeover, boolean clientNoContextTakeover,
        int serverMaxWindowBits, int clientMaxWindowBits) {

    static final String EXTENSION = "permessage-deflate";
    static final String SERVER_NO_CONTEXT_TAKEOVER = "server_no_context_takeover";
    static final String CLIENT_NO_CONTEXT_TAKEOVER = "client_no_context_takeover";
    static final String SERVER_MAX_WINDOW_BITS = "server_max_window_bits";
    static final String CLIENT_MAX_WINDOW_BITS = "client_max_window_bits";

    /** A window parameter that was not sent. */
    static final int ABSENT = 0;
    /** {@code client_max_window_bits} sent without a value, which only an offer may do (§7.1.2.2). */
    static final int NO_VALUE = -1;

    /**
     * The parameters of {@code data}, or null when it is another extension or has a parameter
     * that is unknown or malformed.
     */
    static @Nullable PerMessageDeflateParameters parse(WebSocketExtensionData data) {
        if (!EXTENSION.equals(data.name())) {
            return null;
        }
        boolean serverNoContextTakeover = false;
        boolean clientNoContextTakeover = false;
        int serverMaxWindowBits = ABSENT;
        int clientMaxWindowBits = ABSENT;
        for (Map.Entry<String, String> parameter : data.parameters().entrySet()) {
            String value = parameter.getValue();
            switch (parameter.getKey()) {
                case SERVER_NO_CONTEXT_TAKEOVER -> {
                    if (value != null) {
                        return null; // it has no value (§7.1.1.1)
                    }
                    serverNoContextTakeover = true;
                }
                case CLIENT_NO_CONTEXT_TAKEOVER -> {
                    if (value != null) {
                        return null; // it has no value (§7.1.1.2)
                    }
                    clientNoContextTakeover = true;
                }
                case SERVER_MAX_WINDOW_BITS -> {
                    serverMaxWindowBits = windowBits(value);
                    if (serverMaxWindowBits < 0) {
                        return null; // a value from 8 to 15 is required (§7.1.2.1)
                    }
                }
                case CLIENT_MAX_WINDOW_BITS -> {
                    clientMaxWindowBits = value == null ? NO_VALUE : windowBits(value);
                    if (clientMaxWindowBits < 0 && value != null) {
                        return null; // no value, or a value from 8 to 15 (§7.1.2.2)
                    }
                }
                default -> {
                    return null; // an unknown parameter: a server declines the offer (§5.1), a client fails (§7.1)
                }
            }
        }
        return new PerMessageDeflateParameters(serverNoContextTakeover, clientNoContextTakeover,
                serverMaxWindowBits, clientMaxWindowBits);
    }

    /** The number of window bits in {@code value}, or -1 unless it is exactly 1*DIGIT from 8 to 15. */
    static int windowBits(@Nullable String value) {
        if (value == null || value.isEmpty() || value.length() > 2 || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return -1;
        }
        int bits = Integer.parseInt(value);
        return bits >= PerMessageDeflateConfig.MIN_WINDOW_BITS && bits <= PerMessageDeflateConfig.MAX_WINDOW_BITS ? bits : -1;
    }
}
