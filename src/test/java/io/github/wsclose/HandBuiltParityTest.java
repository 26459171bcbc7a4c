package io.github.wsclose;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A pipeline whose HTTP side is built by hand and finished by
 * {@link ServerPipeline#addWebSocketHandlers} closes exactly as one built by
 * {@link ServerPipeline#configure(io.netty.channel.ChannelPipeline, String, ClosingHandshakeConfig,
 * ServerOptions, ChannelHandler...)}: the same close scenarios run through both, and the client's
 * transcript and the server's report must be the same, and right.
 */
@Tag(TestTransport.TAG)
class HandBuiltParityTest {

    /** The user event that makes {@link Thrower} throw, standing for a bug in the application. */
    private static final String FAIL = "fail";
    private static final ServerOptions OPTIONS = ServerOptions.DEFAULTS.withMaxMessageBytes(4096);

    static Stream<Scenario> scenarios() {
        byte[] invalidUtf8 = {(byte) 0xCE, (byte) 0xBA, (byte) 0xED, (byte) 0xA0, (byte) 0x80};
        return Stream.of(
                new Scenario("the peer closes with 1000", List.of(WireFrame.close(1000, "bye")), false, 1000, CloseReport.Cause.PEER),
                new Scenario("a close code that may not be sent", List.of(WireFrame.close(1004)), false, 1002,
                        CloseReport.Cause.PROTOCOL_ERROR),
                new Scenario("a close body of 1 byte", List.of(WireFrame.close(new byte[] {3})), false, 1002,
                        CloseReport.Cause.PROTOCOL_ERROR),
                new Scenario("text that is not UTF-8", List.of(WireFrame.of(WireFrame.TEXT, invalidUtf8)), false, 1007,
                        CloseReport.Cause.PROTOCOL_ERROR),
                new Scenario("a fragmented message over the limit", List.of(new WireFrame(false, 0, WireFrame.BINARY, new byte[3000]),
                        new WireFrame(true, 0, WireFrame.CONTINUATION, new byte[3000])), false, 1009, CloseReport.Cause.MESSAGE_TOO_BIG),
                new Scenario("the server closes with the close command", List.of(WireFrame.text(TestServer.closeCommand(4000, "done"))),
                        false, 4000, CloseReport.Cause.APPLICATION),
                new Scenario("the application throws", List.of(), true, 1011, CloseReport.Cause.UNEXPECTED_ERROR));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void handBuiltClosesAsServerPipelineDoes(Scenario scenario) throws Exception {
        Outcome configured;
        try (TestServer server = TestServer.builder()
                .pipeline((p, application) -> ServerPipeline.configure(p, TestServer.PATH, ClosingHandshakeConfig.server(), OPTIONS,
                        withThrower(application)))
                .start()) {
            configured = run(server, scenario);
        }
        Outcome handBuilt;
        try (TestServer server = TestServer.builder()
                .pipeline((p, application) -> {
                    p.addLast(new HttpServerCodec(), new HttpObjectAggregator(8192));
                    ServerPipeline.addWebSocketHandlers(p, WebSocketServerProtocolConfig.newBuilder().websocketPath(TestServer.PATH).build(),
                            ClosingHandshakeConfig.server(), OPTIONS, withThrower(application));
                })
                .start()) {
            handBuilt = run(server, scenario);
        }

        assertThat(handBuilt).as("hand-built against ServerPipeline.configure").isEqualTo(configured);
        assertThat(configured.closeCode()).as("the close frame's code; %s", configured).isEqualTo(scenario.code());
        assertThat(configured.cause()).as("the report's cause; %s", configured).isEqualTo(scenario.cause());
        if (scenario.code() == 1002) {
            assertThat(configured.closeReasonText()).as("the library's words, not Netty's")
                    .startsWith("close ").doesNotContain("Invalid close frame");
        }
    }

    private static Outcome run(TestServer server, Scenario scenario) throws Exception {
        try (RawClient client = RawClient.upgrade((InetSocketAddress) server.address(), TestServer.PATH, 0)) {
            TestServer.Connection connection = server.nextConnection();
            client.send(scenario.sent());
            if (scenario.applicationThrows()) {
                connection.channel().pipeline().fireUserEventTriggered(FAIL);
            }
            List<WireFrame> frames = new ArrayList<>(client.readDataFrames(1)); // up to the server's close frame
            if (scenario.cause() == CloseReport.Cause.APPLICATION) {
                client.send(WireFrame.close(scenario.code())); // the answer to the server's close
            }
            RawClient.Transcript transcript = client.readUntilClosed();
            frames.addAll(transcript.frames());
            List<WireFrame> closes = frames.stream().filter(f -> f.opcode() == WireFrame.CLOSE).toList();
            assertThat(closes).as("one close frame; %s", frames).hasSize(1);
            CloseReport report = connection.report();
            return new Outcome(frames.stream().map(HandBuiltParityTest::describe).toList(), transcript.end(),
                    closes.get(0).closeCode(), closes.get(0).closeReason(), report.reason(), report.received(), report.sent(),
                    report.initiator(), report.clean(), report.cause());
        }
    }

    private static String describe(WireFrame frame) {
        return frame.fin() + " " + frame.rsv() + " " + frame.opcode() + " " + Arrays.toString(frame.payload());
    }

    /** The application's handlers, then one that throws on {@link #FAIL}: after the recorder, before the last handler. */
    private static ChannelHandler[] withThrower(ChannelHandler[] application) {
        ChannelHandler[] handlers = Arrays.copyOf(application, application.length + 1);
        handlers[application.length] = new Thrower();
        return handlers;
    }

    /** What a close scenario sends, and the close code and cause that must come of it. */
    record Scenario(String name, List<WireFrame> sent, boolean applicationThrows, int code, CloseReport.Cause cause) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** Everything both pipelines must agree on: what the client saw and what the server reported, the duration aside. */
    record Outcome(List<String> frames, RawClient.TcpEnd end, int closeCode, String closeReasonText, CloseReason reason,
            CloseReason received, CloseReason sent, CloseReport.Initiator initiator, boolean clean, CloseReport.Cause cause) {
    }

    /** Throws on the {@link #FAIL} event, as a buggy application would; one instance per connection. */
    private static final class Thrower extends ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (FAIL.equals(evt)) {
                throw new IllegalStateException("a bug in the application");
            }
            ctx.fireUserEventTriggered(evt);
        }
    }
}
