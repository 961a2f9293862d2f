package dev.ntm.kernels;

import java.lang.foreign.MemorySegment;

/**
 * Parameter updates over flat buffers. One concern of {@link Kernels}, whose conventions
 * (float offsets, column-major memory, accumulating backward kernels, no allocation) apply.
 */
public interface OptimizerKernels {

    // ---------------------------------------------------------------- optimisers (flat buffers)

    /**
     * One Adam step over a flat buffer: {@code m = b1 m + (1-b1) g}, {@code v = b2 v + (1-b2) g^2},
     * {@code p -= lr * (m / bc1) / (sqrt(v / bc2) + eps)} where the caller passes the bias
     * corrections {@code bc1 = 1 - b1^t}, {@code bc2 = 1 - b2^t}. Each {@code g} is first clamped
     * to {@code [-clip, clip]} (element-wise gradient clipping fused into the step; pass
     * {@link Float#POSITIVE_INFINITY} for none); {@code g} itself is left unchanged.
     */
    void adam(MemorySegment p, long pOff, MemorySegment g, long gOff,
              MemorySegment m, long mOff, MemorySegment v, long vOff, int n,
              float lr, float beta1, float beta2, float eps, float bc1, float bc2, float clip);

    /**
     * One RMSProp step in the form of Graves 2013: {@code n = d n + (1-d) g^2},
     * {@code gbar = d gbar + (1-d) g}, {@code delta = mom delta - lr g / sqrt(n - gbar^2 + eps)},
     * {@code p += delta}, with each {@code g} first clamped to {@code [-clip, clip]} as in
     * {@link #adam} ({@link Float#POSITIVE_INFINITY} for none; {@code g} is left unchanged).
     */
    void rmsprop(MemorySegment p, long pOff, MemorySegment g, long gOff,
                 MemorySegment sq, long sqOff, MemorySegment mean, long meanOff,
                 MemorySegment delta, long deltaOff, int n,
                 float lr, float decay, float momentum, float eps, float clip);
}
