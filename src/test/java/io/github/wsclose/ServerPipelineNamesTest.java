package io.github.wsclose;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.Utf8FrameValidator;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The documented names and order of the handlers {@link ServerPipeline} adds, and its limits. */
class ServerPipelineNamesTest {

    private final EmbeddedChannel channel = new EmbeddedChannel();

    @AfterEach
    void closeChannel() {
        channel.finishAndReleaseAll();
    }

    @Test
    void namesEveryHandlerWithOptions() {
        ServerPipeline.configure(channel.pipeline(), "/ws", ClosingHandshakeConfig.server(),
                ServerOptions.DEFAULTS.withMaxMessageBytes(1 << 24).withCompression(PerMessageDeflateConfig.DEFAULT),
                new ChannelInboundHandlerAdapter());

        assertThat(names()).containsSubsequence(ServerPipeline.HTTP_CODEC, ServerPipeline.HTTP_AGGREGATOR,
                ServerPipeline.COMPRESSION, ServerPipeline.WEBSOCKET_UPGRADE, ServerPipeline.MESSAGE_AGGREGATOR,
                ServerPipeline.CLOSING_HANDSHAKE,
                ServerPipeline.UNHANDLED_EXCEPTIONS);
        assertThat(names().get(names().indexOf(ServerPipeline.UNHANDLED_EXCEPTIONS) - 1)).as("the application's handler, before the last").contains("ChannelInboundHandlerAdapter");
        assertThat(((HttpObjectAggregator) channel.pipeline().get(ServerPipeline.HTTP_AGGREGATOR)).maxContentLength())
                .as("plain HTTP requests keep their own limit").isEqualTo(ServerOptions.DEFAULT_MAX_BYTES);
    }

    @Test
    void withoutOptionsNeitherCompressesNorAggregatesAndKeepsHttpAt64KiB() {
        ServerPipeline.configure(channel.pipeline(), WebSocketServerProtocolConfig.newBuilder()
                .websocketPath("/ws").maxFramePayloadLength(1 << 20).build(), ClosingHandshakeConfig.server(),
                new ChannelInboundHandlerAdapter());

        assertThat(names()).doesNotContain(ServerPipeline.COMPRESSION, ServerPipeline.MESSAGE_AGGREGATOR);
        assertThat(channel.pipeline().get(ServerPipeline.WEBSOCKET_UPGRADE)).isInstanceOf(WebSocketServerProtocolHandler.class);
        assertThat(((HttpObjectAggregator) channel.pipeline().get(ServerPipeline.HTTP_AGGREGATOR)).maxContentLength())
                .as("a larger frame limit no longer raises the HTTP limit").isEqualTo(ServerOptions.DEFAULT_MAX_BYTES);
    }

    @Test
    void afterTheUpgradeAFramePassesNoMoreHandlersThanBehindNettysProtocolHandler() {
        try (HandshakeChannel ws = HandshakeChannel.serverPipelineOfFrames(ClosingHandshakeConfig.server())) {
            ws.upgrade();

            ChannelPipeline pipeline = ws.channel.pipeline();
            // stock Netty: inbound wsdecoder, Utf8FrameValidator, its protocol handler, the application; outbound the reverse of the last two
            assertThat(pipeline.names()).containsExactly("wsencoder", "wsdecoder", ServerPipeline.CONNECTION_GUARD,
                    ServerPipeline.CLOSING_HANDSHAKE, "Recorder#0", ServerPipeline.UNHANDLED_EXCEPTIONS, "DefaultChannelPipeline$TailContext#0");
            assertThat(pipeline.get(Utf8FrameValidator.class)).as("the guard checks text for UTF-8").isNull();
            assertThat(pipeline.get(ServerPipeline.CONNECTION_GUARD)).as("writes pass the handshake handler only")
                    .isNotInstanceOf(ChannelOutboundHandler.class);
        }
    }

    private List<String> names() {
        return channel.pipeline().names();
    }
}
