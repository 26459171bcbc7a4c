package io.github.wsclose;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;
import org.jspecify.annotations.Nullable;

/**
 * One case of the Autobahn|Testsuite as data: what the client sends, what it expects back, and
 * how the suite grades what happened. {@link AutobahnCases} holds the tables.
 *
 * @param id       the suite's case number, such as {@code "6.4.1"}
 * @param steps    what the client does after the opening handshake, in order
 * @param expected for each grade, the exact events that earn it (the suite's {@code expected});
 *                 empty for the cases graded by an {@link Step.EchoLoop}
 * @param close    the suite's {@code expectedClose}
 * @param end      what the client does when its steps are done and the server has not closed
 * @param rule     how the suite turns the result into the case's final grades
 * @param offer    the {@code Sec-WebSocket-Extensions} offer, or null for none
 * @param longRun  whether the case runs only in the long profile ({@code -Pautobahn-long})
 */
record AutobahnCase(String id, List<Step> steps, Map<Grade, List<Event>> expected, CloseExpectation close, End end,
        Rule rule, @Nullable String offer, boolean longRun) {

    /** The section, the first part of the id. */
    int section() {
        return Integer.parseInt(id.substring(0, id.indexOf('.')));
    }

    @Override
    public String toString() {
        return id;
    }

    /** The suite's grade of what the client received ({@code behavior}). */
    enum Grade { OK, NON_STRICT, INFORMATIONAL, UNIMPLEMENTED, FAILED }

    /** The suite's grade of how the connection closed ({@code behaviorClose}). */
    enum CloseGrade { OK, WRONG_CODE, UNCLEAN, FAILED_BY_CLIENT, INFORMATIONAL, FAILED }

    /**
     * How the suite's case turns its results into final grades.
     */
    enum Rule {
        /** The events decide; the close is graded on its own. */
        EVENTS,
        /** Section 7: a wrong close code fails the case as well. */
        WRONG_CODE_FAILS,
        /** Cases whose outcome the RFC leaves open (7.1.6, 7.13): both grades informational. */
        INFORMATIONAL
    }

    /** What the client does at the end, unless the server closed first ({@code killAfter}, {@code closeAfter}). */
    record End(boolean kill, double seconds) {
        static End killAfter(double seconds) {
            return new End(true, seconds);
        }

        static End closeAfter(double seconds) {
            return new End(false, seconds);
        }
    }

    /**
     * The suite's {@code expectedClose}.
     *
     * @param closedByClient            whether the client is to send the first close frame
     * @param codes                     the close codes the server may send (an empty close is always accepted)
     * @param requireClean              whether the closing handshake must complete
     * @param wrongEndpointFailsTheCase whether a close started by the wrong end fails the case (6.x UTF-8 cases)
     */
    record CloseExpectation(boolean closedByClient, Set<Integer> codes, boolean requireClean, boolean wrongEndpointFailsTheCase) {

        /** The client closes with 1000 once it has what it expects, and the handshake completes. */
        static final CloseExpectation NORMAL = new CloseExpectation(true, Set.of(1000), true, false);

        /** The server fails the connection with {@code code}. */
        static CloseExpectation failedByServer(int code) {
            return new CloseExpectation(false, Set.of(code), false, false);
        }
    }

    /** One thing the client saw: a whole message, a pong, a ping, or a wait that ran out (a {@code timeout}). */
    record Event(Kind kind, byte[] payload) {

        enum Kind { TEXT, BINARY, PONG, PING, TIMEOUT }

        static Event text(byte[] payload) {
            return new Event(Kind.TEXT, payload);
        }

        static Event text(String payload) {
            return text(payload.getBytes(StandardCharsets.UTF_8));
        }

        static Event binary(byte[] payload) {
            return new Event(Kind.BINARY, payload);
        }

        static Event pong(byte[] payload) {
            return new Event(Kind.PONG, payload);
        }

        static Event timeout(String tag) {
            return new Event(Kind.TIMEOUT, tag.getBytes(StandardCharsets.US_ASCII));
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Event e && e.kind == kind && Arrays.equals(e.payload, payload);
        }

        @Override
        public int hashCode() {
            return kind.hashCode() * 31 + Arrays.hashCode(payload);
        }

        @Override
        public String toString() {
            if (kind == Kind.TIMEOUT) {
                return "timeout " + new String(payload, StandardCharsets.US_ASCII);
            }
            String head = kind + " (" + payload.length + " bytes";
            return payload.length <= 32 ? head + ": " + HexFormat.of().formatHex(payload) + ")" : head + ")";
        }
    }

    /** One thing the client does. */
    sealed interface Step {

        /**
         * One frame, sent as the suite's {@code sendFrame}: {@code pattern} repeated to
         * {@code length} bytes, masked, then written in pieces of {@code chop} bytes (0: at once),
         * each piece flushed on its own when {@code chop} or {@code sync} says so.
         */
        record Frame(int opcode, boolean fin, int rsv, byte[] pattern, int length, int chop, boolean sync) implements Step {
            public Frame {
                if (length > 0 && pattern.length == 0) {
                    throw new IllegalArgumentException("a payload of " + length + " bytes needs a pattern");
                }
            }

            static Frame of(int opcode, boolean fin, byte[] payload) {
                return new Frame(opcode, fin, 0, payload, payload.length, 0, false);
            }

            Frame chopped(int chop) {
                return new Frame(opcode, fin, rsv, pattern, length, chop, sync);
            }

            Frame synced() {
                return new Frame(opcode, fin, rsv, pattern, length, chop, true);
            }

            Frame withRsv(int rsv) {
                return new Frame(opcode, fin, rsv, pattern, length, chop, sync);
            }

            byte[] payload() {
                byte[] payload = new byte[length];
                for (int i = 0; i < length; i++) {
                    payload[i] = pattern[i % pattern.length];
                }
                return payload;
            }
        }

        /**
         * One message, sent as the suite's {@code sendMessage}: compressed if the extension was
         * negotiated, then cut into frames of {@code fragmentSize} bytes (0: one frame).
         */
        record Message(boolean binary, byte[] payload, int fragmentSize) implements Step {
        }

        /** The header of one final frame of {@code payload}, whose payload follows in {@link FrameData} steps. */
        record FrameHeader(int opcode, byte[] payload) implements Step {
        }

        /** The next {@code length} bytes of the payload of the last {@link FrameHeader}. */
        record FrameData(int length) implements Step {
        }

        /**
         * The suite's {@code continueLater}: waits this long, or until the server closes; with a
         * tag, the next steps run only if the connection is still open, after a timeout event
         * with that tag is recorded.
         */
        record Wait(double seconds, @Nullable String tag) implements Step {
        }

        /** A close frame with this payload, valid or not; the first close frame sent makes the client the closer. */
        record Close(byte[] payload) implements Step {
        }

        /**
         * The echo cases of sections 9, 12 and 13: {@code count} times, send message {@code i}
         * and wait for its echo, which must have the same type and bytes; then close with 1000.
         * The case is OK if all echoes came back right within {@code seconds}, FAILED otherwise.
         *
         * @param count   how many messages in the suite
         * @param ciCount how many in a normal build (the long profile sends {@code count})
         */
        record EchoLoop(int count, int ciCount, double seconds, boolean binary, IntFunction<List<Step>> message,
                IntFunction<byte[]> payload) implements Step {
        }
    }
}
