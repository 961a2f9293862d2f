package dev.ntm.kernels;

import java.lang.foreign.MemorySegment;

/**
 * The numeric kernels of the engine, forward and backward, over float32 data in
 * {@link MemorySegment}s.
 *
 * <p>Conventions, shared by every method:
 * <ul>
 *   <li>Every buffer is a pair {@code (segment, offset)}; offsets and strides count
 *       <em>floats</em>, not bytes. Sizes are in floats.</li>
 *   <li>Matrices are row-major with a leading dimension {@code ld >= cols}: element
 *       {@code (r, c)} is at {@code off + r * ld + c}.</li>
 *   <li>The NTM memory is <em>column-major</em>: cell {@code (row i, column j)} of an
 *       {@code n x m} memory is at {@code off + j * ld + i}, {@code ld >= n}. Each column is a
 *       contiguous run of rows, so similarity, reads and writes are fused multiply-adds over whole
 *       vectors of rows (see docs/ARCHITECTURE.md, "Data layout").</li>
 *   <li>Backward kernels <em>accumulate</em> ({@code +=}) into gradient buffers; forward kernels
 *       overwrite their outputs unless a parameter says otherwise.</li>
 *   <li>Output buffers may not overlap inputs unless the method says so.</li>
 *   <li>No method allocates on the heap.</li>
 *   <li>Segments should come from shared, automatic or global arenas, as every buffer of the
 *       engine does; not from confined ones. The kernels accept any segment, but C2 compiles them
 *       with the JDK's memory-access code inlined, whose branch profiles every caller shares; in
 *       a JVM where both kinds have been through the kernels, compiled kernels were seen to fail
 *       a profile-based loop predicate (deoptimisation reason {@code profile_predicate}), be
 *       recompiled and fail again, over and over. Measured here (PERFORMANCE.md, "One JVM"): a
 *       JVM that timed kernels on confined segments and then trained put {@code rmsprop} through
 *       43 such cycles in 24 seconds and trained at 240 sequences per second instead of 1,150.</li>
 * </ul>
 *
 * <p>{@link ScalarKernels} is the plain-loop reference; {@code SimdKernels} must equal it within
 * float rounding. {@link KernelProvider#get()} picks one implementation per JVM.
 */
public interface Kernels {

    /** Small constant in the cosine-similarity denominator (docs/SPEC.md 1.4). */
    float COSINE_EPS = 1e-8f;
    /** Small constant added to shifted weightings before sharpening (docs/SPEC.md 1.4). */
    float SHARPEN_EPS = 1e-16f;

    /** Short name of the implementation: {@code "scalar"} or {@code "simd"}. */
    String name();

    /** Vector width in bits used by this implementation (32 for scalar). */
    int vectorBits();

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
     * of a float's bits), {@code wOff} and {@code ldw} counted in 16-bit elements: each element of
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

    // ---------------------------------------------------------------- element-wise activations

    /** {@code y[i] = 1 / (1 + exp(-x[i]))}; x and y may be the same buffer. */
    void sigmoid(MemorySegment x, long xOff, MemorySegment y, long yOff, int n);

    /** {@code y[i] = tanh(x[i])}; x and y may be the same buffer. */
    void tanh(MemorySegment x, long xOff, MemorySegment y, long yOff, int n);

    /** {@code y[i] = log(1 + exp(x[i]))}, computed stably; x and y may be the same buffer. */
    void softplus(MemorySegment x, long xOff, MemorySegment y, long yOff, int n);

    /** Given {@code y = sigmoid(x)}: {@code dx[i] += dy[i] * y[i] * (1 - y[i])}. */
    void sigmoidBackward(MemorySegment y, long yOff, MemorySegment dy, long dyOff,
                         MemorySegment dx, long dxOff, int n);

    /** Given {@code y = tanh(x)}: {@code dx[i] += dy[i] * (1 - y[i]^2)}. */
    void tanhBackward(MemorySegment y, long yOff, MemorySegment dy, long dyOff,
                      MemorySegment dx, long dxOff, int n);

    /** Given the <em>input</em> x of softplus: {@code dx[i] += dy[i] * sigmoid(x[i])}. */
    void softplusBackward(MemorySegment x, long xOff, MemorySegment dy, long dyOff,
                          MemorySegment dx, long dxOff, int n);

    /** {@code y = softmax(x)}, max-subtracted; x and y may be the same buffer. */
    void softmax(MemorySegment x, long xOff, MemorySegment y, long yOff, int n);

    /** Given {@code y = softmax(x)}: {@code dx[i] += y[i] * (dy[i] - sum_j y[j] dy[j])}. */
    void softmaxBackward(MemorySegment y, long yOff, MemorySegment dy, long dyOff,
                         MemorySegment dx, long dxOff, int n);

