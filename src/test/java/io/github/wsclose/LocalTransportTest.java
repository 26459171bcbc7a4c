package io.github.wsclose;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.wsclose.CloseReason.Codes;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.local.LocalChannel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The closing handshake on real event loops, called from other threads: the local transport
 * carries {@link CloseWebSocketFrame}s between the two ends as they are, with no frame encoding.
 * Every wait is bounded.
 */
class LocalTransportTest {

    private static final long WAIT_SECONDS = 5;

    private final AtomicInteger closeFramesSent = new AtomicInteger();
    private final List<Connection> opened = new CopyOnWriteArrayList<>();
    private TestServer server;

    @BeforeEach
    void startServer() {
        server = TestServer.builder().echo(false)
                .local().pipeline((pipeline, application) -> pipeline.addLast(new CloseFrameCounter(),
                        new ClosingHandshakeHandler(ClosingHandshakeConfig.server())).addLast(application))
                .start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void closesFromSeveralThreadsAtOnceSendOneCloseFrame() throws Exception {
        Connection connection = connect(new ChannelInboundHandlerAdapter()); // answers only when told to

        int threads = 4;
        CountDownLatch start = new CountDownLatch(1);
        List<Future<ChannelFuture>> calls = new ArrayList<>();
        ExecutorService callers = Executors.newFixedThreadPool(threads);
        try {
            for (int i = 0; i < threads; i++) {
                boolean write = i % 2 == 0;
                calls.add(callers.submit(() -> {
                    assertThat(start.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
                    return write ? connection.server().writeAndFlush(new CloseReason(Codes.NORMAL, "bye")) : connection.server().close();
                }));
            }
            start.countDown();
            List<ChannelFuture> closes = new ArrayList<>();
            for (Future<ChannelFuture> call : calls) {
                closes.add(call.get(WAIT_SECONDS, TimeUnit.SECONDS));
            }
            // the answer reaches the server's event loop after every call made above: its channel reads (see connect)
            connection.peer.writeAndFlush(ClosePayload.newFrame(new CloseReason(Codes.NORMAL, ""), connection.peer.alloc()));
            for (ChannelFuture closing : closes) {
                assertThat(closing.await(WAIT_SECONDS, TimeUnit.SECONDS)).as("completed").isTrue();
                assertThat(closing.isSuccess()).as("%s", closing.cause()).isTrue();
            }
        } finally {
            callers.shutdownNow();
        }

        assertThat(connection.server().isOpen()).isFalse();
        assertThat(closeFramesSent).hasValue(1);
        assertThat(reports()).as("reported before channelInactive, hence before the close futures completed").hasSize(1);
        CloseReport closed = connection.accepted.report();
        assertThat(closed.clean()).isTrue();
        assertThat(closed.initiator()).isEqualTo(CloseReport.Initiator.LOCAL);
        assertThat(closed.sent()).isIn(new CloseReason(Codes.NORMAL, "bye"), new CloseReason(Codes.GOING_AWAY, ""));
        assertThat(closed.reason()).isEqualTo(new CloseReason(Codes.NORMAL, ""));
    }

    @Test
    void drainForcesTheSilentConnectionAtTheDeadline() throws Exception {
        ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
        connections.add(connect(new AnswersEveryClose()).server());
        connections.add(connect(new AnswersEveryClose()).server());
        connections.add(connect(new ChannelInboundHandlerAdapter()).server()); // reads the close and never answers

        GracefulDrain.Result drained = GracefulDrain.drain(connections, new CloseReason(Codes.GOING_AWAY, "deploy"),
                Duration.ofMillis(200)).get(WAIT_SECONDS, TimeUnit.SECONDS);

        assertThat(List.of(drained.connections(), drained.clean(), drained.unclean(), drained.forced())).containsExactly(3, 2, 0, 1);
        assertThat(drained.took()).isGreaterThanOrEqualTo(Duration.ofMillis(200));
        assertThat(closeFramesSent).hasValue(3);
        for (Connection connection : opened) {
            connection.accepted.report();
        }
        assertThat(reports()).hasSize(3).filteredOn(report -> !report.clean()).singleElement()
                .satisfies(forced -> assertThat(forced.cause()).isEqualTo(CloseReport.Cause.DRAIN));
    }

    /**
     * Connects a peer with {@code handler} as its handler, and returns once the server's channel
     * is active and reading. The server hands a connection out as its handlers are added, before
     * its channel is active in the same task of its event loop; the first read then takes what
     * the peer has written so far at once, ahead of the tasks queued meanwhile. Once reading, the
     * channel gets each later frame of the peer through a task of its event loop, in turn.
     */
    private Connection connect(ChannelHandler handler) throws Exception {
        Channel peer = new Bootstrap().group(server.loops()).channel(LocalChannel.class).handler(handler)
                .connect(server.address()).sync().channel();
        Connection connection = new Connection(peer, server.nextConnection());
        connection.server().eventLoop().submit(() -> { }).get(WAIT_SECONDS, TimeUnit.SECONDS); // after the task that made it active
        opened.add(connection);
        return connection;
    }

    /** The reports fired so far on every connection. */
    private List<CloseReport> reports() {
        return opened.stream().flatMap(connection -> connection.accepted.recorder().reports().stream()).toList();
    }

    /** The two ends of one connection. */
    private record Connection(Channel peer, TestServer.Connection accepted) {

        Channel server() {
            return accepted.channel();
        }
    }

    /** Counts the close frames that leave the handshake handler towards the wire. */
    private final class CloseFrameCounter extends ChannelOutboundHandlerAdapter {

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (msg instanceof CloseWebSocketFrame) {
                closeFramesSent.incrementAndGet();
            }
            ctx.write(msg, promise);
        }
    }

    /** The peer: answers a close with its code, as RFC 6455 §5.5.1 asks. */
    private static final class AnswersEveryClose extends ChannelInboundHandlerAdapter {

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof CloseWebSocketFrame close) {
                CloseReason received;
                try {
                    received = ClosePayload.decode(close);
                } finally {
                    close.release();
                }
                ctx.writeAndFlush(ClosePayload.newFrame(CloseReason.withoutMessage(received.unsignedCode()), ctx.alloc()));
            } else {
                ctx.fireChannelRead(msg);
            }
        }
    }
}
