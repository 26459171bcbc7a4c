package io.github.wsclose.autobahn;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.jspecify.annotations.Nullable;

/**
 * A WebSocket client on a plain {@link Socket}, as a conformance test client needs one: it
 * writes whatever frames it is given, legal or not, encoded and masked here byte by byte, and
 * records every frame the server sends until the server closes TCP.
 *
 * <p>The opening handshake may take up to {@link #UPGRADE_TIMEOUT}; after it, every read waits
 * at most the read timeout given to {@link #connect}, and a server that neither sends nor closes
 * within it ends the recording with {@link TcpEnd#TIMEOUT}. Frames the server sends must be
 * well formed (unmasked, no RSV bits, control frames final and at most 125 bytes, no close payload
 * of 1 byte); anything else fails with a {@link ProtocolException}.
 *
 * <p>One connection per instance; not thread-safe.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6455#section-5.2">RFC 6455 §5.2</a>
 */
final class RawWebSocketClient implements Closeable {

    /** The longest the opening handshake may take. */
    static final Duration UPGRADE_TIMEOUT = Duration.ofSeconds(5);

    private static final String ACCEPT_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private static final int MAX_HEADER_BYTES = 8192;
    private static final int MAX_FRAME_BYTES = 32 << 20;
    private static final int MAX_FRAMES = 100;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final Random random;

    // what the server sent, and what went wrong on our side
    private final List<Frame> received = new ArrayList<>();
    private @Nullable IOException writeFailure;
    private @Nullable String extensions;

