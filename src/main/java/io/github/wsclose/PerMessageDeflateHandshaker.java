package io.github.wsclose;

import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtension;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionData;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionDecoder;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionEncoder;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketServerExtension;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketServerExtensionHandshaker;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Accepts or declines one permessage-deflate offer of a client (RFC 7692 §5, §7.1), and
 * makes the {@link PerMessageDeflater} and {@link PerMessageInflater} of the agreed parameters.
 *
 * <p>An offer with an unknown or malformed parameter is declined: the client may have others.
 * Immutable and shared by every channel of a pipeline.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc7692#section-7.1">RFC 7692 §7.1</a>
 */
final class PerMessageDeflateHandshaker implements WebSocketServerExtensionHandshaker {

    static final String EXTENSION = "permessage-deflate";
    static final String SERVER_NO_CONTEXT_TAKEOVER = "server_no_context_takeover";
    static final String CLIENT_NO_CONTEXT_TAKEOVER = "client_no_context_takeover";
    static final String SERVER_MAX_WINDOW_BITS = "server_max_window_bits";
    static final String CLIENT_MAX_WINDOW_BITS = "client_max_window_bits";

    private final PerMessageDeflateConfig config;
    private final int maxMessageBytes;

    PerMessageDeflateHandshaker(PerMessageDeflateConfig config, int maxMessageBytes) {
        this.config = config;
        this.maxMessageBytes = maxMessageBytes;
    }

    @Override
    public @Nullable WebSocketServerExtension handshakeExtension(WebSocketExtensionData offer) {
        if (!EXTENSION.equals(offer.name())) {
            return null;
        }
        boolean serverNoContextTakeover = config.serverNoContextTakeover();
        boolean clientNoContextTakeover = config.clientNoContextTakeover();
        int serverWindowBits = config.serverMaxWindowBits();
        boolean serverWindowOffered = false;
        int clientWindowBits = PerMessageDeflateConfig.MAX_WINDOW_BITS;
        boolean clientWindowOffered = false;
        for (Map.Entry<String, String> parameter : offer.parameters().entrySet()) {
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
                }
                case SERVER_MAX_WINDOW_BITS -> {
                    int offered = windowBits(value);
                    if (offered < 0) {
                        return null; // a value from 8 to 15 is required (§7.1.2.1)
                    }
                    serverWindowOffered = true;
                    serverWindowBits = Math.min(serverWindowBits, offered);
                }
                case CLIENT_MAX_WINDOW_BITS -> {
                    int offered = value == null ? PerMessageDeflateConfig.MAX_WINDOW_BITS : windowBits(value);
                    if (offered < 0) {
                        return null; // no value, or a value from 8 to 15 (§7.1.2.2)
                    }
                    clientWindowOffered = true;
                    clientWindowBits = Math.min(config.clientMaxWindowBits(), offered);
                }
                default -> {
                    return null; // an unknown parameter declines the offer (§5.1)
                }
            }
        }
        return new Agreed(serverNoContextTakeover, clientNoContextTakeover, serverWindowBits, serverWindowOffered,
                clientWindowBits, clientWindowOffered && clientWindowBits < PerMessageDeflateConfig.MAX_WINDOW_BITS);
    }

    /** The number of window bits in {@code value}, or -1 unless it is exactly 1*DIGIT from 8 to 15. */
    static int windowBits(@Nullable String value) {
        if (value == null || value.isEmpty() || value.length() > 2 || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return -1;
        }
        int bits = Integer.parseInt(value);
        return bits >= PerMessageDeflateConfig.MIN_WINDOW_BITS && bits <= PerMessageDeflateConfig.MAX_WINDOW_BITS ? bits : -1;
    }

    /** The parameters both ends agreed on, and the codec they make. */
    private final class Agreed implements WebSocketServerExtension {

        private final boolean serverNoContextTakeover;
        private final boolean clientNoContextTakeover;
        private final int serverWindowBits;
        private final boolean answerServerWindow;
        private final int clientWindowBits;
        private final boolean answerClientWindow;

        Agreed(boolean serverNoContextTakeover, boolean clientNoContextTakeover, int serverWindowBits,
                boolean answerServerWindow, int clientWindowBits, boolean answerClientWindow) {
            this.serverNoContextTakeover = serverNoContextTakeover;
            this.clientNoContextTakeover = clientNoContextTakeover;
            this.serverWindowBits = serverWindowBits;
            this.answerServerWindow = answerServerWindow;
            this.clientWindowBits = clientWindowBits;
            this.answerClientWindow = answerClientWindow;
        }

        @Override
        public int rsv() {
            return WebSocketExtension.RSV1;
        }

        @Override
        public WebSocketExtensionEncoder newExtensionEncoder() {
            return new PerMessageDeflater(config.compressionLevel(),
                    serverWindowBits < PerMessageDeflateConfig.MAX_WINDOW_BITS, serverNoContextTakeover);
        }

        @Override
        public WebSocketExtensionDecoder newExtensionDecoder() {
            return new PerMessageInflater(clientNoContextTakeover, maxMessageBytes);
        }

        @Override
        public WebSocketExtensionData newReponseData() {
            Map<String, String> parameters = new LinkedHashMap<>();
            if (serverNoContextTakeover) {
                parameters.put(SERVER_NO_CONTEXT_TAKEOVER, null);
            }
            if (clientNoContextTakeover) {
                parameters.put(CLIENT_NO_CONTEXT_TAKEOVER, null);
            }
            if (answerServerWindow) {
                // the same or a smaller value than the offer (§7.1.2.1)
                parameters.put(SERVER_MAX_WINDOW_BITS, Integer.toString(serverWindowBits));
            }
            if (answerClientWindow) {
                // only if the client offered client_max_window_bits (§7.1.2.2)
                parameters.put(CLIENT_MAX_WINDOW_BITS, Integer.toString(clientWindowBits));
            }
            return new WebSocketExtensionData(EXTENSION, parameters);
        }
    }
}
