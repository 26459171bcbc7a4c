package io.github.wsclose;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultChannelId;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.stream.Stream;

/**
 * An {@link EmbeddedChannel} with, from head to tail, optional handlers in front,
 * {@link CloseFrameDecoder}, {@link CloseFrameEncoder}, one {@link ClosingHandshakeHandler} and a
 * recorder of what the application sees: user events, exceptions and {@code channelInactive}
 * (or the handshake handler alone in front of the recorder, or the same recorder as the
 * application of a {@link ServerPipeline}).
 *
 * <p>Inbound, the test plays the peer with close frames ({@link #peerSends(CloseReason)}) or any
 * frame; outbound, {@link #sentCloses()} reads back the close frames that reached the wire. Time
 * is frozen from the start, so {@link #advance(Duration)} alone moves the channel's clock.
 * {@link #close()} releases everything left in the channel.
 */
final class HandshakeChannel implements AutoCloseable {

    /** Recorded in {@link #events()} when {@code channelInactive} reaches the application. */
    static final String INACTIVE = Recorder.INACTIVE;



    final EmbeddedChannel channel;
    private final Recorder recorder = new Recorder(true);

    HandshakeChannel(ClosingHandshakeConfig config, ChannelHandler... inFront) {
        this(config, inFront, new ChannelHandler[0]);
    }

    /** {@code behind} go between the handshake handler and the recorder, where an application's handlers sit. */
    private HandshakeChannel(ClosingHandshakeConfig config, ChannelHandler[] inFront, ChannelHandler[] behind) {
        this((pipeline, application) -> pipeline.addLast(inFront)
                .addLast(CloseFrameDecoder.INSTANCE, CloseFrameEncoder.INSTANCE, new ClosingHandshakeHandler(config))
                .addLast(behind)
                .addLast(application));
    }

    /** {@code build} adds every handler to the pipeline, the given application handler included. */
    private HandshakeChannel(BiConsumer<ChannelPipeline, ChannelHandler> build) {
        channel = new EmbeddedChannel(DefaultChannelId.newInstance()); // unique, as a ChannelGroup needs
        build.accept(channel.pipeline(), recorder);
        channel.freezeTime();
    }

    /**
     * A channel built by {@link ServerPipeline}, before the HTTP upgrade, on path {@code /ws};
     * {@code behind} are the application's first handlers, in front of the recorder.
     */
    static HandshakeChannel serverPipeline(ClosingHandshakeConfig config, ChannelHandler... behind) {
        return serverPipeline(config, ServerProtection.defaults(), behind);
    }

    /** As {@link #serverPipeline(ClosingHandshakeConfig, ChannelHandler...)}, with {@code protection}. */
    static HandshakeChannel serverPipeline(ClosingHandshakeConfig config, ServerProtection protection, ChannelHandler... behind) {
        return serverPipeline(config, ServerOptions.DEFAULTS.withProtection(protection), behind);
    }

    /** As {@link #serverPipeline(ClosingHandshakeConfig, ChannelHandler...)}, with {@code options}. */
    static HandshakeChannel serverPipeline(ClosingHandshakeConfig config, ServerOptions options, ChannelHandler... behind) {
        return new HandshakeChannel((pipeline, application) -> ServerPipeline.configure(pipeline, "/ws", config,
                options, Stream.concat(Stream.of(behind), Stream.of(application)).toArray(ChannelHandler[]::new)));
    }

    /** As {@link #serverPipeline(ClosingHandshakeConfig, ChannelHandler...)}, with Netty's settings {@code protocol}. */
    static HandshakeChannel serverPipeline(ClosingHandshakeConfig config, WebSocketServerProtocolConfig protocol) {
        return new HandshakeChannel((pipeline, application) -> ServerPipeline.configure(pipeline, protocol, config,
                ServerOptions.DEFAULTS, application));
    }

    /** A channel built by {@link ServerPipeline} without options, as stock Netty's pipeline is compared with: frames as they come, no aggregator. */
    static HandshakeChannel serverPipelineOfFrames(ClosingHandshakeConfig config) {
        return new HandshakeChannel((pipeline, application) -> ServerPipeline.configure(pipeline, "/ws", config, application));
    }

    /** A server channel with {@code behind} between the handshake handler and the recorder, where an application's handlers sit. */
    static HandshakeChannel serverWith(ChannelHandler... behind) {
        return new HandshakeChannel(ClosingHandshakeConfig.server(), new ChannelHandler[0], behind);
    }

    /** A channel with the {@link ClosingHandshakeHandler} alone in front of the recorder: no close frame codec. */
    static HandshakeChannel withoutCodec(ClosingHandshakeConfig config) {
        return new HandshakeChannel((pipeline, application) -> pipeline.addLast(new ClosingHandshakeHandler(config), application));
    }

    static HandshakeChannel server() {
        return new HandshakeChannel(ClosingHandshakeConfig.server());
    }

    static HandshakeChannel client() {
        return new HandshakeChannel(ClosingHandshakeConfig.client());
    }

    /** A client's upgrade request for path {@code /ws} with the key of RFC 6455 §1.3, asking for WebSocket {@code version}. */
    static String upgradeRequest(String version) {
        return "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: " + version + "\r\n\r\n";
    }

