package io.github.wsclose.example;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.wsclose.TestTransport;
import io.netty.channel.Channel;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The example server's {@code GET /metrics}, read with the JDK's HTTP client after closes made by
 * the JDK's WebSocket client: one from the client, one the server starts on request (the
 * playground's close command, on its subprotocol), one dropped
 * connection, and one connection left open.
 */
@Tag(TestTransport.TAG)
class MetricsEndpointTest {

    private static final long TIMEOUT_SECONDS = 5;
    /** A sample line of the text format: {@code name{label="value",...} number}. */
    private static final Pattern SAMPLE = Pattern.compile("^([a-z_]+)(?:\\{(.*)})? (\\S+)$");
    private static final Pattern LABEL = Pattern.compile("([a-z_]+)=\"([^\"]*)\"");

    private final BlockingQueue<String> printed = new LinkedBlockingQueue<>();
    private final HttpClient http = HttpClient.newHttpClient();
    private ExampleServer server;
    private Channel listening;
    private String authority;

    @BeforeEach
    void start() throws InterruptedException {
        server = new ExampleServer(ExampleOptions.parse("--port", "0", "--transport", TestTransport.flag()), new PrintStream(new Lines(), true, StandardCharsets.UTF_8));
        listening = server.bind();
        authority = "127.0.0.1:" + ((InetSocketAddress) listening.localAddress()).getPort();
    }

    @AfterEach
    void stop() {
        server.shutDown(listening);
    }

    @Test
    void metricsCountEachCloseWithItsTags() throws Exception {
        WebSocket byClient = open();
        byClient.sendClose(4000, "bye").get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        assertThat(nextClose()).contains("code=4000", "started-by=client");

        WebSocket byServer = open(http.newWebSocketBuilder().subprotocols(EchoHandler.PLAYGROUND)); // takes close commands
        byServer.sendText("close 1013 try again later", true).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        assertThat(nextClose()).contains("code=1013", "started-by=server");

        open().abort();
        assertThat(nextClose()).contains("code=1006", "clean=false");

        WebSocket stillOpen = open();

        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://" + authority + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        Map<String, Double> samples = samples(response.body());
        assertThat(samples).containsEntry("websocket_connections_active", 1.0)
                .containsEntry("websocket_closes_total{cause=peer,clean=true,code=4xxx,http=1.1,initiator=remote}", 1.0)
                .containsEntry("websocket_closes_total{cause=application,clean=true,code=1013,http=1.1,initiator=local}", 1.0)
                .containsEntry("websocket_closes_total{cause=transport,clean=false,code=1006,http=1.1,initiator=remote}", 1.0);
        assertThat(samples.keySet().stream().filter(name -> name.startsWith("websocket_closes_total"))).hasSize(3);
        assertThat(samples.entrySet().stream().filter(e -> e.getKey().startsWith("websocket_close_duration_seconds_count"))
                .mapToDouble(Map.Entry::getValue).sum()).isEqualTo(3);
        stillOpen.abort();
    }

    private WebSocket open() throws Exception {
        return open(http.newWebSocketBuilder());
    }

    private WebSocket open(WebSocket.Builder builder) throws Exception {
        return builder.buildAsync(URI.create("ws://" + authority + ExampleServer.WEBSOCKET_PATH), new WebSocket.Listener() { })
                .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    /** Waits for the next line the server prints for a closed connection. */
    private String nextClose() throws InterruptedException {
        for (String line; (line = printed.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS)) != null; ) {
            if (line.startsWith("closed ")) {
                return line;
            }
        }
        throw new AssertionError("the server printed no close within " + TIMEOUT_SECONDS + " s");
    }

    /** Every sample of a text-format body, named {@code name{label=value,...}} with the labels sorted. */
    private static Map<String, Double> samples(String body) {
        Map<String, Double> samples = new HashMap<>();
        for (String line : body.split("\n")) {
            Matcher sample = SAMPLE.matcher(line);
            if (line.startsWith("#") || !sample.matches()) {
                continue;
            }
            StringBuilder name = new StringBuilder(sample.group(1));
            if (sample.group(2) != null) {
                Map<String, String> labels = new TreeMap<>();
                for (Matcher label = LABEL.matcher(sample.group(2)); label.find(); ) {
                    labels.put(label.group(1), label.group(2));
                }
                name.append(labels.toString().replace(" ", ""));
            }
            samples.put(name.toString(), Double.parseDouble(sample.group(3)));
        }
        return samples;
    }

    /** What the server prints, line by line, into {@link #printed}. */
    private final class Lines extends OutputStream {

        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        @Override
        public synchronized void write(int b) {
            if (b == '\n') {
                printed.add(line.toString(StandardCharsets.UTF_8));
                line.reset();
            } else {
                line.write(b);
            }
        }
    }
}
