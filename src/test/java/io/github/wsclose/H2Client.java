package io.github.wsclose;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2SettingsFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;

/**
 * The tests' HTTP/2 client: one connection, built from Netty's client-side frame codec, on
 * which a test opens streams and writes exactly the frames it wants (HEADERS, DATA with or
 * without END_STREAM, RST_STREAM), and reads back what the server wrote on each stream:
 * its response headers, its bytes as WebSocket frames ({@link WireFrame}), its END_STREAM or
 * RST_STREAM. Cleartext with prior knowledge, or TLS with ALPN offering {@code h2} only.
 *
 * <p>Thread-safe; closing it closes the connection, then every stream it opened that is still open, then its event loop.
 */
final class H2Client implements AutoCloseable {

    private final EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final CompletableFuture<Http2SettingsFrame> settings = new CompletableFuture<>();
    private final CompletableFuture<Long> goAway = new CompletableFuture<>();
    private final CompletableFuture<Long> goAwayError = new CompletableFuture<>();
    private final ChannelGroup streams = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE); // open ones: closed ones leave it
    private final Channel connection;

    private H2Client(SocketAddress server, @Nullable SslContext tls) {
        this(server, tls, true);
    }

    private H2Client(SocketAddress server, @Nullable SslContext tls, boolean read) {
        try {
            connection = new Bootstrap().group(loop).channel(NioSocketChannel.class)
                    .option(ChannelOption.AUTO_READ, read)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            if (tls != null) {
                                ch.pipeline().addLast(tls.newHandler(ch.alloc()));
                            }
                            ch.pipeline().addLast(Http2FrameCodecBuilder.forClient().build(),
                                    new Http2MultiplexHandler(NoPush.INSTANCE), new ConnectionFrames());
                        }
                    })
                    .connect(server).syncUninterruptibly().channel();
        } catch (RuntimeException e) {
            loop.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** Connects with cleartext HTTP/2 and waits for the server's SETTINGS (our ACK goes before any stream). */
    static H2Client connect(SocketAddress server) throws Exception {
        H2Client client = new H2Client(server, null);
        client.settings().get(TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS);
        return client;
    }

    /** Connects with TLS, offering only {@code h2} by ALPN, and waits for the server's SETTINGS. */
    static H2Client connectTls(SocketAddress server) throws Exception {
        H2Client client = new H2Client(server, tlsContext());
        client.settings().get(TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS);
        return client;
    }

    /**
     * Connects with cleartext HTTP/2 and reads nothing until {@link #startReading()}: the
     * server's SETTINGS stay unacknowledged until then.
     */
    static H2Client connectWithoutReading(SocketAddress server) {
        return new H2Client(server, null, false);
    }

    /** Starts reading, and so acknowledging the server's SETTINGS. */
    void startReading() {
        connection.config().setAutoRead(true);
    }

    /** A client TLS context that trusts any certificate and offers {@code h2} by ALPN. */
    static SslContext tlsContext() throws SSLException {
        return SslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE)
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, ApplicationProtocolNames.HTTP_2))
                .build();
    }

    /** The protocol ALPN chose, or null without TLS. */
    @Nullable String alpn() {
        SslHandler tls = connection.pipeline().get(SslHandler.class);
        return tls == null ? null : tls.applicationProtocol();
    }

    /** The server's first SETTINGS. */
    CompletableFuture<Http2SettingsFrame> settings() {
        return settings;
    }

    /** Completes with the last stream id of the server's GOAWAY. */
    CompletableFuture<Long> goAway() {
        return goAway;
    }

    /** Completes with the error code of the server's GOAWAY. */
    CompletableFuture<Long> goAwayError() {
        return goAwayError;
    }

    /** Sends GOAWAY with {@code error}: the client opens no more streams, and those open go on (RFC 9113 §6.8). */
    void sendGoAway(Http2Error error) throws Exception {
        connection.writeAndFlush(new DefaultHttp2GoAwayFrame(error)).get(TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    /**
     * Lets this client open more concurrent streams than the server's SETTINGS_MAX_CONCURRENT_STREAMS
     * allows, as a misbehaving client does; call after the server's SETTINGS came.
     */
    void ignoreConcurrentStreamLimit() throws Exception {
        connection.eventLoop().submit(() -> connection.pipeline().get(Http2FrameCodec.class).connection().local()
                .maxActiveStreams(Integer.MAX_VALUE)).get(TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    /** The connection's channel. */
    Channel connection() {
        return connection;
    }

    /** The headers of an extended CONNECT for a WebSocket at {@code path} (RFC 8441 §4–5). */
    static Http2Headers webSocketConnect(String path) {
        Http2Headers headers = new DefaultHttp2Headers().method("CONNECT").scheme("http").path(path).authority("127.0.0.1");
        headers.set(Http2Headers.PseudoHeaderName.PROTOCOL.value(), "websocket");
        headers.set("sec-websocket-version", "13");
        return headers;
    }

    /** Opens a stream with {@code headers}, not ending it. */
    Stream open(Http2Headers headers) throws Exception {
        return open(headers, false);
    }

    /** Opens a stream with {@code headers}, ending it with them if {@code endStream}. */
    Stream open(Http2Headers headers, boolean endStream) throws Exception {
        Stream stream = new Stream();
        Http2StreamChannel channel = new Http2StreamChannelBootstrap(connection).handler(stream)
                .open().get(TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS);
        stream.channel = channel;
        streams.add(channel);
        channel.writeAndFlush(new DefaultHttp2HeadersFrame(headers, endStream)).get(TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS);
        return stream;
    }

    /** Opens a WebSocket at {@link TestServer#PATH} and checks that it was accepted with 200. */
    Stream openWebSocket() throws Exception {
        Stream stream = open(webSocketConnect(TestServer.PATH));
        String status = stream.response().get(TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS).status().toString();
        if (!"200".equals(status)) {
            throw new AssertionError("extended CONNECT answered " + status + ", expected 200");
        }
        return stream;
    }

    /**
     * Connects with cleartext HTTP/2 and opens a WebSocket at {@link TestServer#PATH}, the one
     * stream of that connection, as the tests' {@link WebSocketPeer}; closing it closes the connection.
     */
    static WebSocketPeer webSocketPeer(SocketAddress server) throws Exception {
        return webSocketPeer(server, true);
    }

    /**
     * Same; unless {@code reading}, the stream reads nothing ({@link Stream#stopReading()}) until
     * {@link WebSocketPeer#drainUntilClosed()}: what the server sends stays in flow control.
     */
    static WebSocketPeer webSocketPeer(SocketAddress server, boolean reading) throws Exception {
        H2Client client = connect(server);
        try {
            Stream stream = client.openWebSocket();
            if (!reading) {
                stream.stopReading();
            }
            return new StreamPeer(stream, client);
        } catch (Exception | Error e) {
            client.close();
            throw e;
        }
    }

    /**
     * Opens a WebSocket at {@link TestServer#PATH} on a new stream of this connection, as the tests'
     * {@link WebSocketPeer}; closing it closes the stream (RST_STREAM(CANCEL) if still open), not the connection.
     */
    WebSocketPeer webSocketPeer() throws Exception {
        return new StreamPeer(openWebSocket(), null);
    }

    @Override
    public void close() {
        connection.close().syncUninterruptibly();
        // A stream that stopped reading keeps the frames it queued (DATA frames hold slices of the connection's read
        // buffers) when the stream ends: Netty closes its channel only once they are read, so we close it, or they leak.
        // After the connection: no RST_STREAM goes out, the server sees only the connection end.
        streams.close().awaitUninterruptibly(TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS);
        loop.shutdownGracefully(0, TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /**
     * One stream: what the test writes on it, and what the server wrote, in order. Its bytes are
     * read as an {@link InputStream} that ends at the server's END_STREAM or RST_STREAM.
     */
    static final class Stream extends ChannelInboundHandlerAdapter {

        private static final byte[] END = new byte[0];

        private final CompletableFuture<Http2Headers> response = new CompletableFuture<>();
        private final CompletableFuture<Void> ended = new CompletableFuture<>(); // the server's END_STREAM
        private final CompletableFuture<Long> reset = new CompletableFuture<>(); // the server's RST_STREAM, its code
        private final BlockingQueue<byte[]> received = new LinkedBlockingQueue<>();
        private final InputStream in = new Received();
        private @Nullable Http2StreamChannel channel;
        private volatile Duration readTimeout = Duration.ofSeconds(TestServer.TIMEOUT_SECONDS);

        /** The server's response headers. */
        CompletableFuture<Http2Headers> response() {
            return response;
        }

        /** Completes when the server ended its side of the stream. */
        CompletableFuture<Void> ended() {
            return ended;
        }

        /** Completes with the error code of the server's RST_STREAM. */
        CompletableFuture<Long> reset() {
            return reset;
        }

        /** From now on, each read of the server's bytes waits at most {@code timeout} ({@value TestServer#TIMEOUT_SECONDS} s until then). */
        void readTimeout(Duration timeout) {
            readTimeout = timeout;
        }

        /** The stream's channel on the client. */
        Http2StreamChannel channel() {
            if (channel == null) {
                throw new IllegalStateException("stream not open");
            }
            return channel;
        }

        /** Sends {@code frame} masked, as a client must, in one DATA frame. */
        void send(WireFrame frame) throws Exception {
            send(frame.masked(0x1234_5678), false);
        }

        /** Sends {@code frame} masked, in one DATA frame that ends the stream. */
        void sendAndEnd(WireFrame frame) throws Exception {
            send(frame.masked(0x1234_5678), true);
        }

        /** Sends {@code bytes} in one DATA frame, ending the stream with it if {@code endStream}. */
        void send(byte[] bytes, boolean endStream) throws Exception {
            channel().writeAndFlush(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(bytes), endStream))
                    .get(TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }

        /** Ends the client's side: an empty DATA frame with END_STREAM. */
        void endStream() throws Exception {
            send(new byte[0], true);
        }

        /** Stops reading the stream: what the server sends stays unread, and its flow-control window is not given back. */
        void stopReading() {
            channel().config().setAutoRead(false);
        }

        /** Reads the stream again, which hands Netty back what it queued (its channel closes once the stream has ended). */
        void startReading() {
            channel().config().setAutoRead(true);
            channel().read();
        }

        /** Resets the stream with {@code error}. */
        void reset(Http2Error error) throws Exception {
            channel().writeAndFlush(new DefaultHttp2ResetFrame(error)).get(TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }

        /** The next frame the server wrote; null once its side of the stream ended or was reset. */
        @Nullable WireFrame nextFrame() throws IOException {
            return WireFrame.readServerFrame(in, 0, 1 << 20);
        }

        /** Reads and discards the server's bytes until its side ended or was reset; returns how many there were. */
        long bytesUntilEnd() throws IOException {
            long total = 0;
            while (in.read() >= 0) {
                total++;
            }
            return total;
        }

        /** The frames the server writes until its side ends. */
        List<WireFrame> framesUntilEnd() throws IOException {
            List<WireFrame> frames = new ArrayList<>();
            for (WireFrame frame; (frame = nextFrame()) != null; ) {
                frames.add(frame);
            }
            return frames;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof Http2HeadersFrame headers) {
                    if (!response.complete(headers.headers()) || headers.isEndStream()) {
                        end();
                    }
                } else if (msg instanceof Http2DataFrame data) {
                    if (data.content().isReadable()) {
                        received.add(ByteBufUtil.getBytes(data.content()));
                    }
                    if (data.isEndStream()) {
                        end();
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof Http2ResetFrame rst) {
                reset.complete(rst.errorCode());
                received.add(END);
            }
            ctx.fireUserEventTriggered(evt);
        }

        private void end() {
            ended.complete(null);
            received.add(END);
        }

        /** The server's bytes, blocking up to the read timeout for each chunk. */
        private final class Received extends InputStream {
            private byte[] chunk = new byte[0];
            private int at;
            private boolean done;

            @Override
            public int read() throws IOException {
                while (!done && at == chunk.length) {
                    try {
                        Duration timeout = readTimeout;
                        byte[] next = received.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
                        if (next == null) {
                            throw new SocketTimeoutException("nothing from the server within " + timeout.toMillis() + " ms");
                        }
                        done = next == END;
                        chunk = next;
                        at = 0;
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException("interrupted");
                    }
                }
                return done ? -1 : chunk[at++] & 0xFF;
            }
        }
    }

    /**
     * A {@link WebSocketPeer} on one stream: bytes go in DATA frames, its orderly end is END_STREAM
     * and its reset RST_STREAM(CANCEL). When {@link #readFrame()} reaches the server's END_STREAM it
     * ends its own side too, unless it did already, as a peer whose TCP socket the server closed has
     * nothing left to wait for; so the server's stream closes without waiting for the close timeout.
     */
    private static final class StreamPeer implements WebSocketPeer {

        private final Stream stream;
        private final @Nullable H2Client owned;
        private final Random random = new Random(8441);
        private @Nullable IOException writeFailure;
        private boolean outputEnded;

        /** A peer on {@code stream}; closing it closes the connection it {@code owned}, if any, else the stream. */
        StreamPeer(Stream stream, @Nullable H2Client owned) {
            this.stream = stream;
            this.owned = owned;
        }

        @Override
        public StreamPeer readTimeout(Duration timeout) {
            stream.readTimeout(timeout);
            return this;
        }

        @Override
        public byte[] masked(WireFrame frame) {
            return frame.masked(random.nextInt());
        }

        @Override
        public void sendRaw(byte[] bytes) throws IOException {
            write(bytes, false);
        }

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

        @Override
        public void shutdownOutput() throws IOException {
            write(new byte[0], true);
        }

        @Override
        public void reset() throws IOException {
            try {
                stream.reset(Http2Error.CANCEL);
            } catch (Exception e) {
                throw new IOException("cannot reset the stream", e);
            }
        }

        @Override
        public @Nullable WireFrame readFrame() throws IOException {
            WireFrame frame = stream.nextFrame();
            if (frame == null && stream.ended().isDone() && !outputEnded && !stream.reset().isDone()) {
                outputEnded = true; // the server's END_STREAM read: ours follows, as a closed TCP socket leaves nothing to wait for
                stream.channel().writeAndFlush(new DefaultHttp2DataFrame(true)); // not waited for: a reset meanwhile fails it, harmlessly
            }
            return frame;
        }

        @Override
        public RawClient.TcpEnd end() {
            return stream.ended().isDone() ? RawClient.TcpEnd.EOF : RawClient.TcpEnd.RESET; // RST_STREAM before any END_STREAM
        }

        @Override
        public @Nullable IOException writeFailure() {
            return writeFailure;
        }

        @Override
        public long drainUntilClosed() throws IOException {
            stream.startReading();
            return stream.bytesUntilEnd();
        }

        @Override
        public void close() {
            if (owned != null) {
                owned.close();
            } else {
                stream.channel().close().awaitUninterruptibly(TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS);
            }
        }

        private void write(byte[] bytes, boolean endStream) throws IOException {
            try {
                stream.send(bytes, endStream);
                outputEnded |= endStream;
            } catch (IOException e) {
                throw e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted");
            } catch (Exception e) {
                throw new IOException("cannot write on the stream: " + e, e);
            }
        }
    }

    /** The client takes no pushed streams. */
    @Sharable
    private static final class NoPush extends ChannelInboundHandlerAdapter {
        static final NoPush INSTANCE = new NoPush();
    }

    /** Notes the server's SETTINGS and GOAWAY, and releases the connection's frames. */
    private final class ConnectionFrames extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Http2SettingsFrame frame) {
                settings.complete(frame);
            } else if (msg instanceof Http2GoAwayFrame frame) {
                goAway.complete((long) frame.lastStreamId());
                goAwayError.complete(frame.errorCode());
            }
            ReferenceCountUtil.release(msg);
        }
    }
}
