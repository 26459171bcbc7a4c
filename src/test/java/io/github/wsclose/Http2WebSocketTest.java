package io.github.wsclose;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.wsclose.CloseReport.Cause;
import io.github.wsclose.CloseReport.Initiator;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * WebSockets over HTTP/2 (RFC 8441), on the wire: a client that writes exactly the HTTP/2
 * frames each case needs ({@link H2Client}) against {@link Http2ServerPipeline}. The stream is
 * the TCP connection of RFC 6455 (§5): an orderly close ends it with END_STREAM from both
 * sides, a reset is a TCP reset, and other streams are not touched.
 */
@Tag(TestTransport.TAG)
class Http2WebSocketTest {

    private static final long T = TestServer.TIMEOUT_SECONDS;

    @ParameterizedTest
    @ValueSource(ints = {1000, 1001, 1011, 4001})
    void serverClosesFirst_theClientAnswersAndEnds_theStreamEndsWithoutReset(int code) throws Exception {
        try (TestServer server = TestServer.builder().http2(null).start(); H2Client client = H2Client.connect(server.address())) {
            H2Client.Stream stream = client.openWebSocket();
            stream.send(WireFrame.text(TestServer.closeCommand(code, "bye")));

            assertThat(stream.nextFrame()).isEqualTo(WireFrame.close(code, "bye"));
            stream.send(WireFrame.close(code, "bye"));
            stream.endStream();

            assertThat(stream.nextFrame()).as("END_STREAM after the close frames").isNull();
            assertThat(stream.ended()).isDone();
            CloseReport report = server.nextConnection().report();
            assertThat(report.clean()).isTrue();
            assertThat((int) report.reason().code()).isEqualTo(code);
            assertThat(report.initiator()).isEqualTo(Initiator.LOCAL);
            assertThat(report.cause()).isEqualTo(Cause.APPLICATION);
            assertThat(stream.reset()).as("no RST_STREAM after an orderly close").isNotDone();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1000, 1001, 3000, 4999})
    void peerClosesFirst_endStreamAfterTheCloseFrame_echoedThenEnded(int code) throws Exception {
        try (TestServer server = TestServer.builder().http2(null).start(); H2Client client = H2Client.connect(server.address())) {
            H2Client.Stream stream = client.openWebSocket();
            stream.send(WireFrame.close(code, "done"));

            assertThat(stream.nextFrame()).as("the peer's code echoed").isEqualTo(WireFrame.close(code));
            assertThat(stream.nextFrame()).as("then END_STREAM").isNull();
            stream.endStream();

            CloseReport report = server.nextConnection().report();
            assertThat(report.clean()).isTrue();
            assertThat(report.reason()).isEqualTo(CloseReason.of(code, "done"));
            assertThat(report.cause()).isEqualTo(Cause.PEER);
            assertThat(stream.channel().closeFuture().await(T, TimeUnit.SECONDS)).isTrue();
            assertThat(stream.reset()).isNotDone();
        }
    }

    @Test
    void peerClosesFirst_endStreamWithTheCloseFrame_echoedThenEnded() throws Exception {
        try (TestServer server = TestServer.builder().http2(null).start(); H2Client client = H2Client.connect(server.address())) {
            H2Client.Stream stream = client.openWebSocket();
            stream.sendAndEnd(WireFrame.close(1001, "going"));

            assertThat(stream.framesUntilEnd()).containsExactly(WireFrame.close(1001));
            CloseReport report = server.nextConnection().report();
            assertThat(report.clean()).isTrue();
            assertThat(report.cause()).isEqualTo(Cause.PEER);
            assertThat(stream.reset()).isNotDone();
        }
    }

    @Test
    void endStreamBeforeAnyCloseFrame_isATcpFin_reported1006_endedWithoutReset() throws Exception {
        try (TestServer server = TestServer.builder().http2(null).start(); H2Client client = H2Client.connect(server.address())) {
            H2Client.Stream stream = client.openWebSocket();
            stream.endStream();

            assertThat(stream.framesUntilEnd()).isEmpty();
            CloseReport report = server.nextConnection().report();
            assertThat(report.clean()).isFalse();
            assertThat(report.reason().code()).isEqualTo(CloseReason.Codes.CLOSED_ABNORMALLY.code());
            assertThat(report.cause()).isEqualTo(Cause.TRANSPORT);
            assertThat(report.initiator()).isEqualTo(Initiator.REMOTE);
            assertThat(stream.reset()).isNotDone();
        }
    }

