package io.github.wsclose.example;

import io.github.wsclose.ClientOptions;
import io.github.wsclose.ClientPipeline;
import io.github.wsclose.CloseReason;
import io.github.wsclose.CloseReport;
import io.github.wsclose.ClosingHandshakeConfig;
import io.github.wsclose.ClosingHandshakeHandler;
import io.github.wsclose.PerMessageDeflateConfig;
import io.github.wsclose.UpgradeFailedException;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * A command-line WebSocket client on {@link ClientPipeline}: connects to the URI of its first
 * argument ({@code ws://127.0.0.1:8080/ws}, the example server, by default), offers
 * permessage-deflate, sends each line of standard input as a text message and prints what comes
 * back; an empty line or the end of input closes with 1000, and the client prints how the
 * connection ended, from its {@link CloseReport}, or why the upgrade failed.
 *
 * <pre>
 * mvn -q test-compile exec:java -Dexec.mainClass=io.github.wsclose.example.ExampleClient -Dexec.args=ws://127.0.0.1:8080/ws
 * </pre>
 */
public final class ExampleClient {

    private ExampleClient() {
    }

    /**
     * Runs the client.
     *
     * @param args the URI to connect to, optional
     * @throws Exception if the connection does not close within 10 s of the close
     */
    public static void main(String[] args) throws Exception {
        URI uri = URI.create(args.length > 0 ? args[0] : "ws://127.0.0.1:8080/ws");
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            Channel channel = connect(group, uri, ClientOptions.DEFAULTS.withCompression(PerMessageDeflateConfig.DEFAULT));
            if (!ClientPipeline.upgrade(channel).await().isSuccess()) {
                return; // an UpgradeFailedException, with the server's status if it answered: the printer said which
            }
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line; (line = in.readLine()) != null && !line.isEmpty() && channel.isActive(); ) {
                channel.writeAndFlush(new TextWebSocketFrame(line));
            }
            channel.writeAndFlush(CloseReason.of(1000, "done"));
            CloseReport report = ClosingHandshakeHandler.closeReport(channel).get(10, TimeUnit.SECONDS);
            System.out.println("closed: " + report);
        } finally {
            group.shutdownGracefully(0, 5, TimeUnit.SECONDS);
        }
    }

    /** Connects to {@code uri} with {@code options}; the upgrade goes on once connected. */
    static Channel connect(EventLoopGroup group, URI uri, ClientOptions options) {
        Bootstrap bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ClientPipeline.configure(ch.pipeline(), uri, ClosingHandshakeConfig.client(), options, Printer.INSTANCE);
                    }
                });
        return bootstrap.connect(uri.getHost(), ClientPipeline.port(uri)).channel();
    }

    /** Prints the server's messages, its close, and a failed upgrade. Sharable. */
    @Sharable
    private static final class Printer extends ChannelInboundHandlerAdapter {

        static final Printer INSTANCE = new Printer();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof TextWebSocketFrame text) {
                System.out.println("< " + text.text());
            } else if (msg instanceof CloseReason reason) { // the server's close frame: its own close, or its answer to ours
                System.out.println("close frame from the server: " + reason);
            }
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof UpgradeFailedException failed) { // never a WebSocket connection: no CloseReport
                System.out.println("upgrade failed: " + failed.reason().tag() + " " + failed.getMessage());
            }
            ctx.fireUserEventTriggered(evt);
        }
    }
}
