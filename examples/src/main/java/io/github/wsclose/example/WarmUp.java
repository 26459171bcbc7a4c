package io.github.wsclose.example;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;

/**
 * Runs connections through the server's pipeline on embedded channels before the server listens: one that
 * upgrades, sends a message, a ping and its close, and one that closes in the middle of its upgrade request.
 *
 * <p>Why: the JVM loads a class the first time it runs, and loading one opens a file (a class file, or a jar not
 * opened yet). In a process out of file descriptors, under a flood of connections, that fails, and the JVM
 * remembers the failure: the code that needed the class fails with {@code NoClassDefFoundError} from then on,
 * long after the flood is gone. Run once at startup, the paths a connection takes are loaded while descriptors
 * are to spare. Not thread-safe; call it before the server listens.
 */
final class WarmUp {

    private static final int FIN = 0x80;
    private static final int MASK = 0x80;
    private static final int TEXT = 0x1;
    private static final int CLOSE = 0x8;
    private static final int PING = 0x9;
    private static final String UPGRADE_REQUEST = "GET " + ExampleServer.WEBSOCKET_PATH + " HTTP/1.1\r\nHost: warm-up\r\n"
            + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            + "Sec-WebSocket-Version: 13\r\n\r\n";

    private WarmUp() {
    }

    /** Runs the connections through pipelines set up by {@code initializer}, and releases all they wrote. */
    static void run(ChannelHandler initializer) {
        EmbeddedChannel upgraded = new EmbeddedChannel(initializer);
        upgraded.writeInbound(ascii(UPGRADE_REQUEST));
        if (upgraded.isOpen()) { // a relay (--upstream) has no upstream on an embedded channel: it answered 502 and closed
            upgraded.writeInbound(frame(TEXT, ascii("warm-up")));
            upgraded.writeInbound(frame(PING, ascii("warm-up")));
            upgraded.writeInbound(frame(CLOSE, Unpooled.wrappedBuffer(new byte[] {0x03, (byte) 0xE8}))); // 1000
        }
        upgraded.runPendingTasks();
        upgraded.finishAndReleaseAll();

        EmbeddedChannel halfRequest = new EmbeddedChannel(initializer);
        halfRequest.writeInbound(ascii(UPGRADE_REQUEST.substring(0, UPGRADE_REQUEST.length() / 2)));
        halfRequest.finishAndReleaseAll(); // closed before its upgrade
    }

    /** A final frame as a client sends it: masked (RFC 6455 §5.3), with a key of zeros, so the payload goes as it is. */
    private static ByteBuf frame(int opcode, ByteBuf payload) {
        ByteBuf frame = Unpooled.buffer(6 + payload.readableBytes())
                .writeByte(FIN | opcode)
                .writeByte(MASK | payload.readableBytes()) // under 126 bytes: the length fits here
                .writeInt(0)
                .writeBytes(payload);
        payload.release();
        return frame;
    }

    private static ByteBuf ascii(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII);
    }
}
