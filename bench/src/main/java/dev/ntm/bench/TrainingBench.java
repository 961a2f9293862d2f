package dev.ntm.bench;

import java.util.concurrent.TimeUnit;

import dev.ntm.engine.NtmConfig;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One training batch of 1 or 32 copy-task sequences on the paper's copy configuration, as the
 * trainer runs it on one thread: gradient zeroed, forward and backward, clipping, optimiser step
 * (RMSProp at batch 1, Adam at 32; {@link Workloads#recipe}). The primary score is batches per
 * second; the {@code sequences} counter is sequences per second, the figure to compare across
 * batch sizes. Run with {@code ./ntm bench --jmh TrainingBench}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 3, jvmArgsAppend = {BenchSupport.ADD_VECTOR_MODULE, BenchSupport.NATIVE_ACCESS})
@State(Scope.Thread)
public class TrainingBench {

    /** Sequences per batch. */
    @Param({"1", "32"})
    public int batch;

    /** Kernel implementation: {@code scalar} or {@code simd} (add {@code -p kernels=scalar,simd} for both). */
    @Param({"simd"})
    public String kernels;

    private Workloads.TrainingLoop loop;

    /** Counts the sequences processed, reported by JMH as a rate. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Sequences {
        /** Sequences run forward and backward in this iteration. */
        public long sequences;

        /** Zeroes the count at the start of every iteration. */
        @Setup(Level.Iteration)
        public void clear() {
            sequences = 0;
        }
    }

    /** Builds the network, the parameters and a pool of 256 copy sequences. */
    @Setup
    public void setup() {
        loop = new Workloads.TrainingLoop(NtmConfig.copyTask(), BenchSupport.kernels(kernels), 42,
                Workloads.copySequences(256, 43), Workloads.recipe(batch));
    }

    /** Frees the network's tape. */
    @TearDown
    public void tearDown() {
        loop.close();
    }

    /** One training batch. */
    @Benchmark
    public void forwardBackward(Sequences counter) {
        loop.run();
        counter.sequences += loop.batch();
    }
}
