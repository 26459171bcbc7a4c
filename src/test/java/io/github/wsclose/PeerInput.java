package io.github.wsclose;

import static io.github.wsclose.CloseInputs.draw;

import io.netty.buffer.ByteBufUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;
import org.quicktheories.core.Gen;
import org.quicktheories.core.RandomnessSource;
import org.quicktheories.impl.Constraint;

/**
 * What a misbehaving client sends a server in one fuzz try, and how the server side is set up
 * for it: a sequence of frames and garbage, cut into TCP reads at random points, and perhaps
 * a close started by the application between two reads.
 *
 * @param pieces           the frames and garbage, in order
 * @param cuts             where the byte stream is cut into reads, ascending offsets
 * @param appCloseAfter    the number of reads after which the application closes, or -1
 * @param appCloseReason   what the application closes with; null for a plain {@code close()}
 * @param nettyChecksBody  whether Netty's stock frame decoder also checks close bodies (else
 *                         the one {@link ServerPipeline} installs, which leaves them to us)
 * @param echoReason       the handler's {@link ClosingHandshakeConfig#echoReason()}
 */
record PeerInput(List<Piece> pieces, int[] cuts, int appCloseAfter, @Nullable CloseReason appCloseReason,
        boolean nettyChecksBody, boolean echoReason) {

    private static final int[] RESERVED_OPCODES = {3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF};

    /**
     * One to eight pieces: valid close frames, close frames with mutated payloads, text (valid
     * UTF-8 or not), binary, continuation, ping and pong frames, fragmented control frames,
     * reserved opcodes, RSV bits and garbage; one frame in sixteen unmasked, one with a length
     * field that lies, one with a needless 64-bit length and one announcing more than the
     * 65536-byte limit.
     */
    static Gen<PeerInput> peerInputs() {
        return in -> {
            List<Piece> pieces = new ArrayList<>();
            for (int n = draw(in, 1, 8); n > 0; n--) {
                pieces.add(piece(in));
            }
            int length = pieces.stream().mapToInt(p -> p.bytes().length).sum();
            TreeSet<Integer> cuts = new TreeSet<>();
            for (int n = draw(in, 0, Math.min(8, length)); n > 0; n--) {
                cuts.add(draw(in, 1, Math.max(1, length - 1)));
            }
            int appCloseAfter = -1;
            CloseReason appCloseReason = null;
            if (draw(in, 0, 3) == 0) {
                appCloseAfter = draw(in, 0, cuts.size());
                appCloseReason = draw(in, 0, 1) == 0 ? null : CloseInputs.sendableReasons().generate(in);
            }
            return new PeerInput(pieces, cuts.stream().mapToInt(Integer::intValue).toArray(), appCloseAfter, appCloseReason,
                    draw(in, 0, 1) == 1, draw(in, 0, 1) == 1);
        };
    }

    /** The byte stream cut into reads. */
    List<byte[]> reads() {
        CloseInputs.Bytes all = new CloseInputs.Bytes();
        pieces.forEach(p -> all.add(p.bytes()));
        byte[] stream = all.toArray();
        List<byte[]> reads = new ArrayList<>();
        int from = 0;
        for (int cut : cuts) {
            if (cut > from && cut < stream.length) {
                reads.add(Arrays.copyOfRange(stream, from, cut));
                from = cut;
            }
        }
        reads.add(Arrays.copyOfRange(stream, from, stream.length));
        return reads;
    }

    @Override
    public String toString() {
        return "PeerInput[pieces=" + pieces + ", cuts=" + Arrays.toString(cuts) + ", appCloseAfter=" + appCloseAfter
                + ", appCloseReason=" + appCloseReason + ", nettyChecksBody=" + nettyChecksBody + ", echoReason=" + echoReason + "]";
    }

    private static Piece piece(RandomnessSource in) {
        int kind = draw(in, 0, 17);
        if (kind == 17) {
            return new Piece("garbage", CloseInputs.randomBytes(in, draw(in, 1, 24)));
        }
        WireFrame frame = switch (kind) {
            case 0, 1, 2, 3 -> WireFrame.of(WireFrame.CLOSE, CloseInputs.validPayloads().generate(in));
            case 4, 5, 6 -> WireFrame.of(WireFrame.CLOSE, CloseInputs.payloads().generate(in));
            case 7 -> new WireFrame(bool(in), 0, WireFrame.TEXT, CloseInputs.reasonTexts().generate(in).getBytes(StandardCharsets.UTF_8));
            case 8 -> new WireFrame(bool(in), 0, WireFrame.TEXT, CloseInputs.utf8ish().generate(in));
            case 9 -> new WireFrame(bool(in), 0, WireFrame.BINARY, CloseInputs.randomBytes(in, draw(in, 0, 300)));
            case 10 -> new WireFrame(bool(in), 0, WireFrame.CONTINUATION, CloseInputs.utf8ish().generate(in));
            case 11 -> WireFrame.of(WireFrame.PING, CloseInputs.randomBytes(in, draw(in, 0, 125)));
            case 12 -> WireFrame.of(WireFrame.PONG, CloseInputs.randomBytes(in, draw(in, 0, 125)));
            // control frames MUST NOT be fragmented (RFC 6455 §5.5): a non-final one is a protocol error
            case 13 -> new WireFrame(false, 0, new int[] {WireFrame.CLOSE, WireFrame.PING, WireFrame.PONG}[draw(in, 0, 2)],
                    CloseInputs.validPayloads().generate(in));
            case 14 -> WireFrame.of(RESERVED_OPCODES[draw(in, 0, RESERVED_OPCODES.length - 1)], CloseInputs.randomBytes(in, draw(in, 0, 20)));
            default -> new WireFrame(true, draw(in, 1, 7), new int[] {WireFrame.CLOSE, WireFrame.TEXT, WireFrame.BINARY}[draw(in, 0, 2)],
                    CloseInputs.validPayloads().generate(in));
        };
        int maskKey = (int) in.next(Constraint.between(Integer.MIN_VALUE, Integer.MAX_VALUE));
        String what = "opcode " + frame.opcode() + (frame.fin() ? "" : " non-final") + (frame.rsv() == 0 ? "" : " rsv " + frame.rsv())
                + ", " + frame.payload().length + " bytes";
        return switch (draw(in, 0, 15)) {
            case 0 -> new Piece(what + ", unmasked", frame.encode(false, 0, frame.payload().length, false));
            case 1 -> {
                long declared = Math.max(0, frame.payload().length + draw(in, -3, 3));
                yield new Piece(what + ", announced " + declared, frame.encode(true, maskKey, declared, false));
            }
            case 2 -> new Piece(what + ", 64-bit length", frame.encode(true, maskKey, frame.payload().length, true));
            case 3 -> {
                long declared = draw(in, 0, 1) == 0 ? draw(in, 65_537, Integer.MAX_VALUE) : Long.MIN_VALUE + draw(in, 0, 1000);
                yield new Piece(what + ", announced " + declared, frame.encode(true, maskKey, declared, true));
            }
            default -> new Piece(what, frame.masked(maskKey));
        };
    }

    private static boolean bool(RandomnessSource in) {
        return draw(in, 0, 1) == 1;
    }

    /** One frame (or garbage) as bytes, and what it is. */
    record Piece(String what, byte[] bytes) {

        @Override
        public String toString() {
            return what + " " + ByteBufUtil.hexDump(bytes);
        }
    }
}
