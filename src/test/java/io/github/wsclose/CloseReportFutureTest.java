package io.github.wsclose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.github.wsclose.CloseReason.Codes;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** {@link ClosingHandshakeHandler#closeReport(io.netty.channel.Channel)}: the report as a future, from the channel. */
class CloseReportFutureTest {

    @Test
    void completesWithTheReportFiredAsAUserEvent() {
        try (HandshakeChannel ws = HandshakeChannel.server()) {
            CompletableFuture<CloseReport> report = ClosingHandshakeHandler.closeReport(ws.channel);
            assertThat(report).isNotDone();

            ws.peerSends(new CloseReason(Codes.GOING_AWAY, "bye"));

            assertThat(report).isCompletedWithValue(ws.report());
            assertThat(ClosingHandshakeHandler.closeReport(ws.channel)).as("the same future, later too").isSameAs(report);
        }
    }

    @Test
    void isFoundFromAnotherThreadAfterTheChannelClosedAndItsHandlersWereRemoved() throws Exception {
        try (HandshakeChannel ws = HandshakeChannel.withoutCodec(ClosingHandshakeConfig.server())) {
            CompletableFuture<CloseReport> report = ClosingHandshakeHandler.closeReport(ws.channel);
            ws.peerSends(new CloseReason(Codes.GOING_AWAY, "bye"));
            ws.channel.runPendingTasks(); // deregistration: the pipeline's handlers are removed
            assertThat(ws.channel.pipeline().get(ClosingHandshakeHandler.class)).as("no handler left").isNull();

            CompletableFuture<CompletableFuture<CloseReport>> found = new CompletableFuture<>();
            Thread other = new Thread(() -> found.complete(ClosingHandshakeHandler.closeReport(ws.channel)));
            other.start();
            other.join(Duration.ofSeconds(10).toMillis());

            assertThat(found).succeedsWithin(Duration.ZERO).isSameAs(report);
            assertThat(report).isCompletedWithValue(ws.report());
        }
    }

    @Test
    void failsWhenTheChannelClosesBeforeTheUpgrade() {
        try (HandshakeChannel ws = HandshakeChannel.serverPipeline(ClosingHandshakeConfig.server())) {
            CompletableFuture<CloseReport> report = ClosingHandshakeHandler.closeReport(ws.channel);

            ws.channel.close();

            assertThat(report).isCompletedExceptionally();
            assertThat(report.handle((closed, failure) -> failure)).succeedsWithin(Duration.ZERO)
                    .isInstanceOf(IllegalStateException.class)
                    .extracting(Throwable::getMessage).isEqualTo("connection closed before the WebSocket upgrade completed");
            assertThat(ws.reported()).as("no report event either").isFalse();
        }
    }

    @Test
    void aChannelWithoutTheHandlerIsRefused() {
        EmbeddedChannel plain = new EmbeddedChannel();
        try {
            assertThatIllegalArgumentException().isThrownBy(() -> ClosingHandshakeHandler.closeReport(plain))
                    .withMessageStartingWith("no ClosingHandshakeHandler in the pipeline of ");
        } finally {
            plain.finishAndReleaseAll();
        }
    }
}
