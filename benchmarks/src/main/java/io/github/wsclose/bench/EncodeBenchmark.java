package io.github.wsclose.bench;

import io.github.wsclose.ClosePayload;
import io.github.wsclose.CloseReason;
import io.ktor.websocket.Frame;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.websocket.core.CloseStatus;
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
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Building a close frame from a status code and a reason held by the application, the same code
 * and text for every implementation. Netty frames are released in the benchmark.
 *
 * <ul>
 *   <li>{@code ours}: {@link ClosePayload#newFrame(CloseReason, ByteBufAllocator)} with an unpooled heap
 *       allocator: a new {@code byte[]} per payload, as Ktor's and Jetty's frames hold.</li>
 *   <li>{@code oursPooled}: the same with the pooled allocator, beside {@code nettyPooled}.</li>
 *   <li>{@code netty}: {@code new CloseWebSocketFrame(status, reasonText)}, as stock Netty code writes
 *       it (its payload comes from the unpooled allocator, direct memory).</li>
 *   <li>{@code nettyPooled}: {@code new CloseWebSocketFrame(true, 0, alloc, code, reasonText)} with the
 *       pooled allocator.</li>
 *   <li>{@code ktor}: {@code Frame.Close(CloseReason)}: a heap {@code byte[]}.</li>
 *   <li>{@code jetty}: Jetty 12's {@code CloseStatus.toFrame(code, reason)}: a heap {@code ByteBuffer}.</li>
 * </ul>
 *
 * <p>The pooled allocator keeps no per-thread cache for threads that are not Netty's own (JMH's
 * are not), so {@code oursPooled} and {@code nettyPooled} pay for its shared arenas here, which an
 * event loop would not.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = "-Dio.netty.leakDetection.level=disabled")
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 300, timeUnit = TimeUnit.MILLISECONDS)
public class EncodeBenchmark {

    @Param
    public CloseReasons input;

    private CloseReason ours;
    private WebSocketCloseStatus nettyStatus;
    private String nettyText;
    private io.ktor.websocket.CloseReason ktor;
    private int jettyCode;
    private String jettyReason;
    private ByteBufAllocator heap;
    private ByteBufAllocator pooled;

    @Setup
    public void setUp() {
        ours = CloseReason.of(input.code(), input.text());
        nettyStatus = WebSocketCloseStatus.valueOf(input.code());
        nettyText = input.text();
        ktor = new io.ktor.websocket.CloseReason((short) input.code(), input.text());
        jettyCode = input.code();
        jettyReason = input.text().isEmpty() ? null : input.text(); // Jetty's "no reason"
        heap = new UnpooledByteBufAllocator(false);
        pooled = PooledByteBufAllocator.DEFAULT;
    }

    @Benchmark
    public void ours(Blackhole bh) {
        CloseWebSocketFrame frame = ClosePayload.newFrame(ours, heap);
        bh.consume(frame);
        frame.release();
    }

    @Benchmark
    public void oursPooled(Blackhole bh) {
        CloseWebSocketFrame frame = ClosePayload.newFrame(ours, pooled);
        bh.consume(frame);
        frame.release();
    }

    @Benchmark
    public void netty(Blackhole bh) {
        CloseWebSocketFrame frame = new CloseWebSocketFrame(nettyStatus, nettyText);
        bh.consume(frame);
        frame.release();
    }

    @Benchmark
    public void nettyPooled(Blackhole bh) {
        CloseWebSocketFrame frame = new CloseWebSocketFrame(true, 0, pooled, nettyStatus.code(), nettyText);
        bh.consume(frame);
        frame.release();
    }

    @Benchmark
    public void ktor(Blackhole bh) {
        bh.consume(new Frame.Close(ktor));
    }

    @Benchmark
    public void jetty(Blackhole bh) {
        bh.consume(CloseStatus.toFrame(jettyCode, jettyReason));
    }
}
