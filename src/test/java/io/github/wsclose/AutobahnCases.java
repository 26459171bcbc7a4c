package io.github.wsclose;

import static io.github.wsclose.AutobahnCase.CloseExpectation.NORMAL;
import static io.github.wsclose.AutobahnCase.CloseExpectation.failedByServer;
import static io.github.wsclose.WireFrame.BINARY;
import static io.github.wsclose.WireFrame.CLOSE;
import static io.github.wsclose.WireFrame.CONTINUATION;
import static io.github.wsclose.WireFrame.PING;
import static io.github.wsclose.WireFrame.PONG;
import static io.github.wsclose.WireFrame.TEXT;

import io.github.wsclose.AutobahnCase.CloseExpectation;
import io.github.wsclose.AutobahnCase.End;
import io.github.wsclose.AutobahnCase.Event;
import io.github.wsclose.AutobahnCase.Grade;
import io.github.wsclose.AutobahnCase.Rule;
import io.github.wsclose.AutobahnCase.Step;
import io.github.wsclose.AutobahnCase.Step.Close;
import io.github.wsclose.AutobahnCase.Step.EchoLoop;
import io.github.wsclose.AutobahnCase.Step.Frame;
import io.github.wsclose.AutobahnCase.Step.FrameData;
import io.github.wsclose.AutobahnCase.Step.FrameHeader;
import io.github.wsclose.AutobahnCase.Step.Message;
import io.github.wsclose.AutobahnCase.Step.Wait;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The cases of sections 1–7, 9, 10, 12 and 13 of the Autobahn|Testsuite, written from the
 * suite's case definitions ({@code autobahntestsuite/case/*.py} of crossbario/autobahn-testsuite):
 * the same frames, payloads, fragmentation, chops and waits, the same expected events and close
 * expectations. The parametric sections (6.5–6.23, 7.7, 7.9, 9, 12, 13) are generated from
 * their parameters, as the suite generates them.
 *
 * <p>Sections 12 and 13 send the suite's own payload files ({@link CompressionTestData}), cut
 * into messages as the suite cuts them. One departure, written down in docs/conformance.md: a
 * normal build sends 20 of the 1000 messages of each case of sections 12 and 13 and skips the
 * 16 MiB messages of 9.1.6 and 9.2.6; the long profile runs them all.
 */
final class AutobahnCases {

    private static final byte[] HELLO = bytes("Hello, world!");
    private static final byte[] NON_UTF8 = hex("00fffefdfcfb00ff");
    private static final byte[] KOSME = hex("cebae1bdb9cf83cebcceb5");
    private static final byte[] KOSME_SURROGATE_EDITED = hex("cebae1bdb9cf83cebcceb5eda080656469746564");
    private static final int KIB = 1024;
    private static final int MIB = 1024 * 1024;
    private static final int ECHO_CASES_IN_CI = 20;

    private AutobahnCases() {
    }

    /** Every case, in the suite's order. */
    static List<AutobahnCase> all() {
        List<AutobahnCase> cases = new ArrayList<>();
        section1(cases);
        section2(cases);
        section3(cases);
        section4(cases);
        section5(cases);
        section6(cases);
        section7(cases);
        section9(cases);
        section10(cases);
        sections12And13(cases);
        return cases;
    }

    // 1: framing; text and binary messages of the lengths around the 7-bit, 16-bit and 64-bit length forms
    private static void section1(List<AutobahnCase> cases) {
        int[] lengths = {0, 125, 126, 127, 128, 65535, 65536, 65536};
        for (int binary = 0; binary < 2; binary++) {
            for (int i = 0; i < lengths.length; i++) {
                byte[] payload = new byte[lengths[i]];
                Arrays.fill(payload, binary == 0 ? (byte) '*' : (byte) 0xFE);
                Frame frame = Frame.of(binary == 0 ? TEXT : BINARY, true, payload);
                cases.add(events("1." + (binary + 1) + "." + (i + 1), List.of(i == 7 ? frame.chopped(997) : frame),
                        ok(binary == 0 ? Event.text(payload) : Event.binary(payload)), NORMAL,
                        End.killAfter(lengths[i] >= 65535 ? 10 : 1)));
            }
        }
    }

