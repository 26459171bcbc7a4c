package io.github.wsclose;

import static io.github.wsclose.HandshakeChannel.maskedFrame;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.github.wsclose.CloseReason.Codes;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import java.util.HexFormat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What stock Netty 4.2.18 does with a bad close body, measured, and what {@link CloseBodyHandover}
 * makes of it: the same close codes, in this library's words naming the fault.
 */
class CloseBodyHandoverTest {

    private static final WebSocketDecoderConfig DECODER = WebSocketDecoderConfig.newBuilder()
            .expectMaskedFrames(true).closeOnProtocolViolation(false).build();

    /**
     * Each bad close body (hex), the status both decoders refuse it with, the message of stock
     * Netty's frame decoder, as measured, and ours after the handover.
     */
    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
        "03         | 1002 | received close control frame with payload len 1 | close frame payload of 1 byte is too short (expected: 0 or >= 2)",
        "03ec       | 1002 | Invalid close frame getStatus code: 1004        | close status 1004 must not appear on the wire (reserved)",
        "03ed       | 1002 | Invalid close frame getStatus code: 1005        | close status 1005 must not appear on the wire (reported locally only)",
        "03ee       | 1002 | Invalid close frame getStatus code: 1006        | close status 1006 must not appear on the wire (reported locally only)",
        "03f7       | 1002 | Invalid close frame getStatus code: 1015        | close status 1015 must not appear on the wire (reported locally only)",
        "03e7       | 1002 | Invalid close frame getStatus code: 999         | close status 999 must not appear on the wire (out of range, expected 1000-1003, 1007-1014 or 3000-4999)",
        "0000       | 1002 | Invalid close frame getStatus code: 0           | close status 0 must not appear on the wire (out of range, expected 1000-1003, 1007-1014 or 3000-4999)",
        "0bb7       | 1002 | Invalid close frame getStatus code: 2999        | close status 2999 must not appear on the wire (reserved)",
        "03e8c0af   | 1007 | bytes are not UTF-8                             | close reason is not valid UTF-8: overlong 2-byte sequence at byte 0",
        "03e8eda080 | 1007 | bytes are not UTF-8                             | close reason is not valid UTF-8: surrogate code point at byte 0",
    })
    void stockNettyRefusesWithTheRightCodeInItsOwnWordsAndTheHandoverInOurs(String body, int status, String netty, String ours) {
        CorruptedWebSocketFrameException stock = refusal(new WebSocket13FrameDecoder(DECODER), body);
        CorruptedWebSocketFrameException handedOver = refusal(new CloseBodyHandover.FrameDecoder(DECODER), body);

        assertThat(stock.closeStatus().code()).isEqualTo(status);
        assertThat(stock.getMessage()).isEqualTo(netty);
        assertThat(handedOver.closeStatus().code()).isEqualTo(status);
        assertThat(handedOver.getMessage()).isEqualTo(ours);
    }

    /** Codes 5000-65535 pass stock Netty's check, which reads the code signed: only CloseFrameDecoder refuses them. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"1388, 5000", "7fff, 32767", "8000, 32768", "ffff, 65535"})
    void stockNettyLetsCodesAbove4999Through(String body, int code) {
        CorruptedWebSocketFrameException refused = refusal(new WebSocket13FrameDecoder(DECODER), body);

        assertThat(refused.getMessage()).as("refused by CloseFrameDecoder, not by Netty").isEqualTo(StatusCodeRange.violation(code));
    }

    /** Through {@link ServerPipeline}: fails if the pipeline stops handing the close body over. */
    @ParameterizedTest(name = "{0}: {1} \"{2}\"")
    @CsvSource(delimiter = '|', value = {
        "03          | 1002 | close frame payload of 1 byte is too short (expected: 0 or >= 2)",
        "03ec        | 1002 | close status 1004 must not appear on the wire (reserved)",
        "03e8c0af    | 1007 | close reason is not valid UTF-8: overlong 2-byte sequence at byte 0",
    })
    void serverPipelineAnswersABadCloseBodyInOurWords(String body, int status, String message) {
        try (HandshakeChannel ws = HandshakeChannel.serverPipeline(ClosingHandshakeConfig.server())) {
            ws.upgrade();

            ws.peerSendsBytes(maskedFrame(0x88, HexFormat.of().parseHex(body)));

            CloseReason answer = CloseReason.of(status, message);
            byte[] wire = HexFormat.of().parseHex(ws.sentBytes());
            assertThat(wire[0]).as("a final close frame").isEqualTo((byte) 0x88);
            assertThat(ClosePayload.decode(Unpooled.wrappedBuffer(wire, 2, wire.length - 2))).isEqualTo(answer);
            CloseReport report = ws.report();
            assertThat(report.sent()).isEqualTo(answer);
            assertThat(report.failure()).hasMessage(message);
            assertThat(report.reason().knownReason()).isEqualTo(Codes.CLOSED_ABNORMALLY);
        }
    }

    /** Decodes one masked close frame with {@code body} through {@code frameDecoder} and {@link CloseFrameDecoder}. */
    private static CorruptedWebSocketFrameException refusal(ChannelHandler frameDecoder, String body) {
        EmbeddedChannel channel = new EmbeddedChannel(frameDecoder, CloseFrameDecoder.INSTANCE);
        try {
            return catchThrowableOfType(CorruptedWebSocketFrameException.class,
                    () -> channel.writeInbound(Unpooled.wrappedBuffer(maskedFrame(0x88, HexFormat.of().parseHex(body)))));
        } finally {
            channel.finishAndReleaseAll();
        }
    }
}
