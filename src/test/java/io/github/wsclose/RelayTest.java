package io.github.wsclose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.wsclose.CloseReport.Cause;
import io.github.wsclose.CloseReport.Initiator;
import io.github.wsclose.relay.RelayConfig;
import io.github.wsclose.relay.RelayedClose;
import io.github.wsclose.relay.WebSocketRelay;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The relay on loopback, with a {@link RawClient} as the client and a {@link TestServer} as the
 * upstream: data both ways, each close code and reason passed unchanged both ways, the empty
 * close, 502 for an upstream that cannot be reached or refuses, 1014 to the client for an
 * upstream gone without a close frame and 1001 to the upstream for a client gone without one, a
 * keepalive of its own on the upstream hop, a drain, the paired reports, and memory bounded by
 * the pending limits when either side stops reading.
 */
@Tag(TestTransport.TAG)
class RelayTest {

    private static final WebSocketServerProtocolConfig PROTOCOL =
            WebSocketServerProtocolConfig.newBuilder().websocketPath(TestServer.PATH).build();
    /** The pending limit of both hops in the backpressure tests: far below what goes through. */
    private static final long LIMIT = 1 << 20;
    private static final int MESSAGE_BYTES = 60_000;
    /** 32 MiB in messages: without backpressure the relay would hold far more than {@link #LIMIT}. */
    private static final int MESSAGES = 560;

    static Stream<Arguments> closes() {
        return Stream.of(
                Arguments.of(1000, ""), Arguments.of(1001, "bye"), Arguments.of(1002, "protocol"), Arguments.of(1003, "data"),
                Arguments.of(1007, "utf-8"), Arguments.of(1008, "policy"), Arguments.of(1009, "big"), Arguments.of(1010, "ext"),
                Arguments.of(1011, "oops"), Arguments.of(1012, "restart"), Arguments.of(1013, "later"), Arguments.of(1014, "gateway"),
                Arguments.of(3000, "registered"), Arguments.of(3999, ""), Arguments.of(4000, "private"),
                Arguments.of(4001, "kicked"), Arguments.of(4999, "😀".repeat(30) + "é!")); // 123 bytes of UTF-8
    }

