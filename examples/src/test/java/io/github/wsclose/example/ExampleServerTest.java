package io.github.wsclose.example;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.wsclose.CloseReason;
import io.github.wsclose.CloseReport;
import io.github.wsclose.DrainPlan;
import io.github.wsclose.PerMessageDeflateConfig;
import io.github.wsclose.ServerOptions;
import io.github.wsclose.ServerProtection;
import io.github.wsclose.relay.RelayConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The example server's parsing and printing; its behaviour on the wire is checked by examples/interop. */
class ExampleServerTest {

    @ParameterizedTest
    @ValueSource(strings = {"hello", "closet 1000", "Close 1000", "", " close 1000"})
    void otherTextIsNoCommand(String text) {
        assertThat(CloseCommand.parse(text)).isNull();
    }

    @Test
    void codeAndReasonVerbatim() {
        assertThat(CloseCommand.parse("close 4000  two  spaces "))
                .isEqualTo(new CloseCommand.Accepted(CloseReason.of(4000, " two  spaces ")));
        assertThat(CloseCommand.parse("close 1012"))
                .isEqualTo(new CloseCommand.Accepted(new CloseReason(CloseReason.Codes.SERVICE_RESTART, "")));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "close 1005        | 1005 may not be sent in a close frame: it is LOCAL_ONLY",
        "close 1006 died   | 1006 may not be sent in a close frame: it is LOCAL_ONLY",
        "close 1015        | 1015 may not be sent in a close frame: it is LOCAL_ONLY",
        "close 999         | 999 may not be sent in a close frame: it is OUT_OF_RANGE",
        "close 66536       | 66536 may not be sent in a close frame: it is OUT_OF_RANGE",
        "close -1          | -1 may not be sent in a close frame: it is OUT_OF_RANGE",
        "close 2000        | 2000 may not be sent in a close frame: it is RESERVED",
        "close abc         | \"abc\" is not a status code (usage: close CODE [REASON])",
        "close             | missing status code (usage: close CODE [REASON])",
    })
    void refused(String command, String explanation) {
        assertThat(CloseCommand.parse(command.strip()))
                .isInstanceOfSatisfying(CloseCommand.Refused.class, refused -> {
                    assertThat(refused.explanation()).startsWith(explanation);
                    assertThat(refused.reply()).startsWith("error: " + explanation).endsWith("; the connection stays open");
                });
    }

    @Test
    void reasonOverOneHundredTwentyThreeBytesIsRefused() {
        assertThat(CloseCommand.parse("close 1000 " + "€".repeat(41))).isInstanceOf(CloseCommand.Accepted.class);
        assertThat(CloseCommand.parse("close 1000 " + "€".repeat(41) + "!"))
                .isInstanceOfSatisfying(CloseCommand.Refused.class, refused ->
                        assertThat(refused.explanation()).startsWith("close reason too long: 124 bytes (expected: <= 123)"));
    }

    @Test
    void optionsOverDefaults() {
        assertThat(ExampleOptions.parse()).isEqualTo(ExampleOptions.DEFAULTS);
        assertThat(ExampleOptions.parse("--port", "0", "--host=::1", "--close-timeout-ms", "250", "--drain-deadline-ms=0"))
                .isEqualTo(new ExampleOptions("::1", 0, Duration.ofMillis(250), DrainPlan.of(ExampleOptions.GOING_AWAY, Duration.ZERO),
                        ServerProtection.defaults(), ExampleOptions.DEFAULTS.maxMessageBytes(), false, Transport.best(), null));
        assertThat(ExampleOptions.parse("--transport", "nio").transport()).isEqualTo(Transport.NIO);
        for (Transport transport : List.of(Transport.EPOLL, Transport.IO_URING)) { // available on Linux x86_64 with the natives
            if (transport.isAvailable()) {
                assertThat(ExampleOptions.parse("--transport=" + transport.flag()).transport()).isEqualTo(transport);
            } else {
                assertThatThrownBy(() -> ExampleOptions.parse("--transport", transport.flag()))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageStartingWith("--transport " + transport.flag() + " is not available here: ");
            }
        }
        assertThat(ExampleOptions.parse("--upgrade-timeout-ms", "2000").protection())
                .isEqualTo(ServerProtection.defaults().withUpgradeTimeout(Duration.ofSeconds(2)));
        assertThat(ExampleOptions.parse("--upgrade-timeout-ms=0").protection().upgradeTimeout()).as("0 turns it off").isZero();
        ExampleOptions tuned = ExampleOptions.parse("--ping-interval-ms", "1000", "--pong-timeout-ms", "0", "--idle-timeout-ms", "60000",
                "--max-pending-bytes", "65536", "--max-message-bytes=100");
        assertThat(tuned.protection())
                .isEqualTo(ServerProtection.defaults().withPingInterval(Duration.ofSeconds(1)).withPongTimeout(Duration.ZERO)
                        .withIdleTimeout(Duration.ofMinutes(1)).withMaxPendingBytes(65536));
        assertThat(tuned.serverOptions().maxMessageBytes()).isEqualTo(100);
        assertThat(tuned.serverOptions().protection()).isEqualTo(tuned.protection());
        ExampleOptions large = ExampleOptions.parse("--compression", "--max-message-bytes", "16777216");
        assertThat(large.serverOptions().maxMessageBytes()).isEqualTo(16777216);
        assertThat(large.serverOptions().maxFrameBytes()).isEqualTo(16777216);
        assertThat(large.serverOptions().compression()).contains(PerMessageDeflateConfig.DEFAULT);
        assertThat(ExampleOptions.DEFAULTS.serverOptions()).isEqualTo(ServerOptions.DEFAULTS);
    }

    @Test
    void upstreamOption() {
        assertThat(ExampleOptions.DEFAULTS.upstream()).as("an echo server unless told").isNull();
        ExampleOptions relay = ExampleOptions.parse("--upstream", "ws://127.0.0.1:9000/chat?room=1", "--max-message-bytes=100",
                "--ping-interval-ms", "1000", "--compression", "--upgrade-timeout-ms", "4000");
        assertThat(relay.upstream()).isEqualTo(URI.create("ws://127.0.0.1:9000/chat?room=1"));
        RelayConfig config = relay.relay(relay.upstream());
        assertThat(config.upstream()).isEqualTo(relay.upstream());
        assertThat(config.upstreamOptions().maxMessageBytes()).as("the limits of the flags on both hops").isEqualTo(100);
        assertThat(config.upstreamOptions().pingInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(config.upstreamOptions().compression()).contains(PerMessageDeflateConfig.DEFAULT);
        assertThat(config.upstreamOptions().upgradeTimeout()).as("half the client's: a 502 in time").isEqualTo(Duration.ofSeconds(2));
        assertThat(ExampleOptions.USAGE).contains("--upstream URI");
    }

    @Test
    void drainOptions() {
        assertThat(ExampleOptions.DEFAULTS.drain()).as("1001 at once, within 3 s")
                .isEqualTo(DrainPlan.of(ExampleOptions.GOING_AWAY, Duration.ofSeconds(3)));
        assertThat(ExampleOptions.parse("--drain-code", "1012", "--readiness-delay-ms", "1000", "--drain-spread-ms=3000",
                "--drain-deadline-ms", "8000").drain())
                .isEqualTo(new DrainPlan(ExampleOptions.RESTARTING, Duration.ofSeconds(1), Duration.ofSeconds(3), Duration.ofSeconds(8)));
        assertThat(ExampleOptions.parse("--drain-deadline-ms", "8000", "--drain-code", "1001").drain())
                .as("in any order").isEqualTo(DrainPlan.of(ExampleOptions.GOING_AWAY, Duration.ofSeconds(8)));
        assertThat(ExampleOptions.RESTARTING.knownReason()).isEqualTo(CloseReason.Codes.SERVICE_RESTART);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "--drain-code 1000      | --drain-code must be 1001 or 1012, got \"1000\"",
        "--drain-spread-ms -5   | --drain-spread-ms out of range: -5 (expected: 0-2147483647)",
        "--readiness-delay-ms x | --readiness-delay-ms needs a number, got \"x\"",
        "--port 65536           | --port out of range: 65536 (expected: 0-65535)",
        "--close-timeout-ms 0   | --close-timeout-ms out of range: 0 (expected: 1-2147483647)",
        "--upgrade-timeout-ms -1 | --upgrade-timeout-ms out of range: -1 (expected: 0-2147483647)",
        "--max-pending-bytes 0  | --max-pending-bytes out of range: 0 (expected: 1-2147483647)",
        "--max-message-bytes x  | --max-message-bytes needs a number, got \"x\"",
        "--port x               | --port needs a number, got \"x\"",
        "--verbose 1            | unknown option: --verbose",
        "--upstream http://h:1/ | --upstream needs a URI ws://HOST:PORT/PATH, got \"http://h:1/\"",
        "--upstream ws://h/ws   | --upstream needs a URI ws://HOST:PORT/PATH, got \"ws://h/ws\"",
        "--upstream ws://[x     | --upstream needs a URI such as ws://127.0.0.1:9000/ws, got \"ws://[x\"",
        "--port                 | missing value for --port",
        "--max-message-bytes 0  | --max-message-bytes out of range: 0 (expected: 1-1073741824)",
        "--transport kqueue     | unknown transport: \"kqueue\" (expected: nio, epoll, io_uring)",
    })
    void badOptions(String args, String message) {
        assertThatThrownBy(() -> ExampleOptions.parse(args.strip().split(" ")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message);
    }

    @Test
    void oneLinePerClosedConnection() {
        CloseReason bye = CloseReason.of(4000, "bye \"now\"\nok");
        CloseReport report = new CloseReport(bye, bye, CloseReason.of(4000, ""), CloseReport.Initiator.REMOTE, true,
                Duration.ofMillis(3), CloseReport.Cause.PEER, null);
        assertThat(ClosePrinter.line(new InetSocketAddress("127.0.0.1", 50412), report))
                .isEqualTo("closed 127.0.0.1:50412 code=4000 (PRIVATE_USE) reason=\"bye \\\"now\\\"\\nok\""
                        + " started-by=client clean=true duration=3ms cause=peer http=HTTP/1.1");
        CloseReport overHttp2 = new CloseReport(bye, bye, bye, CloseReport.Initiator.LOCAL, false, Duration.ofMillis(5),
                CloseReport.Cause.CLOSE_TIMEOUT, new IOException("reset"), null, CloseReport.HttpVersion.HTTP_2);
        assertThat(ClosePrinter.line(new InetSocketAddress("127.0.0.1", 50413), overHttp2))
                .as("the HTTP version last, after the failure").endsWith(" cause=close-timeout failure=\"java.io.IOException: reset\" http=HTTP/2");
    }
}
