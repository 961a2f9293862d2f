package dev.ntm.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import dev.ntm.engine.util.SplitMix64;
import dev.ntm.kernels.Buffers;
import dev.ntm.kernels.Kernels;

/**
 * Quick timings of three kernels at the paper's shapes (N = 128, M = 20, H = 100, X = 9), for
 * the reference and the fast implementation side by side: content addressing (row norms, cosine
 * similarity and key-strength softmax of one head), the LSTM gate product (400 x 129 gemv), and
 * one erase/add write. The JMH suite ({@code KernelBench}) is the precise measurement; these are
 * the seconds-long version for {@code ntm bench}.
 */
public final class KernelTimings {

    private static final int N = 128;
    private static final int M = 20;
    private static final int GATE_ROWS = 400;
    private static final int GATE_COLS = 129;

    private KernelTimings() {
    }

    /**
     * Times each kernel with {@code reference} and, when it is a different implementation,
     * {@code fast}; figures {@code kernel.<name>.<impl>} in ns per call, and
     * {@code kernel.<name>.speedup} (reference time over fast time, per repetition). A kernel
     * whose warm-up did not settle adds a line to {@code notes}.
     */
    public static List<BenchReport.Figure> run(Kernels reference, Kernels fast, NanoTimer timer, List<String> notes) {
        List<BenchReport.Figure> out = new ArrayList<>();
        // A shared arena, like every buffer of the engine: confined segments would time the
        // scalar loops' per-access owner-thread check (erase/add scalar 6x slower here) and, in
        // one JVM with the engine, set off C2's deoptimisation cycle described in Kernels.
        try (Arena arena = Arena.ofShared()) {
            Shapes s = new Shapes(arena);
            String[] names = {"content", "gemv.gates", "eraseAdd"};
            for (String name : names) {
                double[] ref = time(timer, s.op(name, reference), "kernel." + name + "." + reference.name(), notes);
                out.add(BenchReport.Figure.fromSamples("kernel." + name + "." + reference.name(), "ns", true, ref));
                if (!fast.name().equals(reference.name())) {
                    double[] quick = time(timer, s.op(name, fast), "kernel." + name + "." + fast.name(), notes);
                    out.add(BenchReport.Figure.fromSamples("kernel." + name + "." + fast.name(), "ns", true, quick));
                    double[] speedup = new double[ref.length];
                    for (int i = 0; i < ref.length; i++) {
                        speedup[i] = ref[i] / quick[i];
                    }
                    out.add(BenchReport.Figure.fromSamples("kernel." + name + ".speedup", "x", false, speedup));
                }
            }
            return out;
        }
    }

    private static double[] time(NanoTimer timer, Runnable op, String what, List<String> notes) {
        NanoTimer.Timing t = timer.measure(op);
        String note = t.warmUp().unsettledNote(what);
        if (note != null) {
            notes.add(note);
        }
        return t.nsPerCall();
    }

    /** Buffers at the paper's shapes, filled from a fixed seed. */
    private static final class Shapes {
        final MemorySegment memory;
        final MemorySegment key;
        final MemorySegment norms;
        final MemorySegment sim;
        final MemorySegment weights;
        final MemorySegment erase;
        final MemorySegment add;
        final MemorySegment gateW;
        final MemorySegment gateX;
        final MemorySegment gateY;

        Shapes(Arena arena) {
            SplitMix64 rng = new SplitMix64(42);
            memory = fill(arena, (long) N * M, rng, -1, 1);
            key = fill(arena, M, rng, -1, 1);
            norms = Buffers.allocate(arena, N);
            sim = Buffers.allocate(arena, N);
            weights = fill(arena, N, rng, 0, 2.0 / N);
            erase = fill(arena, M, rng, 0, 1);
            add = fill(arena, M, rng, -1, 1);
            gateW = fill(arena, (long) GATE_ROWS * GATE_COLS, rng, -0.1, 0.1);
            gateX = fill(arena, GATE_COLS, rng, -1, 1);
            gateY = Buffers.allocate(arena, GATE_ROWS);
        }

        private static MemorySegment fill(Arena arena, long n, SplitMix64 rng, double lo, double hi) {
            MemorySegment seg = Buffers.allocate(arena, n);
            for (long i = 0; i < n; i++) {
                Buffers.set(seg, i, (float) rng.uniform(lo, hi));
            }
            return seg;
        }

        Runnable op(String name, Kernels k) {
            return switch (name) {
                case "content" -> () -> {
                    k.rowNorms(memory, 0, N, M, N, norms, 0);
                    k.cosineSimilarity(key, 0, memory, 0, N, M, N, norms, 0, sim, 0);
                    k.contentWeighting(sim, 0, 5f, weights, 0, N);
                };
                case "gemv.gates" -> () -> k.gemv(gateW, 0, GATE_ROWS, GATE_COLS, GATE_COLS, gateX, 0, gateY, 0, false);
                // In place; with weights summing to about 1 and erase in (0, 1) the cells stay bounded.
                case "eraseAdd" -> () -> k.eraseAdd(memory, 0, memory, 0, N, M, N, 1, weights, 0, N, erase, 0, M,
                        add, 0, M);
                default -> throw new IllegalArgumentException("unknown kernel timing " + name);
            };
        }
    }
}
