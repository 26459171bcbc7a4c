package io.github.wsclose.bench;

import io.github.wsclose.CloseReason;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Looking up the named status for a code: a named one (1001) and one without a name (4000).
 *
 * <ul>
 *   <li>{@code ours}: {@link CloseReason.Codes#byCode(short)}.</li>
 *   <li>{@code ktor}: {@code CloseReason.Codes.byCode}, a map keyed by boxed {@code Short}.</li>
 *   <li>{@code netty}: {@link WebSocketCloseStatus#valueOf(int)}, which builds a new status for a code
 *       without a name.</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 300, timeUnit = TimeUnit.MILLISECONDS)
public class ByCodeBenchmark {

    @Param({"1001", "4000"})
    public short code;

    @Benchmark
    public void ours(Blackhole bh) {
        bh.consume(CloseReason.Codes.byCode(code));
    }

    @Benchmark
    public void ktor(Blackhole bh) {
        bh.consume(io.ktor.websocket.CloseReason.Codes.Companion.byCode(code));
    }

    @Benchmark
    public void netty(Blackhole bh) {
        bh.consume(WebSocketCloseStatus.valueOf(code));
    }
}
