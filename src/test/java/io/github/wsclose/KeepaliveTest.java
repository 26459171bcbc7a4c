package io.github.wsclose;

import static io.github.wsclose.TestBytes.ascii;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The keepalive and the answers to the peer's pings of a {@link ServerPipeline} with the default
 * {@link ServerProtection}, in virtual time: a ping after 20 s with nothing from the peer, a failed connection 20 s
 * later with nothing back, any frame as a sign of life, the round trip of each pong; and at most one pong for the
 * peer's pings, none while the channel is not writable.
 */
class KeepaliveTest {

    private static final Duration INTERVAL = ServerProtection.DEFAULT_PING_INTERVAL;
    private static final Duration PONG_TIMEOUT = ServerProtection.DEFAULT_PONG_TIMEOUT;
    private static final Duration NANO = Duration.ofNanos(1);
    private static final Duration PERIOD = ConnectionSweep.periodFor(ServerProtection.defaults());

    @Test
    void quietPeerIsPingedAndFailedWhenNothingComesBack() {
        try (HandshakeChannel ws = upgraded()) {
            ws.advance(INTERVAL.minus(NANO));
            assertThat(ws.sentBytes()).as("nothing before the interval").isEmpty();

            ws.advance(NANO);
            assertThat(ws.sentBytes()).as("ping 1").isEqualTo("89080000000000000001");
            ws.advance(PONG_TIMEOUT.minus(NANO));
            assertThat(ws.channel.isOpen()).isTrue();
            ws.advance(NANO);

            assertThat(ws.channel.isOpen()).isFalse();
            assertThat(ws.sentBytes()).isEqualTo("8818" + ByteBufUtil.hexDump(TestBytes.payload(1011, "keepalive ping timeout")));
            CloseReport report = ws.report();
            assertThat(report.cause()).isEqualTo(CloseReport.Cause.KEEPALIVE_TIMEOUT);
            assertThat(report.sent()).isEqualTo(ConnectionGuard.KEEPALIVE_TIMED_OUT);
            assertThat(report.lastPingRoundTrip()).isNull();
        }
    }

    @Test
    void anyFrameIsASignOfLife() {
        try (HandshakeChannel ws = upgraded()) {
            ws.advance(INTERVAL);
            assertThat(ws.sentBytes()).isEqualTo("89080000000000000001");
            ws.advance(PONG_TIMEOUT.minus(NANO));
            ws.peerSendsBytes(HandshakeChannel.maskedFrame(0x81, ascii("late, but alive")));
            ReferenceCountUtil.release(ws.applicationReads());

            ws.advance(NANO); // the sweep that hears it: the keepalive counts from there, at most a sweep period late
            ws.advance(INTERVAL.minus(NANO));
            assertThat(ws.channel.isOpen()).isTrue();
            assertThat(ws.sentBytes()).as("quiet for less than the interval since the sweep that heard that frame").isEmpty();
            ws.advance(NANO);
            assertThat(ws.sentBytes()).as("ping 2, at most a sweep period late").isEqualTo("89080000000000000002");
        }
    }

    @Test
    void peerThatKeepsTalkingIsNeverPinged() {
        try (HandshakeChannel ws = upgraded()) {
            for (int i = 0; i < 30; i++) {
                ws.advance(INTERVAL.minus(NANO));
                ws.peerSendsBytes(HandshakeChannel.maskedFrame(0x8A, new byte[0])); // an unsolicited pong counts too
            }
            assertThat(ws.sentBytes()).isEmpty();
            assertThat(ws.channel.isOpen()).isTrue();
        }
    }

    @Test
    void roundTripOfTheLatestAnsweredPingIsReported() {
        try (HandshakeChannel ws = upgraded()) {
            ws.advance(INTERVAL);
            ws.sentBytes();
            ws.advance(Duration.ofMillis(30));
            ws.peerSendsBytes(HandshakeChannel.maskedFrame(0x8A, new byte[] {0, 0, 0, 0, 0, 0, 0, 1}));
            ws.advance(INTERVAL);
            ws.sentBytes();
            ws.advance(Duration.ofMillis(7));
            ws.peerSendsBytes(HandshakeChannel.maskedFrame(0x8A, new byte[] {0, 0, 0, 0, 0, 0, 0, 9})); // not our ping's payload
            ws.peerSendsBytes(HandshakeChannel.maskedFrame(0x88, new byte[] {0x03, (byte) 0xE8}));

            assertThat(ws.report().lastPingRoundTrip()).isEqualTo(Duration.ofMillis(30));
            ReferenceCountUtil.release(ws.applicationReads());
        }
    }

    @Test
    void withoutPongTimeoutThePingsGoOnAndTheConnectionStaysOpen() {
        try (HandshakeChannel ws = upgraded(ServerProtection.defaults().withPongTimeout(Duration.ZERO))) {
            for (int ping = 1; ping <= 5; ping++) {
                ws.advance(INTERVAL);
                assertThat(ws.sentBytes()).as("ping %d", ping).isEqualTo("890800000000000000" + String.format("%02x", ping));
            }
            assertThat(ws.channel.isOpen()).isTrue();
        }
    }

    @Test
    void connectionLeavesTheSweepAtItsCloseFrame() {
        try (HandshakeChannel ws = upgraded()) {
            assertThat(ConnectionSweep.size(ws.channel.eventLoop(), PERIOD)).isOne();
            ws.peerSendsBytes(HandshakeChannel.maskedFrame(0x88, new byte[] {0x03, (byte) 0xE8}));
            ReferenceCountUtil.release(ws.applicationReads());

            assertThat(ConnectionSweep.size(ws.channel.eventLoop(), PERIOD)).as("the sweep stopped with its last connection").isZero();
            ws.advance(INTERVAL.multipliedBy(3));
            assertThat(ws.report().cause()).isEqualTo(CloseReport.Cause.PEER);
        }
    }

