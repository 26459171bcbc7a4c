package io.github.wsclose.bench;

import io.github.wsclose.ClosePayload;
import io.ktor.websocket.Frame;
import io.ktor.websocket.FrameCommonKt;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.websocket.core.CloseStatus;
import org.eclipse.jetty.websocket.core.exception.BadPayloadException;
import org.eclipse.jetty.websocket.core.exception.ProtocolException;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Decoding a received close frame payload into a status code and a reason, checked as strictly
 * as each library allows, on the same bytes for every implementation. A rejected payload's
 * exception is the result for that payload. Every call hands each implementation a fresh view of
 * the bytes, as a received frame would: a duplicate of the Netty buffer, a duplicate of Jetty's
 * {@code ByteBuffer}, a new Ktor frame around the array. No implementation can keep what it
 * derived from the previous call's buffer.
 *
 * <ul>
 *   <li>{@code ours}: {@link ClosePayload#decode(ByteBuf)}.</li>
 *   <li>{@code netty}: what stock Netty 4.2 does with a received close frame: its frame decoder's
 *       control-frame length check, then the decoder's own close body check
 *       ({@link NettyCloseFrameBody}: status code, and the reason through Netty's UTF-8
 *       validator), a {@link CloseWebSocketFrame} around the payload, {@code statusCode()} and
 *       {@code reasonText()}.</li>
 *   <li>{@code ktor}: {@code Frame.Close}, {@code readReason()} and {@code CloseReason.Codes.byCode}.
 *       Ktor checks neither the code nor the UTF-8 (it replaces bad bytes), so it does less work and
 *       rejects nothing.</li>
 *   <li>{@code jetty}: Jetty 12's {@link CloseStatus#CloseStatus(ByteBuffer)}, which checks the
 *       length, the code and the UTF-8.</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = "-Dio.netty.leakDetection.level=disabled")
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 300, timeUnit = TimeUnit.MILLISECONDS)
public class DecodeBenchmark {

    /** The largest payload of a control frame (RFC 6455 §5.5). */
    private static final int MAX_CONTROL_PAYLOAD = 125;

    @Param
    public ClosePayloads input;

    /** Where the payload bytes live: {@code direct} as Netty's frame decoder hands them over, or {@code heap}. */
    @Param({"direct", "heap"})
    public String buffer;

    private ByteBuf nettyPayload;
    private NettyCloseFrameBody nettyCheck;
    private ByteBuffer jettyPayload;
    private byte[] ktorPayload;

    @Setup
    public void setUp() {
        byte[] bytes = input.bytes();
        boolean direct = switch (buffer) {
            case "direct" -> true;
            case "heap" -> false;
            default -> throw new IllegalArgumentException("buffer: " + buffer + " (expected: direct or heap)");
        };
        nettyPayload = direct
                ? PooledByteBufAllocator.DEFAULT.directBuffer(bytes.length)
                : PooledByteBufAllocator.DEFAULT.heapBuffer(bytes.length);
        nettyPayload.writeBytes(bytes);
        nettyCheck = new NettyCloseFrameBody();
        jettyPayload = direct ? ByteBuffer.allocateDirect(bytes.length) : ByteBuffer.allocate(bytes.length);
        jettyPayload.put(bytes).flip();
        ktorPayload = bytes;
    }

    @TearDown
    public void tearDown() {
        nettyPayload.release();
        nettyCheck.close();
    }

    @Benchmark
    public void ours(Blackhole bh) {
        try {
            bh.consume(ClosePayload.decode(nettyPayload.duplicate()));
        } catch (CorruptedWebSocketFrameException e) {
            bh.consume(e);
        }
    }

    @Benchmark
    public void netty(Blackhole bh) {
        CloseWebSocketFrame frame = new CloseWebSocketFrame(true, 0, nettyPayload.retainedDuplicate());
        try {
            ByteBuf content = frame.content();
            if (content.readableBytes() > MAX_CONTROL_PAYLOAD) { // the frame decoder's check of every control frame
                throw new CorruptedWebSocketFrameException(WebSocketCloseStatus.PROTOCOL_ERROR, "invalid control frame length");
            }
            nettyCheck.check(content);
            bh.consume(frame.statusCode()); // -1 for an empty payload
            bh.consume(frame.reasonText());
        } catch (CorruptedWebSocketFrameException e) {
            bh.consume(e);
        } finally {
            frame.release();
        }
    }

    @Benchmark
    public void ktor(Blackhole bh) {
        io.ktor.websocket.CloseReason reason = FrameCommonKt.readReason(new Frame.Close(ktorPayload));
        bh.consume(reason);
        if (reason != null) {
            bh.consume(io.ktor.websocket.CloseReason.Codes.Companion.byCode(reason.getCode()));
        }
    }

    @Benchmark
    public void jetty(Blackhole bh) {
        try {
            CloseStatus status = new CloseStatus(jettyPayload.duplicate());
            bh.consume(status.getCode());
            bh.consume(status.getReason());
        } catch (ProtocolException | BadPayloadException e) {
            bh.consume(e);
        }
    }
}
