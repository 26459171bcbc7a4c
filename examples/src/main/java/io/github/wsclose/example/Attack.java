package io.github.wsclose.example;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The attacks of docs/protection.md, against a WebSocket server on this machine, each bounded
 * in connections, bytes and time; it prints what the server did. Loopback addresses only.
 *
 * <pre>
 * java -cp CLASSPATH io.github.wsclose.example.Attack ATTACK [--port 8080] [--connections N]
 *      [--megabytes M] [--wait-ms MS] [--pid SERVER_PID] [--transport nio|epoll|io_uring]
 * </pre>
 *
 * <ul>
 *   <li>{@code silent}: N connections that send nothing;</li>
 *   <li>{@code slow-upgrade}: N connections that send half an upgrade request, then a byte a second;</li>
 *   <li>{@code dead-peers}: N upgraded connections that never send again nor answer a ping;</li>
 *   <li>{@code live-peers}: N upgraded connections that send nothing but answer every ping;</li>
 *   <li>{@code ping-flood}, {@code echo-flood}: one upgraded connection that never reads and sends
 *       M MiB of pings (or of 64 KiB messages to echo), while a second connection checks every
 *       200 ms that the server still echoes;</li>
 *   <li>{@code probes}: one connection each for a hixie-76 handshake, an unknown version, a
 *       request body over the limit, a close frame in the same write as the upgrade request, and
 *       a fragmented message over the limit.</li>
 * </ul>
 *
 * <p>With {@code --pid} it also prints the server's resident memory before, at its peak and after. Its own
 * connections run on {@code --transport}, by default the best one available here; the server's transport is
 * the server's choice.
 */
public final class Attack {

    private static final String KEY = "dGhlIHNhbXBsZSBub25jZQ==";

    private final int port;
    private final int connections;
    private final long bytes;
    private final long waitMillis;
    private final long pid;
    private final Transport transport;
    private final EventLoopGroup group;

    private Attack(int port, int connections, long bytes, long waitMillis, long pid, Transport transport) {
        this.transport = transport;
        this.group = transport.newGroup(1);
        this.port = port;
        this.connections = connections;
        this.bytes = bytes;
        this.waitMillis = waitMillis;
        this.pid = pid;
    }

