package io.github.wsclose;

import io.github.wsclose.AutobahnCase.CloseExpectation;
import io.github.wsclose.AutobahnCase.CloseGrade;
import io.github.wsclose.AutobahnCase.End;
import io.github.wsclose.AutobahnCase.Event;
import io.github.wsclose.AutobahnCase.Grade;
import io.github.wsclose.AutobahnCase.Rule;
import io.github.wsclose.AutobahnCase.Step;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.zip.DataFormatException;
import org.jspecify.annotations.Nullable;

/**
 * Runs one {@link AutobahnCase} on a new connection, as the suite's fuzzing client runs it, and
 * grades the result as the suite grades it.
 *
 * <p>A reader thread receives frames over the tests' {@link RawClient}, joins them into messages (inflating compressed ones),
 * answers the server's close with a close of the same code, and records every event; the
 * caller's thread sends the case's steps. When the events match what the case expects and the
 * client is to close, it closes with 1000, as the suite does. After both close frames, the
 * server has 1 s to close TCP, or the client drops it: unclean, and failed by the client.
 * Every wait is bounded and ends early when the connection changes; no wait is a sleep.
 *
 * <p>One instance per case run.
 */
final class AutobahnRun {

    /** How long the server has to close TCP after the closing handshake (the suite's {@code serverConnectionDropTimeout}). */
    static final Duration DROP_TIMEOUT = Duration.ofSeconds(1);

    private static final int NORMAL = 1000;
    private static final Duration READ_TIMEOUT = Duration.ofMinutes(10);

    /**
     * The least time an echo loop gets: the suite's limits (10 s for a 4 MiB echo) are for a
     * server without a leak detector on a machine of its own, not for a build that runs every
     * buffer through Netty's PARANOID leak detector beside other builds.
     */
    private static final Duration ECHO_FLOOR = Duration.ofSeconds(60);

    private final AutobahnCase c;
    private final boolean longProfile;
    private final RawClient client;
    private final @Nullable ClientCompression compression;
    private final Object lock = new Object();
    private final Object writeLock = new Object();
    private final Thread reader;

    // state, under lock: what was received, and how the connection stands
    private final List<Event> events = new ArrayList<>();
    private boolean closeSent;
    private boolean closeReceived;
    private boolean closedByClient;
    private @Nullable Integer remoteCode;
    private boolean tcpClosed;
    private boolean droppedByClient;
    private boolean failedByClient;
    private @Nullable String failure;
    private long handshakeDoneAt;
    private boolean writeFailed; // under writeLock

    private AutobahnRun(AutobahnCase c, boolean longProfile, RawClient client, @Nullable ClientCompression compression) {
        this.c = c;
        this.longProfile = longProfile;
        this.client = client;
        this.compression = compression;
        this.reader = new Thread(this::readAll, "autobahn-reader-" + c.id());
        reader.setDaemon(true);
    }

    /** Connects to {@code server}, runs the case and returns its grades. */
    static Result run(AutobahnCase c, InetSocketAddress server, boolean longProfile) throws Exception {
        RawClient client = RawClient.upgrade(server, TestServer.PATH, 0, c.offer()).readTimeout(READ_TIMEOUT);
        try {
            ClientCompression compression = c.offer() == null ? null : ClientCompression.accept(c.offer(), client.extensions());
            client.allowRsv(compression == null ? 0 : 4);
            AutobahnRun run = new AutobahnRun(c, longProfile, client, compression);
            try {
                return run.run();
            } finally {
                if (compression != null) {
                    run.reader.join(DROP_TIMEOUT.toMillis() * 5); // inflater and reader are done with each other
                    compression.end();
                }
            }
        } finally {
            client.close();
        }
    }

    private Result run() throws Exception {
        reader.start();
        Grade loopGrade = null;
        if (c.offer() != null && compression == null) {
            sendClose(NORMAL); // the server did not accept the extension
            finish(End.closeAfter(1));
            return grade(Grade.UNIMPLEMENTED);
        }
        for (Step step : c.steps()) {
            if (step instanceof Step.EchoLoop loop) {
                loopGrade = echo(loop);
            } else if (!send(step)) {
                break;
            }
        }
        finish(c.end());
        reader.join(DROP_TIMEOUT.toMillis() * 5);
        return grade(loopGrade);
    }

