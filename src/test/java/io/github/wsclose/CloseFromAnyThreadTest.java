package io.github.wsclose;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.wsclose.CloseReason.Codes;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalIoHandler;
import io.netty.channel.local.LocalServerChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
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
 * Closes started from threads other than the channel's event loop, on a real event loop: the
 * local transport carries {@link CloseReason}s between the two ends as they are.
 */
class CloseFromAnyThreadTest {

    private static final long WAIT_SECONDS = 5;

    private EventLoopGroup group;
    private Channel server;

    @BeforeEach
    void startEventLoops() {
        group = new MultiThreadIoEventLoopGroup(2, LocalIoHandler.newFactory());
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (server != null) {
            server.close().sync();
        }
        group.shutdownGracefully(0, 0, TimeUnit.SECONDS).sync();
    }

    @Test
    void closesFromSeveralThreadsAtOnceSendOneCloseFrame() throws Exception {
        AtomicInteger closeFramesSent = new AtomicInteger();
        CompletableFuture<Channel> accepted = new CompletableFuture<>();
        List<CloseReport> reports = new CopyOnWriteArrayList<>();
        server = new ServerBootstrap().group(group).channel(LocalServerChannel.class)
                .childHandler(new ChannelInitializer<LocalChannel>() {
                    @Override
                    protected void initChannel(LocalChannel ch) {
                        ch.pipeline().addLast(new CloseFrameCounter(closeFramesSent),
                                new ClosingHandshakeHandler(ClosingHandshakeConfig.server()), new ReportsTo(reports));
                        accepted.complete(ch);
                    }
                })
                .bind(LocalAddress.ANY).sync().channel();
        Channel peer = new Bootstrap().group(group).channel(LocalChannel.class).handler(new AnswersEveryClose())
                .connect(server.localAddress()).sync().channel();
        Channel connection = accepted.get(WAIT_SECONDS, TimeUnit.SECONDS);

        int threads = 4;
        CountDownLatch start = new CountDownLatch(1);
        List<Future<ChannelFuture>> closes = new ArrayList<>();
        ExecutorService callers = Executors.newFixedThreadPool(threads);
        try {
            for (int i = 0; i < threads; i++) {
                boolean write = i % 2 == 0;
                closes.add(callers.submit(() -> {
                    assertThat(start.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
                    return write ? connection.writeAndFlush(new CloseReason(Codes.NORMAL, "bye")) : connection.close();
                }));
            }
            start.countDown();
            for (Future<ChannelFuture> close : closes) {
                ChannelFuture closing = close.get(WAIT_SECONDS, TimeUnit.SECONDS);
                assertThat(closing.await(WAIT_SECONDS, TimeUnit.SECONDS)).as("completed").isTrue();
                assertThat(closing.isSuccess()).isTrue();
            }
        } finally {
            callers.shutdownNow();
        }
        assertThat(connection.isOpen()).isFalse();
        assertThat(peer.closeFuture().await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
        assertThat(closeFramesSent).hasValue(1);
        assertThat(reports).as("reported before channelInactive, hence before the close futures completed").hasSize(1);
        CloseReport closed = reports.get(0);
        assertThat(closed.clean()).isTrue();
        assertThat(closed.initiator()).isEqualTo(CloseReport.Initiator.LOCAL);
        assertThat(closed.reason().knownReason()).isIn(Codes.NORMAL, Codes.GOING_AWAY);
    }

    /** Counts the close frames that leave the handshake handler towards the wire. */
    private static final class CloseFrameCounter extends ChannelOutboundHandlerAdapter {

        private final AtomicInteger sent;

        CloseFrameCounter(AtomicInteger sent) {
            this.sent = sent;
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (msg instanceof CloseReason) {
                sent.incrementAndGet();
            }
            ctx.write(msg, promise);
        }
    }

    /** The peer: answers a close with its code, as RFC 6455 §5.5.1 asks. */
    private static final class AnswersEveryClose extends ChannelInboundHandlerAdapter {

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof CloseReason close) {
                ctx.writeAndFlush(new CloseReason(close.code(), ""));
            }
        }
    }

    /** Collects the connection's reports. */
    private static final class ReportsTo extends ChannelInboundHandlerAdapter {

        private final List<CloseReport> reports;

        ReportsTo(List<CloseReport> reports) {
            this.reports = reports;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof CloseReport closed) {
                reports.add(closed);
            }
        }
    }
}