    /** Runs one attack and prints its result. */
    public static void main(String[] args) throws Exception {
        if (args.length == 0 || args[0].startsWith("-")) {
            System.err.println("usage: Attack silent|slow-upgrade|dead-peers|live-peers|ping-flood|echo-flood|probes"
                    + " [--port P] [--connections N] [--megabytes M] [--wait-ms MS] [--pid PID] [--transport nio|epoll|io_uring]");
            System.exit(2);
        }
        int port = 8080;
        int connections = 1000;
        long megabytes = 256;
        long waitMillis = 15_000;
        long pid = 0;
        Transport transport = Transport.best();
        for (int i = 1; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[i + 1]);
                case "--connections" -> connections = Integer.parseInt(args[i + 1]);
                case "--megabytes" -> megabytes = Long.parseLong(args[i + 1]);
                case "--wait-ms" -> waitMillis = Long.parseLong(args[i + 1]);
                case "--pid" -> pid = Long.parseLong(args[i + 1]);
                case "--transport" -> transport = Transport.of(args[i + 1]).requireAvailable();
                default -> throw new IllegalArgumentException("unknown option: " + args[i]);
            }
        }
        Attack attack = new Attack(port, connections, megabytes << 20, waitMillis, pid, transport);
        try {
            switch (args[0]) {
                case "silent" -> attack.many("silent", probe -> { }, false);
                case "slow-upgrade" -> attack.many("slow-upgrade", Attack::slowUpgrade, false);
                case "dead-peers" -> attack.many("dead-peers", probe -> probe.upgrade(false), true);
                case "live-peers" -> attack.many("live-peers", probe -> probe.upgrade(true), true);
                case "ping-flood" -> attack.flood("ping-flood", frame(0x9, new byte[125]));
                case "echo-flood" -> attack.flood("echo-flood", frame(0x2, new byte[65536]));
                case "probes" -> attack.probes();
                default -> throw new IllegalArgumentException("unknown attack: " + args[0]);
            }
        } finally {
            attack.group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** N connections doing {@code act}; prints how many the server closed, and how long after connect (or upgrade). */
    private void many(String name, Consumer<Probe> act, boolean fromUpgrade) throws InterruptedException {
        long rssBefore = rss();
        CountDownLatch closed = new CountDownLatch(connections);
        List<Probe> probes = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            Probe probe = new Probe(closed);
            probes.add(probe);
            connect(probe).addListener(connected -> {
                if (connected.isSuccess()) {
                    act.accept(probe);
                }
            });
        }
        long peak = rssBefore;
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
        while (!closed.await(200, TimeUnit.MILLISECONDS) && System.nanoTime() < end) {
            peak = Math.max(peak, rss());
        }
        long[] millis = probes.stream().filter(p -> p.closedNanos != 0 && (!fromUpgrade || p.upgradedNanos != 0))
                .mapToLong(p -> TimeUnit.NANOSECONDS.toMillis(p.closedNanos - (fromUpgrade ? p.upgradedNanos : p.connectedNanos)))
                .sorted().toArray();
        long upgraded = probes.stream().filter(p -> p.upgradedNanos != 0).count();
        long pings = probes.stream().mapToLong(p -> p.pings).sum();
        String answers = probes.stream().map(p -> p.status).filter(s -> !s.isEmpty() && !s.startsWith("HTTP/1.1 101"))
                .distinct().limit(3).toList().toString();
        String codes = probes.stream().filter(p -> p.closeCode != 0).map(p -> p.closeCode + " " + p.closeReason)
                .distinct().limit(3).toList().toString();
        System.out.println(name + ": " + connections + " connections, " + upgraded + " upgraded, " + millis.length
                + " closed by the server" + (millis.length == 0 ? "" : " after " + millis[millis.length / 2] + " ms (median), "
                + millis[millis.length - 1] + " ms (max) from " + (fromUpgrade ? "upgrade" : "connect"))
                + ", " + (connections - closed.getCount()) + " ended, " + closed.getCount() + " still open after " + waitMillis
                + " ms; HTTP answers " + answers + ", pings received " + pings + ", close frames " + codes + memory(rssBefore, peak));
        for (Probe probe : probes) {
            probe.close();
        }
    }

    private static void slowUpgrade(Probe probe) {
        probe.send(ascii("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"));
        probe.channel.eventLoop().scheduleAtFixedRate(() -> {
            if (probe.channel.isActive()) {
                probe.send(ascii("X"));
            }
        }, 1, 1, TimeUnit.SECONDS);
    }

    /** One connection that never reads floods {@code frame}; another checks that the server still echoes. */
    private void flood(String name, byte[] frame) throws Exception {
        long rssBefore = rss();
        Probe bystander = new Probe(new CountDownLatch(1));
        connect(bystander).sync();
        bystander.upgrade(true);
        Probe offender = new Probe(new CountDownLatch(1));
        offender.receiveBuffer = 4096;
        connect(offender).sync();
        offender.onUpgrade = () -> {
            offender.channel.config().setAutoRead(false); // never reads again
            offender.flood(frame, bytes);
        };
        offender.upgrade(false);
        long start = System.nanoTime();
        long peak = rssBefore;
        long end = start + TimeUnit.MILLISECONDS.toNanos(waitMillis);
        while (System.nanoTime() < end && !offender.closed.await(200, TimeUnit.MILLISECONDS)) {
            bystander.echo();
            peak = Math.max(peak, rss());
        }
        for (int i = 0; i < 5; i++) { // memory after the offender is gone
            bystander.echo();
            Thread.sleep(200);
        }
        long rssAfter = rss();
        System.out.println(name + ": sent " + (offender.sent >> 20) + " MiB in " + offender.frames + " frames; offender "
                + (offender.closedNanos == 0 ? "still open after " + waitMillis + " ms"
                        : "closed by the server after " + TimeUnit.NANOSECONDS.toMillis(offender.closedNanos - start) + " ms")
                + "; other connection: " + bystander.echoed + " of " + bystander.echoes + " echoes answered, slowest "
                + bystander.slowestEchoMillis + " ms" + memory(rssBefore, peak)
                + (pid == 0 ? "" : ", after " + (rssAfter >> 20) + " MiB"));
        offender.close();
        bystander.close();
    }

    private void probes() throws Exception {
        String upgrade = "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + KEY + "\r\nSec-WebSocket-Version: 13\r\n\r\n";
        probe("hixie-76", ascii("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n"
                + "Origin: http://127.0.0.1\r\nSec-WebSocket-Key1: 4 @1  46546xW%0l 1 5\r\n"
                + "Sec-WebSocket-Key2: 12998 5 Y3 1  .P00\r\n\r\n^n:ds[4U"));
        probe("version 12", ascii(upgrade.replace("Version: 13", "Version: 12")));
        probe("413 keep-alive", ascii(upgrade.replace("\r\n\r\n", "\r\nContent-Length: 100000\r\n\r\n")));
        probe("close with the upgrade", concat(ascii(upgrade), frame(0x8, new byte[] {0x03, (byte) 0xE8})));
        byte[] fragments = ascii(upgrade);
        Probe fragmented = new Probe(new CountDownLatch(1));
        connect(fragmented).sync();
        fragmented.onUpgrade = () -> {
            // 2 MiB in 32 fragments of 64 KiB, one frame each under the frame limit
            fragmented.send(frame(0x02, false, new byte[65536]));
            for (int i = 1; i < 32; i++) {
                fragmented.send(frame(0x00, i == 31, new byte[65536]));
            }
        };
        fragmented.send(fragments);
        report("fragmented 2 MiB message", fragmented);
    }

    private void probe(String name, byte[] request) throws Exception {
        Probe probe = new Probe(new CountDownLatch(1));
        connect(probe).sync();
        probe.send(request);
        report(name, probe);
    }

    private void report(String name, Probe probe) throws InterruptedException {
        boolean ended = probe.closed.await(waitMillis, TimeUnit.MILLISECONDS);
        System.out.println("probe " + name + ": " + (probe.status.isEmpty() ? "no HTTP answer" : probe.status)
                + (probe.closeCode == 0 ? "" : ", close frame " + probe.closeCode + " \"" + probe.closeReason + "\"")
                + (ended ? ", connection closed by the server after "
                        + TimeUnit.NANOSECONDS.toMillis(probe.closedNanos - probe.connectedNanos) + " ms" : ", still open after " + waitMillis + " ms"));
        probe.close();
    }

    private ChannelFuture connect(Probe probe) {
        probe.connectedNanos = System.nanoTime(); // times count from the start of the connect: an upper bound
        InetAddress loopback = InetAddress.getLoopbackAddress(); // never anything but this machine
        Bootstrap bootstrap = new Bootstrap().group(group).channel(transport.socketChannel()).handler(probe);
        if (probe.receiveBuffer > 0) {
            bootstrap.option(ChannelOption.SO_RCVBUF, probe.receiveBuffer);
        }
        return bootstrap.connect(new InetSocketAddress(loopback, port));
    }

    private String memory(long before, long peak) {
        return pid == 0 ? "" : "; server RSS " + (before >> 20) + " MiB before, " + (peak >> 20) + " MiB at peak";
    }

    /** The server's resident set in bytes, from /proc; 0 without --pid. */
    private long rss() {
        if (pid == 0) {
            return 0;
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) << 10;
                }
            }
        } catch (IOException e) {
            return 0; // the server is gone
        }
        return 0;
    }

    /** A final client frame: masked, as a client must send (RFC 6455 §5.3). */
    static byte[] frame(int opcode, byte[] payload) {
        return frame(opcode, true, payload);
    }

    static byte[] frame(int opcode, boolean fin, byte[] payload) {
        int n = payload.length;
        int header = n < 126 ? 2 : n < 65536 ? 4 : 10;
        byte[] frame = new byte[header + 4 + n];
        frame[0] = (byte) ((fin ? 0x80 : 0) | opcode);
        if (n < 126) {
            frame[1] = (byte) (0x80 | n);
        } else if (n < 65536) {
            frame[1] = (byte) (0x80 | 126);
            frame[2] = (byte) (n >> 8);
            frame[3] = (byte) n;
        } else {
            frame[1] = (byte) (0x80 | 127);
            for (int i = 0; i < 8; i++) {
                frame[2 + i] = (byte) ((long) n >>> (56 - 8 * i));
            }
        }
        byte[] key = new byte[4];
        ThreadLocalRandom.current().nextBytes(key);
        System.arraycopy(key, 0, frame, header, 4);
        for (int i = 0; i < n; i++) {
            frame[header + 4 + i] = (byte) (payload[i] ^ key[i & 3]);
        }
        return frame;
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    /** One connection: sends what it is told, reads the HTTP answer and the server's frames, records when it ended. */
    private static final class Probe extends ChannelInboundHandlerAdapter {

        final CountDownLatch closed;
        Channel channel;
        int receiveBuffer;
        Runnable onUpgrade = () -> { };
        boolean answerPings;
        long connectedNanos;
        long upgradedNanos;
        long closedNanos;
        String status = "";
        int closeCode;
        String closeReason = "";
        long pings;
        long sent;
        long frames;
        long echoes;
        long echoed;
        long echoSentNanos;
        long slowestEchoMillis;
        private final StringBuilder head = new StringBuilder();
        private final ByteBuf in = Unpooled.buffer();
        private byte[] floodFrame;
        private long floodLeft;

        Probe(CountDownLatch closed) {
            this.closed = closed;
        }

        void upgrade(boolean answerPings) {
            this.answerPings = answerPings;
            send(ascii("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: " + KEY + "\r\nSec-WebSocket-Version: 13\r\n\r\n"));
        }

        void send(byte[] bytes) {
            channel.writeAndFlush(Unpooled.wrappedBuffer(bytes));
        }

        /** Sends one text message to be echoed, unless the last one is unanswered. */
        void echo() {
            channel.eventLoop().execute(() -> {
                long now = System.nanoTime();
                if (echoSentNanos != 0) {
                    slowestEchoMillis = Math.max(slowestEchoMillis, TimeUnit.NANOSECONDS.toMillis(now - echoSentNanos));
                    return;
                }
                echoes++;
                echoSentNanos = now;
                send(frame(0x1, ascii("still there?")));
            });
        }

        void flood(byte[] frame, long total) {
            floodFrame = frame;
            floodLeft = total;
            writeFlood();
            // once all is sent, a small ping now and then finds out when the server has closed (a reset fails the write)
            channel.eventLoop().scheduleAtFixedRate(() -> {
                if (floodLeft <= 0 && channel.isActive()) {
                    send(frame(0x9, new byte[0]));
                }
            }, 200, 200, TimeUnit.MILLISECONDS);
        }

        void close() {
            channel.close();
            channel.eventLoop().execute(in::release);
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            channel = ctx.channel();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            closedNanos = System.nanoTime();
            closed.countDown();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // a reset by the server ends the connection like a close
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            writeFlood();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf bytes = (ByteBuf) msg;
            try {
                if (status.isEmpty()) {
                    while (bytes.isReadable() && status.isEmpty()) {
                        head.append((char) bytes.readByte());
                        if (head.length() >= 4 && head.lastIndexOf("\r\n\r\n") == head.length() - 4) {
                            status = head.substring(0, head.indexOf("\r\n"));
                        }
                    }
                    if (status.startsWith("HTTP/1.1 101")) {
                        upgradedNanos = System.nanoTime();
                        onUpgrade.run();
                    }
                }
                if (upgradedNanos != 0) {
                    in.writeBytes(bytes);
                    readFrames();
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void readFrames() {
            while (in.readableBytes() >= 2) {
                int start = in.readerIndex();
                int opcode = in.getByte(start) & 0xF;
                int length = in.getByte(start + 1) & 0x7F;
                int header = 2;
                if (length == 126) {
                    header = 4;
                    length = in.readableBytes() < 4 ? -1 : in.getUnsignedShort(start + 2);
                } else if (length == 127) {
                    header = 10;
                    length = in.readableBytes() < 10 ? -1 : (int) in.getLong(start + 2);
                }
                if (length < 0 || in.readableBytes() < header + length) {
                    break;
                }
                byte[] payload = new byte[length];
                in.getBytes(start + header, payload);
                in.skipBytes(header + length);
                switch (opcode) {
                    case 0x1 -> {
                        echoed++;
                        slowestEchoMillis = Math.max(slowestEchoMillis, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - echoSentNanos));
                        echoSentNanos = 0;
                    }
                    case 0x8 -> {
                        closeCode = length >= 2 ? (payload[0] & 0xFF) << 8 | payload[1] & 0xFF : 1005;
                        closeReason = length > 2 ? new String(payload, 2, length - 2, StandardCharsets.UTF_8) : "";
                    }
                    case 0x9 -> {
                        pings++;
                        if (answerPings) {
                            send(frame(0xA, payload));
                        }
                    }
                    default -> { }
                }
            }
            in.discardReadBytes();
        }

        private void writeFlood() {
            if (floodFrame == null) {
                return;
            }
            while (floodLeft > 0 && channel.isActive() && channel.isWritable()) {
                channel.write(Unpooled.wrappedBuffer(floodFrame));
                sent += floodFrame.length;
                frames++;
                floodLeft -= floodFrame.length;
            }
            channel.flush();
        }
    }
}
