package io.github.wsclose;

import io.github.wsclose.RawClient.TcpEnd;
import io.github.wsclose.RawClient.Transcript;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ProtocolException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The peer's end of one WebSocket connection, as bytes: what a test writes (frames, parts of
 * frames, anything), how it ends its side or resets it, and what it reads back, up to how the
 * server ended the connection. {@link RawClient} is this over TCP; over HTTP/2 it is one stream
 * of its own {@link H2Client} connection, where the stream stands for TCP as RFC 8441 §5 says:
 *
 * <table>
 *   <caption>the ends of the transport</caption>
 *   <tr><th>here</th><th>HTTP/1.1 (TCP)</th><th>HTTP/2 (the stream)</th></tr>
 *   <tr><td>{@link #shutdownOutput()}</td><td>FIN</td><td>END_STREAM (an empty DATA frame)</td></tr>
 *   <tr><td>{@link #reset()}</td><td>RST</td><td>RST_STREAM(CANCEL)</td></tr>
 *   <tr><td>{@link TcpEnd#EOF}</td><td>the server closed TCP</td><td>the server's END_STREAM</td></tr>
 *   <tr><td>{@link TcpEnd#RESET}</td><td>the server reset TCP</td><td>the server's RST_STREAM (before any END_STREAM)</td></tr>
 * </table>
 *
 * <p>{@link Http} tells a test which of the two to run a scenario over: the server
 * ({@link TestServer.Builder#over(Http)}) and the peer ({@link Http#connect(TestServer)}).
 * Not thread-safe: one test thread at a time.
 */
interface WebSocketPeer extends AutoCloseable {

    /** The most frames {@link #readUntilClosed()} reads: a server that sends more fails the test. */
    int MAX_FRAMES = 100;

    /** From now on, every read waits at most {@code timeout}. */
    WebSocketPeer readTimeout(Duration timeout) throws IOException;

    /** {@code frame} as this peer sends it, masked with a fresh key (RFC 6455 §5.3). */
    byte[] masked(WireFrame frame);

    /** Sends {@code bytes} as they are: a frame of any shape, part of one, or anything else. */
    void sendRaw(byte[] bytes) throws IOException;

    /** Sends {@code frames} back to back in one write, each masked with a fresh key, as a client must (§5.3). */
    default void send(WireFrame... frames) throws IOException {
        send(List.of(frames));
    }

    /** Same as {@link #send(WireFrame...)}. */
    default void send(List<WireFrame> frames) throws IOException {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        for (WireFrame frame : frames) {
            wire.writeBytes(masked(frame));
        }
        sendRaw(wire.toByteArray());
    }

    /**
     * Sends {@code frames} as {@link #send(List)} does, but a write that fails (the server ended
     * the connection before reading everything) is kept for {@link #readUntilClosed()}'s
     * transcript, not thrown: what the server answered is still to be read.
     */
    void sendKeepingFailure(List<WireFrame> frames);

    /** Ends this side in order, with no close frame before it unless one was sent: a FIN, or END_STREAM. Reading goes on. */
    void shutdownOutput() throws IOException;

    /** Resets the connection: an RST (SO_LINGER 0, then close), or RST_STREAM(CANCEL). */
    void reset() throws IOException;

    /**
     * Reads one frame.
     *
     * @return the frame, or null once the server ended the connection ({@link #end()} tells how)
     * @throws SocketTimeoutException if the server sends nothing for the read timeout
     * @throws SocketException        if the server reset TCP
     * @throws ProtocolException      if the server sends a malformed frame
     */
    @Nullable WireFrame readFrame() throws IOException;

    /** How the server ended the connection, once {@link #readFrame()} returned null: {@link TcpEnd#EOF} or {@link TcpEnd#RESET}. */
    TcpEnd end();

    /** The first write that {@link #sendKeepingFailure(List)} kept, or null. */
    @Nullable IOException writeFailure();

    /** Reads and discards bytes until the server ends the connection (a reset counts as ended); returns how many there were. */
    long drainUntilClosed() throws IOException;

    /**
     * Reads until {@code count} data frames have been read, or a close frame or the end of the
     * connection comes first, and returns every frame read.
     */
    default List<WireFrame> readDataFrames(int count) throws IOException {
        List<WireFrame> frames = new ArrayList<>();
        for (int data = 0; data < count; ) {
            WireFrame frame = readFrame();
            if (frame == null) {
                break;
            }
            frames.add(frame);
            if (frame.opcode() == WireFrame.CLOSE) {
                break;
            }
            data += frame.isData() ? 1 : 0;
        }
        return frames;
    }

    /**
     * Reads every frame until the server ends the connection, resets it, or stays silent for the
     * read timeout.
     *
     * @throws ProtocolException if the server sends a malformed frame, or more than {@value #MAX_FRAMES} frames
     * @throws IOException       if the connection ends in the middle of a frame
     */
    default Transcript readUntilClosed() throws IOException {
        List<WireFrame> frames = new ArrayList<>();
        TcpEnd end;
        try {
            for (WireFrame f; (f = readFrame()) != null; ) {
                frames.add(f);
                if (frames.size() > MAX_FRAMES) {
                    throw new ProtocolException("more than " + MAX_FRAMES + " frames from the server");
                }
            }
            end = end();
        } catch (SocketTimeoutException e) {
            end = TcpEnd.TIMEOUT;
        } catch (SocketException e) {
            end = TcpEnd.RESET;
        }
        return new Transcript(List.copyOf(frames), end, writeFailure());
    }

    @Override
    void close() throws IOException;

    /** The HTTP version a WebSocket runs over: its server's pipeline and its peer. */
    enum Http {
        /** {@link ServerPipeline} over TCP, a {@link RawClient} upgraded with {@code GET} and {@code Upgrade}. */
        HTTP_1_1,
        /** {@link Http2ServerPipeline} on cleartext HTTP/2 with prior knowledge, a stream opened by extended CONNECT (RFC 8441). */
        HTTP_2;

        /** Opens a WebSocket at {@link TestServer#PATH} on {@code server}, which serves this version. */
        WebSocketPeer connect(TestServer server) throws Exception {
            return this == HTTP_1_1 ? RawClient.upgrade(server.port()) : H2Client.webSocketPeer(server.address());
        }

        /**
         * Same, for a peer that reads nothing until {@link #drainUntilClosed()}: over TCP, with a receive
         * buffer of 4 KiB; over HTTP/2, a stream whose flow-control window (64 KiB) is not given back.
         */
        WebSocketPeer connectWithoutReading(TestServer server) throws Exception {
            return this == HTTP_1_1 ? RawClient.upgrade(server.port(), 4 * 1024) : H2Client.webSocketPeer(server.address(), false);
        }

        /** A group of peers of {@code server}, opened one by one with {@link Group#open()}. */
        Group group(TestServer server) {
            return new Group(this, server);
        }
    }

    /**
     * Many peers of one server, opened one by one: over TCP a connection each; over HTTP/2 streams of
     * connections shared by up to {@link Http2ServerPipeline#MAX_CONCURRENT_STREAMS} of them, as a browser
     * shares one. Closing it closes every peer and connection. Not thread-safe.
     */
    final class Group implements AutoCloseable {

        private final Http http;
        private final TestServer server;
        private final List<WebSocketPeer> peers = new ArrayList<>();
        private final List<H2Client> connections = new ArrayList<>();

        private Group(Http http, TestServer server) {
            this.http = http;
            this.server = server;
        }

        /** Opens one more peer, the next of {@link #peers()}. */
        WebSocketPeer open() throws Exception {
            WebSocketPeer peer;
            if (http == Http.HTTP_1_1) {
                peer = RawClient.upgrade(server.port());
            } else {
                if (peers.size() % Http2ServerPipeline.MAX_CONCURRENT_STREAMS == 0) {
                    connections.add(H2Client.connect(server.address()));
                }
                peer = connections.get(connections.size() - 1).webSocketPeer();
            }
            peers.add(peer);
            return peer;
        }

        /** The peers opened, in order. */
        List<WebSocketPeer> peers() {
            return peers;
        }

        @Override
        public void close() throws IOException {
            for (WebSocketPeer peer : peers) {
                peer.close();
            }
            connections.forEach(H2Client::close);
        }
    }
}
