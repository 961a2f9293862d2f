package dev.ntm.engine.util;

import java.lang.foreign.MemorySegment;

import dev.ntm.kernels.Buffers;
import dev.ntm.kernels.Kernels;

/**
 * The forward product of every linear layer over a batch, {@code Y[b] = W X[b] + bias}, with W
 * either row-major {@code [out, in]} or transposed {@code [in, out]} (see the engine's
 * {@code ForwardWeights}). The bias is copied into Y first and the product accumulates onto it.
 *
 * <p>A transposed W is stored with its rows padded by zeros to {@code ldw >= out} (and its bias
 * likewise). When the caller's Y rows have room for {@code ldw} values ({@code padOut}), all
 * {@code ldw} outputs are computed, so the kernel works on whole vectors; the extra ones are zero.
 * A row-major W may likewise have its rows padded by zeros to {@code ldw >= in}; the product then
 * runs over all {@code ldw} columns, so the X rows need room for {@code ldw} finite values.
 */
public final class Affine {

    private Affine() {
    }

    /** How a weight matrix is stored. */
    public enum Form {
        /** Row-major {@code [out, in]} floats: one dot product per output. */
        ROW_MAJOR,
        /** Transposed {@code [in, out]} floats: one vector update per input over all outputs. */
        TRANSPOSED,
        /**
         * Transposed {@code [in, out]} in paired bfloat16 rows ({@code Bf16.pairedIndex}; offsets
         * and {@code ldw} in 16-bit elements):
         * half the bytes, each weight rounded to 8 significant bits (the compact inference mode).
         */
        TRANSPOSED_BF16;

        /** Whether W is stored {@code [in, out]}. */
        public boolean transposed() {
            return this != ROW_MAJOR;
        }
    }

    /**
     * {@code Y[b] = W X[b] + bias} for the {@code batch} rows of X, written to Y.
     *
     * @param w          segment of W and the bias (the bias always in floats, at float offset {@code bOff})
     * @param ldw        row stride of W as stored
     * @param form       how W is stored
     * @param padOut     whether each Y row has room for {@code ldw} values (used when transposed)
     * @param a          segment of X (rows of stride {@code ldx}) and Y (rows of stride {@code ldy})
     */
    public static void forward(Kernels k, MemorySegment w, long wOff, int ldw, Form form, boolean padOut,
                               long bOff, int in, int out, MemorySegment a, long x, int ldx, long y, int ldy,
                               int batch) {
        // padded outputs: a transposed float W's rows are as long as Y's (ldw); paired bfloat16
        // rows are longer (whole groups of 32), Y's rows hold whole vectors
        int cols = !padOut || !form.transposed() ? out : form == Form.TRANSPOSED_BF16 ? Buffers.alignUp(out) : ldw;
        for (int b = 0; b < batch; b++) {
            Buffers.copy(w, bOff, a, y + (long) b * ldy, cols);
        }
        if (form == Form.TRANSPOSED_BF16) {
            k.gemmTransposedBf16(w, wOff, in, cols, ldw, a, x, ldx, a, y, ldy, batch);
        } else if (form == Form.TRANSPOSED) {
            k.gemmTransposed(w, wOff, in, cols, ldw, a, x, ldx, a, y, ldy, batch);
        } else {
            // over all ldw columns: rows padded to whole vectors (zeros beyond in) need no tail
            k.gemm(w, wOff, out, ldw, ldw, a, x, ldx, a, y, ldy, batch, true);
        }
    }
}
