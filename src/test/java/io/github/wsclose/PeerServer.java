package io.github.wsclose;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionEncoder;
import io.netty.util.AttributeKey;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.StatusCode;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;
import org.jspecify.annotations.Nullable;

/**
 * The WebSocket servers the client's interop tests run against, each on 127.0.0.1 with a free
 * port and each scripted the same way as {@link TestServer}: the text message
 * {@code close CODE REASON} makes the server start the closing handshake with that code and
 * reason ({@code close 1005}: with an empty close frame), every other message comes back, and a
 * close from the client is answered by the server's library as it does by itself. Every server
 * accepts permessage-deflate when the client offers it.
 *
 * <p>After each connection has ended the server tells what it saw, {@link #nextClose()}: one
 * {@link Closed} per connection, in the order they ended.
 * <ul>
 *   <li>{@link Kind#OURS}: this library's {@link ServerPipeline} ({@link TestServer}).</li>
 *   <li>{@link Kind#JETTY}: Jetty 12's WebSocket server with its Jetty API, embedded here.</li>
 *   <li>{@link Kind#NODE_WS}: Node's {@code ws} ({@code examples/interop/peer-server.mjs}, after
 *       {@code npm ci} there).</li>
 *   <li>{@link Kind#PYTHON_WEBSOCKETS}: Python's {@code websockets} from Debian's
 *       {@code python3-websockets} ({@code examples/interop/peer_server.py}, run by
 *       {@code /usr/bin/python3} unless the system property {@code peers.python} names another).</li>
 * </ul>
 * The last two run in processes of their own and need their runtime installed ({@code .ci/run}
 * installs them); starting one that is missing fails with what to install.
 *
 * <p>One test thread at a time. Closing it stops the server.
 */
final class PeerServer implements AutoCloseable {

    private static final Pattern LISTENING = Pattern.compile("^listening on ws://127\\.0\\.0\\.1:(\\d+)/ws$");
    private static final Pattern CLOSE_COMMAND = Pattern.compile("close (\\d+)(?: (.*))?", Pattern.DOTALL);
    private static final Path INTEROP = Path.of("examples", "interop");
    private static final long START_SECONDS = 30;

    private final Kind kind;
    private final BlockingQueue<Closed> closes = new LinkedBlockingQueue<>();
    private final StringBuilder output = new StringBuilder(); // what a process printed that was not a close
    private final URI uri;
    private final AutoCloseable stop;
    private @Nullable TestServer ours;

    private PeerServer(Kind kind) throws Exception {
        this.kind = kind;
        switch (kind) {
            case OURS -> {
                ServerOptions options = ServerOptions.DEFAULTS.withCompression(PerMessageDeflateConfig.DEFAULT);
                ours = TestServer.builder().pipeline((pipeline, application) -> {
                    TcpCloseWatch.addFirst(pipeline);
                    ChannelHandler[] handlers = new ChannelHandler[application.length + 1];
                    handlers[0] = CompressionSeen.INSTANCE;
                    System.arraycopy(application, 0, handlers, 1, application.length);
                    ServerPipeline.configure(pipeline, TestServer.PATH, ClosingHandshakeConfig.server(), options, handlers);
                }).start();
                uri = ours.uri();
                stop = ours;
            }
            case JETTY -> {
                Server server = jetty();
                uri = URI.create("ws://127.0.0.1:" + ((ServerConnector) server.getConnectors()[0]).getLocalPort() + "/ws");
                stop = server::stop;
            }
            case NODE_WS -> {
                require(Files.isDirectory(INTEROP.resolve("node_modules").resolve("ws")),
                        "Node's ws is not installed: run npm ci in " + INTEROP + " (.ci/run does)");
                Process process = start(List.of("node", "peer-server.mjs"), "Node.js (Debian: nodejs npm)");
                uri = awaitListening(process);
                stop = () -> stopProcess(process);
            }
            case PYTHON_WEBSOCKETS -> {
                String python = System.getProperty("peers.python", "/usr/bin/python3");
                Process process = start(List.of(python, "peer_server.py"), python + " with websockets (Debian: python3-websockets)");
                uri = awaitListening(process);
                stop = () -> stopProcess(process);
            }
            default -> throw new IllegalArgumentException(kind.toString());
        }
    }

