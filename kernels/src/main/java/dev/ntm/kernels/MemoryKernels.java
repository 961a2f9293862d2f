package dev.ntm.kernels;

import java.lang.foreign.MemorySegment;

/**
 * Reading and writing the memory (erase and add), forward and backward. One concern of {@link Kernels}, whose conventions
 * (float offsets, column-major memory, accumulating backward kernels, no allocation) apply.
 */
public interface MemoryKernels {

    // ---------------------------------------------------------------- memory read and write

    /** Weighted read {@code r[j] = sum_i w[i] M(i, j)} over a column-major memory. */
    void read(MemorySegment w, long wOff, MemorySegment mem, long memOff, int n, int m, int ld,
              MemorySegment r, long rOff);

    /** Backward of {@link #read}: {@code dw[i] += sum_j dr[j] M(i, j)}, {@code dM(i, j) += w[i] dr[j]}. */
    void readBackward(MemorySegment w, long wOff, MemorySegment mem, long memOff, int n, int m, int ld,
                      MemorySegment dr, long drOff,
                      MemorySegment dw, long dwOff, MemorySegment dmem, long dmemOff);

    /**
     * Erase/add write of {@code heads} write heads applied in order, fused per cell:
     * for h = 0..heads-1, {@code M(i, j) <- M(i, j) (1 - w_h[i] e_h[j]) + w_h[i] a_h[j]}.
     * Reads {@code memIn}, writes {@code memOut} (which may be the same memory).
     * Head h's weighting is at {@code wOff + h * wStride}, its erase vector at
     * {@code eOff + h * eStride}, its add vector at {@code aOff + h * aStride}.
     */
    void eraseAdd(MemorySegment memIn, long memInOff, MemorySegment memOut, long memOutOff,
                  int n, int m, int ld, int heads,
                  MemorySegment w, long wOff, int wStride,
                  MemorySegment e, long eOff, int eStride,
                  MemorySegment a, long aOff, int aStride);

    /**
     * Backward of {@link #eraseAdd} given the memory before the write ({@code memIn}) and the
     * gradient of the memory after it ({@code dMemOut}); recomputes the per-head intermediate
     * cells in registers. Writes (overwrites) the gradient of the memory before the write into
     * {@code dMemIn} (which may be the same buffer as {@code dMemOut}) and accumulates into
     * {@code dw}, {@code de}, {@code da} (same strides as the forward).
     */
    void eraseAddBackward(MemorySegment memIn, long memInOff,
                          MemorySegment dMemOut, long dMemOutOff,
                          MemorySegment dMemIn, long dMemInOff,
                          int n, int m, int ld, int heads,
                          MemorySegment w, long wOff, int wStride,
                          MemorySegment e, long eOff, int eStride,
                          MemorySegment a, long aOff, int aStride,
                          MemorySegment dw, long dwOff,
                          MemorySegment de, long deOff,
                          MemorySegment da, long daOff);
}