    /** {@code y[i] = min(max(x[i], -c), c)}; x and y may be the same buffer. */
    void clip(MemorySegment x, long xOff, MemorySegment y, long yOff, int n, float c);

    /** Zeroes {@code dy[i]} wherever the clip was active ({@code |pre[i]| > c}). */
    void clipBackward(MemorySegment pre, long preOff, MemorySegment dy, long dyOff, int n, float c);

    // ---------------------------------------------------------------- LSTM cell

    /**
     * One LSTM cell of {@code h} units for one sequence, after the gate activations: from
     * {@code [i, f, g, o]} at {@code gatesOff} (4h floats) and {@code c_prev} at {@code cPrevOff},
     * writes {@code c = f c_prev + i g} at {@code cellOff} (no fused multiply-add),
     * {@code tanh(c)} at {@code tanhCOff} (as {@link #tanh}) and {@code h = o tanh(c)} at
     * {@code hOff}; all in {@code a}.
     */
    void lstmCellForward(MemorySegment a, long gatesOff, long cPrevOff, long cellOff, long tanhCOff, long hOff,
                         int h);

    /**
     * Backward of one LSTM cell of {@code h} units for one sequence (docs/SPEC.md 1.2,
     * {@code c = f c_prev + i g}, {@code h = o tanh(c)}): from the gate activations
     * {@code [i, f, g, o]} at {@code gatesOff} (4h floats), {@code tanh(c)} at {@code tanhCOff} and
     * {@code c_prev} at {@code cPrevOff} (all in {@code a}), and the gradients dh at {@code dhOff}
     * and dc at {@code dcOff} (in {@code d}): writes the gate pre-activation gradients
     * {@code [di, df, dg, do]} at {@code dzOff} (4h floats) and replaces dc by the gradient of
     * c_prev. Per element: {@code dc' = dc + dh o (1 - tanh(c)^2)}, {@code di = dc' g i (1 - i)},
     * {@code df = dc' c_prev f (1 - f)}, {@code dg = dc' i (1 - g^2)}, {@code do = dh tanh(c) o (1 - o)},
     * {@code dc <- dc' f}, each product left to right and no fused multiply-add, so every
     * implementation gives the same bits.
     */
    void lstmCellBackward(MemorySegment a, long gatesOff, long tanhCOff, long cPrevOff,
                          MemorySegment d, long dhOff, long dcOff, long dzOff, int h);

    // ---------------------------------------------------------------- content addressing

    /**
     * Euclidean norm of every memory row: {@code norms[i] = sqrt(sum_j M(i, j)^2)}.
     * The memory is column-major, {@code n} rows by {@code m} columns, column stride {@code ld}.
     */
    void rowNorms(MemorySegment mem, long memOff, int n, int m, int ld,
                  MemorySegment norms, long normsOff);

    /**
     * Cosine similarity of a key against every memory row, using cached row norms:
     * {@code sim[i] = (k . M(i)) / (|k| |M(i)| + COSINE_EPS)}.
     *
     * @return {@code |k|}, which the backward pass needs
     */
    float cosineSimilarity(MemorySegment key, long keyOff,
                           MemorySegment mem, long memOff, int n, int m, int ld,
                           MemorySegment norms, long normsOff,
                           MemorySegment sim, long simOff);

    /**
     * Backward of {@link #cosineSimilarity}. With {@code D_i = |k||M(i)| + eps} and
     * {@code u_i = k . M(i)}:
     * {@code dk += sum_i dsim_i (M(i)/D_i - u_i |M(i)| k / (|k| D_i^2))} and
     * {@code dM(i) += dsim_i (k/D_i - u_i |k| M(i) / (|M(i)| D_i^2))}; a zero norm contributes no
     * second term.
     */
    void cosineSimilarityBackward(MemorySegment key, long keyOff, float keyNorm,
                                  MemorySegment mem, long memOff, int n, int m, int ld,
                                  MemorySegment norms, long normsOff,
                                  MemorySegment sim, long simOff,
                                  MemorySegment dsim, long dsimOff,
                                  MemorySegment dkey, long dkeyOff,
                                  MemorySegment dmem, long dmemOff);

    /** Key-strength softmax: {@code w[i] = softmax_i(beta * sim[i])}, max-subtracted. */
    void contentWeighting(MemorySegment sim, long simOff, float beta,
                          MemorySegment w, long wOff, int n);

    /**
     * Backward of {@link #contentWeighting}: with {@code z_i = w_i (dw_i - sum_j w_j dw_j)},
     * {@code dsim[i] += beta z_i}.
     *
     * @return the gradient of beta, {@code sum_i sim[i] z_i}
     */
    float contentWeightingBackward(MemorySegment sim, long simOff, float beta,
                                   MemorySegment w, long wOff, MemorySegment dw, long dwOff,
                                   MemorySegment dsim, long dsimOff, int n);