    /** Starts a server of {@code kind}. */
    static PeerServer start(Kind kind) throws Exception {
        return new PeerServer(kind);
    }

    /** Its WebSocket URI, {@code ws://127.0.0.1:PORT/ws}. */
    URI uri() {
        return uri;
    }

    /**
     * What the server saw of the next connection to end, waiting up to
     * {@link TestServer#TIMEOUT_SECONDS} for it.
     */
    Closed nextClose() throws Exception {
        if (ours != null) {
            TestServer.Connection connection = ours.nextConnection();
            CloseReport report = connection.report();
            return new Closed(report.reason().unsignedCode(), report.reason().message(), report.clean(),
                    TcpCloseWatch.of(connection.channel()).closedHereFirst(), connection.channel().hasAttr(CompressionSeen.AGREED));
        }
        Closed closed = closes.poll(TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS);
        if (closed == null) {
            throw new AssertionError(kind + " reported no closed connection within " + TestServer.TIMEOUT_SECONDS + " s; it printed:\n"
                    + output());
        }
        return closed;
    }

    /** Tells that no other connection has ended (none was reported twice, say). */
    boolean noMoreCloses() {
        return closes.isEmpty();
    }

    @Override
    public void close() throws Exception {
        stop.close();
    }

    @Override
    public String toString() {
        return kind.toString();
    }

