package ntm.engine.model;

import java.lang.foreign.MemorySegment;

import ntm.kernels.Kernels;

/**
 * A linear map over a batch, {@code Y[b] = W X[b] + bias} with W {@code [out, in]} row-major:
 * the head layers (NTM-SPEC 1.3, before the clip) and the output layer's product.
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

    /** {@code y[b] = W x[b] + bias}: x {@code [batch][in]} stride {@code ldx}, y {@code [batch][out]} stride {@code ldy}, both in {@code a}. */
    void forward(MemorySegment p, long wOff, long bOff, MemorySegment a, long x, int ldx, long y, int ldy, int batch) {
        k.gemm(p, wOff, out, in, in, a, x, ldx, a, y, ldy, batch, false);
        for (int b = 0; b < batch; b++) {
            k.axpy(1f, p, bOff, a, y + (long) b * ldy, out);
        }
    }

    /** {@code dW += dy^T x}, {@code dbias += sum_b dy}, {@code dx += W^T dy}. */
    void backward(MemorySegment p, long wOff, MemorySegment g, long dwOff, long dbOff,
                  MemorySegment a, long x, int ldx, MemorySegment dyS, long dy, int lddy,
                  MemorySegment dxS, long dx, int lddx, int batch) {
        for (int b = 0; b < batch; b++) {
            k.axpy(1f, dyS, dy + (long) b * lddy, g, dbOff, out);
        }
        k.rankKUpdate(g, dwOff, out, in, in, dyS, dy, lddy, a, x, ldx, batch);
        k.gemmTransposed(p, wOff, out, in, in, dyS, dy, lddy, dxS, dx, lddx, batch);
    }
}
