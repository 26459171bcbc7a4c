package io.github.wsclose;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.io.IOException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

/**
 * What a gateway does with close codes, measured on loopback: the same four cases against a
 * WebSocket proxy built the way Spring Cloud Gateway builds one on Reactor Netty, and against
 * {@link io.github.wsclose.relay.WebSocketRelay}, with a {@link TestServer} as the upstream and a
 * {@link RawClient} as the client.
 *
 * <p>Each case asserts what was observed, so that a change of either side's behaviour (a new
 * Reactor Netty release, say) fails here and the table of docs/relay.md is read again. "Nothing"
 * is an outcome too: each side waits {@value #WAIT_SECONDS} s at most for it.
 */
class GatewayComparisonTest {

    /** How long the client waits for a frame or the end of TCP, and the upstream for its close report. */
    private static final int WAIT_SECONDS = 5;

    @ParameterizedTest
    @EnumSource(Gateway.class)
    void theUpstreamClosesWith4001Kicked(Gateway gateway) throws Exception {
        try (TestServer upstream = TestServer.start(); Running proxy = gateway.start(upstream.uri());
                RawClient client = RawClient.upgrade(proxy.port())) {
            TestServer.Connection peer = upstream.nextConnection();
            client.send(WireFrame.text("hello")); // the proxy passes messages both ways: the echo comes back
            assertThat(client.readDataFrames(1)).extracting(WireFrame::payload).containsExactly("hello".getBytes(StandardCharsets.UTF_8));
            client.send(WireFrame.text(TestServer.closeCommand(4001, "kicked")));

            Seen seen = Seen.by(client);
            String heard = heardBy(peer);
            System.out.println(gateway + ", the upstream closes with 4001 kicked: the client sees " + seen + "; the upstream " + heard);
            assertThat(seen.frame()).isEqualTo(switch (gateway) {
                case REACTOR_NETTY -> "empty close"; // the browser reports 1005: code and reason lost
                case THIS_RELAY -> "close 4001 \"kicked\"";
            });
            assertThat(heard).isEqualTo(switch (gateway) {
                case REACTOR_NETTY -> "received 4001 \"kicked\", application, clean"; // Reactor Netty echoes the close payload
                case THIS_RELAY -> "received 4001 \"\", application, clean"; // the relay answers the upstream at once, with its code
            });
            seen.assertEnd(gateway);
        }
    }

    @ParameterizedTest
    @EnumSource(Gateway.class)
    void theClientClosesWith4002Bye(Gateway gateway) throws Exception {
        try (TestServer upstream = TestServer.start(); Running proxy = gateway.start(upstream.uri());
                RawClient client = RawClient.upgrade(proxy.port())) {
            TestServer.Connection peer = upstream.nextConnection();
            client.send(WireFrame.close(4002, "bye"));

            Seen seen = Seen.by(client);
            String heard = heardBy(peer);
            System.out.println(gateway + ", the client closes with 4002 bye: the upstream " + heard + "; the client sees " + seen);
            assertThat(heard).isEqualTo(switch (gateway) {
                case REACTOR_NETTY -> "received 1005 \"\", peer, clean"; // an empty close: code and reason lost
                case THIS_RELAY -> "received 4002 \"bye\", peer, clean";
            });
            assertThat(seen.frame()).isEqualTo(switch (gateway) {
                case REACTOR_NETTY -> "close 4002 \"bye\""; // Reactor Netty echoes the client's close payload
                case THIS_RELAY -> "close 4002 \"\""; // the upstream's answer, passed on
            });
            seen.assertEnd(gateway);
        }
    }

    @ParameterizedTest
    @EnumSource(Gateway.class)
    void theUpstreamIsGoneWithoutACloseFrame(Gateway gateway) throws Exception {
        try (TestServer upstream = TestServer.start(); Running proxy = gateway.start(upstream.uri());
                RawClient client = RawClient.upgrade(proxy.port())) {
            TestServer.Connection peer = upstream.nextConnection();
            peer.channel().pipeline().firstContext().close(); // TCP closed in front of the closing handshake: no close frame

            Seen seen = Seen.by(client);
            System.out.println(gateway + ", the upstream gone without a close frame: the client sees " + seen);
            assertThat(seen.frame()).isEqualTo(switch (gateway) {
                case REACTOR_NETTY -> "empty close"; // 1005 for the browser, as if the upstream had closed normally
                case THIS_RELAY -> "close 1014 \"upstream gone: transport\"";
            });
            seen.assertEnd(gateway);
        }
    }

    @ParameterizedTest
    @EnumSource(Gateway.class)
    void theClientIsGoneWithoutACloseFrame(Gateway gateway) throws Exception {
        try (TestServer upstream = TestServer.start(); Running proxy = gateway.start(upstream.uri());
                RawClient client = RawClient.upgrade(proxy.port())) {
            TestServer.Connection peer = upstream.nextConnection();
            client.close(); // a FIN, no close frame

            String heard = heardBy(peer);
            System.out.println(gateway + ", the client gone without a close frame: the upstream " + heard);
            assertThat(heard).isEqualTo(switch (gateway) {
                case REACTOR_NETTY -> "received 1005 \"\", peer, clean"; // an empty close, as if the client had closed normally
                case THIS_RELAY -> "received 1001 \"client gone: transport\", peer, clean";
            });
        }
    }

