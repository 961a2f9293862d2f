package dev.ntm.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Run in a child JVM by {@link KernelAllocationTest}, where {@link KernelProvider#get()} loads a
 * single SIMD species (as in production, so the JIT sees constant species): calls every kernel until
 * it is compiled, then prints one line per kernel, {@code name bytesPerCall}, measured with the
 * thread's allocation counter over many calls. Arguments: memory rows, memory columns, and
 * optionally a regular expression selecting the kernels to run.
 */
public final class AllocationProbe {

    /** Warm-up rounds before measuring: enough for C2 to compile every kernel. */
    private static final int WARMUP = 10_000;
    private static final int MEASURE = 2_000;
    /** Measurements of a kernel, each after more calls, before it counts as allocating. */
    private static final int ATTEMPTS = 3;

    private AllocationProbe() {
    }

    /** One kernel call over preallocated buffers. */
    @FunctionalInterface
    private interface Call {
        void run();
    }

    public static void main(String[] args) throws InterruptedException {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 128;
        int m = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        Kernels k = KernelProvider.get();
        System.out.println("kernels " + k.name() + " " + k.vectorBits());
        Arena arena = Arena.ofShared();
        SplittableRandom r = new SplittableRandom(5);
        int ld = Buffers.alignUp(n);
        int rows = 400;
        int cols = 129;
        int batch = 32;
        // rows * 144: the product over rows padded to whole vectors (the 16-row path of gemv)
        int big = Math.max(Math.max((long) m * ld, (long) rows * 144) > Integer.MAX_VALUE ? 0 : Math.max(m * ld, rows * 144), batch * 416);
        MemorySegment[] b = new MemorySegment[12];
        for (int i = 0; i < b.length; i++) {
            b[i] = Buffers.allocate(arena, big);
            for (int j = 0; j < big; j++) {
                Buffers.set(b[i], j, (float) (0.01 + 0.5 * r.nextDouble()));
            }
        }
        Map<String, Call> calls = new LinkedHashMap<>();
        calls.put("dot", () -> k.dot(b[0], 1, b[1], 0, n));
        calls.put("axpy", () -> k.axpy(1e-9f, b[0], 0, b[2], 1, n));
        calls.put("scale", () -> k.scale(1f, b[2], 0, n));
        calls.put("sumOfSquares", () -> k.sumOfSquares(b[0], 0, n));
        calls.put("clamp", () -> k.clamp(b[2], 0, n, 10f));
        // the padded weight-gradient accumulator drained into the gradient, as PaddedWeights does
        calls.put("drainRows", () -> k.drainRows(b[11], 0, 144, b[10], 0, cols, rows, cols));
        calls.put("gemv", () -> k.gemv(b[0], 0, rows, cols, cols, b[1], 0, b[2], 0, false));
        calls.put("gemv/padded", () -> k.gemv(b[0], 0, rows, 144, 144, b[1], 0, b[2], 0, true));
        calls.put("gemvTransposed", () -> k.gemvTransposed(b[0], 0, rows, cols, cols, b[1], 0, b[3], 0));
        calls.put("rank1Update", () -> k.rank1Update(b[3], 0, rows, cols, cols, b[1], 0, b[0], 0));
        calls.put("gemm", () -> k.gemm(b[0], 0, rows, cols, cols, b[1], 0, 144, b[2], 0, 416, batch, false));
        calls.put("gemmTransposed", () -> k.gemmTransposed(b[0], 0, rows, cols, cols, b[1], 0, 416, b[3], 0, 144, batch));
        // the compact gate product as inference runs it: [in, out] bfloat16, one sequence
        calls.put("gemmTransposedBf16", () -> k.gemmTransposedBf16(b[0], 0, cols, rows, 416, b[1], 0, 416, b[3], 0,
                416, 1));
        calls.put("lstmCellForward", () -> k.lstmCellForward(b[4], 0, 400, 500, 600, 700, 100));
        calls.put("lstmCellBackward", () -> k.lstmCellBackward(b[4], 0, 600, 400, b[5], 0, 100, 200, 100));
        calls.put("rankKUpdate", () -> k.rankKUpdate(b[3], 0, rows, cols, cols, b[1], 0, 416, b[0], 0, 144, batch));
        int[] active = {4, 4, 2};
        calls.put("rankKUpdateSteps", () -> k.rankKUpdateSteps(b[3], 0, rows, cols, cols, b[1], 0, b[0], 0, 4 * 416,
                416, active, 0, active.length));
        calls.put("sigmoid", () -> k.sigmoid(b[0], 0, b[2], 0, n));
        calls.put("tanh", () -> k.tanh(b[0], 0, b[2], 0, n));
        calls.put("softplus", () -> k.softplus(b[0], 0, b[2], 0, n));
        calls.put("sigmoidBackward", () -> k.sigmoidBackward(b[0], 0, b[1], 0, b[3], 0, n));
        calls.put("tanhBackward", () -> k.tanhBackward(b[0], 0, b[1], 0, b[3], 0, n));
        calls.put("softplusBackward", () -> k.softplusBackward(b[0], 0, b[1], 0, b[3], 0, n));
        calls.put("softmax", () -> k.softmax(b[0], 0, b[2], 0, n));
        calls.put("softmaxBackward", () -> k.softmaxBackward(b[0], 0, b[1], 0, b[3], 0, n));
        calls.put("clip", () -> k.clip(b[0], 0, b[2], 0, n, 10f));
        calls.put("clipBackward", () -> k.clipBackward(b[0], 0, b[2], 0, n, 10f));
        calls.put("rowNorms", () -> k.rowNorms(b[4], 0, n, m, ld, b[5], 0));
        calls.put("cosineSimilarity", () -> k.cosineSimilarity(b[0], 0, b[4], 0, n, m, ld, b[5], 0, b[6], 0));
        calls.put("cosineSimilarityBackward", () -> k.cosineSimilarityBackward(b[0], 0, 1f, b[4], 0, n, m, ld,
                b[5], 0, b[6], 0, b[1], 0, b[3], 0, b[7], 0));
        calls.put("contentWeighting", () -> k.contentWeighting(b[6], 0, 5f, b[2], 0, n));
        calls.put("contentWeightingBackward", () -> k.contentWeightingBackward(b[6], 0, 5f, b[2], 0, b[1], 0, b[3], 0, n));
        calls.put("interpolate", () -> k.interpolate(b[0], 0, b[1], 0, 0.3f, b[2], 0, n));
        calls.put("interpolateBackward", () -> k.interpolateBackward(b[0], 0, b[1], 0, 0.3f, b[1], 0, b[3], 0, b[8], 0, n));
        calls.put("shift", () -> k.shift(b[0], 0, b[1], 0, 1, b[2], 0, n));
        calls.put("shiftBackward", () -> k.shiftBackward(b[0], 0, b[1], 0, 1, b[1], 0, b[3], 0, b[8], 0, n));
        calls.put("sharpen", () -> k.sharpen(b[0], 0, 2f, b[2], 0, n));
        calls.put("sharpenBackward", () -> k.sharpenBackward(b[0], 0, 2f, b[2], 0, b[1], 0, b[3], 0, n));
        calls.put("read", () -> k.read(b[0], 0, b[4], 0, n, m, ld, b[2], 0));
        calls.put("readBackward", () -> k.readBackward(b[0], 0, b[4], 0, n, m, ld, b[1], 0, b[3], 0, b[7], 0));
        calls.put("eraseAdd", () -> k.eraseAdd(b[4], 0, b[9], 0, n, m, ld, 2, b[0], 0, ld, b[1], 0, m, b[1], 0, m));
        calls.put("eraseAddBackward", () -> k.eraseAddBackward(b[4], 0, b[7], 0, b[10], 0, n, m, ld, 2,
                b[0], 0, ld, b[1], 0, m, b[1], 0, m, b[3], 0, b[8], 0, b[11], 0));
        calls.put("bceWithLogits", () -> k.bceWithLogits(b[0], 0, b[1], 0, b[3], 0, n, 1e-9f));
        calls.put("adam", () -> k.adam(b[8], 0, b[1], 0, b[9], 0, b[10], 0, n, 1e-9f, 0.9f, 0.999f, 1e-8f, 0.5f, 0.5f, 10f));
        calls.put("rmsprop", () -> k.rmsprop(b[8], 0, b[1], 0, b[10], 0, b[11], 0, b[9], 0, n, 1e-9f, 0.95f, 0.9f, 1e-4f, 10f));

        if (args.length > 2) {
            calls.keySet().removeIf(name -> !name.matches(args[2]));
        }
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().threadId();
        for (int round = 0; round < WARMUP; round++) {
            for (Call c : calls.values()) {
                c.run();
            }
        }
        for (Map.Entry<String, Call> e : calls.entrySet()) {
            Call c = e.getValue();
            double perCall = Double.NaN;
            // The JIT compiles in the background: on a loaded machine a kernel's C2 code can land
            // after the warm-up, and until then it runs boxed. A kernel that still allocates after
            // more calls and a pause for the compiler allocates in its compiled code.
            for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
                if (attempt > 0) {
                    for (int i = 0; i < WARMUP; i++) {
                        c.run();
                    }
                    Thread.sleep(500);
                }
                long before = threads.getThreadAllocatedBytes(tid);
                for (int i = 0; i < MEASURE; i++) {
                    c.run();
                }
                long after = threads.getThreadAllocatedBytes(tid);
                perCall = (double) (after - before) / MEASURE;
                if (perCall < 1.0) {
                    break;
                }
            }
            System.out.println(e.getKey() + " " + perCall);
        }
    }
}