    /** Sends one step; false if the steps stop here, as a tagged wait found the connection closing. */
    private boolean send(Step step) throws IOException, InterruptedException {
        if (step instanceof Step.Frame frame) {
            write(client.masked(new WireFrame(frame.fin(), frame.rsv(), frame.opcode(), frame.payload())), frame.chop());
        } else if (step instanceof Step.Message message) {
            sendMessage(message);
        } else if (step instanceof Step.FrameHeader header) {
            streamed = client.masked(WireFrame.of(header.opcode(), header.payload()));
            streamedSent = streamed.length - header.payload().length;
            write(Arrays.copyOf(streamed, streamedSent), 0);
        } else if (step instanceof Step.FrameData data) {
            write(Arrays.copyOfRange(streamed, streamedSent, streamedSent + data.length()), 0);
            streamedSent += data.length();
        } else if (step instanceof Step.Wait wait) {
            awaitUntil(() -> !open(), Duration.ofMillis((long) (wait.seconds() * 1000)));
            if (wait.tag() != null) {
                synchronized (lock) {
                    if (!open()) {
                        return false;
                    }
                    events.add(Event.timeout(wait.tag()));
                }
            }
        } else if (step instanceof Step.Close close) {
            sendCloseFrame(close.payload());
        } else {
            throw new IllegalArgumentException("an echo loop is run, not sent: " + step);
        }
        return true;
    }

    // the frame whose payload goes out in parts (6.4.3, 6.4.4), and how much of it is out; only the sending thread uses them
    private byte[] streamed = new byte[0];
    private int streamedSent;