    // 2: pings and pongs
    private static void section2(List<AutobahnCase> cases) {
        byte[] fe125 = fill(125, 0xFE);
        cases.add(events("2.1", List.of(Frame.of(PING, true, new byte[0])), ok(Event.pong(new byte[0])), NORMAL, End.closeAfter(1)));
        cases.add(events("2.2", List.of(Frame.of(PING, true, HELLO)), ok(Event.pong(HELLO)), NORMAL, End.closeAfter(1)));
        cases.add(events("2.3", List.of(Frame.of(PING, true, NON_UTF8)), ok(Event.pong(NON_UTF8)), NORMAL, End.closeAfter(1)));
        cases.add(events("2.4", List.of(Frame.of(PING, true, fe125)), ok(Event.pong(fe125)), NORMAL, End.closeAfter(1)));
        cases.add(events("2.5", List.of(Frame.of(PING, true, fill(126, 0xFE))), ok(), failedByServer(1002), End.killAfter(1)));
        cases.add(events("2.6", List.of(Frame.of(PING, true, fe125).chopped(1)), ok(Event.pong(fe125)), NORMAL, End.closeAfter(2)));
        cases.add(events("2.7", List.of(Frame.of(PONG, true, new byte[0]), close(1000)), ok(), NORMAL, End.closeAfter(1)));
        byte[] unsolicited = bytes("unsolicited pong payload");
        cases.add(events("2.8", List.of(Frame.of(PONG, true, unsolicited), close(1000)), ok(), NORMAL, End.closeAfter(1)));
        byte[] ping = bytes("ping payload");
        cases.add(events("2.9", List.of(Frame.of(PONG, true, unsolicited), Frame.of(PING, true, ping)), ok(Event.pong(ping)),
                NORMAL, End.closeAfter(1)));
        for (int chop : new int[] {0, 1}) {
            List<Step> pings = new ArrayList<>();
            List<Event> pongs = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                byte[] payload = bytes("payload-" + i);
                pings.add(Frame.of(PING, true, payload).chopped(chop));
                pongs.add(Event.pong(payload));
            }
            cases.add(events(chop == 0 ? "2.10" : "2.11", pings, Map.of(Grade.OK, pongs), NORMAL, End.closeAfter(3)));
        }
    }

    // 3: reserved bits; a frame with RSV bits no extension defines fails the connection with 1002
    private static void section3(List<AutobahnCase> cases) {
        CloseExpectation protocolError = failedByServer(1002);
        cases.add(events("3.1", List.of(Frame.of(TEXT, true, HELLO).withRsv(1)), ok(), protocolError, End.killAfter(1)));
        int[] rsvs = {2, 3, 4};
        for (int i = 0; i < rsvs.length; i++) {
            Frame text = Frame.of(TEXT, true, HELLO);
            Frame ping = Frame.of(PING, true, new byte[0]);
            List<Step> steps = switch (i) {
                case 0 -> List.of(text, text.withRsv(2), ping);
                case 1 -> List.of(text.synced(), text.withRsv(3).synced(), ping.synced());
                default -> List.of(text.chopped(1), text.withRsv(4).chopped(1), ping.chopped(1));
            };
            cases.add(events("3." + (i + 2), steps, okOrNothing(Event.text(HELLO)), protocolError, End.killAfter(1)));
        }
        cases.add(events("3.5", List.of(Frame.of(BINARY, true, NON_UTF8).withRsv(5)), ok(), protocolError, End.killAfter(1)));
        cases.add(events("3.6", List.of(Frame.of(PING, true, HELLO).withRsv(6)), ok(), protocolError, End.killAfter(1)));
        cases.add(events("3.7", List.of(Frame.of(CLOSE, true, new byte[0]).withRsv(7)), ok(), protocolError, End.killAfter(1)));
    }

    // 4: reserved opcodes, non-control (3-7) and control (11-15)
    private static void section4(List<AutobahnCase> cases) {
        int[][] opcodes = {{3, 4, 5, 6, 7}, {11, 12, 13, 14, 15}};
        byte[] reserved = bytes("reserved opcode payload");
        for (int group = 0; group < 2; group++) {
            int[] ops = opcodes[group];
            String prefix = "4." + (group + 1) + ".";
            cases.add(events(prefix + 1, List.of(Frame.of(ops[0], true, new byte[0])), ok(), failedByServer(1002), End.killAfter(1)));
            cases.add(events(prefix + 2, List.of(Frame.of(ops[1], true, reserved)), ok(), failedByServer(1002), End.killAfter(1)));
            Frame ping = Frame.of(PING, true, new byte[0]);
            cases.add(events(prefix + 3, List.of(Frame.of(TEXT, true, HELLO), Frame.of(ops[2], true, new byte[0]), ping),
                    okOrNothing(Event.text(HELLO)), failedByServer(1002), End.killAfter(1)));
            cases.add(events(prefix + 4, List.of(Frame.of(TEXT, true, HELLO), Frame.of(ops[3], true, HELLO), ping),
                    okOrNothing(Event.text(HELLO)), failedByServer(1002), End.killAfter(1)));
            cases.add(events(prefix + 5, List.of(Frame.of(TEXT, true, HELLO).chopped(1), Frame.of(ops[4], true, HELLO).chopped(1),
                    ping.chopped(1)), okOrNothing(Event.text(HELLO)), failedByServer(1002), End.killAfter(1)));
        }
    }

    // 5: fragmentation
    private static void section5(List<AutobahnCase> cases) {
        CloseExpectation protocolError = failedByServer(1002);
        byte[] f1 = bytes("fragment1");
        byte[] f2 = bytes("fragment2");
        byte[] f3 = bytes("fragment3");
        byte[] f12 = bytes("fragment1fragment2");
        cases.add(events("5.1", List.of(Frame.of(PING, false, f1), Frame.of(CONTINUATION, true, f2)), ok(), protocolError, End.killAfter(1)));
        cases.add(events("5.2", List.of(Frame.of(PONG, false, f1), Frame.of(CONTINUATION, true, f2)), ok(), protocolError, End.killAfter(1)));
        for (int how = 0; how < 3; how++) {
            List<Step> steps = List.of(variant(Frame.of(TEXT, false, f1), how), variant(Frame.of(CONTINUATION, true, f2), how));
            cases.add(events("5." + (3 + how), steps, ok(Event.text(f12)), NORMAL, End.closeAfter(1)));
        }
        byte[] ping = bytes("ping payload");
        for (int how = 0; how < 3; how++) {
            List<Step> steps = List.of(variant(Frame.of(TEXT, false, f1), how), variant(Frame.of(PING, true, ping), how),
                    variant(Frame.of(CONTINUATION, true, f2), how));
            cases.add(events("5." + (6 + how), steps, ok(Event.pong(ping), Event.text(f12)), NORMAL, End.closeAfter(1)));
        }
        byte[] nonContinuation = bytes("non-continuation payload");
        for (int fin = 0; fin < 2; fin++) {
            for (int how = 0; how < 3; how++) {
                List<Step> steps = List.of(variant(Frame.of(CONTINUATION, fin == 0, nonContinuation), how),
                        variant(Frame.of(TEXT, true, HELLO), how));
                cases.add(events("5." + (9 + 3 * fin + how), steps, ok(), protocolError, End.killAfter(1)));
            }
        }
        cases.add(events("5.15", List.of(Frame.of(TEXT, false, f1), Frame.of(CONTINUATION, true, f2),
                Frame.of(CONTINUATION, false, f3), Frame.of(TEXT, true, bytes("fragment4"))),
                okOrNothing(Event.text(f12)), protocolError, End.killAfter(1)));
        for (int finFirst = 0; finFirst < 2; finFirst++) {
            List<Step> steps = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                steps.add(Frame.of(CONTINUATION, finFirst == 1, f1));
                steps.add(Frame.of(TEXT, false, f2));
                steps.add(Frame.of(CONTINUATION, true, f3));
            }
            cases.add(events("5." + (16 + finFirst), steps, ok(), protocolError, End.killAfter(1)));
        }
        cases.add(events("5.18", List.of(Frame.of(TEXT, false, f1), Frame.of(TEXT, true, f2)), ok(), protocolError, End.killAfter(1)));
        for (int sync = 0; sync < 2; sync++) {
            byte[][] fragments = new byte[5][];
            for (int i = 0; i < 5; i++) {
                fragments[i] = bytes("fragment" + (i + 1));
            }
            byte[] ping1 = bytes("pongme 1!");
            byte[] ping2 = bytes("pongme 2!");
            List<Step> steps = new ArrayList<>();
            steps.add(Frame.of(TEXT, false, fragments[0]));
            steps.add(Frame.of(CONTINUATION, false, fragments[1]));
            steps.add(Frame.of(PING, true, ping1));
            steps.add(new Wait(1, null)); // the rest is sent whatever happened, and no timeout recorded
            steps.add(Frame.of(CONTINUATION, false, fragments[2]));
            steps.add(Frame.of(CONTINUATION, false, fragments[3]));
            steps.add(Frame.of(PING, true, ping2));
            steps.add(Frame.of(CONTINUATION, true, fragments[4]));
            if (sync == 1) {
                steps.replaceAll(s -> s instanceof Frame f ? f.synced() : s);
            }
            cases.add(events("5." + (19 + sync), steps,
                    ok(Event.pong(ping1), Event.pong(ping2), Event.text(concat(fragments))), NORMAL, End.closeAfter(1)));
        }
    }

    /** The three ways the suite sends the same frames: back to back, each in its own write, byte by byte. */
    private static Frame variant(Frame frame, int how) {
        return switch (how) {
            case 0 -> frame;
            case 1 -> frame.synced();
            default -> frame.chopped(1);
        };
    }

    // 6: UTF-8 handling
    private static void section6(List<AutobahnCase> cases) {
        cases.add(events("6.1.1", List.of(Frame.of(TEXT, true, new byte[0])), ok(Event.text(new byte[0])), NORMAL, End.closeAfter(1)));
        cases.add(events("6.1.2", List.of(Frame.of(TEXT, false, new byte[0]), Frame.of(CONTINUATION, false, new byte[0]),
                Frame.of(CONTINUATION, true, new byte[0])), ok(Event.text(new byte[0])), NORMAL, End.closeAfter(1)));
        byte[] middle = bytes("middle frame payload");
        cases.add(events("6.1.3", List.of(Frame.of(TEXT, false, new byte[0]), Frame.of(CONTINUATION, false, middle),
                Frame.of(CONTINUATION, true, new byte[0])), ok(Event.text(middle)), NORMAL, End.closeAfter(1)));

        byte[] hello = bytes("Hello-µ@ßöäüàá-UTF-8!!");
        byte[] hello1 = bytes("Hello-µ@ßöä");
        byte[] hello2 = bytes("üàá-UTF-8!!");
        cases.add(events("6.2.1", List.of(new Message(false, hello, 0)), ok(Event.text(hello)), NORMAL, End.closeAfter(1)));
        cases.add(events("6.2.2", List.of(Frame.of(TEXT, false, hello1), Frame.of(CONTINUATION, true, hello2)),
                ok(Event.text(hello)), NORMAL, End.closeAfter(1)));
        cases.add(events("6.2.3", List.of(new Message(false, hello, 1)), ok(Event.text(hello)), NORMAL, End.closeAfter(1)));
        cases.add(events("6.2.4", List.of(new Message(false, KOSME, 1)), ok(Event.text(KOSME)), NORMAL, End.closeAfter(1)));

        CloseExpectation invalidUtf8 = new CloseExpectation(false, Set.of(1007), false, true);
        cases.add(events("6.3.1", List.of(new Message(false, KOSME_SURROGATE_EDITED, 0)), ok(), invalidUtf8, End.killAfter(1)));
        cases.add(events("6.3.2", List.of(new Message(false, KOSME_SURROGATE_EDITED, 1)), ok(), invalidUtf8, End.killAfter(1)));

        // 6.4: fail fast; the invalid code point F4 90 80 80 is cut at different places, the parts a second apart
        byte[] part1 = KOSME;
        byte[] part2 = hex("f4908080");
        byte[] part3 = bytes("edited");
        byte[] whole = concat(part1, part2, part3);
        byte[][][] cuts = {
            {part1, part2, part3},
            {Arrays.copyOfRange(whole, 0, 12), Arrays.copyOfRange(whole, 12, 13), Arrays.copyOfRange(whole, 13, whole.length)},
        };
        Map<Grade, List<Event>> failFast = new LinkedHashMap<>();
        failFast.put(Grade.OK, List.of(Event.timeout("A")));
        failFast.put(Grade.NON_STRICT, List.of(Event.timeout("A"), Event.timeout("B")));
        for (int i = 0; i < 4; i++) {
            byte[][] parts = cuts[i % 2];
            List<Step> steps = new ArrayList<>();
            if (i < 2) {
                // three frames of one message
                steps.add(Frame.of(TEXT, false, parts[0]));
                steps.add(new Wait(1, "A"));
                steps.add(Frame.of(CONTINUATION, false, parts[1]));
                steps.add(new Wait(1, "B"));
                steps.add(Frame.of(CONTINUATION, true, parts[2]));
            } else {
                // one frame, its payload written in three parts
                steps.add(new FrameHeader(TEXT, whole));
                steps.add(new FrameData(parts[0].length));
                steps.add(new Wait(1, "A"));
                steps.add(new FrameData(parts[1].length));
                steps.add(new Wait(1, "B"));
                steps.add(new FrameData(parts[2].length));
            }
            cases.add(events("6.4." + (i + 1), steps, failFast, invalidUtf8, End.killAfter(1)));
        }

        // 6.5-6.23: one text message per sequence of the UTF-8 decoder test file, valid ones echoed, invalid ones 1007
        List<List<byte[]>> groups = Utf8Sequences.groups();
        for (int g = 0; g < groups.size(); g++) {
            List<byte[]> sequences = groups.get(g);
            for (int j = 0; j < sequences.size(); j++) {
                byte[] payload = sequences.get(j);
                boolean valid = isValidUtf8(payload);
                cases.add(events("6." + (5 + g) + "." + (j + 1), List.of(new Message(false, payload, 0)),
                        valid ? ok(Event.text(payload)) : ok(), valid ? NORMAL : invalidUtf8, End.killAfter(0.5)));
            }
        }
    }

    // 7: close handling
    private static void section7(List<AutobahnCase> cases) {
        byte[] helloWorld = bytes("Hello World!");
        CloseExpectation protocolError = new CloseExpectation(true, Set.of(1002), false, false);
        cases.add(close7("7.1.1", List.of(Frame.of(TEXT, true, helloWorld)), ok(Event.text(helloWorld)), NORMAL));
        cases.add(close7("7.1.2", List.of(close(1000), Frame.of(CLOSE, true, new byte[0])), ok(), NORMAL));
        cases.add(close7("7.1.3", List.of(close(1000), Frame.of(PING, true, new byte[0])), ok(), NORMAL));
        cases.add(close7("7.1.4", List.of(close(1000), Frame.of(TEXT, true, helloWorld)), ok(), NORMAL));
        cases.add(close7("7.1.5", List.of(Frame.of(TEXT, false, bytes("fragment1")), close(1000),
                Frame.of(CONTINUATION, true, bytes("fragment2"))), ok(), NORMAL));
        Map<Grade, List<Event>> echoedOrNot = okOrNothing(Event.text(helloWorld));
        cases.add(new AutobahnCase("7.1.6", List.of(new Frame(TEXT, true, 0, bytes("BAsd7&jh23"), 256 * KIB, 0, false),
                Frame.of(TEXT, true, helloWorld), close(1000), Frame.of(PING, true, new byte[0])),
                echoedOrNot, NORMAL, End.killAfter(1), Rule.INFORMATIONAL, null, false));

        cases.add(close7("7.3.1", List.of(new Close(new byte[0])), ok(), NORMAL));
        cases.add(close7("7.3.2", List.of(new Close(bytes("a"))), ok(), protocolError));
        cases.add(close7("7.3.3", List.of(close(1000)), ok(), NORMAL));
        cases.add(close7("7.3.4", List.of(close(1000, bytes("Hello World!"))), ok(), NORMAL));
        cases.add(close7("7.3.5", List.of(close(1000, fill(123, '*'))), ok(), NORMAL));
        cases.add(close7("7.3.6", List.of(close(1000, fill(124, '*'))), ok(), protocolError));
        cases.add(close7("7.5.1", List.of(close(1000, KOSME_SURROGATE_EDITED)), ok(),
                new CloseExpectation(true, Set.of(1002, 1007), false, false)));

        int[] valid = {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999};
        for (int i = 0; i < valid.length; i++) {
            cases.add(close7("7.7." + (i + 1), List.of(close(valid[i])), ok(),
                    new CloseExpectation(true, new TreeSet<>(List.of(1000, valid[i])), true, false)));
        }
        int[] invalid = {0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999};
        for (int i = 0; i < invalid.length; i++) {
            cases.add(close7("7.9." + (i + 1), List.of(close(invalid[i])), ok(), protocolError));
        }
        int[] outOfRange = {5000, 65535};
        for (int i = 0; i < outOfRange.length; i++) {
            cases.add(new AutobahnCase("7.13." + (i + 1), List.of(close(outOfRange[i])), ok(),
                    new CloseExpectation(true, Set.of(1000, outOfRange[i], 1002), false, false), End.killAfter(1),
                    Rule.INFORMATIONAL, null, false));
        }
    }

    // 9: limits and performance; each case is graded by the echo of what it sends
    private static void section9(List<AutobahnCase> cases) {
        int[] sizes = {64 * KIB, 256 * KIB, MIB, 4 * MIB, 8 * MIB, 16 * MIB};
        int[][] waits = {{10, 10, 100, 100, 100, 100}, {10, 10, 10, 10, 100, 100}};
        byte[][] patterns = {bytes("BAsd7&jh23"), hex("00fe23faf0")};
        for (int binary = 0; binary < 2; binary++) {
            for (int i = 0; i < sizes.length; i++) {
                Frame frame = new Frame(binary == 0 ? TEXT : BINARY, true, 0, patterns[binary], sizes[i], 0, false);
                cases.add(echo("9." + (1 + binary) + "." + (i + 1), 1, 1, waits[binary][i], binary == 1, frame, null, sizes[i] == 16 * MIB));
            }
        }
        int[] fragmentSizes = {64, 256, KIB, 4 * KIB, 16 * KIB, 64 * KIB, 256 * KIB, MIB, 4 * MIB};
        for (int binary = 0; binary < 2; binary++) {
            for (int i = 0; i < fragmentSizes.length; i++) {
                // the suite's 9.4.1 sends 0xFE, 9.4.2-9.4.9 '*', all as binary
                byte[] payload = fill(4 * MIB, binary == 1 && i == 0 ? 0xFE : '*');
                cases.add(echo("9." + (3 + binary) + "." + (i + 1), 1, 1, 100, binary == 1,
                        null, new Message(binary == 1, payload, fragmentSizes[i]), false));
            }
        }
        int[] chops = {64, 128, 256, 512, KIB, 2 * KIB};
        for (int binary = 0; binary < 2; binary++) {
            for (int i = 0; i < chops.length; i++) {
                Frame frame = new Frame(binary == 0 ? TEXT : BINARY, true, 0, patterns[binary], MIB, chops[i], false);
                cases.add(echo("9." + (5 + binary) + "." + (i + 1), 1, 1, 1000, binary == 1, frame, null, false));
            }
        }
        int[][] roundTrips = {{0, 60}, {16, 60}, {64, 60}, {256, 120}, {KIB, 240}, {4 * KIB, 480}};
        for (int binary = 0; binary < 2; binary++) {
            for (int i = 0; i < roundTrips.length; i++) {
                byte[] pattern = binary == 0 ? bytes("*") : new byte[] {(byte) 0xFE};
                Frame frame = new Frame(binary == 0 ? TEXT : BINARY, true, 0, pattern, roundTrips[i][0], 0, false);
                cases.add(echo("9." + (7 + binary) + "." + (i + 1), 1000, 1000, roundTrips[i][1], binary == 1, frame, null, false));
            }
        }
    }

    // 10: auto-fragmentation; 64 KiB of text in frames of 1300 bytes
    private static void section10(List<AutobahnCase> cases) {
        byte[] payload = fill(65536, '*');
        cases.add(events("10.1.1", List.of(new Message(false, payload, 1300)), ok(Event.text(payload)), NORMAL, End.killAfter(10)));
    }

    /**
     * 12: permessage-deflate with the default offer, the suite's five payload files; 13: one
     * file, seven offers. Each case echoes 1000 messages of one size (bytes of a binary file,
     * characters of a text file), cut from the file one after the other, compressed and
     * optionally auto-fragmented.
     */
    private static void sections12And13(List<AutobahnCase> cases) {
        int[][] sizes = { // message size, seconds, auto-fragment size
            {16, 60, 0}, {64, 60, 0}, {256, 120, 0}, {KIB, 240, 0}, {4 * KIB, 480, 0}, {8 * KIB, 480, 0}, {16 * KIB, 480, 0},
            {32 * KIB, 480, 0}, {64 * KIB, 480, 0}, {128 * KIB, 480, 0}, {8 * KIB, 480, 256}, {16 * KIB, 480, 256},
            {32 * KIB, 480, 256}, {64 * KIB, 480, 256}, {128 * KIB, 480, 256}, {128 * KIB, 480, KIB}, {128 * KIB, 480, 4 * KIB},
            {128 * KIB, 480, 32 * KIB},
        };
        List<CompressionTestData> data = List.of(CompressionTestData.values());
        for (int j = 0; j < data.size(); j++) {
            for (int i = 0; i < sizes.length; i++) {
                cases.add(compressed("12." + (j + 1) + "." + (i + 1), data.get(j), sizes[i], DEFAULT_OFFER));
            }
        }
        String[] offers = {
            DEFAULT_OFFER,
            DEFAULT_OFFER + "; server_no_context_takeover",
            DEFAULT_OFFER + "; server_max_window_bits=9",
            DEFAULT_OFFER + "; server_max_window_bits=15",
            DEFAULT_OFFER + "; server_no_context_takeover; server_max_window_bits=9",
            DEFAULT_OFFER + "; server_no_context_takeover; server_max_window_bits=15",
            DEFAULT_OFFER + "; server_no_context_takeover; server_max_window_bits=9, "
                    + DEFAULT_OFFER + "; server_no_context_takeover, " + DEFAULT_OFFER,
        };
        for (int j = 0; j < offers.length; j++) {
            for (int i = 0; i < sizes.length; i++) {
                cases.add(compressed("13." + (j + 1) + "." + (i + 1), CompressionTestData.JSON, sizes[i], offers[j]));
            }
        }
    }

    /** The suite's default offer: the client accepts no context takeover and a smaller window of its own. */
    static final String DEFAULT_OFFER = "permessage-deflate; client_no_context_takeover; client_max_window_bits";

    private static AutobahnCase compressed(String id, CompressionTestData data, int[] size, String offer) {
        int length = size[0];
        EchoLoop loop = new EchoLoop(1000, ECHO_CASES_IN_CI, size[1], data.binary(),
                i -> List.of(new Message(data.binary(), data.slice(i, length), size[2])), i -> data.slice(i, length));
        return new AutobahnCase(id, List.of(loop), Map.of(), NORMAL, End.closeAfter(size[1]), Rule.EVENTS, offer, false);
    }

    private static AutobahnCase echo(String id, int count, int ciCount, double seconds, boolean binary, Frame frame,
            Message message, boolean longRun) {
        Step send = frame != null ? frame : message;
        byte[] expected = frame != null ? frame.payload() : message.payload();
        EchoLoop loop = new EchoLoop(count, ciCount, seconds, binary, i -> List.of(send), i -> expected);
        return new AutobahnCase(id, List.of(loop), Map.of(), NORMAL, End.closeAfter(seconds), Rule.EVENTS, null, longRun);
    }

    private static AutobahnCase events(String id, List<Step> steps, Map<Grade, List<Event>> expected, CloseExpectation close, End end) {
        return new AutobahnCase(id, steps, expected, close, end, Rule.EVENTS, null, false);
    }

    private static AutobahnCase close7(String id, List<Step> steps, Map<Grade, List<Event>> expected, CloseExpectation close) {
        return new AutobahnCase(id, steps, expected, close, End.killAfter(1), Rule.WRONG_CODE_FAILS, null, false);
    }

    private static Map<Grade, List<Event>> ok(Event... events) {
        return Map.of(Grade.OK, List.of(events));
    }

    /** The echo is OK; nothing at all, as the connection failed before it, NON-STRICT. */
    private static Map<Grade, List<Event>> okOrNothing(Event echo) {
        Map<Grade, List<Event>> expected = new LinkedHashMap<>();
        expected.put(Grade.OK, List.of(echo));
        expected.put(Grade.NON_STRICT, List.of());
        return expected;
    }

    private static Close close(int code) {
        return close(code, new byte[0]);
    }

    private static Close close(int code, byte[] reason) {
        return new Close(WireFrame.close(code, reason).payload());
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] hex(String hex) {
        return HexFormat.of().parseHex(hex);
    }

    private static byte[] fill(int length, int value) {
        byte[] bytes = new byte[length];
        Arrays.fill(bytes, (byte) value);
        return bytes;
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    static boolean isValidUtf8(byte[] bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
