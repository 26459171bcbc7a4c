package io.github.wsclose;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.wsclose.CloseReason.Codes;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.SourceDSL;

/**
 * No input makes {@link CloseMetrics} create a tag value outside its documented sets
 * ({@link CloseMeters#TAG_VALUES}, listed in docs/metrics.md): every status code 0–65535, and
 * random close reasons on every close path of the handshake.
 */
class CloseMetricsTagsTest {

    /** The close paths the fuzz test drives, by number. */
    private static final int PATHS = 8;

    @Test
    void everyCodeMapsToADocumentedValue() {
        Set<String> seen = new HashSet<>();
        for (int code = 0; code <= 0xFFFF; code++) {
            seen.add(CloseMetrics.codeTag(new CloseReason((short) code, "")));
        }
        assertThat(seen).isEqualTo(CloseMeters.TAG_VALUES.get("code"));
    }

    @Test
    void namedCodesAreTheirNumbersAndRangesAreGrouped() {
        for (Codes named : Codes.values()) {
            assertThat(CloseMetrics.codeTag(named.withoutMessage)).isEqualTo(Integer.toString(named.unsignedCode()));
        }
        assertThat(tagsOf(2999, 3000, 3999, 4000, 4999, 5000, 1004, 1016, 999, 0, 65535))
                .containsExactly("other", "3xxx", "3xxx", "4xxx", "4xxx", "other", "other", "other", "other", "other", "other");
    }

    @Test
    void docsListEveryMeterAndEveryTagValue() throws IOException {
        List<String> doc = Files.readAllLines(Path.of("docs", "metrics.md"));
        for (String meter : CloseMeters.TAG_KEYS.keySet()) {
            assertThat(doc).as("docs/metrics.md rows of meters").anyMatch(line -> line.startsWith("| `" + meter + "` "));
        }
        CloseMeters.TAG_VALUES.forEach((tag, values) -> {
            String row = doc.stream().filter(line -> line.startsWith("| `" + tag + "` |")).findFirst()
                    .orElseThrow(() -> new AssertionError("docs/metrics.md has no row for the tag " + tag));
            for (String value : values) {
                assertThat(row).as("docs/metrics.md values of %s", tag).contains("`" + value + "`");
            }
        });
    }

    @Test
    void randomReasonsOnEveryPathStayInTheDocumentedSets() {
        CloseMeters meters = new CloseMeters();
        Gen<Integer> paths = SourceDSL.integers().between(0, PATHS - 1);
        FuzzRun.qt(2_000).forAll(CloseInputs.anyReasons(), paths).checkAssert((reason, path) -> {
            double before = meters.closeCount();
            try (HandshakeChannel ws = HandshakeChannel.serverWith(meters.handler)) {
                close(ws, reason, path);
                if (ws.channel.isOpen()) {
                    ws.applicationCloses(); // an unsendable reason left it open
                }
                ws.advance(ClosingHandshakeConfig.DEFAULT_CLOSE_TIMEOUT);

                assertThat(ws.channel.isOpen()).isFalse();
                assertThat(meters.closeCount()).as("closes counted for path %s", path).isEqualTo(before + 1);
                assertThat(meters.active()).isZero();
            }
        });
        meters.assertTagsBounded();
        assertThat(meters.closes().keySet()).extracting(tags -> tags.get("cause")).as("causes seen")
                .contains("peer", "application", "protocol_error", "message_too_big", "unexpected_error", "close_timeout", "drain", "transport");
    }

    private static void close(HandshakeChannel ws, CloseReason reason, int path) {
        switch (path) {
            case 0 -> ws.channel.writeInbound(reason); // the peer's close, whatever its code
            case 1 -> ws.channel.writeAndFlush(reason);
            case 2 -> ws.channel.pipeline().fireExceptionCaught(new CorruptedWebSocketFrameException(
                    new WebSocketCloseStatus(reason.unsignedCode(), "corrupt", false), reason.message()));
            case 3 -> ws.channel.pipeline().fireExceptionCaught(new IllegalStateException(reason.message()));
            case 4 -> ws.channel.pipeline().fireExceptionCaught(new IOException(reason.message()));
            case 5 -> ws.tcpCloses();
            case 6 -> {
                ChannelGroup group = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
                group.add(ws.channel);
                GracefulDrain.drain(group, Codes.GOING_AWAY.withoutMessage, Duration.ZERO);
                ws.channel.runPendingTasks();
            }
            default -> {
                ws.channel.writeAndFlush(reason);
                ws.channel.writeInbound(reason); // the peer answers with the same reason
            }
        }
    }

    private static String[] tagsOf(int... codes) {
        String[] tags = new String[codes.length];
        for (int i = 0; i < codes.length; i++) {
            tags[i] = CloseMetrics.codeTag(new CloseReason((short) codes[i], ""));
        }
        return tags;
    }
}
