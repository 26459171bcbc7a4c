package io.github.wsclose.example;

import io.github.wsclose.CloseReason;
import io.github.wsclose.ClosingHandshakeConfig;
import io.github.wsclose.GracefulDrain;
import io.github.wsclose.ServerPipeline;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A WebSocket echo server that shows every part of the library's close handling, with a
 * playground page to try it from a browser.
 *
 * <ul>
 *   <li>{@code GET /} serves the playground page; {@code /ws} is the WebSocket endpoint, built
 *       with {@link ServerPipeline#configure}.</li>
 *   <li>Text and binary messages are echoed; the text {@code close CODE [REASON]} makes the
 *       server send the first close frame ({@link CloseCommand}).</li>
 *   <li>One line is printed per closed connection, and per connection refused before its
 *       upgrade ({@link ClosePrinter}).</li>
 *   <li>The server closes on its own what a server must, with the limits and timeouts of the
 *       {@code --upgrade-timeout-ms} … {@code --max-message-bytes} flags (a
 *       {@link io.github.wsclose.ServerProtection}, docs/protection.md).</li>
 *   <li>On SIGTERM or Ctrl-C every connection is closed with {@code 1001 GOING_AWAY} by a
 *       {@link GracefulDrain} bounded by {@code --drain-deadline-ms}, and the result printed.</li>
 * </ul>
 *
 * <p>Run from the project root: {@code mvn -q test-compile exec:java}; see {@link ExampleOptions}.
 */
public final class ExampleServer {

    static final String WEBSOCKET_PATH = "/ws";
    static final CloseReason SHUTDOWN = new CloseReason(CloseReason.Codes.GOING_AWAY, "server shutting down");

    private final ExampleOptions options;
    private final PrintStream out;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(NioIoHandler.newFactory());
    private final ChannelGroup connections = new DefaultChannelGroup("connections", GlobalEventExecutor.INSTANCE);

    private ExampleServer(ExampleOptions options, PrintStream out) {
        this.options = options;
        this.out = out;
    }

    /** Starts the server and returns when it has drained after SIGTERM or Ctrl-C. */
    public static void main(String[] args) throws InterruptedException {
        if (ExampleOptions.wantsHelp(args)) {
            System.out.println(ExampleOptions.USAGE);
            return;
        }
        ExampleOptions options;
        try {
            options = ExampleOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println(ExampleOptions.USAGE);
            System.exit(2);
            return;
        }
        new ExampleServer(options, System.out).run();
    }

    private void run() throws InterruptedException {
        Channel server;
        try {
            server = bind();
        } catch (Exception e) {
            System.err.println("error: cannot listen on " + options.host() + ":" + options.port() + ": " + e.getMessage());
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            System.exit(1);
            return;
        }
        CountDownLatch drained = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            shutDown(server);
            drained.countDown();
        }, "example-server-shutdown"));
        InetSocketAddress bound = (InetSocketAddress) server.localAddress();
        String authority = authority(bound);
        out.println("listening on ws://" + authority + WEBSOCKET_PATH);
        out.println("http://" + authority + "/");
        out.flush();
        drained.await();
    }

    private Channel bind() throws InterruptedException {
        ClosingHandshakeConfig close = ClosingHandshakeConfig.server()
                .withCloseTimeout(options.closeTimeout())
                .withEchoReason(true); // the answer to a client's close carries its code and its reason
        PlaygroundPage page = new PlaygroundPage();
        ClosePrinter printer = new ClosePrinter(out);
        return new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.add(ch);
                        ServerPipeline.configure(ch.pipeline(), WEBSOCKET_PATH, close, options.protection(),
                                new WebSocketFrameAggregator((int) options.protection().maxMessageBytes()), page, EchoHandler.INSTANCE, printer);
                    }
                })
                .bind(options.host(), options.port())
                .sync()
                .channel();
    }

    /** Stops accepting, drains every connection with 1001 GOING_AWAY, and stops the event loops. */
    private void shutDown(Channel server) {
        server.close().syncUninterruptibly();
        long deadline = options.drainDeadline().toMillis();
        out.println("draining " + connections.size() + " connection(s) with " + SHUTDOWN + ", deadline " + deadline + " ms");
        try {
            GracefulDrain.Result result = GracefulDrain.drain(connections, SHUTDOWN, options.drainDeadline())
                    .get(deadline + 1000, TimeUnit.MILLISECONDS);
            out.println("drained connections=" + result.connections() + " clean=" + result.clean()
                    + " unclean=" + result.unclean() + " forced=" + result.forced() + " took=" + result.took().toMillis() + "ms");
        } catch (TimeoutException | ExecutionException e) {
            out.println("drain did not finish: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            out.println("drain interrupted");
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        out.flush();
    }

    /** HOST:PORT, with an IPv6 address in brackets. */
    private static String authority(InetSocketAddress address) {
        String host = address.getHostString();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
    }
}