    /** Sends the loop's messages one by one, each after the echo of the last; OK if every echo is right in time. */
    private Grade echo(Step.EchoLoop loop) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Math.max((long) (loop.seconds() * 1e9), ECHO_FLOOR.toNanos());
        int count = longProfile ? loop.count() : loop.ciCount();
        for (int i = 0; i < count; i++) {
            int seen;
            synchronized (lock) {
                seen = events.size();
            }
            for (Step step : loop.message().apply(i)) {
                send(step);
            }
            long left = deadline - System.nanoTime();
            awaitUntil(() -> events.size() > seen || !open(), Duration.ofNanos(Math.max(0, left)));
            Event expected = loop.binary() ? Event.binary(loop.payload().apply(i)) : Event.text(loop.payload().apply(i));
            synchronized (lock) {
                if (events.size() <= seen || !events.get(seen).equals(expected)) {
                    failure = events.size() <= seen ? "no echo of message " + i + " in time"
                            : "echo of message " + i + " differs: " + events.get(seen) + " (expected: " + expected + ")";
                    break;
                }
                events.clear(); // the echoes are checked one by one: no need to hold them all
            }
        }
        sendClose(NORMAL);
        return failure == null ? Grade.OK : Grade.FAILED;
    }

    private void sendMessage(Step.Message message) throws IOException {
        byte[] payload = compression == null ? message.payload() : compression.compress(message.payload());
        int rsv = compression == null ? 0 : 4;
        int size = message.fragmentSize() <= 0 ? Math.max(1, payload.length) : message.fragmentSize();
        int opcode = message.binary() ? WireFrame.BINARY : WireFrame.TEXT;
        ByteArrayOutputStream wire = new ByteArrayOutputStream(payload.length + 16);
        int offset = 0;
        do {
            int end = Math.min(payload.length, offset + size);
            boolean first = offset == 0;
            wire.writeBytes(client.masked(new WireFrame(end == payload.length, first ? rsv : 0,
                    first ? opcode : WireFrame.CONTINUATION, Arrays.copyOfRange(payload, offset, end))));
            offset = end;
        } while (offset < payload.length);
        write(wire.toByteArray(), 0);
    }

    private void sendCloseFrame(byte[] payload) throws IOException {
        synchronized (lock) {
            if (!closeSent && !closeReceived) {
                closedByClient = true;
            }
            closeSent = true;
            if (closeReceived) {
                handshakeDoneAt = System.nanoTime();
            }
        }
        write(client.masked(WireFrame.close(payload)), 0);
    }

    private void sendClose(int code) throws IOException {
        synchronized (lock) {
            if (closeSent || tcpClosed) {
                return;
            }
        }
        sendCloseFrame(WireFrame.close(code).payload());
    }

    /**
     * Writes one frame or more, whole, from either thread; once TCP is gone, or a write failed
     * as the server stopped reading, nothing more is written, which is not an error of the case.
     */
    private void write(byte[] wire, int chop) {
        synchronized (writeLock) {
            if (isTcpClosed() || writeFailed) {
                return;
            }
            try {
                client.sendChopped(wire, chop);
            } catch (IOException e) {
                writeFailed = true;
            }
        }
    }

    /** Waits for the end of the case: the server closing, or the case's timer, then the client's close or drop. */
    private void finish(End end) throws IOException, InterruptedException {
        awaitUntil(() -> tcpClosed || handshakeDoneAt != 0, Duration.ofMillis((long) (end.seconds() * 1000)));
        if (!isTcpClosed() && !handshakeDone()) {
            if (end.kill()) {
                drop();
                return;
            }
            sendClose(NORMAL);
            awaitUntil(() -> tcpClosed || handshakeDoneAt != 0, DROP_TIMEOUT);
        }
        awaitUntil(() -> tcpClosed, DROP_TIMEOUT);
        if (!isTcpClosed()) {
            drop();
        }
    }

    private void drop() throws IOException {
        synchronized (lock) {
            if (tcpClosed) {
                return;
            }
            droppedByClient = true;
            tcpClosed = true;
        }
        client.reset(); // as the suite's client aborts: an RST
    }

    /** The reader thread: frames into events until TCP closes. */
    private void readAll() {
        ByteArrayOutputStream message = null;
        int messageOpcode = 0;
        boolean compressed = false;
        try {
            for (WireFrame frame; (frame = client.readFrame()) != null; ) {
                switch (frame.opcode()) {
                    case WireFrame.TEXT, WireFrame.BINARY -> {
                        message = new ByteArrayOutputStream();
                        messageOpcode = frame.opcode();
                        compressed = (frame.rsv() & 4) != 0;
                        message.writeBytes(frame.payload());
                    }
                    case WireFrame.CONTINUATION -> message.writeBytes(frame.payload());
                    case WireFrame.PING -> {
                        record(new Event(Event.Kind.PING, frame.payload()));
                        write(client.masked(WireFrame.of(WireFrame.PONG, frame.payload())), 0);
                    }
                    case WireFrame.PONG -> record(Event.pong(frame.payload()));
                    case WireFrame.CLOSE -> received(frame.payload());
                    default -> throw new ProtocolException("reserved opcode " + frame.opcode() + " from the server");
                }
                if (frame.fin() && message != null && (frame.opcode() == WireFrame.CONTINUATION || !frame.isControl())) {
                    byte[] payload = compressed ? compression.inflate(message.toByteArray()) : message.toByteArray();
                    record(messageOpcode == WireFrame.TEXT ? Event.text(payload) : Event.binary(payload));
                    message = null;
                }
            }
        } catch (SocketTimeoutException e) {
            fail("the server sent nothing for 10 minutes");
        } catch (SocketException | EOFException e) {
            // TCP ended: the server reset or closed it inside a frame, or the client dropped it
        } catch (IOException | DataFormatException | RuntimeException e) {
            fail(e.toString()); // a malformed frame, a continuation without a start, data that does not inflate
        } finally {
            synchronized (lock) {
                tcpClosed = true;
                lock.notifyAll();
            }
        }
    }

    /** The client fails the connection: it drops TCP. */
    private void fail(String why) {
        synchronized (lock) {
            if (failure == null) {
                failure = why;
            }
            failedByClient = true;
            droppedByClient = !tcpClosed;
            lock.notifyAll();
        }
        try {
            client.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    private void received(byte[] closePayload) throws IOException {
        boolean answer;
        synchronized (lock) {
            if (closeReceived) {
                return; // a second close frame is not answered
            }
            closeReceived = true;
            remoteCode = closePayload.length >= 2 ? (closePayload[0] & 0xFF) << 8 | closePayload[1] & 0xFF : null;
            answer = !closeSent;
            if (!answer) {
                handshakeDoneAt = System.nanoTime();
            }
            lock.notifyAll();
        }
        if (answer) {
            // the answer repeats the server's code, as the suite's client does
            sendCloseFrame(WireFrame.close(remoteCode == null ? -1 : remoteCode, "").payload());
            synchronized (lock) {
                lock.notifyAll();
            }
        }
    }

    /** Records an event; once the events are all the case expects and the client is to close, closes with 1000. */
    private void record(Event event) throws IOException {
        boolean close;
        synchronized (lock) {
            events.add(event);
            lock.notifyAll();
            Map<Grade, List<Event>> expected = c.expected();
            close = c.close().closedByClient() && !expected.isEmpty()
                    && expected.values().stream().allMatch(events::equals);
        }
        if (close) {
            sendClose(NORMAL);
        }
    }

    private void awaitUntil(BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            for (long left = timeout.toNanos(); !condition.getAsBoolean() && left > 0; left = deadline - System.nanoTime()) {
                lock.wait(Math.max(1, left / 1_000_000));
            }
        }
    }

    /** Open as the suite means it: no close frame sent or received, TCP up. */
    private boolean open() {
        synchronized (lock) {
            return !closeSent && !closeReceived && !tcpClosed;
        }
    }

    private boolean isTcpClosed() {
        synchronized (lock) {
            return tcpClosed;
        }
    }

    private boolean handshakeDone() {
        synchronized (lock) {
            return handshakeDoneAt != 0;
        }
    }

    /** Grades the run as the suite does ({@code Case.onConnectionLost} and the cases' own rules). */
    private Result grade(@Nullable Grade loopGrade) {
        synchronized (lock) {
            Grade grade = loopGrade;
            if (grade == null) {
                grade = c.expected().entrySet().stream().filter(e -> e.getValue().equals(events)).map(Map.Entry::getKey)
                        .findFirst().orElse(Grade.FAILED);
            }
            boolean clean = closeSent && closeReceived && !failedByClient && !droppedByClient;
            CloseExpectation expected = c.close();
            CloseGrade closeGrade;
            if (expected.closedByClient() != closedByClient) {
                closeGrade = CloseGrade.FAILED;
                if (expected.wrongEndpointFailsTheCase()) {
                    grade = Grade.FAILED;
                }
            } else if (expected.requireClean() && !clean) {
                closeGrade = CloseGrade.UNCLEAN;
            } else if (remoteCode != null && !expected.codes().contains(remoteCode)) {
                closeGrade = CloseGrade.WRONG_CODE;
            } else if (droppedByClient) {
                closeGrade = CloseGrade.FAILED_BY_CLIENT;
            } else {
                closeGrade = CloseGrade.OK;
            }
            if (grade == Grade.UNIMPLEMENTED) {
                closeGrade = CloseGrade.OK;
            } else if (c.rule() == Rule.WRONG_CODE_FAILS && closeGrade == CloseGrade.WRONG_CODE) {
                grade = Grade.FAILED;
            } else if (c.rule() == Rule.INFORMATIONAL) {
                grade = Grade.INFORMATIONAL;
                closeGrade = CloseGrade.INFORMATIONAL;
            }
            return new Result(grade, closeGrade, List.copyOf(events), remoteCode, closedByClient, clean, droppedByClient, failure);
        }
    }

    /**
     * The grades of one run, and what they rest on.
     *
     * @param grade          the suite's {@code behavior}
     * @param closeGrade     the suite's {@code behaviorClose}
     * @param events         what the client received (after an echo loop: the events since its last check)
     * @param remoteCode     the server's close code, null for none or an empty close
     * @param closedByClient whether the client sent the first close frame
     * @param clean          whether the closing handshake completed and the server closed TCP
     * @param droppedByClient whether the client had to close TCP
     * @param failure        why the client failed the connection or an echo loop failed, or null
     */
    record Result(Grade grade, CloseGrade closeGrade, List<Event> events, @Nullable Integer remoteCode, boolean closedByClient,
            boolean clean, boolean droppedByClient, @Nullable String failure) {

        boolean passed() {
            return grade != Grade.FAILED && grade != Grade.UNIMPLEMENTED
                    && (closeGrade == CloseGrade.OK || closeGrade == CloseGrade.INFORMATIONAL);
        }
    }
}
