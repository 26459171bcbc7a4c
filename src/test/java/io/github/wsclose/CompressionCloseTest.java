package io.github.wsclose;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * permessage-deflate on a real connection: the closing handshake and its report are the same
 * with compression as without, control frames are never compressed, and a peer's bad or
 * oversized compressed data fails the connection with 1007 or 1009.
 */
@Tag(TestTransport.TAG)
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
        assertThat(outcome.sent().message()).matches("message too big after inflating: more than 8192 bytes from \\d+ compressed \\(expected: <= 8192\\)");
    }

    /**
     * A zip bomb: 10 MiB of zeros compressed to about 10 KiB, in one frame or in fragments of 16
     * compressed bytes, against the default limit of 64 KiB. The server inflates one byte past
     * the limit and closes: the close reason says how few of the compressed bytes it took.
     */
    @ParameterizedTest(name = "in fragments of {0} bytes (0: one frame)")
    @ValueSource(ints = {0, 16})
    void aZipBombFailsWith1009WhileItInflates(int fragmentBytes) throws Exception {
        ClientCompression zlib = ClientCompression.accept(OFFER, "permessage-deflate");
        int inflatesTo = 10 << 20;
        byte[] bomb = zlib.compress(new byte[inflatesTo]);
        zlib.end();
        assertThat(inflatesTo / bomb.length).as("the ratio of %s bytes to %s", inflatesTo, bomb.length).isGreaterThan(1000);
        int limit = ServerOptions.DEFAULTS.maxMessageBytes();

        Outcome outcome = failWith(ServerOptions.DEFAULTS.withCompression(PerMessageDeflateConfig.DEFAULT), OFFER,
                fragments(bomb, fragmentBytes));

        assertThat(outcome.closeCode()).isEqualTo(1009);
        assertThat(outcome.cause()).isEqualTo(CloseReport.Cause.MESSAGE_TOO_BIG);
        Matcher reason = Pattern.compile("message too big after inflating: more than " + limit + " bytes from (\\d+) compressed"
                + " \\(expected: <= " + limit + "\\)").matcher(outcome.sent().message());
        assertThat(reason.matches()).as(outcome.sent().message()).isTrue();
        // the limit + 1 bytes inflated came from about limit / 1000 compressed bytes: the rest was never inflated
        assertThat(Long.parseLong(reason.group(1))).isPositive().isLessThan(limit / 1000 + 2L * Math.max(fragmentBytes, 64));
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
        return failWith(OPTIONS.withCompression(PerMessageDeflateConfig.DEFAULT), offer, List.of(frame));
    }

    /**
     * Sends {@code frames} to a server with {@code options}, on a connection that offered compression if {@code offer} is
     * not null; a write the server's close cuts short is not an error.
     */
    private static Outcome failWith(ServerOptions options, @Nullable String offer, List<WireFrame> frames) throws Exception {
        try (TestServer server = TestServer.builder().options(options).start();
                RawClient client = RawClient.upgrade((InetSocketAddress) server.address(), TestServer.PATH, 0, offer).allowRsv(4)) {
            assertThat(client.extensions()).isEqualTo(offer == null ? null : "permessage-deflate");
            TestServer.Connection connection = server.nextConnection();
            client.sendKeepingFailure(frames);
            return outcome(client.readUntilClosed().frames(), connection.report());
        }
    }

    /** {@code compressed} as one compressed binary message: one frame if {@code size} is 0, else fragments of {@code size} bytes. */
    private static List<WireFrame> fragments(byte[] compressed, int size) {
        if (size == 0) {
            return List.of(new WireFrame(true, 4, WireFrame.BINARY, compressed));
        }
        List<WireFrame> frames = new ArrayList<>();
        for (int from = 0; from < compressed.length; from += size) {
            int to = Math.min(from + size, compressed.length);
            frames.add(new WireFrame(to == compressed.length, from == 0 ? 4 : 0, from == 0 ? WireFrame.BINARY : WireFrame.CONTINUATION,
                    Arrays.copyOfRange(compressed, from, to)));
        }
        return frames;
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
