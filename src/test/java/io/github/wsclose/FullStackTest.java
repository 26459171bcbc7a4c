package io.github.wsclose;

import static io.github.wsclose.TestBytes.bytes;
import static io.github.wsclose.TestBytes.hex;
import static io.github.wsclose.TestBytes.payload;
import static io.github.wsclose.TestBytes.toHex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.wsclose.CloseReason.Codes;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The handlers together with Netty's WebSocket frame codec, on raw bytes as they cross the wire. */
class FullStackTest {

    private static final int MASK = 0x37FA213D;

    /** A server: Netty's frame decoder (masked client frames expected), then ours. */
    private final EmbeddedChannel server = new EmbeddedChannel(
            new WebSocket13FrameDecoder(WebSocketDecoderConfig.newBuilder()
                    .expectMaskedFrames(true)
                    .allowMaskMismatch(false)
                    .closeOnProtocolViolation(false)
                    .build()),
            CloseFrameDecoder.INSTANCE);

    /** A server's outbound side: our encoder, then Netty's frame encoder (unmasked server frames). */
    private final EmbeddedChannel serverOut = new EmbeddedChannel(
            new WebSocket13FrameEncoder(false),
            CloseFrameEncoder.INSTANCE);

    @AfterEach
    void closeChannels() {
        server.finishAndReleaseAll();
        serverOut.finishAndReleaseAll();
    }

    // ---- inbound: bytes → CloseReason -------------------------------------------------------------

    @Test
    void decodesACodeOnlyCloseFrame() {
        server.writeInbound(Unpooled.wrappedBuffer(maskedCloseFrame(hex("03 E8"))));

        assertThat(server.<Object>readInbound()).isSameAs(Codes.NORMAL.withoutMessage);
        assertThat(server.inboundMessages()).isEmpty();
    }

    @Test
    void decodesACloseFrameWithAMultiByteReason() {
        String reason = "Grüße, 世界 😀";

        server.writeInbound(Unpooled.wrappedBuffer(maskedCloseFrame(payload(4000, reason))));

        assertThat(server.<Object>readInbound()).isEqualTo(CloseReason.of(4000, reason));
    }

    @Test
    void decodesACloseFrameWithTheLongestReason() {
        String reason = "€".repeat(41);

        server.writeInbound(Unpooled.wrappedBuffer(maskedCloseFrame(payload(1001, reason))));

        assertThat(server.<Object>readInbound()).isEqualTo(new CloseReason(Codes.GOING_AWAY, reason));
    }

    @Test
    void decodesAnEmptyCloseFrame() {
        server.writeInbound(Unpooled.wrappedBuffer(maskedCloseFrame(new byte[0])));

        assertThat(server.<Object>readInbound()).isEqualTo(new CloseReason(Codes.NO_STATUS_RECEIVED, ""));
    }

    @Test
    void decodesACloseFrameThatArrivesInPieces() {
        byte[] frame = maskedCloseFrame(payload(1000, "bye 😀"));

        for (int i = 0; i < frame.length; i++) {
            server.writeInbound(Unpooled.wrappedBuffer(frame, i, 1));
        }

        assertThat(server.<Object>readInbound()).isEqualTo(new CloseReason(Codes.NORMAL, "bye 😀"));
    }

    /** Codes Netty's own decoder lets through (it reads the code as a signed short), so ours must catch them. */
    @ParameterizedTest
    @ValueSource(ints = {32768, 50000, 65535})
    void rejectsABadCodeThatNettyLetsThrough(int code) {
        ByteBuf bytes = Unpooled.wrappedBuffer(maskedCloseFrame(payload(code, "x")));

        assertThatThrownBy(() -> server.writeInbound(bytes))
                .isInstanceOf(CorruptedWebSocketFrameException.class)
                .hasMessageContaining("close status " + code + " must not appear on the wire")
                .satisfies(e -> assertThat(((CorruptedWebSocketFrameException) e).closeStatus().code()).isEqualTo(1002));
        assertThat(server.inboundMessages()).isEmpty();
    }

    /** Codes that Netty's decoder already rejects: either way the connection fails with 1002. */
    @ParameterizedTest
    @ValueSource(ints = {0, 999, 1004, 1005, 1006, 1015, 2999, 5000})
    void rejectsABadCode(int code) {
        ByteBuf bytes = Unpooled.wrappedBuffer(maskedCloseFrame(payload(code, "")));

        assertThatThrownBy(() -> server.writeInbound(bytes))
                .isInstanceOf(CorruptedWebSocketFrameException.class)
                .satisfies(e -> assertThat(((CorruptedWebSocketFrameException) e).closeStatus().code()).isEqualTo(1002));
        assertThat(server.inboundMessages()).isEmpty();
    }

    // ---- outbound: CloseReason → bytes ------------------------------------------------------------

    @Test
    void writesNormalClosureAsFourBytes() {
        assertThat(written(new CloseReason(Codes.NORMAL, ""))).isEqualTo("88 02 03 E8");
    }

    @Test
    void writesNoStatusReceivedAsAnEmptyCloseFrame() {
        assertThat(written(new CloseReason(Codes.NO_STATUS_RECEIVED, ""))).isEqualTo("88 00");
    }

    @Test
    void writesACodeAndReason() {
        assertThat(written(CloseReason.of(4000, "busy"))).isEqualTo("88 06 0F A0 62 75 73 79");
        assertThat(written(new CloseReason(Codes.GOING_AWAY, "é"))).isEqualTo("88 04 03 E9 C3 A9");
    }

    @Test
    void writesTheLongestReason() {
        String reason = "😀".repeat(30) + "abc";

        assertThat(written(new CloseReason(Codes.NORMAL, reason)))
                .isEqualTo("88 7D " + toHex(payload(1000, reason)));
    }

    @Test
    void writesNothingForAnUnsendableReason() {
        assertThatThrownBy(() -> serverOut.writeOutbound(new CloseReason(Codes.CLOSED_ABNORMALLY, "")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("close status 1006 must not appear on the wire");
        assertThat(serverOut.outboundMessages()).isEmpty();
    }

    // ---- both ways --------------------------------------------------------------------------------

    @Test
    void aClientsMaskedCloseFrameReachesTheServerIntact() {
        EmbeddedChannel client = new EmbeddedChannel(new WebSocket13FrameEncoder(true), CloseFrameEncoder.INSTANCE);
        try {
            CloseReason sent = new CloseReason(Codes.TRY_AGAIN_LATER, "überlastet, bitte später 🙏");
            client.writeOutbound(sent);
            for (ByteBuf wire; (wire = client.readOutbound()) != null; ) {
                server.writeInbound(wire);
            }

            assertThat(server.<Object>readInbound()).isEqualTo(sent);
        } finally {
            client.finishAndReleaseAll();
        }
    }

    // ---- helpers ----------------------------------------------------------------------------------

    /** A final close frame as a client sends it, masked. */
    private static byte[] maskedCloseFrame(byte[] payload) {
        return WireFrame.close(payload).masked(MASK);
    }

    /** Writes {@code reason} through {@link #serverOut} and returns every byte written, in hex. */
    private String written(CloseReason reason) {
        assertThat(serverOut.writeOutbound(reason)).isTrue();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (ByteBuf buf; (buf = serverOut.readOutbound()) != null; ) {
            try {
                out.writeBytes(bytes(buf));
            } finally {
                buf.release();
            }
        }
        return toHex(out.toByteArray());
    }
}
