package io.github.wsclose.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.wsclose.CloseReason;
import io.netty.buffer.Unpooled;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The two hops of a relay on {@code EmbeddedChannel}s, whose writes wait in the outbound buffer
 * until flushed, as they do for a peer that does not read: a hop stops reading as soon as a
 * frame makes the other hop unwritable and reads again once it is writable, so what waits in
 * the relay is the other hop's high water mark and one message; frames for a client not yet
 * upgraded are held and go after its 101; a close goes on once and later frames are released.
 */
class RelayHopTest {

    private static final WriteBufferWaterMark SMALL = new WriteBufferWaterMark(1024, 4096);

    private final CompletableFuture<RelayedClose> pair = new CompletableFuture<>();
    private RelayHop client;
    private RelayHop upstream;
    private EmbeddedChannel clientChannel;
    private EmbeddedChannel upstreamChannel;

    @BeforeEach
    void joinTheHops() {
        client = RelayHop.client(pair);
        upstream = client.newUpstream();
        clientChannel = new EmbeddedChannel();
        upstreamChannel = new EmbeddedChannel();
        clientChannel.config().setWriteBufferWaterMark(SMALL);
        upstreamChannel.config().setWriteBufferWaterMark(SMALL);
        clientChannel.pipeline().addLast(client);
        upstreamChannel.pipeline().addLast(upstream);
        upstream.opened();
    }

    @AfterEach
    void releaseAll() {
        clientChannel.finishAndReleaseAll();
        upstreamChannel.finishAndReleaseAll();
    }

    @Test
    void aFrameThatFillsTheOtherHopStopsReadingUntilItIsWritableAgain() {
        client.opened();
        clientChannel.pipeline().fireChannelRead(binary(3000)); // written, not flushed yet: waits in the upstream's buffer
        assertThat(clientChannel.config().isAutoRead()).isTrue();
        clientChannel.pipeline().fireChannelRead(binary(3000)); // 6000 bytes waiting: above the high water mark

        assertThat(upstreamChannel.isWritable()).isFalse();
        assertThat(clientChannel.config().isAutoRead()).as("the client hop stops reading").isFalse();
        assertThat(upstreamChannel.unsafe().outboundBuffer().totalPendingWriteBytes()).isLessThanOrEqualTo(4096 + 3000 + 1000);

        clientChannel.pipeline().fireChannelReadComplete(); // the relay flushes at the end of the read: the upstream takes it

        assertThat(upstreamChannel.isWritable()).isTrue();
        assertThat(clientChannel.config().isAutoRead()).as("reading again").isTrue();
        assertThat(upstreamChannel.outboundMessages()).hasSize(2);
    }

    @Test
    void theSameBothWays() {
        client.opened();
        upstreamChannel.pipeline().fireChannelRead(binary(5000));
        assertThat(upstreamChannel.config().isAutoRead()).isFalse();
        upstreamChannel.pipeline().fireChannelReadComplete();
        assertThat(upstreamChannel.config().isAutoRead()).isTrue();
        assertThat(clientChannel.outboundMessages()).hasSize(1);
    }

    @Test
    void whatTheUpstreamSendsBeforeTheClientsUpgradeFollowsIt() {
        upstreamChannel.pipeline().fireChannelRead(new TextWebSocketFrame("welcome"));
        upstreamChannel.pipeline().fireChannelRead(CloseReason.of(4001, "kicked"));
        assertThat(upstreamChannel.config().isAutoRead()).as("nothing more until the client can take it").isFalse();
        assertThat(clientChannel.outboundMessages()).isEmpty();

        client.opened();

        assertThat(clientChannel.outboundMessages()).hasSize(2);
        TextWebSocketFrame welcome = clientChannel.readOutbound();
        assertThat(welcome.text()).isEqualTo("welcome");
        welcome.release();
        assertThat((Object) clientChannel.readOutbound()).isEqualTo(CloseReason.of(4001, "kicked"));
    }

    @Test
    void aCloseGoesOnOnceAndLaterFramesAreReleased() {
        client.opened();
        clientChannel.pipeline().fireChannelRead(CloseReason.of(4000, "bye"));
        clientChannel.pipeline().fireChannelRead(CloseReason.of(4000, "bye")); // an answer: no second close

        BinaryWebSocketFrame late = binary(10);
        upstreamChannel.pipeline().fireChannelRead(late.retain()); // for a client hop that is closing: released
        assertThat(late.refCnt()).isOne();
        late.release();
        clientChannel.pipeline().fireChannelRead(new PingWebSocketFrame()); // pings are each hop's own: released

        assertThat(upstreamChannel.outboundMessages()).containsExactly(CloseReason.of(4000, "bye"));
        assertThat(clientChannel.outboundMessages()).isEmpty();
    }

    @Test
    void aClientGoneBeforeItsUpgradeClosesTheUpstreamAndFailsThePair() {
        clientChannel.close(); // after the upstream's 101, before the client's

        assertThat(upstreamChannel.outboundMessages()).containsExactly(CloseReason.of(1001, "client gone before its upgrade"));
        assertThat(pair).isCompletedExceptionally();
    }

    @Test
    void aClientGoneBeforeItsUpstreamChannelHadAnEventLoopClosesNothingElse() {
        CompletableFuture<RelayedClose> alone = new CompletableFuture<>();
        RelayHop hop = RelayHop.client(alone);
        hop.newUpstream(); // its channel never registered, as on an event loop of another transport
        EmbeddedChannel channel = new EmbeddedChannel(hop);

        channel.close();

        channel.checkException(); // nothing thrown
        assertThat(alone).isCompletedExceptionally();
    }

    private static BinaryWebSocketFrame binary(int bytes) {
        return new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[bytes]));
    }
}
