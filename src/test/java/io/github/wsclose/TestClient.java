package io.github.wsclose;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.concurrent.Future;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The one test client built with {@link ClientPipeline}, on an event loop of its own: it connects
 * to a URI with the given close configuration and options, and hands back the connection as a
 * {@link TestServer.Connection} (its channel and the {@link Recorder} at the end of its pipeline),
 * whose {@code report()} waits for the client's one report. The recorder keeps the text of every
 * message the client received.
 *
 * <p>Thread-safe. Closing it closes every connection and stops its event loop.
 */
final class TestClient implements AutoCloseable {

    private final EventLoopGroup loops = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private volatile int sendBuffer; // SO_SNDBUF of the connections to come, 0 for the system's

    /** The connections made from now on have a send buffer of {@code bytes} (the kernel's autotuning off), unless 0. */
    TestClient sendBuffer(int bytes) {
        sendBuffer = bytes;
        return this;
    }

    /** Connects to {@code uri} with the client's defaults. */
    TestServer.Connection connect(URI uri) {
        return connect(uri, ClosingHandshakeConfig.client(), ClientOptions.DEFAULTS);
    }

    /**
     * Connects to {@code uri}; the pipeline's application is {@code inFront}, each made for this
     * connection, then the recorder. Returns at once: the upgrade goes on.
     */
    TestServer.Connection connect(URI uri, ClosingHandshakeConfig close, ClientOptions options, ChannelHandler... inFront) {
        Recorder recorder = new Recorder(true);
        List<ChannelHandler> application = new ArrayList<>(List.of(inFront));
        application.add(recorder);
        Bootstrap bootstrap = new Bootstrap().group(loops).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ClientPipeline.configure(ch.pipeline(), uri, close, options, application.toArray(ChannelHandler[]::new));
                    }
                });
        if (sendBuffer > 0) {
            bootstrap.option(ChannelOption.SO_SNDBUF, sendBuffer);
        }
        Channel channel = bootstrap.connect(uri.getHost(), ClientPipeline.port(uri)).channel();
        return new TestServer.Connection(channel, recorder);
    }

    /** Waits for {@code channel}'s upgrade and returns the 101's head; fails the test if it failed. */
    static HttpResponse upgraded(Channel channel) throws InterruptedException {
        Future<HttpResponse> upgrade = ClientPipeline.upgrade(channel);
        if (!upgrade.await(TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            throw new AssertionError("no upgrade within " + TestServer.TIMEOUT_SECONDS + " s: " + channel);
        }
        if (!upgrade.isSuccess()) {
            throw new AssertionError("upgrade failed: " + channel, upgrade.cause());
        }
        return upgrade.getNow();
    }

    /** Waits for {@code channel}'s upgrade to fail and returns why; fails the test if it succeeded. */
    static UpgradeFailedException failedUpgrade(Channel channel) throws InterruptedException {
        Future<HttpResponse> upgrade = ClientPipeline.upgrade(channel);
        if (!upgrade.await(TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            throw new AssertionError("upgrade neither done nor failed within " + TestServer.TIMEOUT_SECONDS + " s: " + channel);
        }
        if (upgrade.isSuccess()) {
            throw new AssertionError("upgrade succeeded: " + upgrade.getNow());
        }
        return (UpgradeFailedException) upgrade.cause();
    }

    @Override
    public void close() {
        loops.shutdownGracefully(0, TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