    /**
     * A frame as a client sends it (RFC 6455 §5.3): {@code firstByte} (FIN, RSV and opcode), the
     * payload length (at most 125) with the mask bit, a masking key and the masked payload.
     */
    static byte[] maskedFrame(int firstByte, byte[] payload) {
        return WireFrame.withFirstByte(firstByte, payload).masked(0x37FA213D);
    }

    /**
     * On a {@link #serverPipeline(ClosingHandshakeConfig, ChannelHandler...)} channel: sends the HTTP upgrade request,
     * checks the 101 response and the event that follows it, and runs what the upgrade leaves to the event loop, so
     * that the connection's protections are in place.
     */
    void upgrade() {
        peerSendsBytes(upgradeRequest("13").getBytes(StandardCharsets.US_ASCII));

        String response = new String(ByteBufUtil.decodeHexDump(sentBytes()), StandardCharsets.US_ASCII);
        assertThat(response).startsWith("HTTP/1.1 101 Switching Protocols")
                .contains("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="); // the accept key of RFC 6455 §1.3
        assertThat(recorder.events()).hasAtLeastOneElementOfType(WebSocketServerProtocolHandler.HandshakeComplete.class);
        channel.runPendingTasks(); // what the upgrade leaves to the event loop: the upgrade guard hands over to the connection's protections
    }

    /** The peer sends a close frame carrying {@code reason} (an empty one for 1005 without a message). */
    void peerSends(CloseReason reason) {
        peerSends(ClosePayload.newFrame(reason, ByteBufAllocator.DEFAULT));
    }

    /** The peer sends {@code frame}; the channel owns it from now on. */
    void peerSends(WebSocketFrame frame) {
        channel.writeInbound(frame);
    }

    /**
     * The application closes the channel, as {@code channel.close()} does on any transport.
     * {@code EmbeddedChannel.close()} itself would also cancel every scheduled task, the close
     * timeout included, so the close enters at the pipeline's tail instead.
     */
    ChannelFuture applicationCloses() {
        return channel.pipeline().close();
    }

    /** TCP closes under the handshake handler, as when the peer closes it or the connection breaks. */
    void tcpCloses() {
        channel.pipeline().firstContext().close();
    }

    /** The next message that reached the application, or null; the caller releases it. */
    Object applicationReads() {
        return channel.readInbound();
    }

    /** The peer sends raw bytes. */
    void peerSendsBytes(byte[] bytes) {
        channel.writeInbound(Unpooled.wrappedBuffer(bytes));
    }

    /** Moves the channel's clock by {@code time} and runs the tasks that fall due. */
    void advance(Duration time) {
        channel.advanceTimeBy(time.toNanos(), TimeUnit.NANOSECONDS);
        channel.runScheduledPendingTasks();
    }

    /**
     * Reads every message written to the wire so far, which must all be close frames, and
     * returns what they carry; the frames are released.
     */
    List<CloseReason> sentCloses() {
        List<CloseReason> sent = new ArrayList<>();
        for (Object msg; (msg = channel.readOutbound()) != null; ) {
            try {
                assertThat(msg).as("written to the wire").isInstanceOf(CloseWebSocketFrame.class);
                sent.add(ClosePayload.decode((CloseWebSocketFrame) msg));
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }
        return sent;
    }

    /** Reads every buffer written to the wire so far and returns their bytes in hex; the buffers are released. */
    String sentBytes() {
        StringBuilder hex = new StringBuilder();
        for (Object msg; (msg = channel.readOutbound()) != null; ) {
            try {
                assertThat(msg).as("written to the wire").isInstanceOf(ByteBuf.class);
                hex.append(ByteBufUtil.hexDump((ByteBuf) msg));
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }
        return hex.toString();
    }

    /** Reads the one close frame written to the wire so far and returns what it carries. */
    CloseReason sentClose() {
        List<CloseReason> sent = sentCloses();
        assertThat(sent).as("close frames written").hasSize(1);
        return sent.get(0);
    }

    /** Every user event and {@link #INACTIVE} that reached the application, in order. */
    List<Object> events() {
        return recorder.events();
    }

    /** The exceptions that reached the application. */
    List<Throwable> exceptions() {
        return recorder.exceptions();
    }

    /** The connection's one report, after checking that it came once and before {@code channelInactive}. */
    CloseReport report() {
        return recorder.onlyReport();
    }

    /** Tells whether a report reached the application. */
    boolean reported() {
        return !recorder.reports().isEmpty();
    }

    @Override
    public void close() {
        channel.finishAndReleaseAll();
    }

    /** Placed in front, holds back every write, as a peer that does not read would, until {@link #writeAll()}. */
    static final class HeldWrites extends ChannelOutboundHandlerAdapter {

        private final List<Object> messages = new ArrayList<>();
        private final List<ChannelPromise> promises = new ArrayList<>();
        private ChannelHandlerContext ctx;

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            messages.add(msg);
            promises.add(promise);
        }

        @Override
        public void flush(ChannelHandlerContext ctx) {
            // nothing to flush while writes are held
        }

        int held() {
            return messages.size();
        }

        /** Passes every held write on to the wire. */
        void writeAll() {
            for (int i = 0; i < messages.size(); i++) {
                ctx.write(messages.get(i), promises.get(i));
            }
            messages.clear();
            promises.clear();
            ctx.flush();
        }
    }
}
