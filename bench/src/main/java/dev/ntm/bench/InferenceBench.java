package dev.ntm.bench;

import java.util.concurrent.TimeUnit;

import dev.ntm.engine.NtmConfig;
import dev.ntm.engine.api.NtmModel;
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

/**
 * One inference step of the paper's copy configuration at batch 1, scalar reference against SIMD
 * kernels. The inputs cycle through pre-generated copy-task sequences and the session is reset at
 * the start of each, as a caller would run it. Run with {@code ./ntm bench --jmh InferenceBench}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 20, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 3, jvmArgsAppend = {BenchSupport.ADD_VECTOR_MODULE, BenchSupport.NATIVE_ACCESS})
@State(Scope.Thread)
public class InferenceBench {

    /** Kernel implementation: {@code scalar} or {@code simd}. */
    @Param({"scalar", "simd"})
    public String kernels;

    private Workloads.SessionLoop loop;

    /** Builds the model, the session and the inputs. */
    @Setup
    public void setup() {
        NtmConfig config = NtmConfig.copyTask();
        NtmModel model = NtmModel.create(config, 42).withKernels(BenchSupport.kernels(kernels));
        loop = new Workloads.SessionLoop(model.newSession(),
                LatencyHarness.Inputs.of(Workloads.copySequences(64, 42)), config.outputSize());
    }

    /** One step (a reset first when a new sequence starts). */
    @Benchmark
    public float step() {
        loop.run();
        return loop.lastOutput();
    }
}
