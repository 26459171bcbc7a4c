package io.github.wsclose;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.wsclose.WebSocketPeer.Http;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.nio.channels.ClosedChannelException;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Closes from threads other than the event loop, twice, and at the same moment as the peer's
 * close frame arrives, on real loopback sockets: exactly one close frame reaches the wire,
 * exactly one report is fired, and writes after the close fail and are released. Over HTTP/2
 * too, on a stream of a connection of its own: the server's END_STREAM stands for its close of TCP.
 */
@Tag(TestTransport.TAG)
class ConcurrentCloseTest {

    private static final int RACES = 200;
    private static final long WAIT_SECONDS = 10;

    private static final Map<Http, TestServer> SERVERS = new EnumMap<>(Http.class);
    private static ExecutorService peers;

    @BeforeAll
    static void startServers() {
        for (Http http : Http.values()) {
            SERVERS.put(http, TestServer.builder().over(http).start());
        }
        peers = Executors.newSingleThreadExecutor();
    }

    @AfterAll
    static void stopServers() {
        peers.shutdownNow();
        SERVERS.values().forEach(TestServer::close);
    }

    @ParameterizedTest
    @EnumSource(Http.class)
    void closeTwiceSendsOneCloseFrame(Http http) throws Exception {
        TestServer server = SERVERS.get(http);
        try (WebSocketPeer peer = http.connect(server)) {
            TestServer.Connection connection = server.nextConnection();

            ChannelFuture first = connection.channel().close();
            ChannelFuture second = connection.channel().close();
            assertThat(peer.readFrame()).isEqualTo(WireFrame.close(1001, ""));
            peer.send(WireFrame.close(1001, ""));

            assertThat(peer.readUntilClosed().frames()).as("frames after the close frame").isEmpty();
            CloseReport report = connection.report();
            assertThat(report.clean()).isTrue();
            assertThat(report.initiator()).isEqualTo(CloseReport.Initiator.LOCAL);
            assertThat(first.await(WAIT_SECONDS, TimeUnit.SECONDS) && first.isSuccess()).isTrue();
            assertThat(second.await(WAIT_SECONDS, TimeUnit.SECONDS) && second.isSuccess()).isTrue();
        }
    }

    @ParameterizedTest
    @EnumSource(Http.class)
    void closeFromAForeignThreadRacingThePeersClose(Http http) throws Exception {
        TestServer server = SERVERS.get(http);
        int peerFirst = 0;
        int writesAfterTeardown = 0;
        for (int race = 0; race < RACES; race++) {
            try (WebSocketPeer peer = http.connect(server)) {
                TestServer.Connection connection = server.nextConnection();
                Channel channel = connection.channel();
                CyclicBarrier start = new CyclicBarrier(2);
                Future<List<WireFrame>> received = peers.submit(() -> {
                    start.await(WAIT_SECONDS, TimeUnit.SECONDS);
                    peer.send(WireFrame.close(4000, "peer"));
                    return peer.readUntilClosed().frames();
                });

                start.await(WAIT_SECONDS, TimeUnit.SECONDS);
                ChannelFuture first = race % 2 == 0
                        ? channel.close()
                        : channel.writeAndFlush(new CloseReason(CloseReason.Codes.NORMAL, "server"));
                ChannelFuture second = channel.close();

                List<WireFrame> frames = received.get(WAIT_SECONDS, TimeUnit.SECONDS);
                assertThat(frames).as("race %s: frames on the wire", race).hasSize(1);
                assertThat(frames.get(0).opcode()).isEqualTo(WireFrame.CLOSE);
                CloseReport report = connection.report();
                assertThat(report.clean()).as("race %s: %s", race, report).isTrue();
                peerFirst += report.initiator() == CloseReport.Initiator.REMOTE ? 1 : 0;
                assertThat(first.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
                if (!first.isSuccess()) {
                    // a CloseReason written once the channel is closed finds the pipeline torn down: Netty fails it
                    assertThat(race % 2).as("race %s: only a write can fail: %s", race, first.cause()).isOne();
                    assertThat(first.cause()).isInstanceOf(ClosedChannelException.class);
                    writesAfterTeardown++;
                }
                assertThat(second.await(WAIT_SECONDS, TimeUnit.SECONDS) && second.isSuccess()).as("race %s: %s", race, second.cause()).isTrue();
            }
        }
        System.out.println("fault: close racing the peer's close over " + http + ": " + RACES + " races, peer first " + peerFirst
                + ", server first " + (RACES - peerFirst) + ", close writes after teardown " + writesAfterTeardown);
    }

    @ParameterizedTest
    @EnumSource(Http.class)
    void writesAfterTheCloseFailAndAreReleased(Http http) throws Exception {
        TestServer server = SERVERS.get(http);
        try (WebSocketPeer peer = http.connect(server)) {
            TestServer.Connection connection = server.nextConnection();
            Channel channel = connection.channel();

            channel.close();
            TextWebSocketFrame late = new TextWebSocketFrame("late");
            ChannelFuture write = channel.writeAndFlush(late); // queued behind the close on the event loop
            assertThat(write.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
            assertThat(write.cause()).isInstanceOf(IllegalStateException.class)
                    .hasMessage("cannot write TextWebSocketFrame: the closing handshake has started");
            assertThat(late.refCnt()).isZero();

            assertThat(peer.readFrame()).isEqualTo(WireFrame.close(1001, ""));
            peer.send(WireFrame.close(1001, ""));
            assertThat(peer.readUntilClosed().frames()).as("nothing after the close frame").isEmpty();
            connection.report();

            TextWebSocketFrame afterTcp = new TextWebSocketFrame("after TCP closed");
            ChannelFuture lateWrite = channel.writeAndFlush(afterTcp);
            assertThat(lateWrite.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
            assertThat(lateWrite.isSuccess()).isFalse();
            assertThat(afterTcp.refCnt()).isZero();
        }
    }
}