    /** Jetty 12 with {@link JettyEndpoint} on {@code /ws} and its default extensions (permessage-deflate among them). */
    private Server jetty() throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server, 1, 1);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(WebSocketUpgradeHandler.from(server, container ->
                container.addMapping("/ws", (request, response, callback) -> new JettyEndpoint(closes))));
        server.start();
        return server;
    }

    private Process start(List<String> command, String needs) throws IOException {
        Process process;
        try {
            process = new ProcessBuilder(command).directory(INTEROP.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AssertionError(kind + " needs " + needs + ": " + e.getMessage(), e);
        }
        Thread reader = new Thread(() -> readLines(process), kind + "-output");
        reader.setDaemon(true);
        reader.start();
        return process;
    }

    /** Reads the process's lines: closes go to {@link #closes}, the listening line and everything else to {@link #output}. */
    private void readLines(Process process) {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = lines.readLine()) != null; ) {
                if (line.startsWith("closed ")) {
                    closes.add(Closed.parse(line));
                } else {
                    synchronized (output) {
                        output.append(line).append('\n');
                        output.notifyAll();
                    }
                }
            }
        } catch (IOException ended) {
            // the process is gone
        }
    }

    private URI awaitListening(Process process) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_SECONDS);
        synchronized (output) {
            for (long left; (left = deadline - System.nanoTime()) > 0; ) {
                for (String line : output.toString().split("\n")) {
                    Matcher listening = LISTENING.matcher(line);
                    if (listening.matches()) {
                        return URI.create("ws://127.0.0.1:" + listening.group(1) + "/ws");
                    }
                }
                if (!process.isAlive() && output.indexOf("\n") < 0) {
                    break;
                }
                TimeUnit.NANOSECONDS.timedWait(output, Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
            }
        }
        process.destroyForcibly();
        throw new AssertionError(kind + " did not print 'listening on ws://127.0.0.1:PORT/ws' within " + START_SECONDS
                + " s; it printed:\n" + output());
    }

    private void stopProcess(Process process) throws InterruptedException {
        process.destroy(); // SIGTERM: each script closes its server and exits
        if (!process.waitFor(TestServer.TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(kind + " did not exit within " + TestServer.TIMEOUT_SECONDS + " s of SIGTERM");
        }
    }

    private String output() {
        synchronized (output) {
            return output.toString();
        }
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new AssertionError(message);
        }
    }

    /** Marks the channel of {@link Kind#OURS} as compressed when its report comes, while its extension encoder is still there. */
    @Sharable
    private static final class CompressionSeen extends ChannelInboundHandlerAdapter {

        static final CompressionSeen INSTANCE = new CompressionSeen();
        static final AttributeKey<Boolean> AGREED = AttributeKey.valueOf(CompressionSeen.class, "agreed");

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof CloseReport && ctx.pipeline().toMap().values().stream().anyMatch(WebSocketExtensionEncoder.class::isInstance)) {
                ctx.channel().attr(AGREED).set(true);
            }
            ctx.fireUserEventTriggered(evt);
        }
    }

    /** The servers. */
    enum Kind {
        OURS, JETTY, NODE_WS, PYTHON_WEBSOCKETS
    }

    /**
     * What a server saw of one connection.
     *
     * @param code               the close code it reports: the client's close frame's, 1005 for an
     *                           empty one, 1006 when none came
     * @param reason             the reason it reports
     * @param clean              whether both close frames crossed, as the server tells (Jetty tells
     *                           only its code: a code other than 1006 is taken as clean)
     * @param serverClosedTcpFirst whether the server sent its FIN before the client's arrived, or
     *                           null where the server does not tell (Jetty)
     * @param compressed         whether permessage-deflate was agreed
     */
    record Closed(int code, String reason, boolean clean, @Nullable Boolean serverClosedTcpFirst, boolean compressed) {

        /** Parses the line the scripts print: {@code closed code=C clean=B tcp=server|client extensions=E reason=PERCENT}. */
        static Closed parse(String line) {
            Map<String, String> fields = new HashMap<>();
            for (String field : line.substring("closed ".length()).split(" ")) {
                int equals = field.indexOf('=');
                fields.put(field.substring(0, equals), field.substring(equals + 1));
            }
            return new Closed(Integer.parseInt(fields.get("code")),
                    URLDecoder.decode(fields.get("reason"), StandardCharsets.UTF_8),
                    Boolean.parseBoolean(fields.get("clean")),
                    "server".equals(fields.get("tcp")),
                    fields.get("extensions").contains("permessage-deflate"));
        }
    }

    /**
     * The Jetty endpoint: the script above, and a {@link Closed} when Jetty reports the close.
     * Public, as Jetty calls it through method handles.
     */
    public static final class JettyEndpoint implements Session.Listener.AutoDemanding {

        private final BlockingQueue<Closed> closes;
        private @Nullable Session session;

        JettyEndpoint(BlockingQueue<Closed> closes) {
            this.closes = closes;
        }

        @Override
        public void onWebSocketOpen(Session session) {
            this.session = session;
        }

        @Override
        public void onWebSocketText(String text) {
            Session open = session;
            if (open == null) {
                return;
            }
            Matcher command = CLOSE_COMMAND.matcher(text);
            if (!command.matches()) {
                open.sendText(text, Callback.NOOP);
            } else if (Integer.parseInt(command.group(1)) == StatusCode.NO_CODE) {
                open.close(StatusCode.NO_CODE, null, Callback.NOOP); // no code: an empty close frame
            } else {
                open.close(Integer.parseInt(command.group(1)), command.group(2) == null ? "" : command.group(2), Callback.NOOP);
            }
        }

        @Override
        public void onWebSocketBinary(java.nio.ByteBuffer payload, Callback callback) {
            Session open = session;
            if (open != null) {
                open.sendBinary(payload, callback);
            }
        }

        /**
         * Jetty calls this when a write fails (its answer to a stock client that closed TCP at
         * once, say) and then reports the close as usual: what it reports is what the tests check.
         */
        @Override
        public void onWebSocketError(Throwable cause) {
            // the close that follows is reported through onWebSocketClose
        }

        @Override
        public void onWebSocketClose(int statusCode, String reason, Callback callback) {
            Session closed = session;
            boolean compressed = closed != null && closed.getUpgradeResponse().getExtensions().stream()
                    .anyMatch(extension -> extension.getName().equals("permessage-deflate"));
            closes.add(new Closed(statusCode, reason == null ? "" : reason, statusCode != StatusCode.ABNORMAL, null, compressed));
            callback.succeed();
        }
    }
}
