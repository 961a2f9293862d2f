package dev.ntm.kernels;

import java.lang.foreign.MemorySegment;

/**
 * The addressing of a head against the memory: content (row norms, cosine similarity, key-strength softmax) and location (interpolation, circular shift, sharpening), forward and backward. One concern of {@link Kernels}, whose conventions
 * (float offsets, column-major memory, accumulating backward kernels, no allocation) apply.
 */
public interface AddressingKernels {

    /** Small constant in the cosine-similarity denominator (docs/SPEC.md 1.4). */
    float COSINE_EPS = 1e-8f;
    /** Small constant added to shifted weightings before sharpening (docs/SPEC.md 1.4). */
    float SHARPEN_EPS = 1e-16f;

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
     * {@code dws[i] = gamma z_i / (ws[i] + eps)}. Unlike the other backward kernels this one
     * overwrites its output (the sharpening is the only consumer of ws, and dws serves as its
     * scratch for the logarithms of the gamma gradient); a zero result is +0.
     *
     * @return the gradient of gamma, {@code sum_i z_i log(ws[i] + eps)}
     */
    float sharpenBackward(MemorySegment ws, long wsOff, float gamma,
                          MemorySegment w, long wOff, MemorySegment dw, long dwOff,
                          MemorySegment dws, long dwsOff, int n);
}
