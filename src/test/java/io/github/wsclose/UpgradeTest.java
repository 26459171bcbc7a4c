package io.github.wsclose;

import static io.github.wsclose.CloseReport.Initiator.REMOTE;
import static io.github.wsclose.HandshakeChannel.maskedFrame;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.wsclose.CloseReason.Codes;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler.HandshakeComplete;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Next to Netty's {@link WebSocketServerProtocolHandler} (or the client one), the closing handshake stays out of the
 * way until the HTTP upgrade completes (RFC 6455 §4), then runs as on any WebSocket connection.
 */
class UpgradeTest {

    @Test
    void closeBeforeTheUpgradeClosesTcpAloneAndReportsNothing() {
        try (HandshakeChannel ws = HandshakeChannel.serverPipeline(ClosingHandshakeConfig.server())) {
            ChannelFuture closed = ws.applicationCloses();

            assertThat(closed.isSuccess()).isTrue();
            assertThat(ws.channel.isOpen()).isFalse();
            assertThat(ws.sentBytes()).isEmpty();
            assertThat(ws.events()).containsExactly(HandshakeChannel.INACTIVE);
        }
    }

    @Test
    void exceptionBeforeTheUpgradePassesThroughWithoutACloseFrame() {
        try (HandshakeChannel ws = HandshakeChannel.serverPipeline(ClosingHandshakeConfig.server())) {
            CorruptedWebSocketFrameException corrupt =
                    new CorruptedWebSocketFrameException(WebSocketCloseStatus.PROTOCOL_ERROR, "not yet a WebSocket");

            ws.channel.pipeline().fireExceptionCaught(corrupt);

            assertThat(ws.exceptions()).containsExactly(corrupt);
            assertThat(ws.sentBytes()).isEmpty();
            assertThat(ws.reported()).isFalse();
        }
    }

    @Test
    void closeFrameCannotBeWrittenBeforeTheUpgrade() {
        try (HandshakeChannel ws = HandshakeChannel.serverPipeline(ClosingHandshakeConfig.server())) {
            ChannelFuture refused = ws.channel.writeAndFlush(new CloseReason(Codes.NORMAL, ""));

            assertThat(refused.cause()).isInstanceOf(IllegalStateException.class)
                    .hasMessage("cannot send a close frame: the WebSocket upgrade has not completed");
            assertThat(ws.channel.isOpen()).isTrue();
            assertThat(ws.sentBytes()).isEmpty();
        }
    }

    @Test
    void afterTheUpgradeThePeersCloseIsAnsweredOnTheWire() {
        try (HandshakeChannel ws = HandshakeChannel.serverPipeline(ClosingHandshakeConfig.server())) {
            ws.upgrade();

            ws.peerSendsBytes(maskedFrame(0x88, new byte[] {0x03, (byte) 0xE8}));

            assertThat(ws.sentBytes()).isEqualTo("880203e8");
            assertThat(ws.channel.isOpen()).isFalse();
            CloseReason normal = new CloseReason(Codes.NORMAL, "");
            assertThat(ws.applicationReads()).isEqualTo(normal);
            assertThat(ws.report()).isEqualTo(new CloseReport(normal, normal, normal, REMOTE, true, Duration.ZERO, CloseReport.Cause.PEER, null));
        }
    }

    @Test
    void afterTheUpgradeAProtocolErrorSendsOneCloseFrameBeforeNettyClosesTcp() {
        try (HandshakeChannel ws = HandshakeChannel.serverPipeline(ClosingHandshakeConfig.server())) {
            ws.upgrade();

            // WebSocketServerProtocolHandler forwards the exception, then closes TCP at once
            ws.channel.pipeline().fireExceptionCaught(new CorruptedWebSocketFrameException(WebSocketCloseStatus.INVALID_PAYLOAD_DATA, "bad"));

            assertThat(ws.sentBytes()).isEqualTo("880503ef626164");
            assertThat(ws.channel.isOpen()).isFalse();
            assertThat(ws.report().sent()).isEqualTo(new CloseReason(Codes.NOT_CONSISTENT, "bad"));
        }
    }

    @Test
    void handshakeCompleteEventStartsTheClosingHandshake() {
        WebSocketServerProtocolConfig protocol = WebSocketServerProtocolConfig.newBuilder()
                .websocketPath("/ws").handleCloseFrames(false).sendCloseFrame(null).build();
        try (HandshakeChannel ws = new HandshakeChannel(ClosingHandshakeConfig.server(), new WebSocketServerProtocolHandler(protocol))) {
            assertThat(ws.channel.writeAndFlush(new CloseReason(Codes.NORMAL, "")).cause()).as("before the upgrade")
                    .isInstanceOf(IllegalStateException.class);

            ws.channel.pipeline().fireUserEventTriggered(new HandshakeComplete("/ws", EmptyHttpHeaders.INSTANCE, null));
            ws.applicationCloses();

            assertThat(ws.sentClose()).isEqualTo(new CloseReason(Codes.GOING_AWAY, ""));
            assertThat(ws.channel.isOpen()).as("waiting for the answer").isTrue();
        }
    }

    @Test
    void clientHandshakeCompleteEventStartsTheClosingHandshake() {
        WebSocketClientHandshaker handshaker = WebSocketClientHandshakerFactory.newHandshaker(
                URI.create("ws://127.0.0.1/ws"), WebSocketVersion.V13, null, false, EmptyHttpHeaders.INSTANCE);
        try (HandshakeChannel ws = new HandshakeChannel(ClosingHandshakeConfig.client(), new WebSocketClientProtocolHandler(handshaker))) {
            assertThat(ws.channel.writeAndFlush(new CloseReason(Codes.NORMAL, "")).cause()).as("before the upgrade")
                    .isInstanceOf(IllegalStateException.class);

            ws.channel.pipeline().fireUserEventTriggered(WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE);
            ws.channel.writeAndFlush(new CloseReason(Codes.NORMAL, "bye"));

            assertThat(ws.sentClose()).isEqualTo(new CloseReason(Codes.NORMAL, "bye"));
        }
    }

}
