package io.github.wsclose;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionData;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionUtil;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The client's permessage-deflate offer for each setting of {@link PerMessageDeflateConfig}, and
 * which answers of a server it accepts (RFC 7692 §7.1): one table of offers and one of answers.
 */
class PerMessageDeflateClientHandshakerTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "default                    | permessage-deflate;client_max_window_bits",
        "client no context takeover | permessage-deflate;client_no_context_takeover;client_max_window_bits",
        "server no context takeover | permessage-deflate;server_no_context_takeover;client_max_window_bits",
        "windows of 10 and 12 bits  | permessage-deflate;server_max_window_bits=10;client_max_window_bits=12",
    })
    void offers(String settings, String offer) {
        WebSocketExtensionData data = handshaker(settings).newRequestData();
        StringBuilder header = new StringBuilder(data.name());
        data.parameters().forEach((name, value) -> header.append(';').append(name).append(value == null ? "" : "=" + value));
        assertThat(header).hasToString(offer);
    }

    @ParameterizedTest(name = "{0}: {1} -> {2}")
    @CsvSource(delimiter = '|', value = {
        "default                    | permessage-deflate                                               | true",
        "default                    | permessage-deflate; server_no_context_takeover                   | true",
        "default                    | permessage-deflate; client_no_context_takeover                   | true",
        "default                    | permessage-deflate; client_max_window_bits=9                     | true",
        "default                    | permessage-deflate; server_max_window_bits=15                    | true",
        "default                    | permessage-deflate; server_max_window_bits=8                     | true",
        "default                    | permessage-deflate; server_max_window_bits=7                     | false",
        "default                    | permessage-deflate; server_max_window_bits=16                    | false",
        "default                    | permessage-deflate; server_max_window_bits                       | false",
        "default                    | permessage-deflate; client_max_window_bits                       | false",
        "default                    | permessage-deflate; server_no_context_takeover=1                 | false",
        "default                    | permessage-deflate; x-unknown                                    | false",
        "default                    | x-webkit-deflate-frame                                           | false",
        "server no context takeover | permessage-deflate                                               | false",
        "server no context takeover | permessage-deflate; server_no_context_takeover                   | true",
        "windows of 10 and 12 bits  | permessage-deflate; server_max_window_bits=11                    | false",
        "windows of 10 and 12 bits  | permessage-deflate; server_max_window_bits=10                    | true",
        "windows of 10 and 12 bits  | permessage-deflate; server_max_window_bits=10; client_max_window_bits=13 | false",
        "windows of 10 and 12 bits  | permessage-deflate; server_max_window_bits=10; client_max_window_bits=12 | true",
    })
    void accepts(String settings, String answer, boolean accepted) {
        WebSocketExtensionData data = WebSocketExtensionUtil.extractExtensions(answer).get(0);
        assertThat(handshaker(settings).handshakeExtension(data) != null).isEqualTo(accepted);
    }

    private static PerMessageDeflateClientHandshaker handshaker(String settings) {
        PerMessageDeflateConfig config = switch (settings) {
            case "default" -> PerMessageDeflateConfig.DEFAULT;
            case "client no context takeover" -> PerMessageDeflateConfig.DEFAULT.withClientNoContextTakeover(true);
            case "server no context takeover" -> PerMessageDeflateConfig.DEFAULT.withServerNoContextTakeover(true);
            case "windows of 10 and 12 bits" -> PerMessageDeflateConfig.DEFAULT.withServerMaxWindowBits(10).withClientMaxWindowBits(12);
            default -> throw new IllegalArgumentException(settings);
        };
        return new PerMessageDeflateClientHandshaker(config, ServerOptions.DEFAULT_MAX_BYTES);
    }
}
