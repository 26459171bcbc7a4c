package io.github.wsclose;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The one raw WebSocket client of the tests, on a plain {@link Socket}: it upgrades (checking the
 * server's {@code Sec-WebSocket-Accept}), writes whatever it is given (frames masked here by
 * {@link WireFrame}, legal or not, or raw bytes), reads the server's frames strictly
 * ({@link WireFrame#readServerFrame}), stops reading when told, tells how the server ended TCP,
 * and can reset TCP or half-close it.
 *
 * <p>The upgrade may take up to {@link #UPGRADE_TIMEOUT}; after it, every read waits at most the
 * read timeout (10 s unless {@link #readTimeout(Duration)} says otherwise), so a test that waits
 * for the wrong thing fails instead of hanging. One connection per instance; not thread-safe.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6455#section-5.2">RFC 6455 §5.2</a>
 */
final class RawClient implements WebSocketPeer {

    /** The longest the opening handshake may take. */
    static final Duration UPGRADE_TIMEOUT = Duration.ofSeconds(5);

    private static final Duration READ_TIMEOUT = Duration.ofSeconds(10);
    private static final String ACCEPT_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private static final int MAX_HEADER_BYTES = 8192;
    private static final int MAX_FRAME_BYTES = 32 << 20; // the Autobahn replay's echoes of 16 MiB

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final Random random = new Random(6455);

    // what went wrong on our side, which RSV bits the server may set (an extension's), and the 101's headers (lower-case names)
    private @Nullable IOException writeFailure;
    private int allowedRsv;
    private Map<String, String> responseHeaders = Map.of();

    private RawClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** Connects to 127.0.0.1:{@code port} and completes the WebSocket upgrade of {@code /ws}. */
    static RawClient upgrade(int port) throws IOException {
        return upgrade(port, 0);
    }

    /**
     * Tries {@link #upgrade(int)} again and again until it succeeds, for a server that is coming back from an
     * exhaustion; fails the test if it has not within {@code nanos}.
     */
    static RawClient upgradeOnceBack(int port, long nanos) {
        long deadline = System.nanoTime() + nanos;
        while (true) {
            try {
                return upgrade(port);
            } catch (IOException notYet) {
                assertThat(System.nanoTime()).as("upgraded within %d ms: %s", TimeUnit.NANOSECONDS.toMillis(nanos), notYet)
                        .isLessThan(deadline);
            }
        }
    }

    /** Same, with a receive buffer of {@code receiveBuffer} bytes (set before connecting), unless 0. */
    static RawClient upgrade(int port, int receiveBuffer) throws IOException {
        return upgrade(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), TestServer.PATH, receiveBuffer);
    }

    /**
     * Connects to {@code server} and performs the opening handshake for {@code path}.
     *
     * @throws ProtocolException if the server does not switch protocols correctly
     * @throws IOException       if the connection fails or times out
     */
    static RawClient upgrade(InetSocketAddress server, String path, int receiveBuffer) throws IOException {
        return upgrade(server, path, receiveBuffer, null);
    }

    /**
     * Same, offering the extensions of {@code extensionOffer} (a {@code Sec-WebSocket-Extensions}
     * value) unless it is null; {@link #extensions()} tells what the server accepted.
     */
    static RawClient upgrade(InetSocketAddress server, String path, int receiveBuffer, @Nullable String extensionOffer)
            throws IOException {
        return upgradeWithHeaders(server, path, receiveBuffer,
                extensionOffer == null ? "" : "Sec-WebSocket-Extensions: " + extensionOffer + "\r\n");
    }

    /**
     * Same, with {@code extraHeaders} (header lines, each ending in CRLF, as they go on the wire) after the
     * request's own; {@link #responseHeader(String)} tells what the server answered.
     *
     * @throws ProtocolException if the server answers anything but a correct 101; the message starts with
     *                           {@code upgrade refused: } and the status line
     */
    static RawClient upgradeWithHeaders(InetSocketAddress server, String path, int receiveBuffer, String extraHeaders)
            throws IOException {
        Socket socket = new Socket();
        try {
            if (receiveBuffer > 0) {
                socket.setReceiveBufferSize(receiveBuffer); // before connect, so the window is small from the start
            }
            socket.setTcpNoDelay(true);
            socket.connect(server, (int) UPGRADE_TIMEOUT.toMillis());
            socket.setSoTimeout((int) UPGRADE_TIMEOUT.toMillis());
            RawClient client = new RawClient(socket);
            client.handshake(server, path, extraHeaders);
            return client.readTimeout(READ_TIMEOUT);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /** From now on, every read waits at most {@code timeout}. */
    @Override
    public RawClient readTimeout(Duration timeout) throws SocketException {
        socket.setSoTimeout((int) timeout.toMillis());
        return this;
    }

    /** From now on, the server may set these RSV bits (a negotiated extension's), 0–7. */
    RawClient allowRsv(int bits) {
        allowedRsv = bits;
        return this;
    }

    /** The server's {@code Sec-WebSocket-Extensions} answer, or null if it accepted no extension. */
    @Nullable String extensions() {
        return responseHeader("sec-websocket-extensions");
    }

    /** The value of the server's 101 header {@code name} (any case), or null if it sent none. */
    @Nullable String responseHeader(String name) {
        return responseHeaders.get(name.toLowerCase(Locale.ROOT));
    }

    /** {@code frame} as this client sends it, masked with a fresh key (§5.3). */
    @Override
    public byte[] masked(WireFrame frame) {
        return frame.masked(random.nextInt());
    }

    /**
     * Sends {@code bytes} as they are, in pieces of {@code chop} bytes each written and flushed
     * on its own, as a slow network delivers them; at once if {@code chop} is 0.
     */
    void sendChopped(byte[] bytes, int chop) throws IOException {
        for (int i = 0; chop > 0 && i < bytes.length; i += chop) {
            out.write(bytes, i, Math.min(chop, bytes.length - i));
            out.flush();
        }
        if (chop <= 0) {
            sendRaw(bytes);
        }
    }

    /** Sends {@code bytes} as they are: a frame of any shape, part of one, or anything else. */
    @Override
    public void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /**
     * Sends {@code frames} as {@link #send(List)} does, but a write that fails (the server closed
     * TCP before reading everything) is kept for {@link #readUntilClosed()}'s transcript, not
     * thrown: what the server answered is still to be read.
     */
    @Override
    public void sendKeepingFailure(List<WireFrame> frames) {
        try {
            send(frames);
        } catch (IOException e) {
            if (writeFailure == null) {
                writeFailure = e;
            }
        }
    }

    /**
     * Reads one frame.
     *
     * @return the frame, or null at the end of the stream
     * @throws SocketTimeoutException if the server sends nothing for the read timeout
     * @throws ProtocolException      if the server sends a malformed frame
     */
    @Override
    public @Nullable WireFrame readFrame() throws IOException {
        return WireFrame.readServerFrame(in, allowedRsv, MAX_FRAME_BYTES);
    }

    /** Reads and discards bytes until the server closes TCP (a reset counts as closed); returns how many there were. */
    @Override
    public long drainUntilClosed() throws IOException {
        long total = 0;
        byte[] buffer = new byte[8192];
        try {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                total += n;
            }
        } catch (SocketException reset) {
            // the server reset TCP: nothing more to read
        }
        return total;
    }

    /** Resets TCP: an RST instead of a FIN (SO_LINGER 0, then close). */
    @Override
    public void reset() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    /** Half-closes TCP: a FIN, with no close frame before it unless one was sent; reading goes on. */
    @Override
    public void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    /** The local port of this connection: the server sees it as the client's port. */
    int localPort() {
        return socket.getLocalPort();
    }

    /** The server closed TCP in order: a reset makes {@link #readFrame()} throw instead. */
    @Override
    public TcpEnd end() {
        return TcpEnd.EOF;
    }

    @Override
    public @Nullable IOException writeFailure() {
        return writeFailure;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    private void handshake(InetSocketAddress server, String path, String extraHeaders) throws IOException {
        byte[] nonce = new byte[16];
        random.nextBytes(nonce);
        String key = Base64.getEncoder().encodeToString(nonce);
        sendRaw(("GET " + path + " HTTP/1.1\r\n"
                + "Host: " + server.getHostString() + ":" + server.getPort() + "\r\n"
                + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + key + "\r\n"
                + "Sec-WebSocket-Version: 13\r\n"
                + extraHeaders
                + "\r\n").getBytes(StandardCharsets.US_ASCII));

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
        responseHeaders = Map.copyOf(headers);
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

    /** The {@code Sec-WebSocket-Accept} answer to {@code key} (§4.2.2). */
    static String acceptFor(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest((key + ACCEPT_GUID).getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-1", e);
        }
    }

    /**
     * How the peer ended the TCP connection, as this end saw it (this client's, or {@link RawServer}'s); over
     * HTTP/2, how the server ended the stream ({@link WebSocketPeer}).
     */
    enum TcpEnd {
        /** An orderly close (FIN; over HTTP/2, END_STREAM): the read returned end of stream. */
        EOF,
        /** A reset (RST: the peer closed with bytes of ours still unread; over HTTP/2, RST_STREAM). */
        RESET,
        /** Neither: the peer sent nothing and kept TCP open for the whole read timeout. */
        TIMEOUT
    }

    /**
     * What {@link #readUntilClosed()} read, how TCP ended, and whether one of
     * {@link #sendKeepingFailure(List)}'s writes failed because the server had closed already.
     */
    record Transcript(List<WireFrame> frames, TcpEnd end, @Nullable IOException writeFailure) {

        /** The close frames received, in order. */
        List<WireFrame> closeFrames() {
            return frames.stream().filter(f -> f.opcode() == WireFrame.CLOSE).toList();
        }

        @Override
        public String toString() {
            return frames + " then " + end + (writeFailure == null ? "" : ", write failed: " + writeFailure);
        }
    }
}
