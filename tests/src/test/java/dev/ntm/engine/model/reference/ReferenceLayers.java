package dev.ntm.engine.model.reference;

/**
 * Dense layers of the reference NTM in double precision: affine map, clip, LSTM layer,
 * feedforward layer, and the sigmoid + binary cross-entropy loss (docs/SPEC.md sections 1 and 3).
 *
 * <p>Every unit is a {@code xxxForward} / {@code xxxBackward} pair. Weights are read from the
 * flat parameter array at an offset (row-major, docs/SPEC.md section 6); backward methods add
 * ({@code +=}) into the gradient array at the same offsets and into the input gradients they are
 * given. Derivations: docs/DERIVATIONS.md.
 */
final class ReferenceLayers {

    private ReferenceLayers() {
    }

    // ---------------------------------------------------------------- scalar activations

    static double sigmoid(double x) {
        // two branches so that exp never overflows
        if (x >= 0) {
            return 1.0 / (1.0 + Math.exp(-x));
        }
        double e = Math.exp(x);
        return e / (1.0 + e);
    }

    /** softplus(x) = log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)); its derivative is sigmoid(x). */
    static double softplus(double x) {
        return Math.max(x, 0.0) + Math.log1p(Math.exp(-Math.abs(x)));
    }

    // ---------------------------------------------------------------- affine map

