package dev.ntm.engine.model.reference;

/**
 * The addressing chain of one NTM head in double precision (docs/SPEC.md section 1, items 3 and 4), in
 * the order of the paper: head activations, cosine similarity, content weighting (key-strength
 * softmax), interpolation, circular shift, sharpening.
 *
 * <p>Every unit is a {@code xxxForward} / {@code xxxBackward} pair; backward methods restate the
 * forward line they differentiate and add ({@code +=}) into the gradients they are given.
 * Derivations: docs/DERIVATIONS.md.
 */
final class ReferenceAddressing {

    /** Guard in the cosine denominator: K = k.M / (|k| |M| + COSINE_EPS). */
    static final double COSINE_EPS = 1e-8;
    /** Guard inside the sharpening power: (ws + SHARPEN_EPS)^gamma. */
    static final double SHARPEN_EPS = 1e-16;

    private ReferenceAddressing() {
    }

    // ---------------------------------------------------------------- head activations

    /**
     * The activated head parameters (or, used as a gradient holder, their gradients).
     * {@code erase} and {@code add} are null for a read head.
     */
    static final class HeadParams {
        final double[] key;     // [M]     k = tanh
        double beta;            //         softplus
        double gate;            //         g = sigmoid
        final double[] shift;   // [2S+1]  softmax
        double gamma;           //         1 + softplus
        final double[] erase;   // [M]     sigmoid (write heads)
        final double[] add;     // [M]     tanh (write heads)

        HeadParams(int memoryWidth, int shifts, boolean write) {
            this.key = new double[memoryWidth];
            this.shift = new double[shifts];
            this.erase = write ? new double[memoryWidth] : null;
            this.add = write ? new double[memoryWidth] : null;
        }
    }

    /**
     * Splits the clipped head parameters p (order k, beta, g, s, gamma, then e, a for a write head)
     * and applies the activations of docs/SPEC.md section 1 item 3.
     */
    static HeadParams headActivationsForward(double[] p, int memoryWidth, int shifts, boolean write) {
        HeadParams a = new HeadParams(memoryWidth, shifts, write);
        int at = 0;
        for (int j = 0; j < memoryWidth; j++) {
            a.key[j] = Math.tanh(p[at++]);
        }
        a.beta = ReferenceLayers.softplus(p[at++]);
        a.gate = ReferenceLayers.sigmoid(p[at++]);
        double[] shiftLogits = new double[shifts];
        for (int j = 0; j < shifts; j++) {
            shiftLogits[j] = p[at++];
        }
        double[] s = softmaxForward(shiftLogits);
        System.arraycopy(s, 0, a.shift, 0, shifts);
        a.gamma = 1.0 + ReferenceLayers.softplus(p[at++]);
        if (write) {
            for (int j = 0; j < memoryWidth; j++) {
                a.erase[j] = ReferenceLayers.sigmoid(p[at++]);
            }
            for (int j = 0; j < memoryWidth; j++) {
                a.add[j] = Math.tanh(p[at++]);
            }
        }
        return a;
    }

    /**
     * Backward of the head activations: dp += d(activation)/dp * dActivated.
     *
     * @param dp [P] accumulated gradient of the clipped head parameters
     * @param d  gradients of the activated values
     * @param p  [P] the clipped head parameters
     * @param a  the activated values
     */
    static void headActivationsBackward(double[] dp, HeadParams d, double[] p, HeadParams a) {
        int at = 0;
        for (int j = 0; j < a.key.length; j++) {
            // k = tanh(p)
            dp[at++] += d.key[j] * (1.0 - a.key[j] * a.key[j]);
        }
        // beta = softplus(p), softplus' = sigmoid
        dp[at] += d.beta * ReferenceLayers.sigmoid(p[at]);
        at++;
        // g = sigmoid(p)
        dp[at++] += d.gate * a.gate * (1.0 - a.gate);
        // s = softmax(p_s)
        double[] dShiftLogits = new double[a.shift.length];
        softmaxBackward(dShiftLogits, d.shift, a.shift);
        for (int j = 0; j < a.shift.length; j++) {
            dp[at++] += dShiftLogits[j];
        }
        // gamma = 1 + softplus(p)
        dp[at] += d.gamma * ReferenceLayers.sigmoid(p[at]);
        at++;
        if (a.erase != null) {
            for (int j = 0; j < a.erase.length; j++) {
                // e = sigmoid(p)
                dp[at++] += d.erase[j] * a.erase[j] * (1.0 - a.erase[j]);
            }
            for (int j = 0; j < a.add.length; j++) {
                // a = tanh(p)
                dp[at++] += d.add[j] * (1.0 - a.add[j] * a.add[j]);
            }
        }
    }