    /** What the upstream's close report says, or that none came within {@value #WAIT_SECONDS} s. */
    private static String heardBy(TestServer.Connection peer) throws Exception {
        CloseReport report;
        try {
            report = peer.recorder().firstReport().get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            return "nothing within " + WAIT_SECONDS + " s";
        }
        return "received " + describe(report.received()) + ", " + report.cause().name().toLowerCase(Locale.ROOT)
                + ", " + (report.clean() ? "clean" : "unclean");
    }

    private static String describe(CloseReason reason) {
        return reason == null ? "no close frame" : reason.unsignedCode() + " \"" + reason.message() + "\"";
    }

    /**
     * What the client saw first: a close frame (which it answers with the same payload, as a
     * browser does), the end of TCP, or nothing within {@value #WAIT_SECONDS} s; how long it
     * took; and how TCP ended after it.
     */
    private record Seen(String frame, long millis, RawClient.TcpEnd end) {

        static Seen by(RawClient client) throws IOException {
            client.readTimeout(Duration.ofSeconds(WAIT_SECONDS));
            long start = System.nanoTime();
            WireFrame first;
            try {
                first = client.readFrame();
            } catch (SocketTimeoutException e) {
                return new Seen("nothing", millisSince(start), RawClient.TcpEnd.TIMEOUT);
            } catch (SocketException e) {
                return new Seen("no close frame", millisSince(start), RawClient.TcpEnd.RESET);
            }
            long millis = millisSince(start);
            if (first == null) {
                return new Seen("no close frame", millis, RawClient.TcpEnd.EOF);
            }
            client.sendKeepingFailure(List.of(first.opcode() == WireFrame.CLOSE ? WireFrame.close(first.payload()) : first));
            return new Seen(describe(first), millis, client.readUntilClosed().end());
        }

        /**
         * The client saw its frame within the wait, and TCP closed after it: after an orderly
         * closing handshake with the relay; for Reactor Netty, which closes TCP without waiting
         * for the client's answer, a FIN or, if the answer arrived at a closed socket first, a reset.
         */
        void assertEnd(Gateway gateway) {
            assertThat(millis).isLessThan(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
            if (gateway == Gateway.THIS_RELAY) {
                assertThat(end).isEqualTo(RawClient.TcpEnd.EOF);
            } else {
                assertThat(end).isIn(RawClient.TcpEnd.EOF, RawClient.TcpEnd.RESET);
            }
        }

        private static String describe(WireFrame frame) throws CharacterCodingException {
            if (frame.opcode() != WireFrame.CLOSE) {
                return frame.toString();
            }
            return frame.payload().length == 0 ? "empty close" : "close " + frame.closeCode() + " \"" + frame.closeReason() + "\"";
        }

        private static long millisSince(long start) {
            return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        }
    }

    /** A running gateway on 127.0.0.1. */
    private interface Running extends AutoCloseable {

        int port();

        @Override
        void close();
    }

    /** The two gateways compared. */
    enum Gateway {
        /** Reactor Netty's server and client, the frames piped both ways as Spring Cloud Gateway's routing filter does. */
        REACTOR_NETTY {
            @Override
            Running start(URI upstream) {
                return new ReactorNettyGateway(upstream);
            }
        },
        /** This library's relay. */
        THIS_RELAY {
            @Override
            Running start(URI upstream) {
                TestServer relay = RelayTest.relayTo(upstream);
                return new Running() {
                    @Override
                    public int port() {
                        return relay.port();
                    }

                    @Override
                    public void close() {
                        relay.close();
                    }
                };
            }
        };

        abstract Running start(URI upstream);
    }

    /**
     * A WebSocket proxy as Spring Cloud Gateway's {@code WebsocketRoutingFilter} builds one on Reactor
     * Netty: the server's WebSocket handler opens a client WebSocket to the upstream and pipes the
     * frames each side receives to the other side's outbound, retained for the hand-over, until
     * one of the two directions completes ({@code Mono.zip(...).then()}). Nothing in it handles a
     * close: what reaches the other side is what Reactor Netty does by itself. On NIO, as the relay
     * here, on one event loop thread of its own.
     */
    private static final class ReactorNettyGateway implements Running {

        private final LoopResources loops = LoopResources.create("gateway", 1, true);
        private final ConnectionProvider connections = ConnectionProvider.newConnection();
        private final DisposableServer server;

        ReactorNettyGateway(URI upstream) {
            HttpClient client = HttpClient.create(connections).runOn(loops, false);
            server = HttpServer.create().runOn(loops, false).host("127.0.0.1").port(0)
                    .route(routes -> routes.ws(TestServer.PATH, (in, out) -> client.websocket().uri(upstream)
                            .handle((upstreamIn, upstreamOut) -> Mono.zip(
                                    upstreamOut.sendObject(in.receiveFrames().doOnNext(WebSocketFrame::retain)).then(),
                                    out.sendObject(upstreamIn.receiveFrames().doOnNext(WebSocketFrame::retain)).then())
                                    .then())
                            .then()))
                    .bindNow(Duration.ofSeconds(TestServer.TIMEOUT_SECONDS));
        }

        @Override
        public int port() {
            return server.port();
        }

        @Override
        public void close() {
            Duration timeout = Duration.ofSeconds(TestServer.TIMEOUT_SECONDS);
            server.disposeNow(timeout);
            connections.disposeLater().block(timeout);
            loops.disposeLater(Duration.ZERO, timeout).block(timeout);
        }
    }
}