    @Test
    void resetInTheMiddleOfAMessage_reported1006_otherStreamsUntouched() throws Exception {
        try (TestServer server = TestServer.builder().http2(null).start(); H2Client client = H2Client.connect(server.address())) {
            List<H2Client.Stream> streams = new ArrayList<>();
            List<TestServer.Connection> connections = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                streams.add(client.openWebSocket());
                connections.add(server.nextConnection());
            }
            H2Client.Stream misbehaving = streams.get(2);
            misbehaving.send(new WireFrame(false, 0, WireFrame.TEXT, TestBytes.ascii("half a mess")));
            misbehaving.reset(Http2Error.CANCEL);

            CloseReport report = connections.get(2).report();
            assertThat(report.reason().code()).isEqualTo(CloseReason.Codes.CLOSED_ABNORMALLY.code());
            assertThat(report.cause()).isEqualTo(Cause.TRANSPORT);
            assertThat(report.failure()).hasMessageContaining("RST_STREAM(8)");
            for (int i = 0; i < 5; i++) {
                if (i == 2) {
                    continue;
                }
                H2Client.Stream stream = streams.get(i);
                stream.send(WireFrame.text("still here " + i));
                assertThat(stream.nextFrame()).isEqualTo(WireFrame.text("still here " + i));
                stream.sendAndEnd(WireFrame.close(1000));
                assertThat(stream.framesUntilEnd()).containsExactly(WireFrame.close(1000));
                assertThat(connections.get(i).report().clean()).isTrue();
            }
            assertThat(client.connection().isActive()).as("the connection outlives its streams").isTrue();
        }
    }

    @Test
    void peerThatNeverAnswers_resetWithCancelAtTheCloseTimeout() throws Exception {
        ClosingHandshakeConfig quick = ClosingHandshakeConfig.server().withCloseTimeout(Duration.ofMillis(300));
        try (TestServer server = TestServer.builder().config(quick).http2(null).start();
                H2Client client = H2Client.connect(server.address())) {
            H2Client.Stream stream = client.openWebSocket();
            stream.send(WireFrame.text(TestServer.closeCommand(1001, "")));

            assertThat(stream.nextFrame()).isEqualTo(WireFrame.close(1001));
            assertThat(stream.reset().get(T, TimeUnit.SECONDS)).isEqualTo(Http2Error.CANCEL.code());
            CloseReport report = server.nextConnection().report();
            assertThat(report.cause()).isEqualTo(Cause.CLOSE_TIMEOUT);
            assertThat(report.clean()).isFalse();
        }
    }

    @Test
    void peerThatAnswersButNeverEndsItsSide_endedThenResetAtTheCloseTimeout_reportStaysClean() throws Exception {
        ClosingHandshakeConfig quick = ClosingHandshakeConfig.server().withCloseTimeout(Duration.ofMillis(300));
        try (TestServer server = TestServer.builder().config(quick).http2(null).start();
                H2Client client = H2Client.connect(server.address())) {
            H2Client.Stream stream = client.openWebSocket();
            stream.send(WireFrame.close(1000, "bye"));

            assertThat(stream.framesUntilEnd()).containsExactly(WireFrame.close(1000));
            assertThat(stream.ended()).isDone();
            assertThat(stream.reset().get(T, TimeUnit.SECONDS)).isEqualTo(Http2Error.CANCEL.code());
            CloseReport report = server.nextConnection().report();
            assertThat(report.clean()).as("both close frames were exchanged").isTrue();
        }
    }

    @Test
    void protocolErrorOnTheStream_oneCloseFrameThenEndStream() throws Exception {
        try (TestServer server = TestServer.builder().http2(null).start(); H2Client client = H2Client.connect(server.address())) {
            H2Client.Stream stream = client.openWebSocket();
            stream.send(new WireFrame(true, 0, 0x3, new byte[0]).encode(false, 0, 0, false), false); // unmasked, reserved opcode

            WireFrame close = stream.nextFrame();
            assertThat(close).isNotNull();
            assertThat(close.opcode()).isEqualTo(WireFrame.CLOSE);
            assertThat((close.payload()[0] & 0xFF) << 8 | close.payload()[1] & 0xFF).isEqualTo(1002);
            stream.sendAndEnd(WireFrame.close(1002));
            assertThat(stream.nextFrame()).isNull();
            CloseReport report = server.nextConnection().report();
            assertThat(report.cause()).isEqualTo(Cause.PROTOCOL_ERROR);
            assertThat(stream.reset()).isNotDone();
        }
    }

    @Test
    void metricsTagAStreamsCloseWithHttp2() throws Exception {
        CloseMeters meters = new CloseMeters();
        try (TestServer server = TestServer.builder().inFront(() -> meters.handler).http2(null).start();
                H2Client client = H2Client.connect(server.address())) {
            H2Client.Stream stream = client.openWebSocket();
            stream.sendAndEnd(WireFrame.close(1000));
            assertThat(stream.framesUntilEnd()).containsExactly(WireFrame.close(1000));
            assertThat(server.nextConnection().report().httpVersion()).isEqualTo(CloseReport.HttpVersion.HTTP_2);

            assertThat(meters.onlyClose()).isEqualTo(CloseMeters.closeTags("1000", "remote", "true", "peer", CloseReport.HttpVersion.HTTP_2));
            meters.assertTagsBounded();
        }
    }

    /** An extended CONNECT that must not become a WebSocket, and the status it gets. */
    record Malformed(String name, int status, Consumer<Http2Headers> change) {
    }

    @Test
    void malformedConnects_answeredWithTheirStatus_thenResetWithNoError_neverAWebSocket() throws Exception {
        List<Malformed> cases = List.of(
                new Malformed("no :protocol", 405, h -> h.remove(Http2Headers.PseudoHeaderName.PROTOCOL.value())),
                new Malformed("another :protocol", 501, h -> h.set(Http2Headers.PseudoHeaderName.PROTOCOL.value(), "webtransport")),
                new Malformed("another path", 404, h -> h.path("/elsewhere")),
                new Malformed("version 8", 400, h -> h.set("sec-websocket-version", "8")),
                new Malformed("no version", 400, h -> h.remove("sec-websocket-version")));
        try (TestServer server = TestServer.builder().http2(null).start(); H2Client client = H2Client.connect(server.address())) {
            for (Malformed c : cases) {
                Http2Headers headers = H2Client.webSocketConnect(TestServer.PATH);
                c.change().accept(headers);
                H2Client.Stream stream = client.open(headers);
                assertThat(stream.response().get(T, TimeUnit.SECONDS).status().toString()).as(c.name()).isEqualTo(String.valueOf(c.status()));
                assertThat(stream.ended().get(T, TimeUnit.SECONDS)).as(c.name() + ": the whole answer, END_STREAM").isNull();
                assertThat(stream.reset().get(T, TimeUnit.SECONDS)).as(c.name() + ": then RST_STREAM(NO_ERROR), RFC 9113 §8.1")
                        .isEqualTo(Http2Error.NO_ERROR.code());
                assertThat(stream.channel().closeFuture().await(T, TimeUnit.SECONDS)).as(c.name()).isTrue();
            }
            Http2Headers ended = H2Client.webSocketConnect(TestServer.PATH);
            H2Client.Stream endedAtOnce = client.open(ended, true);
            assertThat(endedAtOnce.response().get(T, TimeUnit.SECONDS).status().toString()).isEqualTo("400");
            assertThat(endedAtOnce.channel().closeFuture().await(T, TimeUnit.SECONDS)).isTrue();
            assertThat(endedAtOnce.reset()).as("both sides ended: nothing to reset").isNotDone();
            assertThat(server.connections().size()).as("no WebSocket opened").isZero();
            client.openWebSocket(); // and the connection still serves a good one
            assertThat(server.nextConnection()).isNotNull();
        }
    }

    @Test
    void missingPseudoHeaders_refusedOrResetByTheCodec_neverAWebSocket() throws Exception {
        try (TestServer server = TestServer.builder().http2(null).start(); H2Client client = H2Client.connect(server.address())) {
            for (String missing : List.of(":scheme", ":path", ":authority")) {
                Http2Headers headers = H2Client.webSocketConnect(TestServer.PATH);
                headers.remove(missing);
                H2Client.Stream stream = client.open(headers);
                assertThat(stream.channel().closeFuture().await(T, TimeUnit.SECONDS)).as(missing).isTrue();
                if (stream.response().isDone()) {
                    assertThat(stream.response().get().status().toString()).as(missing).isEqualTo("400");
                } else {
                    assertThat(stream.reset()).as(missing + ": a stream error instead of a response").isDone();
                }
            }
            assertThat(server.connections().size()).isZero();
        }
    }

    @Test
    void connectBeforeTheSettingsWereAcknowledged_refused400() throws Exception {
        try (TestServer server = TestServer.builder().http2(null).start();
                H2Client client = H2Client.connectWithoutReading(server.address())) {
            H2Client.Stream early = client.open(H2Client.webSocketConnect(TestServer.PATH));
            client.startReading();
            assertThat(early.response().get(T, TimeUnit.SECONDS).status().toString()).isEqualTo("400");
            client.openWebSocket(); // once acknowledged, accepted
            assertThat(server.nextConnection()).isNotNull();
        }
    }

    @Test
    void settingsAdvertiseTheExtendedConnect() throws Exception {
        try (TestServer server = TestServer.builder().http2(null).start(); H2Client client = H2Client.connect(server.address())) {
            assertThat(client.settings().get().settings().connectProtocolEnabled()).isTrue();
            assertThat(client.settings().get().settings().maxConcurrentStreams()).isEqualTo((long) Http2ServerPipeline.MAX_CONCURRENT_STREAMS);
        }
    }

    @Test
    void compressionNegotiatedAsOverHttp1() throws Exception {
        ServerOptions options = ServerOptions.DEFAULTS.withCompression(PerMessageDeflateConfig.DEFAULT);
        try (TestServer server = TestServer.builder().options(options).http2(null).start();
                H2Client client = H2Client.connect(server.address())) {
            Http2Headers headers = H2Client.webSocketConnect(TestServer.PATH);
            headers.set("sec-websocket-extensions", "permessage-deflate; client_max_window_bits");
            H2Client.Stream stream = client.open(headers);
            Http2Headers response = stream.response().get(T, TimeUnit.SECONDS);
            assertThat(response.status().toString()).isEqualTo("200");
            assertThat(response.get("sec-websocket-extensions").toString()).startsWith("permessage-deflate");
            stream.sendAndEnd(WireFrame.close(1000));
            assertThat(stream.framesUntilEnd()).containsExactly(WireFrame.close(1000));
            assertThat(server.nextConnection().report().clean()).isTrue();
        }
    }

    @Test
    void tlsWithAlpn_h2Chosen_webSocketClosesCleanly() throws Exception {
        SelfSignedCertificate certificate = new SelfSignedCertificate("localhost");
        try {
            SslContext tls = Http2ServerPipeline.withAlpn(SslContextBuilder.forServer(certificate.certificate(), certificate.privateKey())).build();
            try (TestServer server = TestServer.builder().http2(tls).start(); H2Client client = H2Client.connectTls(server.address())) {
                assertThat(client.alpn()).isEqualTo("h2");
                H2Client.Stream stream = client.openWebSocket();
                TestServer.Connection connection = server.nextConnection();
                assertThat(connection.recorder().events()).as("the upgrade event of HTTP/1.1, with the :path")
                        .anySatisfy(event -> assertThat(event).isInstanceOfSatisfying(WebSocketServerProtocolHandler.HandshakeComplete.class,
                                upgrade -> assertThat(upgrade.requestUri()).isEqualTo(TestServer.PATH)));
                stream.send(WireFrame.text("over tls"));
                assertThat(stream.nextFrame()).isEqualTo(WireFrame.text("over tls"));
                stream.sendAndEnd(WireFrame.close(1000));
                assertThat(stream.framesUntilEnd()).containsExactly(WireFrame.close(1000));
                CloseReport report = connection.report();
                assertThat(report.clean()).isTrue();
                assertThat(report.httpVersion()).isEqualTo(CloseReport.HttpVersion.HTTP_2);
                assertThat(report.toString()).contains(", HTTP/2");
            }
        } finally {
            certificate.delete();
        }
    }

    @Test
    void drain_eachStreamClosesWithTheDrainsCode_connectsRefused503_thenGoAwayAndTheConnectionCloses() throws Exception {
        GracefulDrain drain = new GracefulDrain();
        try (TestServer server = TestServer.builder().options(ServerOptions.DEFAULTS.withDrain(drain)).http2(null).start();
                H2Client client = H2Client.connect(server.address())) {
            H2Client.Stream first = client.openWebSocket();
            H2Client.Stream second = client.openWebSocket();
            CloseReason goingAway = new CloseReason(CloseReason.Codes.GOING_AWAY, "restart");
            var result = drain.start(DrainPlan.of(goingAway, Duration.ofSeconds(5)));

            assertThat(first.nextFrame()).isEqualTo(WireFrame.close(1001, "restart"));
            assertThat(second.nextFrame()).isEqualTo(WireFrame.close(1001, "restart"));
            H2Client.Stream late = client.open(H2Client.webSocketConnect(TestServer.PATH));
            Http2Headers refused = late.response().get(T, TimeUnit.SECONDS);
            assertThat(refused.status().toString()).isEqualTo("503");
            assertThat(refused.get("retry-after")).isNotNull();
            assertThat(client.goAway()).as("no GOAWAY while WebSocket streams are open").isNotDone();

            first.sendAndEnd(WireFrame.close(1001));
            second.sendAndEnd(WireFrame.close(1001));
            assertThat(first.framesUntilEnd()).isEmpty();
            assertThat(second.framesUntilEnd()).isEmpty();
            client.goAway().get(T, TimeUnit.SECONDS);
            assertThat(client.connection().closeFuture().await(T, TimeUnit.SECONDS)).as("the connection closes after its streams").isTrue();
            GracefulDrain.Result drained = result.get(T, TimeUnit.SECONDS);
            assertThat(drained.connections()).isEqualTo(2);
            assertThat(drained.clean()).isEqualTo(2);
            assertThat(drained.refusedUpgrades()).isEqualTo(1);
            assertThat(first.reset()).isNotDone();
        }
    }

    @Test
    void drain_startedWhileAStreamBecomesAWebSocket_drainsThatStreamToo() throws Exception {
        GracefulDrain drain = new GracefulDrain();
        CloseReason goingAway = new CloseReason(CloseReason.Codes.GOING_AWAY, "restart");
        CompletableFuture<CompletableFuture<GracefulDrain.Result>> started = new CompletableFuture<>();
        // the stream's test handlers are made while its CONNECT is being accepted, on the event loop, after the check for a
        // drain that would answer 503: the drain starts right there, from another thread's point of view at any moment
        Supplier<ChannelHandler> startingTheDrain = () -> {
            if (!started.isDone()) {
                started.complete(drain.start(DrainPlan.of(goingAway, Duration.ofSeconds(5))));
            }
            return new ChannelInboundHandlerAdapter();
        };
        try (TestServer server = TestServer.builder().options(ServerOptions.DEFAULTS.withDrain(drain)).inFront(startingTheDrain)
                        .http2(null).start();
                H2Client client = H2Client.connect(server.address())) {
            H2Client.Stream stream = client.openWebSocket();
            TestServer.Connection connection = server.nextConnection();

            assertThat(stream.nextFrame()).as("the drain's close frame").isEqualTo(WireFrame.close(1001, "restart"));
            stream.sendAndEnd(WireFrame.close(1001));
            assertThat(stream.framesUntilEnd()).isEmpty();
            GracefulDrain.Result drained = started.get(T, TimeUnit.SECONDS).get(T, TimeUnit.SECONDS);
            assertThat(drained.connections()).isEqualTo(1);
            assertThat(drained.clean()).isEqualTo(1);
            assertThat(connection.report().cause()).isEqualTo(Cause.DRAIN);
            client.goAway().get(T, TimeUnit.SECONDS); // then the connection goes away
        }
    }

    @Test
    void slowConsumer_pendingBytesCountWhatFlowControlHolds_closedWith1008ThenReset() throws Exception {
        ServerProtection protection = ServerProtection.defaults().withMaxPendingBytes(200_000);
        // long enough for the eight messages to be sent before the reset, on a busy machine too
        ClosingHandshakeConfig closeTimeout = ClosingHandshakeConfig.server().withCloseTimeout(Duration.ofSeconds(2));
        try (TestServer server = TestServer.builder().config(closeTimeout).protection(protection).http2(null).start();
                H2Client client = H2Client.connect(server.address())) {
            H2Client.Stream stream = client.openWebSocket();
            stream.stopReading(); // the server's stream window (65,535 bytes) fills, and the echoes wait in Netty's flow control
            byte[] message = new byte[60_000];
            for (int i = 0; i < 8; i++) {
                stream.send(WireFrame.of(WireFrame.BINARY, message));
            }
            CloseReport report = server.nextConnection().report();
            assertThat(report.cause()).isEqualTo(Cause.SLOW_CONSUMER);
            assertThat(report.sent()).isEqualTo(ServerProtection.defaults().slowConsumerReason());
            assertThat(stream.reset().get(T, TimeUnit.SECONDS)).isEqualTo(Http2Error.CANCEL.code());
            stream.startReading(); // what the reset stream still queued is read and released
            assertThat(stream.channel().closeFuture().await(T, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void tlsWithAlpn_http11Chosen_samePort_webSocketByUpgrade() throws Exception {
        SelfSignedCertificate certificate = new SelfSignedCertificate("localhost");
        try {
            SslContext tls = Http2ServerPipeline.withAlpn(SslContextBuilder.forServer(certificate.certificate(), certificate.privateKey())).build();
            try (TestServer server = TestServer.builder().http2(tls).start()) {
                SSLContext trustAll = SSLContext.getInstance("TLS");
                trustAll.init(null, InsecureTrustManagerFactory.INSTANCE.getTrustManagers(), null);
                try (SSLSocket socket = (SSLSocket) trustAll.getSocketFactory().createSocket("127.0.0.1", server.port())) {
                    socket.setSoTimeout((int) TimeUnit.SECONDS.toMillis(T));
                    SSLParameters parameters = socket.getSSLParameters();
                    parameters.setApplicationProtocols(new String[] {"http/1.1"});
                    socket.setSSLParameters(parameters);
                    socket.startHandshake();
                    assertThat(socket.getApplicationProtocol()).isEqualTo("http/1.1");
                    socket.getOutputStream().write(TestBytes.ascii("GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
                            + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"));
                    InputStream in = socket.getInputStream();
                    StringBuilder head = new StringBuilder();
                    while (!head.toString().endsWith("\r\n\r\n")) {
                        head.append((char) in.read());
                    }
                    assertThat(head.toString()).startsWith("HTTP/1.1 101");
                    TestServer.Connection connection = server.nextConnection();

                    socket.getOutputStream().write(WireFrame.close(4002, "by upgrade").masked(0x0BAD_F00D));
                    assertThat(WireFrame.readServerFrame(in, 0, 125)).isEqualTo(WireFrame.close(4002));
                    assertThat(in.read()).as("the server closes the connection after the answer").isEqualTo(-1);
                    CloseReport report = connection.report();
                    assertThat(report.clean()).isTrue();
                    assertThat((int) report.reason().code()).isEqualTo(4002);
                    assertThat(report.httpVersion()).isEqualTo(CloseReport.HttpVersion.HTTP_1_1);
                }
            }
        } finally {
            certificate.delete();
        }
    }

    @Test
    void readinessOverHttp2_200WhileServing_503OnceDraining() throws Exception {
        GracefulDrain drain = new GracefulDrain("/ready");
        try (TestServer server = TestServer.builder().options(ServerOptions.DEFAULTS.withDrain(drain)).http2(null).start();
                H2Client client = H2Client.connect(server.address())) {
            Http2Headers ready = new DefaultHttp2Headers().method("GET").scheme("http").path("/ready").authority("127.0.0.1");
            H2Client.Stream serving = client.open(ready, true);
            assertThat(serving.response().get(T, TimeUnit.SECONDS).status().toString()).isEqualTo("200");
            serving.ended().get(T, TimeUnit.SECONDS); // the answer ends the stream

            // the connection's own turn (its GOAWAY) comes after the readiness delay, in which probes get their 503
            var result = drain.start(DrainPlan.of(new CloseReason(CloseReason.Codes.GOING_AWAY, "bye"), Duration.ofSeconds(4))
                    .withReadinessDelay(Duration.ofSeconds(2)));
            H2Client.Stream draining = client.open(ready, true);
            Http2Headers answer = draining.response().get(T, TimeUnit.SECONDS);
            assertThat(answer.status().toString()).isEqualTo("503");
            assertThat(answer.get("retry-after")).isNotNull();
            assertThat(answer.contains("connection")).isFalse();
            result.get(T, TimeUnit.SECONDS);
            client.goAway().get(T, TimeUnit.SECONDS); // then the connection, which held no WebSocket, goes away
        }
    }
}
