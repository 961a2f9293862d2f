package dev.ntm.engine.controller;

import java.lang.foreign.MemorySegment;

import dev.ntm.engine.util.SegmentOps;
import dev.ntm.engine.util.Affine;
import dev.ntm.kernels.Kernels;

/**
 * One feedforward controller layer over a batch (docs/SPEC.md 1.2): {@code h = tanh(W in + b)},
 * W {@code [H, in]} row-major, b {@code [H]}. Rows of a batch as in {@link LstmLayer}.
 */
public final class FeedforwardLayer {

    private final Kernels k;
    private final int in;
    private final int hidden;

    /** A layer with {@code inputSize} inputs and {@code hiddenSize} units. */
    public FeedforwardLayer(Kernels kernels, int inputSize, int hiddenSize) {
        this.k = kernels;
        this.in = inputSize;
        this.hidden = hiddenSize;
    }

    /**
     * Forward: {@code x} {@code [batch][in]} with stride {@code ldx}, {@code h} {@code [batch][H]}
     * out with stride {@code ldh}, both in {@code a}. W is at {@code wOff} in {@code w} with row
     * stride {@code ldw}, stored as {@code form} says: {@code [H, in]} row-major, else {@code [in, H]}.
     */
    public void forward(MemorySegment w, long wOff, int ldw, Affine.Form form, long bOff, MemorySegment a,
                        long x, int ldx, long h, int ldh, int batch) {
        Affine.forward(k, w, wOff, ldw, form, false, bOff, in, hidden, a, x, ldx, h, ldh, batch);
        for (int b = 0; b < batch; b++) {
            long hb = h + (long) b * ldh;
            k.tanh(a, hb, a, hb, hidden);
        }
    }

    /**
     * Backward: {@code dz = dh (1 - h^2)} (dz overwritten), {@code dW += dz^T x},
     * {@code db += sum_b dz}, {@code dx += W^T dz}. dh, dz and dx are in {@code d} with stride
     * {@code dld}.
     */
    public void backward(MemorySegment p, long wOff, MemorySegment g, long dwOff, long dbOff,
                         MemorySegment a, long x, int ldx, long h, int ldh,
                         MemorySegment d, long dh, long dz, long dx, int dld, int batch) {
        for (int b = 0; b < batch; b++) {
            long dzb = dz + (long) b * dld;
            SegmentOps.zero(d, dzb, hidden);
            k.tanhBackward(a, h + (long) b * ldh, d, dh + (long) b * dld, d, dzb, hidden);
            k.axpy(1f, d, dzb, g, dbOff, hidden);
        }
        k.rankKUpdate(g, dwOff, hidden, in, in, d, dz, dld, a, x, ldx, batch);
        k.gemmTransposed(p, wOff, hidden, in, in, d, dz, dld, d, dx, dld, batch);
    }
}
