package io.github.wsclose;

import static io.github.wsclose.PerMessageDeflateParameters.CLIENT_MAX_WINDOW_BITS;
import static io.github.wsclose.PerMessageDeflateParameters.CLIENT_NO_CONTEXT_TAKEOVER;
import static io.github.wsclose.PerMessageDeflateParameters.EXTENSION;
import static io.github.wsclose.PerMessageDeflateParameters.SERVER_MAX_WINDOW_BITS;
import static io.github.wsclose.PerMessageDeflateParameters.SERVER_NO_CONTEXT_TAKEOVER;

import io.netty.handler.codec.http.websocketx.extensions.WebSocketClientExtension;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketClientExtensionHandshaker;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtension;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionData;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionDecoder;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionEncoder;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Offers permessage-deflate to a server and checks its answer (RFC 7692 §5, §7.1), then makes
 * the {@link PerMessageDeflater} and {@link PerMessageInflater} of the agreed parameters: the
 * same codec as a server's, with the same inflate limit, {@code maxMessageBytes}.
 *
 * <p>On a client, {@link PerMessageDeflateConfig}'s settings read: {@code clientNoContextTakeover}
 * and {@code clientMaxWindowBits} are what this end does and offers for its own messages,
 * {@code serverNoContextTakeover} and {@code serverMaxWindowBits} what it asks of the server.
 * An answer with an unknown or malformed parameter, a window larger than asked for, a
 * {@code client_max_window_bits} that was not offered, or without the
 * {@code server_no_context_takeover} that was asked for, is refused: the upgrade fails.
 *
 * <p>Immutable and shared by every channel of the same settings.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc7692#section-7.1">RFC 7692 §7.1</a>
 */
final class PerMessageDeflateClientHandshaker implements WebSocketClientExtensionHandshaker {

    private final PerMessageDeflateConfig config;
    private final int maxMessageBytes;

    PerMessageDeflateClientHandshaker(PerMessageDeflateConfig config, int maxMessageBytes) {
        this.config = config;
        this.maxMessageBytes = maxMessageBytes;
    }

    @Override
    public WebSocketExtensionData newRequestData() {
        Map<String, String> parameters = new LinkedHashMap<>();
        if (config.serverNoContextTakeover()) {
            parameters.put(SERVER_NO_CONTEXT_TAKEOVER, null);
        }
        if (config.clientNoContextTakeover()) {
            parameters.put(CLIENT_NO_CONTEXT_TAKEOVER, null);
        }
        if (config.serverMaxWindowBits() < PerMessageDeflateConfig.MAX_WINDOW_BITS) {
            parameters.put(SERVER_MAX_WINDOW_BITS, Integer.toString(config.serverMaxWindowBits()));
        }
        // without a value: the server may narrow our window, and a narrower one makes us Huffman-code only
        parameters.put(CLIENT_MAX_WINDOW_BITS, config.clientMaxWindowBits() < PerMessageDeflateConfig.MAX_WINDOW_BITS
                ? Integer.toString(config.clientMaxWindowBits()) : null);
        return new WebSocketExtensionData(EXTENSION, parameters);
    }

    @Override
    public @Nullable WebSocketClientExtension handshakeExtension(WebSocketExtensionData answer) {
        PerMessageDeflateParameters agreed = PerMessageDeflateParameters.parse(answer);
        if (agreed == null) {
            return null; // a client MUST fail on a parameter it does not know or cannot read (§7.1)
        }
        if (agreed.serverMaxWindowBits() > config.serverMaxWindowBits()) {
            return null; // no larger than offered (§7.1.2.1)
        }
        int clientWindowBits = config.clientMaxWindowBits();
        if (agreed.clientMaxWindowBits() != PerMessageDeflateParameters.ABSENT) {
            if (agreed.clientMaxWindowBits() == PerMessageDeflateParameters.NO_VALUE
                    || agreed.clientMaxWindowBits() > config.clientMaxWindowBits()) {
                return null; // 8 to 15, no larger than offered (§7.1.2.2); we always offer it
            }
            clientWindowBits = agreed.clientMaxWindowBits();
        }
        if (config.serverNoContextTakeover() && !agreed.serverNoContextTakeover()) {
            return null; // the server declined what was asked: not an answer to our offer (§7.1.1.1)
        }
        return new Agreed(agreed.serverNoContextTakeover(), config.clientNoContextTakeover() || agreed.clientNoContextTakeover(),
                clientWindowBits < PerMessageDeflateConfig.MAX_WINDOW_BITS);
    }

    /** The parameters the server agreed to, and the codec they make. */
    private final class Agreed implements WebSocketClientExtension {

        private final boolean serverNoContextTakeover;
        private final boolean clientNoContextTakeover;
        private final boolean huffmanOnly;

        Agreed(boolean serverNoContextTakeover, boolean clientNoContextTakeover, boolean huffmanOnly) {
            this.serverNoContextTakeover = serverNoContextTakeover;
            this.clientNoContextTakeover = clientNoContextTakeover;
            this.huffmanOnly = huffmanOnly;
        }

        @Override
        public int rsv() {
            return WebSocketExtension.RSV1;
        }

        @Override
        public WebSocketExtensionEncoder newExtensionEncoder() {
            return new PerMessageDeflater(config.compressionLevel(), huffmanOnly, clientNoContextTakeover);
        }

        @Override
        public WebSocketExtensionDecoder newExtensionDecoder() {
            return new PerMessageInflater(serverNoContextTakeover, maxMessageBytes);
        }
    }
}
