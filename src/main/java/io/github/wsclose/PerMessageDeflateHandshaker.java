package io.github.wsclose;

import static io.github.wsclose.PerMessageDeflateParameters.CLIENT_MAX_WINDOW_BITS;
import static io.github.wsclose.PerMessageDeflateParameters.CLIENT_NO_CONTEXT_TAKEOVER;
import static io.github.wsclose.PerMessageDeflateParameters.EXTENSION;
import static io.github.wsclose.PerMessageDeflateParameters.SERVER_MAX_WINDOW_BITS;
import static io.github.wsclose.PerMessageDeflateParameters.SERVER_NO_CONTEXT_TAKEOVER;

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

    private final PerMessageDeflateConfig config;
    private final int maxMessageBytes;

    PerMessageDeflateHandshaker(PerMessageDeflateConfig config, int maxMessageBytes) {
        this.config = config;
        this.maxMessageBytes = maxMessageBytes;
    }

    @Override
    public @Nullable WebSocketServerExtension handshakeExtension(WebSocketExtensionData offer) {
        PerMessageDeflateParameters offered = PerMessageDeflateParameters.parse(offer);
        if (offered == null) {
            return null; // another extension, or an unknown or malformed parameter: decline this offer (§5.1)
        }
        boolean serverWindowOffered = offered.serverMaxWindowBits() != PerMessageDeflateParameters.ABSENT;
        int serverWindowBits = serverWindowOffered
                ? Math.min(config.serverMaxWindowBits(), offered.serverMaxWindowBits()) : config.serverMaxWindowBits();
        boolean clientWindowOffered = offered.clientMaxWindowBits() != PerMessageDeflateParameters.ABSENT;
        int clientWindowBits = !clientWindowOffered ? PerMessageDeflateConfig.MAX_WINDOW_BITS
                : Math.min(config.clientMaxWindowBits(), offered.clientMaxWindowBits() == PerMessageDeflateParameters.NO_VALUE
                        ? PerMessageDeflateConfig.MAX_WINDOW_BITS : offered.clientMaxWindowBits());
        return new Agreed(config.serverNoContextTakeover() || offered.serverNoContextTakeover(), config.clientNoContextTakeover(),
                serverWindowBits, serverWindowOffered,
                clientWindowBits, clientWindowOffered && clientWindowBits < PerMessageDeflateConfig.MAX_WINDOW_BITS);
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
