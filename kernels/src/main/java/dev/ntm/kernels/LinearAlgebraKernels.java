package dev.ntm.kernels;

import java.lang.foreign.MemorySegment;

/**
 * Vector and matrix products: BLAS level 1, the layers' products (forward, input gradient, weight gradient), and the compact bfloat16 product. One concern of {@link Kernels}, whose conventions
 * (float offsets, column-major memory, accumulating backward kernels, no allocation) apply.
 */
public interface LinearAlgebraKernels {

    // ---------------------------------------------------------------- BLAS level 1

    /** Returns {@code sum_i a[i] * b[i]}. */
    float dot(MemorySegment a, long aOff, MemorySegment b, long bOff, int n);

    /** {@code y[i] += alpha * x[i]}. */
    void axpy(float alpha, MemorySegment x, long xOff, MemorySegment y, long yOff, int n);

    /** {@code x[i] *= alpha}, in place. */
    void scale(float alpha, MemorySegment x, long xOff, int n);

    /** Returns {@code sum_i x[i]^2} (accumulated at least in float lanes, returned as double). */
    double sumOfSquares(MemorySegment x, long xOff, int n);

    /** {@code x[i] = min(max(x[i], -c), c)}, in place (element-wise gradient clipping). */
    void clamp(MemorySegment x, long xOff, int n, float c);

    /**
     * Drains a row-strided accumulator into a matrix: for each of {@code rows} rows,
     * {@code y[r][c] += x[r][c]} for {@code c < cols} (the same sum as {@link #axpy} with alpha 1),
     * then {@code x[r][c] = 0} for {@code c < ldx} (the accumulator's whole row, padding included).
     * x has row stride {@code ldx >= cols}, y row stride {@code ldy >= cols}; they must not overlap.
     */
    void drainRows(MemorySegment x, long xOff, int ldx, MemorySegment y, long yOff, int ldy, int rows, int cols);

    // ---------------------------------------------------------------- matrix products

    /**
     * Matrix-vector product {@code y (+)= W x}. W is {@code rows x cols} row-major with leading
     * dimension {@code ldw}; x has {@code cols} entries, y has {@code rows}.
     *
     * @param accumulate when true, adds to y; otherwise overwrites y
     */
    void gemv(MemorySegment w, long wOff, int rows, int cols, int ldw,
              MemorySegment x, long xOff, MemorySegment y, long yOff, boolean accumulate);

    /** Transposed product for the input gradient: {@code dx[c] += sum_r W[r][c] * dy[r]}. */
    void gemvTransposed(MemorySegment w, long wOff, int rows, int cols, int ldw,
                        MemorySegment dy, long dyOff, MemorySegment dx, long dxOff);

    /** Rank-1 update for the weight gradient: {@code dW[r][c] += dy[r] * x[c]}. */
    void rank1Update(MemorySegment dw, long dwOff, int rows, int cols, int ldw,
                     MemorySegment dy, long dyOff, MemorySegment x, long xOff);

    /**
     * Batched product {@code Y[b] (+)= W X[b]} for {@code b < batch}: X is {@code batch x cols}
     * (row b at {@code xOff + b * ldx}), Y is {@code batch x rows} (row b at {@code yOff + b * ldy}).
     */
    void gemm(MemorySegment w, long wOff, int rows, int cols, int ldw,
              MemorySegment x, long xOff, int ldx,
              MemorySegment y, long yOff, int ldy, int batch, boolean accumulate);

    /** Batched input gradient: {@code dX[b][c] += sum_r W[r][c] * dY[b][r]}. */
    void gemmTransposed(MemorySegment w, long wOff, int rows, int cols, int ldw,
                        MemorySegment dy, long dyOff, int lddy,
                        MemorySegment dx, long dxOff, int lddx, int batch);

    /**
     * {@link #gemmTransposed} with W stored in bfloat16 ({@link Bf16}: 16-bit values, the upper half
     * of a float's bits), each row paired ({@link Bf16#pairedIndex}): {@code wOff} and {@code ldw}
     * count 16-bit elements, both even, and {@code ldw >= Bf16.pairedStride(cols)}. Each element of
     * dX is the same chain of fused multiply-adds, over the widened weights, as in
     * {@code gemmTransposed} of the widened matrix. Half the bytes to stream per product: the
     * compact-weights inference mode's gate product.
     */
    void gemmTransposedBf16(MemorySegment w, long wOff, int rows, int cols, int ldw,
                            MemorySegment dy, long dyOff, int lddy,
                            MemorySegment dx, long dxOff, int lddx, int batch);

    /** Rank-k weight gradient: {@code dW[r][c] += sum_b dY[b][r] * X[b][c]}. */
    void rankKUpdate(MemorySegment dw, long dwOff, int rows, int cols, int ldw,
                     MemorySegment dy, long dyOff, int lddy,
                     MemorySegment x, long xOff, int ldx, int batch);

    /**
     * The weight gradient of several steps of a backward pass through time in one call: for
     * {@code i} from {@code steps - 1} down to 0, {@link #rankKUpdate} with the
     * {@code active[from + i]} rows of step {@code from + i}, {@code dY} at
     * {@code dyOff + i * stepStride} and {@code X} at {@code xOff + i * stepStride}, both with row
     * stride {@code ld}. Implementations must give exactly the result of those calls in that order
     * (each {@code dW} element accumulates the same products in the same order), which this
     * default makes; a fast one keeps {@code dW} in registers across the steps instead of reading
     * and writing it once per step.
     */
    default void rankKUpdateSteps(MemorySegment dw, long dwOff, int rows, int cols, int ldw,
                                  MemorySegment dy, long dyOff, MemorySegment x, long xOff,
                                  long stepStride, int ld, int[] active, int from, int steps) {
        for (int i = steps - 1; i >= 0; i--) {
            rankKUpdate(dw, dwOff, rows, cols, ldw, dy, dyOff + i * stepStride, ld, x, xOff + i * stepStride, ld,
                    active[from + i]);
        }
    }
}