    @Test
    void afterTheUpgradeOneGuardStandsInThePlaceOfNettysProtocolHandlerAndDropsPongs() {
        try (HandshakeChannel ws = upgraded()) {
            assertThat(ws.channel.pipeline().get(WebSocketServerProtocolHandler.class)).isNull();
            assertThat(ws.channel.pipeline().toMap().values()).filteredOn(ConnectionGuard.class::isInstance).hasSize(1);
            assertThat(ws.channel.pipeline().get(ServerPipeline.CONNECTION_GUARD)).as("under a name of ours").isInstanceOf(ConnectionGuard.class);

            ws.peerSendsBytes(HandshakeChannel.maskedFrame(0x8A, ascii("unsolicited")));
            assertThat(ws.applicationReads()).as("pongs are dropped, as Netty's handler did").isNull();
        }
    }

    @Test
    void pongsReachTheApplicationWhenNettysSettingsKeepThem() {
        WebSocketServerProtocolConfig keepPongs = WebSocketServerProtocolConfig.newBuilder().websocketPath("/ws").dropPongFrames(false).build();
        try (HandshakeChannel ws = upgraded(HandshakeChannel.serverPipeline(ClosingHandshakeConfig.server(), keepPongs))) {
            ws.peerSendsBytes(HandshakeChannel.maskedFrame(0x8A, ascii("unsolicited")));

            Object read = ws.applicationReads();
            assertThat(read).isInstanceOf(PongWebSocketFrame.class);
            ReferenceCountUtil.release(read);
        }
    }

    @Test
    void withoutAutoReadAnAnsweredPingAsksForTheNextRead() {
        try (HandshakeChannel ws = upgraded()) {
            AtomicInteger reads = new AtomicInteger();
            ws.channel.pipeline().addFirst(new ChannelOutboundHandlerAdapter() {
                @Override
                public void read(ChannelHandlerContext ctx) {
                    reads.incrementAndGet();
                    ctx.read();
                }
            });
            ws.channel.config().setAutoRead(false);
            int before = reads.get();

            ws.peerSendsBytes(HandshakeChannel.maskedFrame(0x89, ascii("hello")));

            assertThat(ws.sentBytes()).as("answered").startsWith("8a05");
            assertThat(reads.get()).as("the ping reached no application that could ask").isGreaterThan(before);
        }
    }

    @Test
    void peersPingIsAnsweredWithItsPayload() {
        try (HandshakeChannel ws = upgraded()) {
            ws.peerSendsBytes(HandshakeChannel.maskedFrame(0x89, ascii("hello")));

            assertThat(ws.sentBytes()).isEqualTo("8a05" + ByteBufUtil.hexDump(ascii("hello")));
            assertThat(ws.applicationReads()).as("pings are answered, not delivered").isNull();
        }
    }

    @Test
    void thePingsOfOneReadGetAPongEachUpToTheLimitThenOneForTheLatest() {
        try (HandshakeChannel ws = upgraded()) {
            byte[][] pings = new byte[1000][];
            StringBuilder pongs = new StringBuilder();
            for (int i = 0; i < pings.length; i++) {
                pings[i] = HandshakeChannel.maskedFrame(0x89, ascii("ping " + i));
                if (i < ConnectionGuard.PONGS_IN_FLIGHT || i == pings.length - 1) {
                    pongs.append(ByteBufUtil.hexDump(TestBytes.concat(new byte[] {(byte) 0x8a, (byte) ("ping " + i).length()}, ascii("ping " + i))));
                }
            }
            ws.peerSendsBytes(TestBytes.concat(pings)); // one read

            assertThat(ws.sentBytes()).as("the first pings answered in order, then the latest").isEqualTo(pongs.toString());

            ws.peerSendsBytes(HandshakeChannel.maskedFrame(0x89, ascii("next")));
            assertThat(ws.sentBytes()).as("the next read gets its own pong").isEqualTo("8a04" + ByteBufUtil.hexDump(ascii("next")));
        }
    }

    @Test
    void noPongWhileUnwritableThenOnlyTheLatest() {
        try (HandshakeChannel ws = upgraded()) {
            ws.channel.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
            for (int i = 0; i < 1000; i++) {
                ws.peerSendsBytes(HandshakeChannel.maskedFrame(0x89, ascii("ping " + i)));
            }
            assertThat(ws.sentBytes()).as("nothing queued while unwritable").isEmpty();

            ws.channel.unsafe().outboundBuffer().setUserDefinedWritability(1, true);
            ws.channel.runPendingTasks(); // Netty tells of the change in a task of its own

            assertThat(ws.sentBytes()).as("one pong, for the latest ping").isEqualTo("8a08" + ByteBufUtil.hexDump(ascii("ping 999")));
        }
    }

    private static HandshakeChannel upgraded() {
        return upgraded(ServerProtection.defaults());
    }

    private static HandshakeChannel upgraded(ServerProtection protection) {
        return upgraded(HandshakeChannel.serverPipeline(ClosingHandshakeConfig.server(), protection));
    }

    private static HandshakeChannel upgraded(HandshakeChannel ws) {
        ws.upgrade();
        return ws;
    }
}