    // ---------------------------------------------------------------- cosine similarity

    /** What the cosine similarity keeps for its backward pass. */
    static final class Cosine {
        final double[] dot;         // [N] k . M(i)
        final double[] rowNorm;     // [N] |M(i)|
        double keyNorm;             //     |k|
        final double[] similarity;  // [N] K(i)

        Cosine(int rows) {
            this.dot = new double[rows];
            this.rowNorm = new double[rows];
            this.similarity = new double[rows];
        }
    }

    /** K(i) = k . M(i) / (|k| |M(i)| + COSINE_EPS) for every row i of mem [N][M]. */
    static Cosine cosineForward(double[] key, double[][] mem) {
        Cosine c = new Cosine(mem.length);
        c.keyNorm = norm(key);
        for (int i = 0; i < mem.length; i++) {
            double dot = 0.0;
            for (int j = 0; j < key.length; j++) {
                dot += key[j] * mem[i][j];
            }
            c.dot[i] = dot;
            c.rowNorm[i] = norm(mem[i]);
            c.similarity[i] = dot / (c.keyNorm * c.rowNorm[i] + COSINE_EPS);
        }
        return c;
    }

    /**
     * Backward of the cosine similarity. With D(i) = |k| |M(i)| + eps and K(i) = dot(i) / D(i):
     * d dot(i) = dK(i) / D(i), dD(i) = -dK(i) K(i) / D(i), d|k| = sum_i dD(i) |M(i)|,
     * d|M(i)| = dD(i) |k|, and d|v| / dv = v / |v| (0 for a zero vector).
     *
     * @param dKey [M]    accumulated key gradient
     * @param dMem [N][M] accumulated memory gradient
     * @param dSim [N]    upstream gradient of K
     */
    static void cosineBackward(double[] dKey, double[][] dMem, double[] dSim, Cosine c, double[] key,
                               double[][] mem) {
        double dKeyNorm = 0.0;
        for (int i = 0; i < mem.length; i++) {
            double denom = c.keyNorm * c.rowNorm[i] + COSINE_EPS;
            double dDot = dSim[i] / denom;
            double dDenom = -dSim[i] * c.similarity[i] / denom;
            dKeyNorm += dDenom * c.rowNorm[i];
            double dRowNorm = dDenom * c.keyNorm;
            double rowScale = c.rowNorm[i] > 0.0 ? dRowNorm / c.rowNorm[i] : 0.0;
            for (int j = 0; j < key.length; j++) {
                dKey[j] += dDot * mem[i][j];
                dMem[i][j] += dDot * key[j] + rowScale * mem[i][j];
            }
        }
        if (c.keyNorm > 0.0) {
            for (int j = 0; j < key.length; j++) {
                dKey[j] += dKeyNorm * key[j] / c.keyNorm;
            }
        }
    }

    // ---------------------------------------------------------------- content weighting

    /** wc = softmax_i(beta K(i)) (max subtracted). */
    static double[] contentWeightingForward(double beta, double[] similarity) {
        double[] u = new double[similarity.length];
        for (int i = 0; i < u.length; i++) {
            u[i] = beta * similarity[i];
        }
        return softmaxForward(u);
    }

    /**
     * Backward of wc = softmax(beta K): du = wc (dwc - wc . dwc), dK += beta du; returns
     * dbeta = sum_i du(i) K(i).
     */
    static double contentWeightingBackward(double[] dSim, double[] dWc, double beta, double[] similarity,
                                           double[] wc) {
        double[] du = new double[wc.length];
        softmaxBackward(du, dWc, wc);
        double dBeta = 0.0;
        for (int i = 0; i < wc.length; i++) {
            dSim[i] += beta * du[i];
            dBeta += similarity[i] * du[i];
        }
        return dBeta;
    }

    // ---------------------------------------------------------------- interpolation

