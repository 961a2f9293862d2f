package dev.ntm.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

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

import dev.ntm.kernels.Buffers;
import dev.ntm.kernels.Kernels;

/**
 * The LSTM gate product of the paper's controller, scalar against SIMD: H = 100 hidden units and
 * an input of 29 (the copy task's 9 input channels and one read vector of M = 20), so W is
 * 4H x (input + H) = 400 x 129,
 * row-major with leading dimension 129 as the parameter layout stores it. At batch 1 the forward
 * is a matrix-vector product ({@code gemv}; the target is SIMD >= 4x scalar), at batch 32 a
 * matrix-matrix product over the batch ({@code gemm}). The backward products: the input gradient
 * (transposed product) and the weight gradient (rank-1 / rank-k update).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 3, jvmArgsAppend = {BenchSupport.ADD_VECTOR_MODULE, BenchSupport.NATIVE_ACCESS})
@State(Scope.Thread)
public class GateProductBench {

    static final int ROWS = 400;
    static final int COLS = 129;

    @Param({"scalar", "simd"})
    public String impl;

    @Param({"1", "32"})
    public int batch;

    private Kernels k;
    private Arena arena;
    private int ldx;
    private int ldy;
    private MemorySegment w;
    /** W transposed, {@code [COLS][ldy]}: the form the engine's forward pass reads. */
    private MemorySegment wt;
    /** W with rows padded by zeros to whole vectors, {@code [ROWS][ldx]}: the form batch-1 training reads. */
    private MemorySegment wp;
    private MemorySegment dw;
    private MemorySegment x;
    private MemorySegment dx;
    private MemorySegment y;
    private MemorySegment dy;

    @Setup
    public void setup() {
        k = BenchSupport.kernels(impl);
        arena = Arena.ofShared();
        SplittableRandom rnd = new SplittableRandom(2025);
        ldx = Buffers.alignUp(COLS);
        ldy = Buffers.alignUp(ROWS);
        w = Buffers.allocate(arena, (long) ROWS * COLS);
        BenchSupport.fill(w, 0, ROWS * COLS, rnd, -0.1, 0.1);
        wt = Buffers.allocate(arena, (long) COLS * ldy);
        for (int r = 0; r < ROWS; r++) {
            for (int c = 0; c < COLS; c++) {
                Buffers.set(wt, (long) c * ldy + r, Buffers.get(w, (long) r * COLS + c));
            }
        }
        wp = Buffers.allocate(arena, (long) ROWS * ldx);
        for (int r = 0; r < ROWS; r++) {
            MemorySegment.copy(w, (long) r * COLS * Float.BYTES, wp, (long) r * ldx * Float.BYTES, (long) COLS * Float.BYTES);
        }
        dw = Buffers.allocate(arena, (long) ROWS * COLS);
        x = Buffers.allocate(arena, (long) batch * ldx);
        BenchSupport.fill(x, 0, batch * ldx, rnd, -1, 1);
        dx = Buffers.allocate(arena, (long) batch * ldx);
        y = Buffers.allocate(arena, (long) batch * ldy);
        dy = Buffers.allocate(arena, (long) batch * ldy);
        BenchSupport.fill(dy, 0, batch * ldy, rnd, -1e-3, 1e-3);
    }

    @TearDown
    public void tearDown() {
        arena.close();
    }

    /** {@code z = W [in ; h]} for every sequence of the batch. */
    @Benchmark
    public void gatesForward() {
        if (batch == 1) {
            k.gemv(w, 0, ROWS, COLS, COLS, x, 0, y, 0, false);
        } else {
            k.gemm(w, 0, ROWS, COLS, COLS, x, 0, ldx, y, 0, ldy, batch, false);
        }
    }

    /**
     * {@code z += W [in ; h]} as training at batch 1 and evaluation compute it: from W with padded
     * rows (whole vectors, no scalar tail), adding to the bias already in z; one row-major product
     * per sequence.
     */
    @Benchmark
    public void gatesForwardPadded() {
        for (int b = 0; b < batch; b++) {
            k.gemv(wp, 0, ROWS, ldx, ldx, x, (long) b * ldx, y, (long) b * ldy, true);
        }
    }

    /**
     * {@code z = W [in ; h]} as the engine computes it: from the transposed weights, one broadcast
     * input times a vector of outputs per step of the sum ({@code gemmTransposed} of W^T).
     */
    @Benchmark
    public void gatesForwardTransposed() {
        k.gemmTransposed(wt, 0, COLS, ldy, ldy, x, 0, ldx, y, 0, ldy, batch);
    }

    /**
     * {@link #gatesForwardTransposed} with every row of W the same row (a row stride of 0): the
     * same loads, fused multiply-adds and order, but 1.6 KB of weights that stay in L1 instead of
     * 206 KB that come from L2 on every call. The gap between the two is what the cache level costs
     * the batch-1 product (its roofline in PERFORMANCE.md 10i); the result is not W x.
     */
    @Benchmark
    public void gatesForwardTransposedResident() {
        k.gemmTransposed(wt, 0, COLS, ldy, 0, x, 0, ldx, y, 0, ldy, batch);
    }

    /**
     * The bound under the two above: the same 206 KB of transposed weights read once from start to
     * end by the kernels' own sum of squares (four independent chains, nothing stored): what a
     * product that reads its weights from L2 at batch 1 could at best take on this JVM, whatever
     * {@code batch} says.
     */
    @Benchmark
    public double gatesWeightStream() {
        return k.sumOfSquares(wt, 0, COLS * ldy);
    }

    /** {@code d[in ; h] += W^T dz}. */
    @Benchmark
    public void gatesInputGradient() {
        if (batch == 1) {
            k.gemvTransposed(w, 0, ROWS, COLS, COLS, dy, 0, dx, 0);
        } else {
            k.gemmTransposed(w, 0, ROWS, COLS, COLS, dy, 0, ldy, dx, 0, ldx, batch);
        }
    }

    /**
     * {@code d[in ; h] += W^T dz} as training computes it: from W with padded rows ({@code ldx}
     * columns, 9 vectors for the copy task), the dz of every sequence of the batch.
     */
    @Benchmark
    public void gatesInputGradientPadded() {
        k.gemmTransposed(wp, 0, ROWS, ldx, ldx, dy, 0, ldy, dx, 0, ldx, batch);
    }

    /** {@code dW += dz [in ; h]^T}, summed over the batch. */
    @Benchmark
    public void gatesWeightGradient() {
        if (batch == 1) {
            k.rank1Update(dw, 0, ROWS, COLS, COLS, dy, 0, x, 0);
        } else {
            k.rankKUpdate(dw, 0, ROWS, COLS, COLS, dy, 0, ldy, x, 0, ldx, batch);
        }
    }
}
