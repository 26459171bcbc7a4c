package io.github.wsclose;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/**
 * A WebSocket client on a plain {@link Socket}, for fault injection: it upgrades, sends masked
 * frames, reads frames byte by byte, stops reading when told, and can reset TCP. Every read
 * times out after 10 s, so a test that waits for the wrong thing fails instead of hanging.
 */
final class RawClient implements AutoCloseable {

    private static final int READ_TIMEOUT_MILLIS = 10_000;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private RawClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    /** Connects to 127.0.0.1:{@code port} and completes the WebSocket upgrade of {@code /ws}. */
    static RawClient upgrade(int port) throws IOException {
        return upgrade(port, 0);
    }

    /** Same, with a receive buffer of {@code receiveBuffer} bytes (set before connecting), unless 0. */
    static RawClient upgrade(int port, int receiveBuffer) throws IOException {
        Socket socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer); // before connect, so the window is small from the start
        }
        socket.setSoTimeout(READ_TIMEOUT_MILLIS);
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), READ_TIMEOUT_MILLIS);
        RawClient client = new RawClient(socket);
        client.out.write(("GET /ws HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        String response = client.readHttpHead();
        if (!response.startsWith("HTTP/1.1 101")) {
            socket.close();
            throw new AssertionError("upgrade refused: " + response);
        }
        return client;
    }

    /** Sends {@code frame} masked with a random key, as a client must (RFC 6455 §5.3). */
    void send(WireFrame frame) throws IOException {
        out.write(frame.masked(ThreadLocalRandom.current().nextInt()));
        out.flush();
    }

    /** Reads one frame; null at the end of the stream. */
    @Nullable WireFrame readFrame() throws IOException {
        int b0 = in.read();
        if (b0 < 0) {
            return null;
        }
        int b1 = readByte();
        long length = b1 & 0x7F;
        if (length == 126) {
            length = readByte() << 8 | readByte();
        } else if (length == 127) {
            length = 0;
            for (int i = 0; i < 8; i++) {
                length = length << 8 | readByte();
            }
        }
        byte[] payload = in.readNBytes((int) length);
        if (payload.length != length) {
            throw new EOFException("frame cut after " + payload.length + " of " + length + " payload bytes");
        }
        return new WireFrame((b0 & 0x80) != 0, b0 >> 4 & 7, b0 & 0xF, payload);
    }

    /** Reads frames until the server closes TCP (a reset counts as closed). */
    List<WireFrame> readUntilClosed() throws IOException {
        List<WireFrame> frames = new ArrayList<>();
        try {
            for (WireFrame f; (f = readFrame()) != null; ) {
                frames.add(f);
            }
        } catch (SocketException reset) {
            // the server reset TCP: nothing more to read
        }
        return frames;
    }

    /** Reads and discards bytes until the server closes TCP; returns how many there were. */
    long drainUntilClosed() throws IOException {
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
    void reset() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    private int readByte() throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new EOFException("stream ended inside a frame header");
        }
        return b;
    }

    /** Reads the HTTP response head byte by byte, so that no frame byte after it is consumed. */
    private String readHttpHead() throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = readByte();
            head.write(b);
            matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : b == '\r' ? 1 : 0;
        }
        return head.toString(StandardCharsets.US_ASCII);
    }
}