    /** wg = g wc + (1 - g) wPrev. */
    static double[] interpolateForward(double gate, double[] wc, double[] wPrev) {
        double[] wg = new double[wc.length];
        for (int i = 0; i < wg.length; i++) {
            wg[i] = gate * wc[i] + (1.0 - gate) * wPrev[i];
        }
        return wg;
    }

    /** Backward of wg = g wc + (1 - g) wPrev; returns dg = sum_i dwg(i) (wc(i) - wPrev(i)). */
    static double interpolateBackward(double[] dWc, double[] dWPrev, double[] dWg, double gate, double[] wc,
                                      double[] wPrev) {
        double dGate = 0.0;
        for (int i = 0; i < dWg.length; i++) {
            dWc[i] += gate * dWg[i];
            dWPrev[i] += (1.0 - gate) * dWg[i];
            dGate += dWg[i] * (wc[i] - wPrev[i]);
        }
        return dGate;
    }

    // ---------------------------------------------------------------- circular shift

    /** ws(i) = sum_{j=0..2S} wg((i - (j - S)) mod N) s(j): s(j) weighs a shift by j - S rows. */
    static double[] shiftForward(double[] wg, double[] shift, int shiftRange) {
        int n = wg.length;
        double[] ws = new double[n];
        for (int i = 0; i < n; i++) {
            double sum = 0.0;
            for (int j = 0; j < shift.length; j++) {
                sum += wg[Math.floorMod(i - (j - shiftRange), n)] * shift[j];
            }
            ws[i] = sum;
        }
        return ws;
    }

    /** Backward of the circular shift: dwg((i - j + S) mod N) += dws(i) s(j), ds(j) += dws(i) wg(...). */
    static void shiftBackward(double[] dWg, double[] dShift, double[] dWs, double[] wg, double[] shift,
                              int shiftRange) {
        int n = wg.length;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < shift.length; j++) {
                int from = Math.floorMod(i - (j - shiftRange), n);
                dWg[from] += dWs[i] * shift[j];
                dShift[j] += dWs[i] * wg[from];
            }
        }
    }

    // ---------------------------------------------------------------- sharpening

    /**
     * w(i) = (ws(i) + eps)^gamma / sum_j (ws(j) + eps)^gamma, evaluated in the log domain as
     * softmax_i(gamma log(ws(i) + eps)) so that a large gamma cannot underflow every term.
     */
    static double[] sharpenForward(double[] ws, double gamma) {
        double[] u = new double[ws.length];
        for (int i = 0; i < u.length; i++) {
            u[i] = gamma * Math.log(ws[i] + SHARPEN_EPS);
        }
        return softmaxForward(u);
    }

    /**
     * Backward of w = softmax(u), u(i) = gamma log(ws(i) + eps): du = w (dw - w . dw),
     * dws(i) += du(i) gamma / (ws(i) + eps); returns dgamma = sum_i du(i) log(ws(i) + eps).
     */
    static double sharpenBackward(double[] dWs, double[] dW, double[] ws, double gamma, double[] w) {
        double[] du = new double[w.length];
        softmaxBackward(du, dW, w);
        double dGamma = 0.0;
        for (int i = 0; i < w.length; i++) {
            double base = ws[i] + SHARPEN_EPS;
            dWs[i] += du[i] * gamma / base;
            dGamma += du[i] * Math.log(base);
        }
        return dGamma;
    }

    // ---------------------------------------------------------------- softmax

    /** y = softmax(u), max subtracted before exp. */
    static double[] softmaxForward(double[] u) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : u) {
            max = Math.max(max, v);
        }
        double[] y = new double[u.length];
        double sum = 0.0;
        for (int i = 0; i < u.length; i++) {
            y[i] = Math.exp(u[i] - max);
            sum += y[i];
        }
        for (int i = 0; i < u.length; i++) {
            y[i] /= sum;
        }
        return y;
    }

    /** Backward of y = softmax(u): du(i) += y(i) (dy(i) - sum_j y(j) dy(j)). */
    static void softmaxBackward(double[] du, double[] dy, double[] y) {
        double dot = 0.0;
        for (int i = 0; i < y.length; i++) {
            dot += y[i] * dy[i];
        }
        for (int i = 0; i < y.length; i++) {
            du[i] += y[i] * (dy[i] - dot);
        }
    }

    private static double norm(double[] v) {
        double sum = 0.0;
        for (double x : v) {
            sum += x * x;
        }
        return Math.sqrt(sum);
    }
}
