package dev.ntm.engine.controller;

import static dev.ntm.kernels.Buffers.F32;

import java.lang.foreign.MemorySegment;

import dev.ntm.engine.util.Affine;
import dev.ntm.kernels.Kernels;

/**
 * One LSTM layer over a batch (docs/SPEC.md 1.2, PyTorch gate order i, f, g, o):
 * {@code z = W [in ; h_prev] + b}, {@code i = sigmoid(z_i)}, {@code f = sigmoid(z_f)},
 * {@code g = tanh(z_g)}, {@code o = sigmoid(z_o)}, {@code c = f c_prev + i g}, {@code h = o tanh(c)}.
 *
 * <p>Buffers are rows of a batch: row {@code b} of a buffer at offset {@code off} with stride
 * {@code ld} starts at {@code off + b * ld}. W is {@code [4H, in + H]} row-major (the layer input
 * columns, then h_prev), b is {@code [4H]}.
 */
public final class LstmLayer {

    private final Kernels k;
    private final int in;
    private final int hidden;

    /** A layer with {@code inputSize} inputs (not counting h_prev) and {@code hiddenSize} units. */
    public LstmLayer(Kernels kernels, int inputSize, int hiddenSize) {
        this.k = kernels;
        this.in = inputSize;
        this.hidden = hiddenSize;
    }

    /** Width of the concatenated input row {@code [in ; h_prev]}. */
    public int concatSize() {
        return in + hidden;
    }

    /**
     * Forward over {@code batch} rows.
     *
     * @param w      weights: W at {@code wOff} with row stride {@code ldw}, stored {@code [4H, in+H]}
     *               or, when {@code form} is transposed, {@code [in+H, 4H]}; b at {@code bOff}
     * @param a      activations, every buffer below in this segment
     * @param xcat   {@code [batch][in + H]} input rows {@code [in ; h_prev]}, stride {@code ld}
     * @param cPrev  {@code [batch][H]} previous cell state, stride {@code ldcPrev} (0: one row for all)
     * @param gates  {@code [batch][4H]} out: activated gates i, f, g, o (room for 4H rounded up to 16)
     * @param cell   {@code [batch][H]} out: c
     * @param tanhC  {@code [batch][H]} out: tanh(c)
     * @param h      {@code [batch][H]} out: h, stride {@code ldh}
     */
    public void forward(MemorySegment w, long wOff, int ldw, Affine.Form form, long bOff, MemorySegment a,
                        long xcat, long cPrev, int ldcPrev, long gates, long cell, long tanhC, int ld,
                        long h, int ldh, int batch) {
        int hs = hidden;
        // z = W [in ; h_prev] + b
        Affine.forward(k, w, wOff, ldw, form, true, bOff, in + hs, 4 * hs, a, xcat, ld, gates, ld, batch);
        for (int b = 0; b < batch; b++) {
            long gb = gates + (long) b * ld;
            k.sigmoid(a, gb, a, gb, 2 * hs);                       // i, f
            k.tanh(a, gb + 2L * hs, a, gb + 2L * hs, hs);          // g
            k.sigmoid(a, gb + 3L * hs, a, gb + 3L * hs, hs);       // o
            long cb = cell + (long) b * ld;
            long cp = cPrev + (long) b * ldcPrev;
            k.lstmCellForward(a, gb, cp, cb, tanhC + (long) b * ld, h + (long) b * ldh, hs);
        }
    }

    /**
     * Backward over {@code batch} rows.
     *
     * <p>Per unit j, with {@code dh} the gradient of h and {@code dc} that of c from the next step:
     * {@code dc += dh o (1 - tanh(c)^2)}, {@code dz_i = dc g i(1-i)}, {@code dz_f = dc c_prev f(1-f)},
     * {@code dz_g = dc i (1-g^2)}, {@code dz_o = dh tanh(c) o(1-o)}; the gradient of c_prev,
     * {@code dc f}, replaces {@code dc}. Then {@code db += sum_b dz} and {@code dxcat += W^T dz}.
     * The weight gradient {@code dW += dz^T xcat} is left to {@link #weightGradient}, once for a
     * group of steps, so dz must be kept until then.
     *
     * @param p     W at {@code wOff}, {@code [4H, in + H]} with row stride {@code ldw >= in + H}
     *              (zeros beyond column in + H)
     * @param g     gradients; db at {@code dbOff}
     * @param d     gradient scratch, every buffer below in this segment with stride {@code dld}, but dz
     * @param dh    {@code [batch][H]} in: gradient of h
     * @param dc    {@code [batch][H]} in: gradient of c from step t+1; out: gradient of c_prev
     * @param dz    {@code [batch][4H]}, stride {@code ldz}, out: gate pre-activation gradients
     * @param dxcat {@code [batch][in + H]} accumulated: gradient of {@code [in ; h_prev]}
     */
    public void backward(MemorySegment p, long wOff, int ldw, MemorySegment g, long dbOff,
                         MemorySegment a, long xcat, long cPrev, int ldcPrev, long gates, long tanhC, int ld,
                         MemorySegment d, long dh, long dc, long dz, int ldz, long dxcat, int dld, int batch) {
        int hs = hidden;
        for (int b = 0; b < batch; b++) {
            long gb = gates + (long) b * ld;
            long tb = tanhC + (long) b * ld;
            long cp = cPrev + (long) b * ldcPrev;
            long dhb = dh + (long) b * dld;
            long dcb = dc + (long) b * dld;
            long dzb = dz + (long) b * ldz;
            // h = o tanh(c);  c = f c_prev + i g
            k.lstmCellBackward(a, gb, tb, cp, d, dhb, dcb, dzb, hs);
            k.axpy(1f, d, dzb, g, dbOff, 4 * hs);
        }
        // with rows padded to whole vectors (ldw > in + H) the padding columns are zero and add
        // zeros to the padding of dxcat, which must have room for ldw values
        k.gemmTransposed(p, wOff, 4 * hs, ldw, ldw, d, dz, ldz, d, dxcat, dld, batch);
    }

    /**
     * The weight gradient {@code dW += sum_t dz_t [x_t ; h_{t-1}]^T} of steps {@code from} to
     * {@code from + steps - 1}, after {@link #backward} has left their dz in place: step
     * {@code from + i}'s rows at {@code dz + i * stepStride} and {@code xcat + i * stepStride},
     * {@code ld} apart, {@code active[from + i]} of them. Summed from the last step to the first, as
     * per-step updates would be. dW has row stride {@code ldw >= in + H}; all {@code ldw} columns
     * are written, from as many columns of the xcat rows (the padding columns are for the caller
     * to discard).
     */
    public void weightGradient(MemorySegment g, long dwOff, int ldw, MemorySegment a, long dz, long xcat,
                               long stepStride, int ld, int[] active, int from, int steps) {
        k.rankKUpdateSteps(g, dwOff, 4 * hidden, ldw, ldw, a, dz, a, xcat, stepStride, ld, active, from, steps);
    }
}
