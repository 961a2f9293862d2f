package dev.ntm.bench;

import java.util.concurrent.TimeUnit;

import dev.ntm.engine.NtmConfig;
import dev.ntm.engine.api.NtmModel;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Multi-session inference on the paper's copy configuration: one step of a session of 1, 8 or 32
 * sequences stepped together. The inputs are copy-task sequences taken {@code batch} at a time
 * ({@link LatencyHarness.Inputs#batched}); the session is reset when a group starts, and a sequence
 * that ended before the group's longest gets zero inputs meanwhile. The primary score is batch
 * steps per second; the {@code sessionSteps} counter is session-steps per second ({@code batch}
 * per call), the figure to compare across batch sizes. The warm-up is {@link InferenceBench}'s
 * (about 10 s, for C2 to compile the Vector API kernels). Run with
 * {@code ./ntm bench --jmh MultiSessionBench}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 20, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 3, jvmArgsAppend = {BenchSupport.ADD_VECTOR_MODULE, BenchSupport.NATIVE_ACCESS})
@State(Scope.Thread)
public class MultiSessionBench {

    /** Sequences stepped together. */
    @Param({"1", "8", "32"})
    public int batch;

    /** Kernel implementation: {@code scalar} or {@code simd} (add {@code -p kernels=scalar,simd} for both). */
    @Param({"simd"})
    public String kernels;

    private Workloads.SessionLoop loop;

    /** Counts the session-steps taken, reported by JMH as a rate. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class SessionSteps {
        /** Sequence steps taken in this iteration ({@code batch} per call). */
        public long sessionSteps;

        /** Zeroes the count at the start of every iteration. */
        @Setup(Level.Iteration)
        public void clear() {
            sessionSteps = 0;
        }
    }

    /** Builds the model, the session and 256 copy sequences (a multiple of every batch). */
    @Setup
    public void setup() {
        NtmConfig config = NtmConfig.copyTask();
        NtmModel model = NtmModel.create(config, 42).withKernels(BenchSupport.kernels(kernels));
        loop = new Workloads.SessionLoop(model.newSession(batch),
                LatencyHarness.Inputs.batched(Workloads.copySequences(256, 42), batch), batch * config.outputSize());
    }

    /** One step of every sequence of the session (a reset first when a new group starts). */
    @Benchmark
    public float step(SessionSteps counter) {
        loop.run();
        counter.sessionSteps += batch;
        return loop.lastOutput();
    }
}
