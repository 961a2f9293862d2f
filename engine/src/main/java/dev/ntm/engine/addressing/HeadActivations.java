package dev.ntm.engine.addressing;

import static dev.ntm.kernels.Buffers.F32;

import java.lang.foreign.MemorySegment;

import dev.ntm.kernels.Kernels;

/**
 * The clip and activations of one head's parameter vector (docs/SPEC.md 1.3):
 * {@code p = clip(raw, -C, C)}, then {@code k = tanh}, {@code beta = softplus}, {@code g = sigmoid},
 * {@code s = softmax} over its 2S+1 entries, {@code gamma = 1 + softplus}, and for write heads
 * {@code e = sigmoid}, {@code a = tanh}. The activated vector keeps the layout of p.
 */
public final class HeadActivations {

    private final Kernels k;
    private final int m;
    private final int shifts;
    private final boolean write;
    private final float clip;

    /** The activations of a read ({@code write == false}) or write head. */
    public HeadActivations(Kernels kernels, int memoryWidth, int shiftRange, boolean write, float clip) {
        this.k = kernels;
        this.m = memoryWidth;
        this.shifts = 2 * shiftRange + 1;
        this.write = write;
        this.clip = clip;
    }

    /** Offset of the key k (M entries). */
    public static int key() {
        return 0;
    }

    /** Offset of beta for memory width {@code m}. */
    public static int beta(int m) {
        return m;
    }

    /** Offset of g. */
    public static int gate(int m) {
        return m + 1;
    }

    /** Offset of s (2S+1 entries). */
    public static int shift(int m) {
        return m + 2;
    }

    /** Offset of gamma. */
    public static int gamma(int m, int shiftRange) {
        return m + 3 + 2 * shiftRange;
    }

    /** Offset of the erase vector e of a write head (M entries). */
    public static int erase(int m, int shiftRange) {
        return m + 4 + 2 * shiftRange;
    }

    /** Offset of the add vector a of a write head (M entries). */
    public static int add(int m, int shiftRange) {
        return 2 * m + 4 + 2 * shiftRange;
    }

    /** Length of the parameter vector. */
    public int size() {
        return m + 3 + shifts + (write ? 2 * m : 0);
    }

    /** {@code act = activations(clip(pre))}; both vectors of {@link #size()} floats in {@code a}. */
    public void forward(MemorySegment a, long pre, long act) {
        int n = size();
        k.clip(a, pre, a, act, n, clip);
        k.tanh(a, act, a, act, m);
        long beta = act + m;
        a.setAtIndex(F32, beta, softplus(a.getAtIndex(F32, beta)));
        a.setAtIndex(F32, beta + 1, sigmoid(a.getAtIndex(F32, beta + 1)));
        k.softmax(a, act + m + 2, a, act + m + 2, shifts);
        long gamma = act + m + 2 + shifts;
        a.setAtIndex(F32, gamma, 1f + softplus(a.getAtIndex(F32, gamma)));
        if (write) {
            k.sigmoid(a, gamma + 1, a, gamma + 1, m);
            k.tanh(a, gamma + 1 + m, a, gamma + 1 + m, m);
        }
    }

    /**
     * Backward: accumulates into {@code dpre} (in {@code d}) the gradient of the raw vector given
     * {@code dact}, the gradient of the activated one; zero where the clip was active.
     * {@code dpre} must hold only this head's contributions of this step (it is zeroed where clipped).
     */
    public void backward(MemorySegment a, long pre, long act, MemorySegment d, long dact, long dpre) {
        k.tanhBackward(a, act, d, dact, d, dpre, m);
        long beta = m;
        // beta = softplus(p): d/dp = sigmoid(p)
        add(d, dpre + beta, d.getAtIndex(F32, dact + beta) * sigmoid(clipped(a, pre + beta)));
        float g = a.getAtIndex(F32, act + beta + 1);
        add(d, dpre + beta + 1, d.getAtIndex(F32, dact + beta + 1) * g * (1f - g));
        k.softmaxBackward(a, act + m + 2, d, dact + m + 2, d, dpre + m + 2, shifts);
        long gamma = m + 2 + shifts;
        add(d, dpre + gamma, d.getAtIndex(F32, dact + gamma) * sigmoid(clipped(a, pre + gamma)));
        if (write) {
            k.sigmoidBackward(a, act + gamma + 1, d, dact + gamma + 1, d, dpre + gamma + 1, m);
            k.tanhBackward(a, act + gamma + 1 + m, d, dact + gamma + 1 + m, d, dpre + gamma + 1 + m, m);
        }
        k.clipBackward(a, pre, d, dpre, size(), clip);
    }

    private float clipped(MemorySegment a, long i) {
        return Math.min(Math.max(a.getAtIndex(F32, i), -clip), clip);
    }

    private static void add(MemorySegment s, long i, float v) {
        s.setAtIndex(F32, i, s.getAtIndex(F32, i) + v);
    }

    static float sigmoid(float x) {
        return (float) (1.0 / (1.0 + Math.exp(-x)));
    }

    /**
     * {@code log(1 + e^x)} as {@code max(x, 0) + log(1 + e^-|x|)}, in double. Below 1e-8,
     * {@code log(1 + u) = u} to double accuracy, which also covers what log1p is for (the
     * intrinsic log is several times faster than log1p).
     */
    static float softplus(float x) {
        double u = Math.exp(-Math.abs(x));
        return (float) (Math.max(x, 0f) + (u < 1e-8 ? u : Math.log(1.0 + u)));
    }
}
