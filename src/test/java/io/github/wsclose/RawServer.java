package io.github.wsclose;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The one raw WebSocket server of the tests, on a plain {@link ServerSocket} on 127.0.0.1: it
 * accepts connections one at a time ({@link #accept()}), reads the upgrade request, answers a
 * correct 101 or whatever it is given, writes whatever frames it is given (unmasked, by
 * {@link WireFrame}, legal or not), reads the client's frames strictly
 * ({@link WireFrame#readClientFrame}: masked, §5.3), and tells how the client ended TCP. So it can
 * misbehave as no real server library would: stay silent, never close TCP, drop or reset it,
 * send an invalid close, keep sending after its close.
 *
 * <p>Every accept and read waits at most the read timeout (10 s unless
 * {@link Peer#readTimeout(Duration)} says otherwise), so a test that waits for the wrong thing
 * fails instead of hanging. Each {@link Peer} is one connection; not thread-safe.
 *
 * @see RawClient the client counterpart, whose {@link RawClient.Transcript} this reuses
 */
final class RawServer implements AutoCloseable {

    private static final int READ_TIMEOUT_MILLIS = 10_000;
    private static final int MAX_HEADER_BYTES = 8192;
    private static final int MAX_FRAME_BYTES = 1 << 20;
    private static final int MAX_FRAMES = 100;

    private final ServerSocket listener;

    RawServer() throws IOException {
        this(0);
    }

    /** Same, with a receive buffer of {@code receiveBuffer} bytes for every connection (set before binding), unless 0. */
    RawServer(int receiveBuffer) throws IOException {
        listener = new ServerSocket();
        if (receiveBuffer > 0) {
            listener.setReceiveBufferSize(receiveBuffer); // accepted sockets inherit it, so the window is small from the start
        }
        listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        listener.setSoTimeout(READ_TIMEOUT_MILLIS);
    }

    /** The port it listens on. */
    int port() {
        return listener.getLocalPort();
    }

    /** {@code ws://127.0.0.1:PORT/ws}. */
    URI uri() {
        return URI.create("ws://127.0.0.1:" + port() + TestServer.PATH);
    }

    /**
     * Accepts the next connection, waiting at most the read timeout; nothing is read from it yet.
     *
     * @throws SocketTimeoutException if no client connects in time
     */
    Peer accept() throws IOException {
        Socket socket = listener.accept();
        try {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(READ_TIMEOUT_MILLIS);
            return new Peer(socket);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /** Accepts the next connection and upgrades it with a correct 101. */
    Peer acceptUpgraded() throws IOException {
        Peer peer = accept();
        try {
            peer.upgrade("");
            return peer;
        } catch (IOException | RuntimeException e) {
            peer.close();
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
    }

    /** One connection, on the server's side. */
    static final class Peer implements AutoCloseable {

        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;

        // the upgrade request's headers (lower-case names), once read; which RSV bits the client may set
        private Map<String, String> requestHeaders = Map.of();
        private int allowedRsv;

        private Peer(Socket socket) throws IOException {
            this.socket = socket;
            this.in = new BufferedInputStream(socket.getInputStream());
            this.out = socket.getOutputStream();
        }

        /**
         * Reads the upgrade request's head, and keeps its headers.
         *
         * @return the request line
         * @throws EOFException if the client closes before the end of the head
         */
        String readRequest() throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int last4 = 0;
            while (last4 != 0x0D0A0D0A) {
                int b = in.read();
                if (b < 0) {
                    throw new EOFException("connection closed inside the request head after " + head.size() + " bytes");
                }
                if (head.size() == MAX_HEADER_BYTES) {
                    throw new ProtocolException("request head longer than " + MAX_HEADER_BYTES + " bytes");
                }
                head.write(b);
                last4 = last4 << 8 | b;
            }
            String[] lines = head.toString(StandardCharsets.US_ASCII).split("\r\n");
            Map<String, String> headers = new HashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                // a repeated header is kept joined, as HTTP allows for lists
                headers.merge(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim(),
                        (first, next) -> first + ", " + next);
            }
            requestHeaders = Map.copyOf(headers);
            return lines[0];
        }

        /** The value of the request's header {@code name} (any case), or null if it sent none. */
        @Nullable String requestHeader(String name) {
            return requestHeaders.get(name.toLowerCase(Locale.ROOT));
        }

        /**
         * Reads the request and answers 101 with the right {@code Sec-WebSocket-Accept}, then
         * {@code extraHeaders} (header lines, each ending in CRLF, as they go on the wire).
         */
        void upgrade(String extraHeaders) throws IOException {
            readRequest();
            answer(switchingProtocols(extraHeaders));
        }

        /** The 101 answer to the request read, with {@code extraHeaders} after its own. */
        String switchingProtocols(String extraHeaders) {
            String key = requestHeader("sec-websocket-key");
            if (key == null) {
                throw new IllegalStateException("no Sec-WebSocket-Key in the request: " + requestHeaders);
            }
            return "HTTP/1.1 101 Switching Protocols\r\n"
                    + "Upgrade: websocket\r\n"
                    + "Connection: Upgrade\r\n"
                    + "Sec-WebSocket-Accept: " + RawClient.acceptFor(key) + "\r\n"
                    + extraHeaders
                    + "\r\n";
        }

        /** Sends {@code head} (status line, headers and the blank line, or anything else) as it is. */
        void answer(String head) throws IOException {
            sendRaw(head.getBytes(StandardCharsets.US_ASCII));
        }

        /** From now on, every read waits at most {@code timeout}. */
        Peer readTimeout(Duration timeout) throws SocketException {
            socket.setSoTimeout((int) timeout.toMillis());
            return this;
        }

        /** From now on, the client may set these RSV bits (a negotiated extension's), 0–7. */
        Peer allowRsv(int bits) {
            allowedRsv = bits;
            return this;
        }

        /** Sends {@code frames} unmasked, as a server must (§5.1), back to back in one write. */
        void send(WireFrame... frames) throws IOException {
            ByteArrayOutputStream wire = new ByteArrayOutputStream();
            for (WireFrame frame : frames) {
                wire.writeBytes(frame.unmasked());
            }
            sendRaw(wire.toByteArray());
        }

        /** Sends {@code bytes} as they are: a frame of any shape (a masked one too), part of one, or anything else. */
        void sendRaw(byte[] bytes) throws IOException {
            out.write(bytes);
            out.flush();
        }

        /**
         * Reads one frame of the client's.
         *
         * @return the frame, or null at the end of the stream
         * @throws SocketTimeoutException if the client sends nothing for the read timeout
         * @throws ProtocolException      if the client sends a malformed or unmasked frame
         */
        @Nullable WireFrame readFrame() throws IOException {
            return WireFrame.readClientFrame(in, allowedRsv, MAX_FRAME_BYTES);
        }

        /**
         * Reads every frame until the client closes TCP, resets it, or stays silent for the read
         * timeout.
         *
         * @throws ProtocolException if the client sends a malformed frame, or more than 100 frames
         */
        RawClient.Transcript readUntilClosed() throws IOException {
            List<WireFrame> frames = new ArrayList<>();
            RawClient.TcpEnd end;
            try {
                for (WireFrame f; (f = readFrame()) != null; ) {
                    frames.add(f);
                    if (frames.size() > MAX_FRAMES) {
                        throw new ProtocolException("more than " + MAX_FRAMES + " frames from the client");
                    }
                }
                end = RawClient.TcpEnd.EOF;
            } catch (SocketTimeoutException e) {
                end = RawClient.TcpEnd.TIMEOUT;
            } catch (SocketException e) {
                end = RawClient.TcpEnd.RESET;
            }
            return new RawClient.Transcript(List.copyOf(frames), end, null);
        }

        /** Resets TCP: an RST instead of a FIN (SO_LINGER 0, then close). */
        void reset() throws IOException {
            socket.setSoLinger(true, 0);
            socket.close();
        }

        /** Closes TCP with a FIN, with no close frame before it unless one was sent. */
        @Override
        public void close() throws IOException {
            socket.close();
        }

        /** The client's address as the server sees it. */
        InetSocketAddress remoteAddress() {
            return (InetSocketAddress) socket.getRemoteSocketAddress();
        }
    }
}