    private RawWebSocketClient(Socket socket, Random random) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
        this.random = random;
    }

    /**
     * Connects to {@code server} and performs the opening handshake for {@code path}, checking
     * the server's {@code Sec-WebSocket-Accept}; from then on every read waits at most
     * {@code readTimeout}.
     *
     * @throws ProtocolException if the server does not switch protocols correctly
     * @throws IOException       if the connection fails or times out
     */
    static RawWebSocketClient connect(InetSocketAddress server, String path, Duration readTimeout) throws IOException {
        return connect(server, path, readTimeout, null);
    }

    /**
     * Same, offering the extensions of {@code extensionOffer} (the value of a
     * {@code Sec-WebSocket-Extensions} header) unless it is null; {@link #extensions()} tells
     * what the server accepted.
     */
    static RawWebSocketClient connect(InetSocketAddress server, String path, Duration readTimeout,
            @Nullable String extensionOffer) throws IOException {
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.connect(server, (int) UPGRADE_TIMEOUT.toMillis());
            socket.setSoTimeout((int) UPGRADE_TIMEOUT.toMillis());
            RawWebSocketClient client = new RawWebSocketClient(socket, new Random(6455));
            client.upgrade(server, path, extensionOffer);
            socket.setSoTimeout((int) readTimeout.toMillis());
            return client;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /**
     * Writes {@code frames} back to back in one write, as a fast client would. A write that
     * fails (the server closed TCP before reading everything) is recorded, not thrown: what the
     * server answered is still to be read.
     */
    void send(List<Frame> frames) {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        for (Frame frame : frames) {
            wire.writeBytes(masked(frame));
        }
        try {
            out.write(wire.toByteArray());
            out.flush();
        } catch (IOException e) {
            if (writeFailure == null) {
                writeFailure = e;
            }
        }
    }

    /**
     * Reads until {@code count} data frames have been received in all, or a close frame or the
     * end of the stream comes first.
     *
     * @throws SocketTimeoutException if the server sends nothing for the read timeout
     * @throws ProtocolException      if the server sends a malformed frame
     */
    void awaitDataFrames(int count) throws IOException {
        while (received.stream().filter(Frame::isData).count() < count) {
            Frame frame = readFrame();
            if (frame == null || frame.opcode() == Frame.CLOSE) {
                return;
            }
        }
    }

    /**
     * Reads every frame until the server closes TCP, resets it, or stays silent for the read
     * timeout, and returns all frames received on this connection.
     *
     * @throws ProtocolException if the server sends a malformed frame, or more than 100 frames
     * @throws IOException       if the stream ends in the middle of a frame
     */
    Transcript readUntilClosed() throws IOException {
        TcpEnd end;
        try {
            while (readFrame() != null) {
                if (received.size() > MAX_FRAMES) {
                    throw new ProtocolException("more than " + MAX_FRAMES + " frames from the server");
                }
            }
            end = TcpEnd.EOF;
        } catch (SocketTimeoutException e) {
            end = TcpEnd.TIMEOUT;
        } catch (SocketException e) {
            end = TcpEnd.RESET;
        }
        return new Transcript(List.copyOf(received), end, writeFailure);
    }

    /** The local port of this connection: the server sees it as the client's port. */
    int localPort() {
        return socket.getLocalPort();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    /** The server's {@code Sec-WebSocket-Extensions} response header, or null if it accepted none. */
    @Nullable String extensions() {
        return extensions;
    }

    /**
     * Writes {@code bytes}, already encoded and masked: at once, or in pieces of {@code chop}
     * bytes, each flushed on its own, as a slow or fragmenting network would deliver them.
     *
     * @throws IOException if the server closed TCP before reading it all
     */
    void write(byte[] bytes, int chop) throws IOException {
        if (chop <= 0) {
            out.write(bytes);
        } else {
            for (int i = 0; i < bytes.length; i += chop) {
                out.write(bytes, i, Math.min(chop, bytes.length - i));
                out.flush();
            }
        }
        out.flush();
    }

    /** Encodes a frame with any RSV bits and a fresh masking key, legal or not. */
    byte[] encode(int opcode, boolean fin, int rsv, byte[] payload) {
        byte[] mask = newMask();
        byte[] head = header(opcode, fin, rsv, payload.length, mask);
        byte[] wire = Arrays.copyOf(head, head.length + payload.length);
        maskInto(payload, mask, 0, wire, head.length);
        return wire;
    }

    /** A fresh masking key. */
    byte[] newMask() {
        byte[] mask = new byte[4];
        random.nextBytes(mask);
        return mask;
    }

    /** The header of a frame of {@code length} payload bytes, masked with {@code mask}. */
    static byte[] header(int opcode, boolean fin, int rsv, long length, byte[] mask) {
        int extendedLength = length < 126 ? 0 : length <= 0xFFFF ? 2 : 8;
        byte[] head = new byte[2 + extendedLength + 4];
        head[0] = (byte) ((fin ? 0x80 : 0) | (rsv & 7) << 4 | opcode);
        // a client MUST mask every frame it sends (§5.3): the MASK bit is always set
        if (extendedLength == 0) {
            head[1] = (byte) (0x80 | length);
        } else if (extendedLength == 2) {
            head[1] = (byte) (0x80 | 126);
            head[2] = (byte) (length >>> 8);
            head[3] = (byte) length;
        } else {
            head[1] = (byte) (0x80 | 127);
            for (int i = 0; i < 8; i++) {
                head[2 + i] = (byte) (length >>> (56 - 8 * i));
            }
        }
        System.arraycopy(mask, 0, head, head.length - 4, 4);
        return head;
    }

    /** Masks {@code payload}, which starts at byte {@code offset} of its frame's payload, into {@code wire} at {@code at}. */
    static void maskInto(byte[] payload, byte[] mask, long offset, byte[] wire, int at) {
        for (int j = 0; j < payload.length; j++) {
            wire[at + j] = (byte) (payload[j] ^ mask[(int) ((offset + j) & 3)]);
        }
    }

    /**
     * Reads the next frame without recording it; RSV1 is accepted when {@code rsv1Allowed}, as
     * permessage-deflate negotiated it. Returns null if the server closed TCP between frames.
     *
     * @throws ProtocolException if the server sends a malformed frame
     */
    @Nullable Frame nextFrame(boolean rsv1Allowed) throws IOException {
        return readFrame(rsv1Allowed ? 0x40 : 0, false);
    }

    private void upgrade(InetSocketAddress server, String path, @Nullable String extensionOffer) throws IOException {
        byte[] nonce = new byte[16];
        random.nextBytes(nonce);
        String key = Base64.getEncoder().encodeToString(nonce);
        String request = "GET " + path + " HTTP/1.1\r\n"
                + "Host: " + server.getHostString() + ":" + server.getPort() + "\r\n"
                + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + key + "\r\n"
                + "Sec-WebSocket-Version: 13\r\n"
                + (extensionOffer == null ? "" : "Sec-WebSocket-Extensions: " + extensionOffer + "\r\n")
                + "\r\n";
        out.write(request.getBytes(StandardCharsets.US_ASCII));
        out.flush();

        String[] lines = readResponseHead().split("\r\n");
        if (!lines[0].startsWith("HTTP/1.1 101")) {
            throw new ProtocolException("upgrade refused: " + lines[0] + " (expected: HTTP/1.1 101)");
        }
        Map<String, String> headers = new HashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
        }
        String accept = headers.get("sec-websocket-accept");
        if (!acceptFor(key).equals(accept)) {
            throw new ProtocolException("wrong Sec-WebSocket-Accept: " + accept + " (expected: " + acceptFor(key) + ")");
        }
        if (!"websocket".equalsIgnoreCase(headers.get("upgrade"))) {
            throw new ProtocolException("wrong Upgrade header: " + headers.get("upgrade") + " (expected: websocket)");
        }
        extensions = headers.get("sec-websocket-extensions");
    }

    /** Reads the status line and headers, up to and without the blank line, and not one byte more. */
    private String readResponseHead() throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int last4 = 0;
        while (last4 != 0x0D0A0D0A) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed during the upgrade after " + head.size() + " bytes");
            }
            if (head.size() == MAX_HEADER_BYTES) {
                throw new ProtocolException("upgrade response head longer than " + MAX_HEADER_BYTES + " bytes");
            }
            head.write(b);
            last4 = last4 << 8 | b;
        }
        String text = head.toString(StandardCharsets.US_ASCII);
        return text.substring(0, text.length() - 4);
    }

    /** Encodes {@code frame} with a fresh masking key. */
    private byte[] masked(Frame frame) {
        return encode(frame.opcode(), frame.fin(), frame.rsv(), frame.payload());
    }

    /** Reads and records one frame; returns null if the server closed TCP between frames. */
    private @Nullable Frame readFrame() throws IOException {
        return readFrame(0, true);
    }

    private @Nullable Frame readFrame(int allowedRsv, boolean record) throws IOException {
        int first = in.read();
        if (first < 0) {
            return null;
        }
        int second = readByte();
        if ((first & 0x70 & ~allowedRsv) != 0) {
            throw new ProtocolException("RSV bits set without an extension: 0x" + Integer.toHexString(first));
        }
        if ((second & 0x80) != 0) {
            // a server MUST NOT mask any frames that it sends to the client (§5.1)
            throw new ProtocolException("masked frame from the server");
        }
        long length = second & 0x7F;
        if (length == 126) {
            length = readNumber(2);
        } else if (length == 127) {
            length = readNumber(8);
        }
        if (length > MAX_FRAME_BYTES) {
            throw new ProtocolException("frame of " + length + " bytes from the server (expected: <= " + MAX_FRAME_BYTES + ")");
        }
        byte[] payload = in.readNBytes((int) length);
        if (payload.length < length) {
            throw new EOFException("connection closed inside a frame: " + payload.length + " of " + length + " payload bytes");
        }
        Frame frame = new Frame(first & 0x0F, (first & 0x80) != 0, payload, (first & 0x70) >> 4);
        // control frames MUST NOT be fragmented and MUST have a payload of 125 bytes or less (§5.5)
        if (frame.isControl() && (!frame.fin() || length > 125)) {
            throw new ProtocolException("malformed control frame from the server: " + frame);
        }
        // a close frame body MUST start with a 2-byte status code (§5.5.1)
        if (frame.opcode() == Frame.CLOSE && length == 1) {
            throw new ProtocolException("close frame payload of 1 byte from the server (expected: 0 or >= 2)");
        }
        if (record) {
            received.add(frame);
        }
        return frame;
    }

    private int readByte() throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new EOFException("connection closed inside a frame header");
        }
        return b;
    }

    private long readNumber(int bytes) throws IOException {
        long value = 0;
        for (int i = 0; i < bytes; i++) {
            value = value << 8 | readByte();
        }
        return value;
    }

    private static String acceptFor(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest((key + ACCEPT_GUID).getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-1", e);
        }
    }

    /** How the server ended the TCP connection, as this client saw it. */
    enum TcpEnd {
        /** An orderly close (FIN): the read returned end of stream. */
        EOF,
        /** A reset (RST): the server closed with bytes of ours still unread. */
        RESET,
        /** Neither: the server sent nothing and kept TCP open for the whole read timeout. */
        TIMEOUT
    }

    /**
     * Everything the server sent on one connection, how it ended, and whether one of our writes
     * failed because the server had closed already.
     */
    record Transcript(List<Frame> frames, TcpEnd end, @Nullable IOException writeFailure) {

        /** The close frames received, in order. */
        List<Frame> closeFrames() {
            return frames.stream().filter(f -> f.opcode() == Frame.CLOSE).toList();
        }

        @Override
        public String toString() {
            return frames + " then " + end + (writeFailure == null ? "" : ", write failed: " + writeFailure);
        }
    }

    /**
     * One WebSocket frame, as sent or received: opcode, FIN bit, unmasked payload and RSV bits.
     * Equal when all four are.
     */
    record Frame(int opcode, boolean fin, byte[] payload, int rsv) {

        static final int CONTINUATION = 0x0;
        static final int TEXT = 0x1;
        static final int BINARY = 0x2;
        static final int CLOSE = 0x8;
        static final int PING = 0x9;
        static final int PONG = 0xA;

        /** A frame without RSV bits. */
        Frame(int opcode, boolean fin, byte[] payload) {
            this(opcode, fin, payload, 0);
        }

        /** A final text frame. */
        static Frame text(String text) {
            return new Frame(TEXT, true, text.getBytes(StandardCharsets.UTF_8));
        }

        /** A close frame whose payload is {@code payload} as it is, legal or not. */
        static Frame close(byte[] payload) {
            return new Frame(CLOSE, true, payload);
        }

        /** A close frame with {@code code} as a 2-byte big-endian number followed by {@code reason}. */
        static Frame close(int code, byte[] reason) {
            return close(ByteBuffer.allocate(2 + reason.length).putShort((short) code).put(reason).array());
        }

        /** A close frame with {@code code} and no reason. */
        static Frame close(int code) {
            return close(code, new byte[0]);
        }

        boolean isControl() {
            return (opcode & 0x8) != 0;
        }

        boolean isData() {
            return opcode == TEXT || opcode == BINARY || opcode == CONTINUATION;
        }

        /** The status code of a close frame; 1005 for an empty one, as RFC 6455 §7.1.5 reports it. */
        int closeCode() {
            return payload.length == 0 ? 1005 : (payload[0] & 0xFF) << 8 | payload[1] & 0xFF;
        }

        /**
         * The reason of a close frame, decoded strictly.
         *
         * @throws CharacterCodingException if the reason is not valid UTF-8
         */
        String closeReason() throws CharacterCodingException {
            ByteBuffer reason = ByteBuffer.wrap(payload, Math.min(2, payload.length), Math.max(0, payload.length - 2));
            return StandardCharsets.UTF_8.newDecoder().decode(reason).toString();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Frame f && f.opcode == opcode && f.fin == fin && f.rsv == rsv && Arrays.equals(f.payload, payload);
        }

        @Override
        public int hashCode() {
            return 31 * (31 * (31 * opcode + Boolean.hashCode(fin)) + Arrays.hashCode(payload)) + rsv;
        }

        /** Reads like {@code TEXT 'Hello World!'}, {@code CLOSE 1002 'reason'} or {@code PING (3 bytes)}. */
        @Override
        public String toString() {
            String head = switch (opcode) {
                case CONTINUATION -> "CONTINUATION";
                case TEXT -> "TEXT";
                case BINARY -> "BINARY";
                case CLOSE -> "CLOSE";
                case PING -> "PING";
                case PONG -> "PONG";
                default -> "OPCODE " + opcode;
            } + (fin ? "" : " (not final)");
            if (opcode == TEXT && payload.length <= 64) {
                return head + " '" + new String(payload, StandardCharsets.UTF_8) + "'";
            }
            if (opcode == CLOSE) {
                String reason = new String(payload, Math.min(2, payload.length), Math.max(0, payload.length - 2), StandardCharsets.UTF_8);
                return head + " " + (payload.length == 0 ? "(empty)" : closeCode() + (reason.isEmpty() ? "" : " '" + reason + "'"));
            }
            return head + " (" + payload.length + " bytes)";
        }
    }
}
