package io.github.wsclose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionData;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketServerExtension;
import java.net.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.zip.DataFormatException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The permessage-deflate negotiation, deflater and inflater (RFC 7692), on EmbeddedChannels. */
class PerMessageDeflateTest {

    private static final int LIMIT = 4096;

    private final EmbeddedChannel inbound = new EmbeddedChannel(new PerMessageInflater(false, LIMIT));
    private final EmbeddedChannel outbound = new EmbeddedChannel(new PerMessageDeflater(6, false, false));

    @AfterEach
    void closeChannels() {
        inbound.finishAndReleaseAll();
        outbound.finishAndReleaseAll();
    }

    @ParameterizedTest(name = "offer [{0}] -> response [{1}]")
    @CsvSource(delimiter = '|', nullValues = "DECLINED", value = {
        "                                                    | ''",
        "client_max_window_bits                              | ''",
        "server_no_context_takeover                          | server_no_context_takeover",
        "client_no_context_takeover                          | ''",
        "server_max_window_bits=9                            | server_max_window_bits=9",
        "server_max_window_bits=15                           | server_max_window_bits=15",
        "client_max_window_bits=10                           | client_max_window_bits=10",
        "server_no_context_takeover;server_max_window_bits=9 | server_no_context_takeover;server_max_window_bits=9",
        "server_max_window_bits=7                            | DECLINED",
        "server_max_window_bits=16                           | DECLINED",
        "server_max_window_bits                              | DECLINED",
        "server_max_window_bits=09x                          | DECLINED",
        "client_max_window_bits=8a                           | DECLINED",
        "server_no_context_takeover=1                        | DECLINED",
        "x_unknown                                           | DECLINED",
    })
    void negotiatesWithTheDefaults(String offer, String response) {
        WebSocketServerExtension agreed = new PerMessageDeflateHandshaker(PerMessageDeflateConfig.DEFAULT, LIMIT)
                .handshakeExtension(data(offer));
        if (response == null) {
            assertThat(agreed).isNull();
        } else {
            assertThat(agreed).isNotNull();
            assertThat(agreed.newReponseData().name()).isEqualTo("permessage-deflate");
            assertThat(agreed.newReponseData().parameters()).isEqualTo(data(response).parameters());
        }
    }

    @Test
    void asksForWhatTheConfigurationSays() {
        PerMessageDeflateConfig config = PerMessageDeflateConfig.DEFAULT.withServerNoContextTakeover(true)
                .withClientNoContextTakeover(true).withClientMaxWindowBits(10).withServerMaxWindowBits(12);
        PerMessageDeflateHandshaker handshaker = new PerMessageDeflateHandshaker(config, LIMIT);

        assertThat(handshaker.handshakeExtension(data("client_max_window_bits;server_max_window_bits=14")).newReponseData().parameters())
                .isEqualTo(data("server_no_context_takeover;client_no_context_takeover;server_max_window_bits=12;client_max_window_bits=10")
                        .parameters());
        assertThat(handshaker.handshakeExtension(data("")).newReponseData().parameters())
                .isEqualTo(data("server_no_context_takeover;client_no_context_takeover").parameters());
        assertThat(handshaker.handshakeExtension(new WebSocketExtensionData("x-webkit-deflate-frame", Map.of()))).isNull();
    }

    @Test
    void refusesSettingsOutOfRange() {
        assertThatThrownBy(() -> PerMessageDeflateConfig.DEFAULT.withServerMaxWindowBits(7))
                .hasMessage("serverMaxWindowBits out of range: 7 (expected: 8-15)");
        assertThatThrownBy(() -> PerMessageDeflateConfig.DEFAULT.withCompressionLevel(10))
                .hasMessage("compressionLevel out of range: 10 (expected: 0-9)");
        assertThatThrownBy(() -> ServerOptions.DEFAULTS.withMaxFrameBytes(65537))
                .hasMessage("maxFrameBytes larger than maxMessageBytes: 65537 (expected: <= 65536)");
        assertThatThrownBy(() -> ServerOptions.DEFAULTS.withMaxMessageBytes(0)).hasMessage("maxMessageBytes must be positive: 0");
    }