    /**
     * out = W in + b.
     *
     * @param out  [rows] output
     * @param p    parameters; W [rows, cols] row-major at {@code wOff}, b [rows] at {@code bOff}
     * @param in   [cols] input
     */
    static void affineForward(double[] out, double[] p, int wOff, int bOff, double[] in, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            double sum = p[bOff + r];
            int row = wOff + r * cols;
            for (int c = 0; c < cols; c++) {
                sum += p[row + c] * in[c];
            }
            out[r] = sum;
        }
    }

    /**
     * Backward of out = W in + b: dW += dout in^T, db += dout, din += W^T dout.
     *
     * @param dIn  [cols] accumulated input gradient (may be null when the input is not trained)
     * @param g    gradient array, same layout as the parameters
     * @param dOut [rows] upstream gradient
     * @param in   [cols] the forward input
     */
    static void affineBackward(double[] dIn, double[] g, int wOff, int bOff, double[] dOut, double[] in,
                               double[] p, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            double d = dOut[r];
            if (d == 0.0) {
                continue;
            }
            g[bOff + r] += d;
            int row = wOff + r * cols;
            for (int c = 0; c < cols; c++) {
                g[row + c] += d * in[c];
                if (dIn != null) {
                    dIn[c] += p[row + c] * d;
                }
            }
        }
    }

    // ---------------------------------------------------------------- clip

    /** out = clip(z, -limit, limit) element-wise. */
    static void clipForward(double[] out, double[] z, double limit) {
        for (int i = 0; i < z.length; i++) {
            out[i] = Math.max(-limit, Math.min(limit, z[i]));
        }
    }

    /**
     * dz += dout where -limit <= z <= limit; nothing where the clip is active (|z| > limit: the
     * output does not depend on z, the gradient is exactly 0).
     */
    static void clipBackward(double[] dz, double[] dOut, double[] z, double limit) {
        for (int i = 0; i < z.length; i++) {
            if (z[i] >= -limit && z[i] <= limit) {
                dz[i] += dOut[i];
            }
        }
    }

    // ---------------------------------------------------------------- LSTM layer

    /** What one LSTM layer keeps from its forward step for the backward step. */
    static final class LstmStep {
        final double[] in;      // [in]  layer input
        final double[] hPrev;   // [H]   h_{t-1}
        final double[] cPrev;   // [H]   c_{t-1}
        final double[] i;       // [H]   input gate
        final double[] f;       // [H]   forget gate
        final double[] g;       // [H]   candidate
        final double[] o;       // [H]   output gate
        final double[] c;       // [H]   cell
        final double[] tanhC;   // [H]   tanh(c)
        final double[] h;       // [H]   output

        LstmStep(double[] in, double[] hPrev, double[] cPrev, int hidden) {
            this.in = in;
            this.hPrev = hPrev;
            this.cPrev = cPrev;
            this.i = new double[hidden];
            this.f = new double[hidden];
            this.g = new double[hidden];
            this.o = new double[hidden];
            this.c = new double[hidden];
            this.tanhC = new double[hidden];
            this.h = new double[hidden];
        }
    }

    /**
     * One LSTM step, PyTorch gate order i, f, g, o:
     * z = W [in ; hPrev] + b; i, f, o = sigmoid; g = tanh; c = f cPrev + i g; h = o tanh(c).
     *
     * @param p weights W [4H, in + H] at {@code wOff} (columns: input, then h_{t-1}), bias [4H] at {@code bOff}
     */
    static LstmStep lstmForward(double[] p, int wOff, int bOff, double[] in, double[] hPrev, double[] cPrev,
                                int hidden) {
        LstmStep s = new LstmStep(in, hPrev, cPrev, hidden);
        double[] z = new double[4 * hidden];
        affineForward(z, p, wOff, bOff, concat(in, hPrev), 4 * hidden, in.length + hidden);
        for (int j = 0; j < hidden; j++) {
            s.i[j] = sigmoid(z[j]);
            s.f[j] = sigmoid(z[hidden + j]);
            s.g[j] = Math.tanh(z[2 * hidden + j]);
            s.o[j] = sigmoid(z[3 * hidden + j]);
            s.c[j] = s.f[j] * cPrev[j] + s.i[j] * s.g[j];
            s.tanhC[j] = Math.tanh(s.c[j]);
            s.h[j] = s.o[j] * s.tanhC[j];
        }
        return s;
    }

    /**
     * Backward of one LSTM step.
     *
     * @param dIn    [in] accumulated gradient of the layer input
     * @param dhPrev [H]  accumulated gradient of h_{t-1}
     * @param dcPrev [H]  accumulated gradient of c_{t-1}
     * @param g      parameter gradients
     * @param dh     [H]  total gradient of h_t (from above and from step t+1)
     * @param dcNext [H]  gradient of c_t from step t+1
     */
    static void lstmBackward(double[] dIn, double[] dhPrev, double[] dcPrev, double[] g, int wOff, int bOff,
                             double[] dh, double[] dcNext, LstmStep s, double[] p, int hidden) {
        double[] dz = new double[4 * hidden];
        for (int j = 0; j < hidden; j++) {
            // h = o tanh(c)
            double dO = dh[j] * s.tanhC[j];
            double dc = dcNext[j] + dh[j] * s.o[j] * (1.0 - s.tanhC[j] * s.tanhC[j]);
            // c = f cPrev + i g
            double dI = dc * s.g[j];
            double dF = dc * s.cPrev[j];
            double dG = dc * s.i[j];
            dcPrev[j] += dc * s.f[j];
            // gate activations: sigmoid' = y (1 - y), tanh' = 1 - y^2
            dz[j] = dI * s.i[j] * (1.0 - s.i[j]);
            dz[hidden + j] = dF * s.f[j] * (1.0 - s.f[j]);
            dz[2 * hidden + j] = dG * (1.0 - s.g[j] * s.g[j]);
            dz[3 * hidden + j] = dO * s.o[j] * (1.0 - s.o[j]);
        }
        // z = W [in ; hPrev] + b
        double[] dJoined = new double[s.in.length + hidden];
        affineBackward(dJoined, g, wOff, bOff, dz, concat(s.in, s.hPrev), p, 4 * hidden, s.in.length + hidden);
        for (int k = 0; k < s.in.length; k++) {
            dIn[k] += dJoined[k];
        }
        for (int j = 0; j < hidden; j++) {
            dhPrev[j] += dJoined[s.in.length + j];
        }
    }

    // ---------------------------------------------------------------- feedforward layer

    /** h = tanh(W in + b); W [H, in] at {@code wOff}, b [H] at {@code bOff}. Returns h. */
    static double[] feedforwardForward(double[] p, int wOff, int bOff, double[] in, int hidden) {
        double[] h = new double[hidden];
        affineForward(h, p, wOff, bOff, in, hidden, in.length);
        for (int j = 0; j < hidden; j++) {
            h[j] = Math.tanh(h[j]);
        }
        return h;
    }

    /** Backward of h = tanh(W in + b): dz = dh (1 - h^2), then the affine backward. */
    static void feedforwardBackward(double[] dIn, double[] g, int wOff, int bOff, double[] dh, double[] in,
                                    double[] h, double[] p) {
        double[] dz = new double[h.length];
        for (int j = 0; j < h.length; j++) {
            dz[j] = dh[j] * (1.0 - h[j] * h[j]);
        }
        affineBackward(dIn, g, wOff, bOff, dz, in, p, h.length, in.length);
    }

    // ---------------------------------------------------------------- sigmoid + BCE

    /**
     * Binary cross-entropy of sigmoid(y) against target t, from the logit in the stable form
     * max(y, 0) - y t + log(1 + exp(-|y|)) (docs/SPEC.md section 3), in nats.
     */
    static double bceWithLogitsForward(double y, double t) {
        return Math.max(y, 0.0) - y * t + Math.log1p(Math.exp(-Math.abs(y)));
    }

    /** d BCE(sigmoid(y), t) / dy = sigmoid(y) - t (the fused sigmoid + BCE derivative). */
    static double bceWithLogitsBackward(double y, double t) {
        return sigmoid(y) - t;
    }

    // ---------------------------------------------------------------- helpers

    static double[] concat(double[] a, double[] b) {
        double[] out = new double[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
