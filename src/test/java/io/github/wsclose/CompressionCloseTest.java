package io.github.wsclose;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * permessage-deflate on a real connection: the closing handshake and its report are the same
 * with compression as without, control frames are never compressed, and a peer's bad or
 * oversized compressed data fails the connection with 1007 or 1009.
 */
class CompressionCloseTest {

    private static final String OFFER = "permessage-deflate; client_max_window_bits";
    private static final ServerOptions OPTIONS = ServerOptions.DEFAULTS.withMaxMessageBytes(8192);

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"the peer closes", "the server closes", "a ping, then the peer closes"})
    void closesAsWithoutCompression(String scenario) throws Exception {
        Outcome plain;
        Outcome compressed;
        try (TestServer server = TestServer.builder().options(OPTIONS).start()) {
            plain = run(server, null, scenario);
        }
        try (TestServer server = TestServer.builder().options(OPTIONS.withCompression(PerMessageDeflateConfig.DEFAULT)).start()) {
            compressed = run(server, OFFER, scenario);
        }

        assertThat(compressed).isEqualTo(plain);
        assertThat(compressed.frames()).as("control frames are never compressed (RFC 7692 §6.1)")
                .allSatisfy(frame -> assertThat(frame).startsWith("0 "));
        assertThat(compressed.clean()).isTrue();
    }

    @Test
    void dataThatDoesNotInflateFailsWith1007() throws Exception {
        Outcome outcome = failWith(new byte[] {(byte) 0xFF, (byte) 0xFF, 0x00});

        assertThat(outcome.closeCode()).isEqualTo(1007);
        assertThat(outcome.cause()).isEqualTo(CloseReport.Cause.PROTOCOL_ERROR);
        assertThat(outcome.sent().message()).startsWith("invalid deflate data");
    }

    @Test
    void aMessageThatInflatesPastTheLimitFailsWith1009() throws Exception {
        ClientCompression zlib = ClientCompression.accept(OFFER, "permessage-deflate");
        byte[] bomb = zlib.compress(new byte[1 << 20]); // 1 MiB of zeros in about 1 KiB
        zlib.end();

        Outcome outcome = failWith(bomb);

        assertThat(outcome.closeCode()).isEqualTo(1009);
        assertThat(outcome.cause()).isEqualTo(CloseReport.Cause.MESSAGE_TOO_BIG);
        assertThat(outcome.sent().message()).isEqualTo("message too big after inflating: more than 8192 bytes (expected: <= 8192)");
    }

    @ParameterizedTest(name = "offer: {0}")
    @NullSource
    @ValueSource(strings = OFFER)
    void aPingWithRsvBitsIsNotAnsweredButFailsWith1002(@Nullable String offer) throws Exception {
        Outcome outcome = failWith(offer, new WireFrame(true, 6, WireFrame.PING, "Hello, world!".getBytes(StandardCharsets.UTF_8))); // Autobahn 3.6

        assertThat(outcome.frames()).as("the close frame alone, no pong").hasSize(1);
        assertThat(outcome.closeCode()).isEqualTo(1002);
        assertThat(outcome.cause()).isEqualTo(CloseReport.Cause.PROTOCOL_ERROR);
    }

    /** Sends {@code compressed} as one compressed binary message on a connection that negotiated the extension. */
    private static Outcome failWith(byte[] compressed) throws Exception {
        return failWith(OFFER, new WireFrame(true, 4, WireFrame.BINARY, compressed));
    }

    /** Sends {@code frame} to a server that offers compression, on a connection that offered it if {@code offer} is not null. */
    private static Outcome failWith(@Nullable String offer, WireFrame frame) throws Exception {
        try (TestServer server = TestServer.builder().options(OPTIONS.withCompression(PerMessageDeflateConfig.DEFAULT)).start();
                RawClient client = RawClient.upgrade((InetSocketAddress) server.address(), TestServer.PATH, 0, offer).allowRsv(4)) {
            assertThat(client.extensions()).isEqualTo(offer == null ? null : "permessage-deflate");
            TestServer.Connection connection = server.nextConnection();
            client.send(frame);
            return outcome(client.readUntilClosed().frames(), connection.report());
        }
    }

    private static Outcome run(TestServer server, @Nullable String offer, String scenario) throws Exception {
        try (RawClient client = RawClient.upgrade((InetSocketAddress) server.address(), TestServer.PATH, 0, offer).allowRsv(4)) {
            ClientCompression zlib = offer == null ? null : ClientCompression.accept(offer, client.extensions());
            assertThat(zlib == null).as("negotiated: %s", client.extensions()).isEqualTo(offer == null);
            TestServer.Connection connection = server.nextConnection();
            List<WireFrame> frames = new ArrayList<>();
            switch (scenario) {
                case "the peer closes" -> client.send(WireFrame.close(1001, "tab closed"));
                case "the server closes" -> {
                    byte[] command = TestServer.closeCommand(4000, "done").getBytes(StandardCharsets.UTF_8);
                    client.send(zlib == null ? WireFrame.of(WireFrame.TEXT, command) : new WireFrame(true, 4, WireFrame.TEXT, zlib.compress(command)));
                    frames.addAll(client.readDataFrames(1)); // the server's close
                    client.send(WireFrame.close(4000));
                }
                default -> {
                    client.send(WireFrame.of(WireFrame.PING, new byte[] {1, 2, 3}));
                    frames.add(client.readFrame()); // the pong
                    client.send(WireFrame.close(1000));
                }
            }
            frames.addAll(client.readUntilClosed().frames());
            if (zlib != null) {
                zlib.end();
            }
            return outcome(frames, connection.report());
        }
    }

    private static Outcome outcome(List<WireFrame> frames, CloseReport report) {
        List<WireFrame> closes = frames.stream().filter(f -> f.opcode() == WireFrame.CLOSE).toList();
        assertThat(closes).as("one close frame; %s", frames).hasSize(1);
        return new Outcome(frames.stream().map(f -> f.rsv() + " " + f.opcode() + " " + Arrays.toString(f.payload())).toList(),
                closes.get(0).closeCode(), report.reason(), report.received(), report.sent(), report.initiator(), report.clean(),
                report.cause());
    }

    /** What both must agree on: the frames the client received (RSV bits, opcode, payload) and the report, the duration aside. */
    record Outcome(List<String> frames, int closeCode, CloseReason reason, @Nullable CloseReason received, @Nullable CloseReason sent,
            CloseReport.Initiator initiator, boolean clean, CloseReport.Cause cause) {
    }
}