    @Test
    void inflatesACompressedMessageAndClearsRsv1() {
        byte[] text = "Hello, Hello, Hello, world!".getBytes(StandardCharsets.UTF_8);

        inbound.writeInbound(new TextWebSocketFrame(true, 4, Unpooled.wrappedBuffer(deflate(text))));

        TextWebSocketFrame frame = inbound.readInbound();
        assertThat(frame.rsv()).isZero();
        assertThat(frame.text()).isEqualTo("Hello, Hello, Hello, world!");
        frame.release();
    }

    @Test
    void inflatesEachFragmentWithTheContextOfTheLast() {
        byte[] compressed = deflate(new byte[3000]);
        int half = compressed.length / 2;

        inbound.writeInbound(new BinaryWebSocketFrame(false, 4, Unpooled.wrappedBuffer(compressed, 0, half)),
                new PingWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {1})),
                new ContinuationWebSocketFrame(true, 0, Unpooled.wrappedBuffer(compressed, half, compressed.length - half)));
        inbound.writeInbound(new BinaryWebSocketFrame(true, 4, Unpooled.wrappedBuffer(deflate(new byte[3000]))));

        int total = 0;
        for (WebSocketFrame frame; (frame = inbound.readInbound()) != null; frame.release()) {
            if (frame instanceof PingWebSocketFrame) {
                assertThat(total).as("the ping is passed on between the fragments").isLessThan(3000);
            } else {
                total += frame.content().readableBytes();
            }
        }
        assertThat(total).isEqualTo(6000);
    }

    @Test
    void passesUncompressedMessagesUntouched() {
        TextWebSocketFrame plain = new TextWebSocketFrame("plain");

        inbound.writeInbound(plain);

        assertThat((Object) inbound.readInbound()).isSameAs(plain);
        plain.release();
    }

    @Test
    void failsWith1007OnDataThatDoesNotInflate() {
        assertFails(new TextWebSocketFrame(true, 4, Unpooled.wrappedBuffer(new byte[] {(byte) 0xFF, (byte) 0xFF, 0x00})),
                WebSocketCloseStatus.INVALID_PAYLOAD_DATA, "invalid deflate data");
    }

    @Test
    void failsWith1009OnAMessageThatInflatesOverTheLimitAndHoldsNoMore() {
        byte[] bomb = deflate(new byte[1 << 20]); // about 1 KiB on the wire

        assertFails(new BinaryWebSocketFrame(true, 4, Unpooled.wrappedBuffer(bomb)), WebSocketCloseStatus.MESSAGE_TOO_BIG,
                "message too big after inflating: more than 4096 bytes from ");
    }

    @Test
    void countsTheLimitOverAllFragmentsOfAMessage() {
        byte[] compressed = deflate(new byte[LIMIT + 1]);
        int half = compressed.length / 2;
        inbound.writeInbound(new BinaryWebSocketFrame(false, 4, Unpooled.wrappedBuffer(compressed, 0, half)));
        ((WebSocketFrame) inbound.readInbound()).release();

        assertFails(new ContinuationWebSocketFrame(true, 0, Unpooled.wrappedBuffer(compressed, half, compressed.length - half)),
                WebSocketCloseStatus.MESSAGE_TOO_BIG, "message too big");
    }

    @Test
    void passesOnAtMostTheLimitOfAZipBombInFragmentsAndReadsNoFurther() {
        byte[] bomb = deflate(new byte[10 << 20]); // 10 MiB of zeros in about 10 KiB
        long passedOn = 0;
        int sent = 0;
        CorruptedWebSocketFrameException failure = null;
        for (int from = 0; from < bomb.length && failure == null; from += 8) {
            int to = Math.min(from + 8, bomb.length);
            ByteBuf payload = Unpooled.wrappedBuffer(bomb, from, to - from);
            boolean fin = to == bomb.length;
            sent = to;
            try {
                inbound.writeInbound(from == 0 ? new BinaryWebSocketFrame(fin, 4, payload) : new ContinuationWebSocketFrame(fin, 0, payload));
            } catch (CorruptedWebSocketFrameException e) {
                failure = e;
            }
            for (WebSocketFrame frame; (frame = inbound.readInbound()) != null; ) {
                passedOn += frame.content().readableBytes();
                frame.release();
            }
        }

        assertThat(failure).isNotNull();
        assertThat(failure.closeStatus()).isEqualTo(WebSocketCloseStatus.MESSAGE_TOO_BIG);
        assertThat(passedOn).as("inflated bytes passed on").isLessThanOrEqualTo(LIMIT);
        assertThat(sent).as("compressed bytes read of %s", bomb.length).isLessThan(64); // LIMIT / 1000 and the first block's header
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "rsv1 on a ping          | rsv bits set on a control frame: 4 (expected: 0)",
        "rsv2 on a text frame    | rsv bits set without an extension: 2 (expected: 0 or 4)",
        "rsv1 on a continuation  | rsv1 set on a continuation frame",
    })
    void failsWith1002OnRsvBitsTheExtensionDoesNotDefine(String what, String message) {
        WebSocketFrame frame = switch (what) {
            case "rsv1 on a ping" -> new PingWebSocketFrame(true, 4, Unpooled.buffer(0));
            case "rsv2 on a text frame" -> new TextWebSocketFrame(true, 2, Unpooled.buffer(0));
            default -> new ContinuationWebSocketFrame(true, 4, Unpooled.buffer(0));
        };
        if (what.equals("rsv1 on a continuation")) {
            inbound.writeInbound(new TextWebSocketFrame(false, 0, Unpooled.copiedBuffer("a", StandardCharsets.US_ASCII)));
            ((WebSocketFrame) inbound.readInbound()).release();
        }
        assertFails(frame, WebSocketCloseStatus.PROTOCOL_ERROR, message);
    }

    @Test
    void reservedBitsRefusesAnyRsvBitWithoutAnExtension() {
        EmbeddedChannel channel = new EmbeddedChannel(ReservedBits.INSTANCE);
        TextWebSocketFrame frame = new TextWebSocketFrame(true, 4, Unpooled.buffer(0));

        assertThatThrownBy(() -> channel.writeInbound(frame))
                .isInstanceOfSatisfying(CorruptedWebSocketFrameException.class,
                        e -> assertThat(e.closeStatus()).isEqualTo(WebSocketCloseStatus.PROTOCOL_ERROR))
                .hasMessage("rsv bits set without an extension: 4 (expected: 0)");
        assertThat(frame.refCnt()).isZero();
        assertThat(channel.finishAndReleaseAll()).isFalse();
    }

    @Test
    void deflatesDataFramesWithRsv1OnTheFirstOnlyAndLeavesControlFramesAlone() throws DataFormatException {
        byte[] message = new byte[5000];
        new Random(7692).nextBytes(message);
        Arrays.fill(message, 0, 2500, (byte) 'a');

        outbound.writeOutbound(new BinaryWebSocketFrame(false, 0, Unpooled.wrappedBuffer(message, 0, 2500)),
                new PingWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {9})),
                new ContinuationWebSocketFrame(true, 0, Unpooled.wrappedBuffer(message, 2500, 2500)),
                new CloseWebSocketFrame(WebSocketCloseStatus.NORMAL_CLOSURE, "bye"));

        WebSocketFrame first = outbound.readOutbound();
        WebSocketFrame ping = outbound.readOutbound();
        WebSocketFrame last = outbound.readOutbound();
        WebSocketFrame close = outbound.readOutbound();
        assertThat(first.rsv()).isEqualTo(4);
        assertThat(ping.rsv()).isZero();
        assertThat(ByteBufUtil.getBytes(ping.content())).containsExactly(9);
        assertThat(last.rsv()).isZero();
        assertThat(close.rsv()).isZero();
        assertThat(((CloseWebSocketFrame) close).reasonText()).isEqualTo("bye");
        assertThat(first.content().readableBytes()).as("the run of 'a' is compressed").isLessThan(100);
        byte[] wire = concat(first.content(), last.content());
        assertThat(inflate(wire)).isEqualTo(message);
        for (WebSocketFrame frame : new WebSocketFrame[] {first, ping, last, close}) {
            frame.release();
        }
    }

    @Test
    void sendsAnEmptyMessageAsOneByteAndHuffmanCodesWithASmallWindow() throws DataFormatException {
        EmbeddedChannel huffman = new EmbeddedChannel(new PerMessageDeflater(6, true, true));
        byte[] repeated = "abcabcabcabcabcabcabcabcabcabcabcabc".getBytes(StandardCharsets.US_ASCII);

        outbound.writeOutbound(new TextWebSocketFrame(""));
        huffman.writeOutbound(new TextWebSocketFrame(Unpooled.wrappedBuffer(repeated)));

        WebSocketFrame empty = outbound.readOutbound();
        assertThat(ByteBufUtil.getBytes(empty.content())).as("§7.2.3.6").containsExactly(0x00);
        WebSocketFrame coded = huffman.readOutbound();
        byte[] wire = ByteBufUtil.getBytes(coded.content());
        assertThat(inflate(wire)).isEqualTo(repeated);
        assertThat(wire.length).as("no back-references: only the letters' codes shrink").isGreaterThan(repeated.length / 4);
        empty.release();
        coded.release();
        huffman.finishAndReleaseAll();
    }

    private void assertFails(WebSocketFrame frame, WebSocketCloseStatus status, String message) {
        assertThatThrownBy(() -> inbound.writeInbound(frame))
                .isInstanceOfSatisfying(CorruptedWebSocketFrameException.class, e -> {
                    assertThat(e.closeStatus()).isEqualTo(status);
                    assertThat(e.getMessage()).startsWith(message);
                });
        assertThat(frame.refCnt()).isZero();
        TextWebSocketFrame after = new TextWebSocketFrame(true, 4, Unpooled.wrappedBuffer(deflate(new byte[1])));
        inbound.writeInbound(after);
        assertThat((Object) inbound.readInbound()).as("nothing is read after a fault").isNull();
        assertThat(after.refCnt()).isZero();
    }

    private static WebSocketExtensionData data(String parameters) {
        Map<String, String> map = new HashMap<>();
        if (parameters != null && !parameters.isBlank()) {
            for (String parameter : parameters.split(";")) {
                String[] kv = parameter.strip().split("=", 2);
                map.put(kv[0], kv.length == 2 ? kv[1] : null);
            }
        }
        return new WebSocketExtensionData("permessage-deflate", map);
    }

    /** A message as a client compresses it: raw DEFLATE, sync flush, the 4-byte tail removed (§7.2.1). */
    private static byte[] deflate(byte[] message) {
        ClientCompression zlib = client();
        try {
            return zlib.compress(message);
        } finally {
            zlib.end();
        }
    }

    /** A whole message from the server, inflated as a client does. */
    private static byte[] inflate(byte[] wire) throws DataFormatException {
        ClientCompression zlib = client();
        try {
            return zlib.inflate(wire);
        } finally {
            zlib.end();
        }
    }

    private static ClientCompression client() {
        try {
            return ClientCompression.accept("permessage-deflate", "permessage-deflate");
        } catch (ProtocolException e) {
            throw new AssertionError(e);
        }
    }

    private static byte[] concat(ByteBuf a, ByteBuf b) {
        byte[] bytes = new byte[a.readableBytes() + b.readableBytes()];
        a.getBytes(a.readerIndex(), bytes, 0, a.readableBytes());
        b.getBytes(b.readerIndex(), bytes, a.readableBytes(), b.readableBytes());
        return bytes;
    }
}
