package dev.ntm.engine.model;

import java.lang.foreign.MemorySegment;

import dev.ntm.engine.util.Affine;
import dev.ntm.kernels.Kernels;

/**
 * A linear map over a batch, {@code Y[b] = W X[b] + bias} with W {@code [out, in]} row-major:
 * the head layers (docs/SPEC.md 1.3, before the clip) and the output layer's product.
 */
final class Linear {

    private final Kernels k;
    private final int in;
    private final int out;

    Linear(Kernels kernels, int in, int out) {
        this.k = kernels;
        this.in = in;
        this.out = out;
    }

    /**
     * {@code y[b] = W x[b] + bias}: W at {@code wOff} in {@code w} (row stride {@code ldw},
     * stored as {@code form} says), x {@code [batch][in]} stride {@code ldx}, y {@code [batch][out]} stride
     * {@code ldy}, both in {@code a}; each y row must have room for {@code out} rounded up to 16.
     */
    void forward(MemorySegment w, long wOff, int ldw, Affine.Form form, long bOff,
                 MemorySegment a, long x, int ldx, long y, int ldy, int batch) {
        Affine.forward(k, w, wOff, ldw, form, true, bOff, in, out, a, x, ldx, y, ldy, batch);
    }

    /**
     * {@code dW += dy^T x}, {@code dbias += sum_b dy}, {@code dx += W^T dy}, with W and dW of row
     * stride {@code ldw >= in}: all ldw columns are computed, so with rows padded to whole vectors
     * (zeros in W beyond column in) the x and dx rows need room for ldw values, the padding of dx
     * receives exact zeros and the padding columns of dW are for the caller to discard.
     */
    void backward(MemorySegment w, long wOff, int ldw, MemorySegment dwS, long dwOff, MemorySegment g, long dbOff,
                  MemorySegment a, long x, int ldx, MemorySegment dyS, long dy, int lddy,
                  MemorySegment dxS, long dx, int lddx, int batch) {
        k.rankKUpdate(dwS, dwOff, out, ldw, ldw, dyS, dy, lddy, a, x, ldx, batch);
        backwardBiasAndInput(w, wOff, ldw, g, dbOff, dyS, dy, lddy, dxS, dx, lddx, batch);
    }

    /**
     * {@link #backward} without {@code dW}: {@code dbias += sum_b dy} and {@code dx += W^T dy}, for a
     * caller that keeps dy and takes the weight gradient of several steps at once
     * ({@link #weightGradient}).
     */
    void backwardBiasAndInput(MemorySegment w, long wOff, int ldw, MemorySegment g, long dbOff,
                              MemorySegment dyS, long dy, int lddy, MemorySegment dxS, long dx, int lddx, int batch) {
        for (int b = 0; b < batch; b++) {
            k.axpy(1f, dyS, dy + (long) b * lddy, g, dbOff, out);
        }
        k.gemmTransposed(w, wOff, out, ldw, ldw, dyS, dy, lddy, dxS, dx, lddx, batch);
    }

    /**
     * {@code dW += sum_t dy_t^T x_t} over steps {@code from} to {@code from + steps - 1}, summed from
     * the last to the first as per-step {@link #backward} calls would (the same bits):
     * {@code Kernels.rankKUpdateSteps}, with step {@code from + i}'s rows at
     * {@code dy + i * stepStride} and {@code x + i * stepStride}, {@code ld} apart, {@code active[from + i]}
     * of them. dW has row stride {@code ldw >= in} (the padding columns are for the caller to discard).
     */
    void weightGradient(MemorySegment dwS, long dwOff, int ldw, MemorySegment a, long dy, long x,
                        long stepStride, int ld, int[] active, int from, int steps) {
        k.rankKUpdateSteps(dwS, dwOff, out, ldw, ldw, a, dy, a, x, stepStride, ld, active, from, steps);
    }
}
