package dev.ntm.engine.model;

import java.lang.foreign.MemorySegment;

import dev.ntm.engine.util.SegmentOps;
import dev.ntm.engine.util.Affine;
import dev.ntm.kernels.Buffers;
import dev.ntm.kernels.Kernels;

/**
 * The output layer (docs/SPEC.md 1.7): {@code y = clip(W_y [o ; r_1 ; ... ; r_R] + b_y, -C, C)} over a
 * batch, and the loss of section 3 fused with the sigmoid: {@code dy = scale (sigmoid(y) - t)}.
 */
public final class OutputLayer {

    private final Kernels k;
    private final Linear linear;
    private final int out;
    private final float clip;

    /** An output layer reading {@code in = H + R*M} values and producing {@code out = Y} logits. */
    public OutputLayer(Kernels kernels, int in, int out, float clip) {
        this.k = kernels;
        this.linear = new Linear(kernels, in, out);
        this.out = out;
        this.clip = clip;
    }

    /**
     * Forward over {@code batch} rows of stride {@code ld} in {@code a}: {@code pre} gets the
     * unclipped logits (kept for the backward pass; room for Y rounded up to 16), {@code y} the
     * clipped ones (room for as many: the clip runs over whole vectors, its lanes past Y unused). W_y is at {@code wOff} in {@code w} with row stride {@code ldw}, stored
     * transposed or not.
     */
    public void forward(MemorySegment w, long wOff, int ldw, Affine.Form form, long bOff,
                        MemorySegment a, long in, long pre, long y, int ld, int batch) {
        linear.forward(w, wOff, ldw, form, bOff, a, in, ld, pre, ld, batch);
        for (int b = 0; b < batch; b++) {
            long r = (long) b * ld;
            k.clip(a, pre + r, a, y + r, Buffers.alignUp(out), clip);
        }
    }

    /**
     * Loss of one row: returns {@code sum_j BCE(sigmoid(y_j), t_j)} in nats and overwrites
     * {@code dy} with {@code scale (sigmoid(y) - t)} (sigmoid and cross-entropy fused).
     */
    public double loss(MemorySegment a, long y, long target, long dy, float scale) {
        SegmentOps.zero(a, dy, out);
        return k.bceWithLogits(a, y, a, target, a, dy, out, scale);
    }

    /**
     * Backward over {@code batch} rows: zeroes {@code dy} where the clip was active, then
     * {@code dW += dy^T in}, {@code db += sum_b dy}, {@code din += W^T dy} ({@code din} in
     * {@code d} with stride {@code dld}).
     */
    public void backward(MemorySegment w, long wOff, int ldw, MemorySegment dwS, long dwOff, MemorySegment g,
                         long dbOff, MemorySegment a, long in, long pre, long dy, int ld,
                         MemorySegment d, long din, int dld, int batch) {
        for (int b = 0; b < batch; b++) {
            long r = (long) b * ld;
            k.clipBackward(a, pre + r, a, dy + r, out, clip);
        }
        linear.backward(w, wOff, ldw, dwS, dwOff, g, dbOff, a, in, ld, a, dy, ld, d, din, dld, batch);
    }
}