    @Test
    void textAndBinaryMessagesPassBothWaysUnchanged() throws Exception {
        try (TestServer upstream = TestServer.start(); TestServer relay = relayTo(upstream.uri());
                RawClient client = RawClient.upgrade(relay.port())) {
            byte[] bytes = new byte[1000];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (byte) (i * 7);
            }
            client.send(WireFrame.text("hello, ünïcödé 🌍"), WireFrame.of(WireFrame.BINARY, bytes));

            List<WireFrame> echoed = client.readDataFrames(2);
            assertThat(echoed).extracting(WireFrame::opcode).containsExactly(WireFrame.TEXT, WireFrame.BINARY);
            assertThat(new String(echoed.get(0).payload(), StandardCharsets.UTF_8)).isEqualTo("hello, ünïcödé 🌍");
            assertThat(echoed.get(1).payload()).isEqualTo(bytes);
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("closes")
    void theUpstreamsCloseReachesTheClientWithItsCodeAndReason(int code, String reason) throws Exception {
        try (TestServer upstream = TestServer.start(); TestServer relay = relayTo(upstream.uri());
                RawClient client = RawClient.upgrade(relay.port())) {
            TestServer.Connection hop = relay.nextConnection();
            client.send(WireFrame.text(TestServer.closeCommand(code, reason)));

            WireFrame close = client.readFrame();
            assertThat(close).isNotNull();
            assertThat(close.opcode()).isEqualTo(WireFrame.CLOSE);
            assertThat(close.closeCode()).isEqualTo(code);
            assertThat(close.closeReason()).isEqualTo(reason);
            client.send(WireFrame.close(code, reason)); // the client's answer
            assertThat(client.readUntilClosed().end()).isEqualTo(RawClient.TcpEnd.EOF);

            RelayedClose pair = pairOf(hop);
            assertThat(pair.upstream().received()).isEqualTo(CloseReason.of(code, reason));
            assertThat(pair.upstream().initiator()).isEqualTo(Initiator.REMOTE);
            assertThat(pair.client().sent()).isEqualTo(CloseReason.of(code, reason));
            assertThat(pair.client().initiator()).isEqualTo(Initiator.LOCAL);
            assertThat(pair.client().clean()).isTrue();
            assertThat(pair.clientChannel()).isEqualTo(hop.channel().id());
            assertThat(hop.report()).isEqualTo(pair.client()); // the application's report is the pair's
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("closes")
    void theClientsCloseReachesTheUpstreamWithItsCodeAndReason(int code, String reason) throws Exception {
        try (TestServer upstream = TestServer.start(); TestServer relay = relayTo(upstream.uri());
                RawClient client = RawClient.upgrade(relay.port())) {
            TestServer.Connection hop = relay.nextConnection();
            TestServer.Connection peer = upstream.nextConnection();
            client.send(WireFrame.close(code, reason));

            RawClient.Transcript answered = client.readUntilClosed();
            assertThat(answered.closeFrames()).extracting(WireFrame::closeCode).containsExactly(code);
            CloseReport atUpstream = peer.report();
            assertThat(atUpstream.received()).isEqualTo(CloseReason.of(code, reason));
            assertThat(atUpstream.initiator()).isEqualTo(Initiator.REMOTE);
            assertThat(atUpstream.clean()).isTrue();
            RelayedClose pair = pairOf(hop);
            assertThat(pair.client().received()).isEqualTo(CloseReason.of(code, reason));
            assertThat(pair.upstream().sent()).isEqualTo(CloseReason.of(code, reason));
            assertThat(pair.upstream().clean()).isTrue();
        }
    }

    @Test
    void anEmptyCloseGoesOnAsAnEmptyClose() throws Exception {
        try (TestServer upstream = TestServer.start(); TestServer relay = relayTo(upstream.uri());
                RawClient client = RawClient.upgrade(relay.port())) {
            TestServer.Connection peer = upstream.nextConnection();
            client.send(WireFrame.close(new byte[0]));

            assertThat(client.readUntilClosed().closeFrames()).extracting(f -> f.payload().length).containsExactly(0);
            assertThat(peer.report().received()).isEqualTo(CloseReason.of(1005, ""));
        }
    }

    @Test
    void anUpstreamThatCannotBeReachedGetsTheClient502() throws Exception {
        int closedPort;
        try (ServerSocket nobody = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = nobody.getLocalPort(); // free again once closed: connections to it are refused
        }
        try (TestServer relay = relayTo(URI.create("ws://127.0.0.1:" + closedPort + "/ws"))) {
            assertThatThrownBy(() -> RawClient.upgrade(relay.port()))
                    .isInstanceOf(ProtocolException.class).hasMessageStartingWith("upgrade refused: HTTP/1.1 502 Bad Gateway");
            assertThat(relay.rejected(UpgradeRejected.Reason.BAD_REQUEST)).isEqualTo(1);
        }
    }

    @Test
    void anUpstreamThatRefusesTheUpgradeGetsTheClient502() throws Exception {
        GracefulDrain draining = new GracefulDrain();
        try (TestServer upstream = TestServer.builder().options(ServerOptions.DEFAULTS.withDrain(draining)).start();
                TestServer relay = relayTo(upstream.uri())) {
            draining.start(DrainPlan.of(CloseReason.of(1001, "down"), Duration.ofSeconds(1))); // its upgrades get 503 now

            assertThatThrownBy(() -> RawClient.upgrade(relay.port()))
                    .isInstanceOf(ProtocolException.class).hasMessageStartingWith("upgrade refused: HTTP/1.1 502 Bad Gateway");
            assertThat(upstream.rejected(UpgradeRejected.Reason.DRAIN)).isEqualTo(1);
        }
    }

    @Test
    void anUpstreamGoneWithoutACloseFrameIs1014ToTheClient() throws Exception {
        try (TestServer upstream = TestServer.start(); TestServer relay = relayTo(upstream.uri());
                RawClient client = RawClient.upgrade(relay.port())) {
            TestServer.Connection hop = relay.nextConnection();
            TestServer.Connection peer = upstream.nextConnection();
            peer.channel().pipeline().firstContext().close(); // TCP closed in front of the closing handshake: no close frame

            WireFrame close = client.readFrame();
            assertThat(close).isNotNull();
            assertThat(close.closeCode()).isEqualTo(1014);
            assertThat(close.closeReason()).isEqualTo("upstream gone: transport");
            client.send(WireFrame.close(1014));
            assertThat(client.readUntilClosed().end()).isEqualTo(RawClient.TcpEnd.EOF);
            RelayedClose pair = pairOf(hop);
            assertThat(pair.upstream().received()).isNull();
            assertThat(pair.upstream().cause()).isEqualTo(Cause.TRANSPORT);
            assertThat(pair.client().sent()).isEqualTo(CloseReason.of(1014, "upstream gone: transport"));
            assertThat(pair.client().clean()).isTrue();
        }
    }

    @Test
    void aClientGoneWithoutACloseFrameIs1001ToTheUpstream() throws Exception {
        try (TestServer upstream = TestServer.start(); TestServer relay = relayTo(upstream.uri());
                RawClient client = RawClient.upgrade(relay.port())) {
            TestServer.Connection hop = relay.nextConnection();
            TestServer.Connection peer = upstream.nextConnection();
            client.close(); // a FIN, no close frame

            CloseReport atUpstream = peer.report();
            assertThat(atUpstream.received()).isEqualTo(CloseReason.of(1001, "client gone: transport"));
            assertThat(atUpstream.clean()).isTrue();
            RelayedClose pair = pairOf(hop);
            assertThat(pair.client().cause()).isEqualTo(Cause.TRANSPORT);
            assertThat(pair.upstream().sent()).isEqualTo(CloseReason.of(1001, "client gone: transport"));
        }
    }

    @Test
    void theUpstreamHopKeepsItselfAliveAndASilentUpstreamIs1014ToTheClient() throws Exception {
        ClientOptions quickPings = ClientOptions.DEFAULTS.withPingInterval(Duration.ofMillis(100)).withPongTimeout(Duration.ofMillis(200));
        try (TestServer upstream = TestServer.start();
                TestServer relay = relayTo(upstream.uri(), ServerOptions.DEFAULTS, quickPings);
                RawClient client = RawClient.upgrade(relay.port())) {
            TestServer.Connection hop = relay.nextConnection();
            TestServer.Connection peer = upstream.nextConnection();
            // the upstream reads nothing more: no pong comes back. Set on its event loop: epoll's setAutoRead(false) from
            // another thread is skipped while a read is requested, and the guard requests the next one after each ping
            onLoop(peer.channel(), ch -> ch.config().setAutoRead(false));

            WireFrame close = client.readFrame();
            assertThat(close).isNotNull();
            assertThat(close.closeCode()).isEqualTo(1014);
            assertThat(close.closeReason()).isEqualTo("upstream gone: keepalive_timeout");
            client.send(WireFrame.close(1014));
            assertThat(pairOf(hop).upstream().cause()).isEqualTo(Cause.KEEPALIVE_TIMEOUT);
            onLoop(peer.channel(), ch -> ch.config().setAutoRead(true));
        }
    }

    @Test
    void aDrainClosesTheClientWithItsCodeAndTheUpstreamWith1001() throws Exception {
        GracefulDrain drain = new GracefulDrain();
        try (TestServer upstream = TestServer.start();
                TestServer relay = relayTo(upstream.uri(), ServerOptions.DEFAULTS.withDrain(drain), ClientOptions.DEFAULTS);
                RawClient client = RawClient.upgrade(relay.port())) {
            TestServer.Connection hop = relay.nextConnection();
            TestServer.Connection peer = upstream.nextConnection();
            CompletableFuture<GracefulDrain.Result> drained =
                    drain.start(DrainPlan.of(CloseReason.of(1012, "restarting"), Duration.ofSeconds(5)));

            WireFrame close = client.readFrame();
            assertThat(close).isNotNull();
            assertThat(close.closeCode()).isEqualTo(1012);
            assertThat(close.closeReason()).isEqualTo("restarting");
            client.send(WireFrame.close(1012));
            assertThat(client.readUntilClosed().end()).isEqualTo(RawClient.TcpEnd.EOF);
            assertThat(peer.report().received()).isEqualTo(CloseReason.of(1001, "restarting"));
            assertThat(drained.get(TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS).clean()).isEqualTo(1);
            assertThat(pairOf(hop).client().cause()).isEqualTo(Cause.DRAIN);
        }
    }

    @Test
    void aClientThatStopsReadingHoldsNoMoreThanTheLimitInTheRelay() throws Exception {
        try (TestServer upstream = TestServer.builder().inFront(Producer::new).start();
                TestServer relay = relayTo(upstream.uri(), limited(ServerOptions.DEFAULTS), ClientOptions.DEFAULTS.withMaxPendingBytes(LIMIT));
                RawClient client = RawClient.upgrade(new InetSocketAddress(InetAddress.getLoopbackAddress(), relay.port()),
                        TestServer.PATH, 16 * 1024)) {
            TestServer.Connection hop = relay.nextConnection();
            TestServer.Connection peer = upstream.nextConnection();
            client.send(WireFrame.text("produce " + MESSAGES)); // then reads nothing for now

            awaitOnLoop(hop.channel(), ch -> !ch.isWritable()); // the relay's buffer to the client is full
            awaitOnLoop(peer.channel(), ch -> !ch.isWritable()); // and the producer waits: the relay stopped reading it
            long held = onLoop(hop.channel(), ch -> ch.unsafe().outboundBuffer().totalPendingWriteBytes());
            assertThat(held).as("bytes waiting in the relay for the client").isLessThanOrEqualTo(LIMIT);

            for (int i = 0; i < MESSAGES; i++) { // now the client reads: everything comes, in order, and no close
                WireFrame frame = client.readFrame();
                assertThat(frame).isNotNull();
                assertThat(frame.opcode()).as("frame %d", i).isEqualTo(WireFrame.BINARY);
                assertThat(ByteBuffer.wrap(frame.payload()).getInt()).isEqualTo(i);
            }
            client.send(WireFrame.close(1000));
            RelayedClose pair = pairOf(hop);
            assertThat(pair.client().cause()).isEqualTo(Cause.PEER);
            assertThat(pair.upstream().cause()).isEqualTo(Cause.APPLICATION);
        }
    }

    @Test
    void anUpstreamThatStopsReadingForAWhileGetsEverythingOnceItReadsAgain() throws Exception {
        AtomicLong received = new AtomicLong();
        CompletableFuture<Void> all = new CompletableFuture<>();
        int messages = 16; // 960 kB: each byte to the upstream is masked, slow under the leak detector
        long total = (long) messages * MESSAGE_BYTES;
        try (TestServer upstream = TestServer.builder().echo(false).inFront(() -> new Counter(received, total, all)).start();
                TestServer relay = relayTo(upstream.uri(), limited(ServerOptions.DEFAULTS), ClientOptions.DEFAULTS.withMaxPendingBytes(LIMIT));
                RawClient client = RawClient.upgrade(relay.port())) {
            TestServer.Connection hop = relay.nextConnection();
            TestServer.Connection peer = upstream.nextConnection();
            onLoop(peer.channel(), ch -> ch.config().setAutoRead(false)); // the upstream reads nothing for now
            byte[] message = WireFrame.of(WireFrame.BINARY, new byte[MESSAGE_BYTES]).masked(0); // a zero key: no unmasking cost
            for (int i = 0; i < messages; i++) {
                client.sendRaw(message); // taken in by the sockets' buffers and the relay: RelayHopTest shows what the relay holds
            }

            onLoop(peer.channel(), ch -> ch.config().setAutoRead(true));
            all.get(TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS); // every byte reached the upstream: none dropped, no 1008
            assertThat(received.get()).isEqualTo(total);
            assertThat(peer.recorder().reasons()).isEmpty();
            client.send(WireFrame.close(1000));
            assertThat(pairOf(hop).upstream().sent()).isEqualTo(CloseReason.of(1000, ""));
        }
    }

    /** A relay on 127.0.0.1 to {@code upstream}, with the defaults on both hops; {@link GatewayComparisonTest} starts its relay here too. */
    static TestServer relayTo(URI upstream) {
        return relayTo(upstream, ServerOptions.DEFAULTS, ClientOptions.DEFAULTS);
    }

    /** A relay whose client hop has {@code options} and whose upstream hop has {@code upstreamOptions}; the test handlers after it. */
    private static TestServer relayTo(URI upstream, ServerOptions options, ClientOptions upstreamOptions) {
        RelayConfig config = RelayConfig.to(upstream).withUpstreamOptions(upstreamOptions);
        return TestServer.builder().echo(false)
                .outlives(WebSocketRelay::closeReports) // the upstream connections end before the loops stop
                .pipeline((pipeline, application) -> WebSocketRelay.configure(pipeline, PROTOCOL, ClosingHandshakeConfig.server(),
                        options, config, application))
                .start();
    }

    private static ServerOptions limited(ServerOptions options) {
        return options.withProtection(options.protection().withMaxPendingBytes(LIMIT));
    }

    private static RelayedClose pairOf(TestServer.Connection clientHop) throws Exception {
        return WebSocketRelay.closeReports(clientHop.channel()).get(TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    /** What {@code read} returns when run on {@code channel}'s event loop. */
    private static <T> T onLoop(Channel channel, Function<Channel, T> read) throws Exception {
        return channel.eventLoop().submit(() -> read.apply(channel)).get(TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    /** Waits until {@code condition} holds for {@code channel}, looked at on its event loop every 10 ms, for {@value TestServer#TIMEOUT_SECONDS} s at most. */
    private static void awaitOnLoop(Channel channel, Predicate<Channel> condition) throws Exception {
        CompletableFuture<Void> met = new CompletableFuture<>();
        Runnable[] check = new Runnable[1];
        check[0] = () -> {
            if (condition.test(channel)) {
                met.complete(null);
            } else if (!met.isDone() && channel.isOpen()) {
                channel.eventLoop().schedule(check[0], 10, TimeUnit.MILLISECONDS);
            } else {
                met.completeExceptionally(new AssertionError("channel closed before the condition held: " + channel));
            }
        };
        channel.eventLoop().execute(check[0]);
        met.get(TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    /**
     * The upstream's producer: the text {@code produce N} makes it send N binary messages of
     * {@value #MESSAGE_BYTES} bytes, each starting with its index, as fast as its channel is
     * writable, so that it holds no more than its own write buffer.
     */
    private static final class Producer extends ChannelInboundHandlerAdapter {

        private int next;
        private int count;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof TextWebSocketFrame text && text.text().startsWith("produce ")) {
                count = Integer.parseInt(text.text().substring("produce ".length()));
                text.release();
                produce(ctx);
            } else {
                ctx.fireChannelRead(msg);
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            produce(ctx);
            ctx.fireChannelWritabilityChanged();
        }

        private void produce(ChannelHandlerContext ctx) {
            while (next < count && ctx.channel().isWritable()) {
                ByteBuf payload = ctx.alloc().buffer(MESSAGE_BYTES).writeInt(next++).writeZero(MESSAGE_BYTES - 4);
                ctx.writeAndFlush(new BinaryWebSocketFrame(payload));
            }
        }
    }

    /** Counts the payload bytes of the data frames the upstream reads, and completes {@code all} at {@code total}. */
    private static final class Counter extends ChannelInboundHandlerAdapter {

        private final AtomicLong received;
        private final long total;
        private final CompletableFuture<Void> all;

        Counter(AtomicLong received, long total, CompletableFuture<Void> all) {
            this.received = received;
            this.total = total;
            this.all = all;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof BinaryWebSocketFrame || msg instanceof TextWebSocketFrame) {
                WebSocketFrame frame = (WebSocketFrame) msg;
                if (received.addAndGet(frame.content().readableBytes()) == total) {
                    all.complete(null);
                }
                frame.release();
            } else {
                ctx.fireChannelRead(msg);
            }
        }
    }
}
