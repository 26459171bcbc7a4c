package io.github.wsclose.example;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.wsclose.ClientOptions;
import io.github.wsclose.ClientPipeline;
import io.github.wsclose.CloseReason;
import io.github.wsclose.CloseReport;
import io.github.wsclose.ClosingHandshakeHandler;
import io.github.wsclose.PerMessageDeflateConfig;
import io.github.wsclose.TestServer;
import io.github.wsclose.UpgradeFailedException;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.util.concurrent.Future;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The example client's pipeline against the example server: both of this library, compressed,
 * closed by the client, cleanly on both ends; and a path the server does not serve, a failed
 * upgrade with its 404.
 */
class ExampleClientTest {

    private static final long TIMEOUT_SECONDS = TestServer.TIMEOUT_SECONDS;

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private ExampleServer server;
    private Channel listening;
    private int port;

    @BeforeEach
    void start() throws InterruptedException {
        server = new ExampleServer(ExampleOptions.parse("--port", "0", "--compression"), new PrintStream(OutputStream.nullOutputStream()));
        listening = server.bind();
        port = ((InetSocketAddress) listening.localAddress()).getPort();
    }

    @AfterEach
    void stop() {
        server.shutDown(listening);
        group.shutdownGracefully(0, TIMEOUT_SECONDS, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void upgradesSendsAndClosesCleanly() throws Exception {
        URI uri = URI.create("ws://127.0.0.1:" + port + ExampleServer.WEBSOCKET_PATH);
        Channel channel = ExampleClient.connect(group, uri, ClientOptions.DEFAULTS.withCompression(PerMessageDeflateConfig.DEFAULT));
        Future<HttpResponse> upgrade = ClientPipeline.upgrade(channel).await();
        assertThat(upgrade.isSuccess()).as("upgrade: %s", upgrade.cause()).isTrue();
        assertThat(upgrade.getNow().headers().get("Sec-WebSocket-Extensions")).startsWith("permessage-deflate");

        channel.writeAndFlush(new TextWebSocketFrame("hello"));
        channel.writeAndFlush(CloseReason.of(1000, "done"));
        CloseReport report = ClosingHandshakeHandler.closeReport(channel).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        assertThat(report.clean()).isTrue();
        assertThat(report.initiator()).isEqualTo(CloseReport.Initiator.LOCAL);
        assertThat(report.received()).isEqualTo(CloseReason.of(1000, "done"));
    }

    @Test
    void aPathTheServerDoesNotServeIsAFailedUpgradeWith404() throws Exception {
        Channel channel = ExampleClient.connect(group, URI.create("ws://127.0.0.1:" + port + "/nowhere"), ClientOptions.DEFAULTS);
        Future<HttpResponse> upgrade = ClientPipeline.upgrade(channel).await();
        UpgradeFailedException failed = (UpgradeFailedException) upgrade.cause();
        assertThat(failed.reason()).isEqualTo(UpgradeFailedException.Reason.STATUS);
        assertThat(failed.status().code()).isEqualTo(404);
        assertThat(channel.closeFuture().await(TIMEOUT_SECONDS, TimeUnit.SECONDS)).isTrue();
    }
}
