package dev.ntm.engine.model.reference;

/**
 * Memory access of the reference NTM in double precision (docs/SPEC.md section 1, items 5 and 6):
 * the read and the erase/add write of one head, over a row-major memory [N][M].
 *
 * <p>Derivations: docs/DERIVATIONS.md.
 */
final class ReferenceMemory {

    private ReferenceMemory() {
    }

    /** r = sum_i w(i) M(i): r [M] from w [N] and mem [N][M]. */
    static double[] readForward(double[] w, double[][] mem) {
        double[] r = new double[mem[0].length];
        for (int i = 0; i < mem.length; i++) {
            for (int j = 0; j < r.length; j++) {
                r[j] += w[i] * mem[i][j];
            }
        }
        return r;
    }

    /**
     * Backward of r = sum_i w(i) M(i): dw(i) += dr . M(i), dM(i) += w(i) dr.
     *
     * @param dW   [N]    accumulated weighting gradient
     * @param dMem [N][M] accumulated memory gradient
     * @param dR   [M]    upstream gradient of the read vector
     */
    static void readBackward(double[] dW, double[][] dMem, double[] dR, double[] w, double[][] mem) {
        for (int i = 0; i < mem.length; i++) {
            double dot = 0.0;
            for (int j = 0; j < dR.length; j++) {
                dot += dR[j] * mem[i][j];
                dMem[i][j] += w[i] * dR[j];
            }
            dW[i] += dot;
        }
    }

    /**
     * One write head: M'(i, j) = M(i, j) (1 - w(i) e(j)) + w(i) a(j). Returns a new memory; the
     * caller keeps {@code mem} (the memory before this head) for the backward pass.
     */
    static double[][] eraseAddForward(double[][] mem, double[] w, double[] erase, double[] add) {
        double[][] out = new double[mem.length][mem[0].length];
        for (int i = 0; i < mem.length; i++) {
            for (int j = 0; j < mem[i].length; j++) {
                out[i][j] = mem[i][j] * (1.0 - w[i] * erase[j]) + w[i] * add[j];
            }
        }
        return out;
    }

    /**
     * Backward of M'(i, j) = M(i, j) (1 - w(i) e(j)) + w(i) a(j), per cell, using the memory
     * before the write as kept by the forward pass (never recovered by dividing by 1 - w e):
     * dM(i, j) += dM'(i, j) (1 - w(i) e(j)), dw(i) += sum_j dM'(i, j) (a(j) - M(i, j) e(j)),
     * de(j) -= sum_i dM'(i, j) M(i, j) w(i), da(j) += sum_i dM'(i, j) w(i).
     *
     * @param dMemBefore [N][M] accumulated gradient of the memory before this write
     * @param dW         [N]    accumulated weighting gradient
     * @param dErase     [M]    accumulated erase gradient
     * @param dAdd       [M]    accumulated add gradient
     * @param dMemAfter  [N][M] upstream gradient of the memory after this write
     * @param memBefore  [N][M] the memory before this write
     */
    static void eraseAddBackward(double[][] dMemBefore, double[] dW, double[] dErase, double[] dAdd,
                                 double[][] dMemAfter, double[][] memBefore, double[] w, double[] erase,
                                 double[] add) {
        for (int i = 0; i < memBefore.length; i++) {
            for (int j = 0; j < memBefore[i].length; j++) {
                double d = dMemAfter[i][j];
                dMemBefore[i][j] += d * (1.0 - w[i] * erase[j]);
                dW[i] += d * (add[j] - memBefore[i][j] * erase[j]);
                dErase[j] -= d * memBefore[i][j] * w[i];
                dAdd[j] += d * w[i];
            }
        }
    }
}
