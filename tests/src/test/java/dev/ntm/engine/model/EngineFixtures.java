package dev.ntm.engine.model;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import dev.ntm.engine.NtmConfig;
import dev.ntm.engine.layout.ParamLayout;
import dev.ntm.engine.task.Sequence;
import dev.ntm.engine.util.SplitMix64;
import dev.ntm.kernels.Buffers;
import dev.ntm.kernels.KernelProvider;
import dev.ntm.kernels.Kernels;

/** Shared helpers of the engine tests: random sequences, configurations, kernel lists, norms. */
public final class EngineFixtures {

    private EngineFixtures() {
    }

    /**
     * A random sequence: inputs are random bits (with probability 1/2) or, when {@code gaussian},
     * normal values; targets random bits; each step scored with probability 1/2, the last always.
     */
    public static Sequence randomSequence(NtmConfig c, int steps, SplitMix64 rng, boolean gaussian) {
        int x = c.inputSize();
        int y = c.outputSize();
        float[] in = new float[steps * x];
        float[] tg = new float[steps * y];
        float[] mask = new float[steps];
        for (int i = 0; i < in.length; i++) {
            in[i] = gaussian ? (float) rng.gaussian() : (rng.nextBoolean() ? 1f : 0f);
        }
        for (int i = 0; i < tg.length; i++) {
            tg[i] = rng.nextBoolean() ? 1f : 0f;
        }
        for (int t = 0; t < steps; t++) {
            mask[t] = (t == steps - 1 || rng.nextBoolean()) ? 1f : 0f;
        }
        return new Sequence(steps, x, y, in, tg, mask);
    }

    /** The scalar reference kernels and, when different, the provider's choice (SIMD when available). */
    public static List<Kernels> kernelsUnderTest() {
        List<Kernels> list = new ArrayList<>();
        list.add(KernelProvider.scalar());
        if (KernelProvider.get() != KernelProvider.scalar()) {
            list.add(KernelProvider.get());
        }
        return list;
    }

    /** A small configuration (X=5, Y=4, N=13 so columns have padding, M=6, H=12) to vary. */
    public static NtmConfig.Builder small() {
        return NtmConfig.builder().inputSize(5).outputSize(4).memory(13, 6).hiddenSize(12);
    }

    /** Copies {@code values} into a new 64-byte-aligned segment of {@code arena}. */
    public static MemorySegment segment(Arena arena, float[] values) {
        MemorySegment s = Buffers.allocate(arena, values.length);
        Buffers.copy(values, 0, s, 0, values.length);
        return s;
    }

    /** Reads a whole segment of {@code n} floats. */
    public static float[] toArray(MemorySegment s, int n) {
        float[] a = new float[n];
        Buffers.copy(s, 0, a, 0, n);
        return a;
    }

    /** Widens floats to doubles. */
    public static double[] widen(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }

    /**
     * Error of one tensor's gradient, {@code ||g - ref|| / max(||ref||, floor)}: relative to the
     * reference norm, or to {@code floor} when that norm is smaller.
     */
    public static double tensorError(ParamLayout.Tensor t, float[] g, double[] ref, double floor) {
        double diff = 0;
        for (int i = 0; i < t.size(); i++) {
            int k = (int) t.offset() + i;
            double d = g[k] - ref[k];
            diff += d * d;
        }
        return Math.sqrt(diff) / Math.max(norm(t, ref), floor);
    }

    /** Euclidean norm of one tensor of a flat gradient. */
    public static double norm(ParamLayout.Tensor t, double[] g) {
        double s = 0;
        for (int i = 0; i < t.size(); i++) {
            double v = g[(int) t.offset() + i];
            s += v * v;
        }
        return Math.sqrt(s);
    }

    /** The largest tensor norm of a flat gradient. */
    public static double maxTensorNorm(ParamLayout layout, double[] g) {
        double max = 0;
        for (ParamLayout.Tensor t : layout.tensors()) {
            max = Math.max(max, norm(t, g));
        }
        return max;
    }
}