    // ---------------------------------------------------------------- location addressing

    /** Interpolation: {@code wg[i] = g * wc[i] + (1 - g) * wPrev[i]}. */
    void interpolate(MemorySegment wc, long wcOff, MemorySegment wPrev, long wPrevOff, float g,
                     MemorySegment wg, long wgOff, int n);

    /**
     * Backward of {@link #interpolate}: {@code dwc += g dwg}, {@code dwPrev += (1 - g) dwg}.
     *
     * @return the gradient of g, {@code sum_i dwg[i] (wc[i] - wPrev[i])}
     */
    float interpolateBackward(MemorySegment wc, long wcOff, MemorySegment wPrev, long wPrevOff,
                              float g, MemorySegment dwg, long dwgOff,
                              MemorySegment dwc, long dwcOff, MemorySegment dwPrev, long dwPrevOff,
                              int n);

    /**
     * Circular shift convolution over {@code 2S+1} shifts:
     * {@code ws[i] = sum_{j=0..2S} wg[(i - (j - S)) mod n] * s[j]}; s[j] weighs a shift by
     * {@code j - S} rows. Requires {@code n >= 1}, {@code S >= 0}; S may exceed n (indices wrap).
     */
    void shift(MemorySegment wg, long wgOff, MemorySegment s, long sOff, int shiftRange,
               MemorySegment ws, long wsOff, int n);

    /**
     * Backward of {@link #shift}: {@code dwg[k] += sum_j dws[(k + j - S) mod n] s[j]} and
     * {@code ds[j] += sum_i dws[i] wg[(i - (j - S)) mod n]}.
     */
    void shiftBackward(MemorySegment wg, long wgOff, MemorySegment s, long sOff, int shiftRange,
                       MemorySegment dws, long dwsOff,
                       MemorySegment dwg, long dwgOff, MemorySegment ds, long dsOff, int n);

    /**
     * Sharpening: {@code w[i] = (ws[i] + SHARPEN_EPS)^gamma / sum_j (ws[j] + SHARPEN_EPS)^gamma},
     * computed as a max-subtracted softmax of {@code gamma * log(ws + eps)} so it cannot overflow.
     */
    void sharpen(MemorySegment ws, long wsOff, float gamma, MemorySegment w, long wOff, int n);

    /**
     * Backward of {@link #sharpen}: with {@code z_i = w_i (dw_i - sum_j w_j dw_j)},
     * {@code dws[i] += gamma z_i / (ws[i] + eps)}.
     *
     * @return the gradient of gamma, {@code sum_i z_i log(ws[i] + eps)}
     */
    float sharpenBackward(MemorySegment ws, long wsOff, float gamma,
                          MemorySegment w, long wOff, MemorySegment dw, long dwOff,
                          MemorySegment dws, long dwsOff, int n);

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

    // ---------------------------------------------------------------- loss

    /**
     * Binary cross-entropy with logits, summed: returns
     * {@code sum_i max(y,0) - y t + log(1 + exp(-|y|))} (nats) and sets
     * {@code dy[i] += scale * (sigmoid(y[i]) - t[i])}.
     */
    double bceWithLogits(MemorySegment y, long yOff, MemorySegment t, long tOff,
                         MemorySegment dy, long dyOff, int n, float scale);

    // ---------------------------------------------------------------- optimisers (flat buffers)

    /**
     * One Adam step over a flat buffer: {@code m = b1 m + (1-b1) g}, {@code v = b2 v + (1-b2) g^2},
     * {@code p -= lr * (m / bc1) / (sqrt(v / bc2) + eps)} where the caller passes the bias
     * corrections {@code bc1 = 1 - b1^t}, {@code bc2 = 1 - b2^t}.
     */
    void adam(MemorySegment p, long pOff, MemorySegment g, long gOff,
              MemorySegment m, long mOff, MemorySegment v, long vOff, int n,
              float lr, float beta1, float beta2, float eps, float bc1, float bc2);

    /**
     * One RMSProp step in the form of Graves 2013: {@code n = d n + (1-d) g^2},
     * {@code gbar = d gbar + (1-d) g}, {@code delta = mom delta - lr g / sqrt(n - gbar^2 + eps)},
     * {@code p += delta}.
     */
    void rmsprop(MemorySegment p, long pOff, MemorySegment g, long gOff,
                 MemorySegment sq, long sqOff, MemorySegment mean, long meanOff,
                 MemorySegment delta, long deltaOff, int n,
                 float lr, float decay, float momentum, float eps);
}
