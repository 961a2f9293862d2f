package dev.ntm.kernels;

import static dev.ntm.kernels.Buffers.F32;

import java.lang.foreign.MemorySegment;

/**
 * The plain-loop reference implementation of {@link Kernels}: one element at a time, in the
 * order the formulas are written. It is the oracle of the SIMD kernels and the fallback when the
 * Vector API is unavailable.
 */
public final class ScalarKernels implements Kernels {

    /** The single instance. */
    public static final ScalarKernels INSTANCE = new ScalarKernels();

    private ScalarKernels() {
    }

    private static float ld(MemorySegment s, long i) {
        return s.getAtIndex(F32, i);
    }

    private static void st(MemorySegment s, long i, float v) {
        s.setAtIndex(F32, i, v);
    }

    private static void add(MemorySegment s, long i, float v) {
        s.setAtIndex(F32, i, s.getAtIndex(F32, i) + v);
    }

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public int vectorBits() {
        return 32;
    }

    // ---------------------------------------------------------------- BLAS level 1

    @Override
    public float dot(MemorySegment a, long aOff, MemorySegment b, long bOff, int n) {
        float s = 0f;
        for (int i = 0; i < n; i++) {
            s += ld(a, aOff + i) * ld(b, bOff + i);
        }
        return s;
    }

    @Override
    public void axpy(float alpha, MemorySegment x, long xOff, MemorySegment y, long yOff, int n) {
        for (int i = 0; i < n; i++) {
            add(y, yOff + i, alpha * ld(x, xOff + i));
        }
    }

    @Override
    public void scale(float alpha, MemorySegment x, long xOff, int n) {
        for (int i = 0; i < n; i++) {
            st(x, xOff + i, alpha * ld(x, xOff + i));
        }
    }

    @Override
    public double sumOfSquares(MemorySegment x, long xOff, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) {
            float v = ld(x, xOff + i);
            s += (double) v * v;
        }
        return s;
    }

    @Override
    public void clamp(MemorySegment x, long xOff, int n, float c) {
        for (int i = 0; i < n; i++) {
            st(x, xOff + i, Math.min(Math.max(ld(x, xOff + i), -c), c));
        }
    }

    @Override
    public void drainRows(MemorySegment x, long xOff, int ldx, MemorySegment y, long yOff, int ldy, int rows,
                          int cols) {
        for (int r = 0; r < rows; r++) {
            long xr = xOff + (long) r * ldx;
            long yr = yOff + (long) r * ldy;
            for (int c = 0; c < cols; c++) {
                st(y, yr + c, ld(y, yr + c) + ld(x, xr + c));
            }
            for (int c = 0; c < ldx; c++) {
                st(x, xr + c, 0f);
            }
        }
    }

    // ---------------------------------------------------------------- matrix products

    @Override
    public void gemv(MemorySegment w, long wOff, int rows, int cols, int ldw,
                     MemorySegment x, long xOff, MemorySegment y, long yOff, boolean accumulate) {
        for (int r = 0; r < rows; r++) {
            float s = dot(w, wOff + (long) r * ldw, x, xOff, cols);
            st(y, yOff + r, accumulate ? ld(y, yOff + r) + s : s);
        }
    }

    @Override
    public void gemvTransposed(MemorySegment w, long wOff, int rows, int cols, int ldw,
                               MemorySegment dy, long dyOff, MemorySegment dx, long dxOff) {
        for (int r = 0; r < rows; r++) {
            axpy(ld(dy, dyOff + r), w, wOff + (long) r * ldw, dx, dxOff, cols);
        }
    }

    @Override
    public void rank1Update(MemorySegment dw, long dwOff, int rows, int cols, int ldw,
                            MemorySegment dy, long dyOff, MemorySegment x, long xOff) {
        for (int r = 0; r < rows; r++) {
            axpy(ld(dy, dyOff + r), x, xOff, dw, dwOff + (long) r * ldw, cols);
        }
    }

    @Override
    public void gemm(MemorySegment w, long wOff, int rows, int cols, int ldw,
                     MemorySegment x, long xOff, int ldx,
                     MemorySegment y, long yOff, int ldy, int batch, boolean accumulate) {
        for (int b = 0; b < batch; b++) {
            gemv(w, wOff, rows, cols, ldw, x, xOff + (long) b * ldx, y, yOff + (long) b * ldy, accumulate);
        }
    }

    @Override
    public void gemmTransposed(MemorySegment w, long wOff, int rows, int cols, int ldw,
                               MemorySegment dy, long dyOff, int lddy,
                               MemorySegment dx, long dxOff, int lddx, int batch) {
        for (int b = 0; b < batch; b++) {
            gemvTransposed(w, wOff, rows, cols, ldw, dy, dyOff + (long) b * lddy, dx, dxOff + (long) b * lddx);
        }
    }

    @Override
    public void gemmTransposedBf16(MemorySegment w, long wOff, int rows, int cols, int ldw,
                                   MemorySegment dy, long dyOff, int lddy,
                                   MemorySegment dx, long dxOff, int lddx, int batch) {
        for (int b = 0; b < batch; b++) {
            long dyRow = dyOff + (long) b * lddy;
            long dxRow = dxOff + (long) b * lddx;
            for (int c = 0; c < cols; c++) {
                float acc = dx.getAtIndex(Buffers.F32, dxRow + c);
                for (int r = 0; r < rows; r++) {
                    acc = Math.fma(Bf16.toFloat(w.getAtIndex(Bf16.LAYOUT, wOff + (long) r * ldw + Bf16.pairedIndex(c))),
                            dy.getAtIndex(Buffers.F32, dyRow + r), acc);
                }
                dx.setAtIndex(Buffers.F32, dxRow + c, acc);
            }
        }
    }

    @Override
    public void rankKUpdate(MemorySegment dw, long dwOff, int rows, int cols, int ldw,
                            MemorySegment dy, long dyOff, int lddy,
                            MemorySegment x, long xOff, int ldx, int batch) {
        for (int b = 0; b < batch; b++) {
            rank1Update(dw, dwOff, rows, cols, ldw, dy, dyOff + (long) b * lddy, x, xOff + (long) b * ldx);
        }
    }

    // ---------------------------------------------------------------- element-wise activations

    static float sigmoid(float x) {
        return (float) (1.0 / (1.0 + Math.exp(-x)));
    }

    static float softplus(float x) {
        // log(1 + e^x) = max(x, 0) + log1p(e^-|x|)
        return (float) (Math.max(x, 0f) + Math.log1p(Math.exp(-Math.abs(x))));
    }

    @Override
    public void sigmoid(MemorySegment x, long xOff, MemorySegment y, long yOff, int n) {
        for (int i = 0; i < n; i++) {
            st(y, yOff + i, sigmoid(ld(x, xOff + i)));
        }
    }

    @Override
    public void tanh(MemorySegment x, long xOff, MemorySegment y, long yOff, int n) {
        for (int i = 0; i < n; i++) {
            st(y, yOff + i, (float) Math.tanh(ld(x, xOff + i)));
        }
    }

    @Override
    public void softplus(MemorySegment x, long xOff, MemorySegment y, long yOff, int n) {
        for (int i = 0; i < n; i++) {
            st(y, yOff + i, softplus(ld(x, xOff + i)));
        }
    }

    @Override
    public void sigmoidBackward(MemorySegment y, long yOff, MemorySegment dy, long dyOff,
                                MemorySegment dx, long dxOff, int n) {
        for (int i = 0; i < n; i++) {
            float v = ld(y, yOff + i);
            add(dx, dxOff + i, ld(dy, dyOff + i) * v * (1f - v));
        }
    }

    @Override
    public void tanhBackward(MemorySegment y, long yOff, MemorySegment dy, long dyOff,
                             MemorySegment dx, long dxOff, int n) {
        for (int i = 0; i < n; i++) {
            float v = ld(y, yOff + i);
            add(dx, dxOff + i, ld(dy, dyOff + i) * (1f - v * v));
        }
    }

    @Override
    public void softplusBackward(MemorySegment x, long xOff, MemorySegment dy, long dyOff,
                                 MemorySegment dx, long dxOff, int n) {
        for (int i = 0; i < n; i++) {
            add(dx, dxOff + i, ld(dy, dyOff + i) * sigmoid(ld(x, xOff + i)));
        }
    }

    @Override
    public void softmax(MemorySegment x, long xOff, MemorySegment y, long yOff, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, ld(x, xOff + i));
        }
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            float e = (float) Math.exp(ld(x, xOff + i) - max);
            st(y, yOff + i, e);
            sum += e;
        }
        float inv = 1f / sum;
        for (int i = 0; i < n; i++) {
            st(y, yOff + i, ld(y, yOff + i) * inv);
        }
    }

    @Override
    public void softmaxBackward(MemorySegment y, long yOff, MemorySegment dy, long dyOff,
                                MemorySegment dx, long dxOff, int n) {
        float s = dot(y, yOff, dy, dyOff, n);
        for (int i = 0; i < n; i++) {
            add(dx, dxOff + i, ld(y, yOff + i) * (ld(dy, dyOff + i) - s));
        }
    }

    @Override
    public void clip(MemorySegment x, long xOff, MemorySegment y, long yOff, int n, float c) {
        for (int i = 0; i < n; i++) {
            st(y, yOff + i, Math.min(Math.max(ld(x, xOff + i), -c), c));
        }
    }

    @Override
    public void clipBackward(MemorySegment pre, long preOff, MemorySegment dy, long dyOff, int n, float c) {
        for (int i = 0; i < n; i++) {
            float p = ld(pre, preOff + i);
            if (p > c || p < -c) {
                st(dy, dyOff + i, 0f);
            }
        }
    }

    // ---------------------------------------------------------------- LSTM cell

    @Override
    public void lstmCellForward(MemorySegment a, long gatesOff, long cPrevOff, long cellOff, long tanhCOff,
                                long hOff, int h) {
        for (int j = 0; j < h; j++) {
            st(a, cellOff + j, ld(a, gatesOff + h + j) * ld(a, cPrevOff + j) + ld(a, gatesOff + j) * ld(a,
                    gatesOff + 2L * h + j));
        }
        tanh(a, cellOff, a, tanhCOff, h);
        for (int j = 0; j < h; j++) {
            st(a, hOff + j, ld(a, gatesOff + 3L * h + j) * ld(a, tanhCOff + j));
        }
    }

    @Override
    public void lstmCellBackward(MemorySegment a, long gatesOff, long tanhCOff, long cPrevOff,
                                 MemorySegment d, long dhOff, long dcOff, long dzOff, int h) {
        for (int j = 0; j < h; j++) {
            float i = ld(a, gatesOff + j);
            float f = ld(a, gatesOff + h + j);
            float g = ld(a, gatesOff + 2L * h + j);
            float o = ld(a, gatesOff + 3L * h + j);
            float tc = ld(a, tanhCOff + j);
            float dh = ld(d, dhOff + j);
            float dc = ld(d, dcOff + j) + dh * o * (1f - tc * tc);
            st(d, dzOff + j, dc * g * i * (1f - i));
            st(d, dzOff + h + j, dc * ld(a, cPrevOff + j) * f * (1f - f));
            st(d, dzOff + 2L * h + j, dc * i * (1f - g * g));
            st(d, dzOff + 3L * h + j, dh * tc * o * (1f - o));
            st(d, dcOff + j, dc * f);
        }
    }

    // ---------------------------------------------------------------- content addressing

    @Override
    public void rowNorms(MemorySegment mem, long memOff, int n, int m, int ld,
                         MemorySegment norms, long normsOff) {
        for (int i = 0; i < n; i++) {
            float s = 0f;
            for (int j = 0; j < m; j++) {
                float v = ld(mem, memOff + (long) j * ld + i);
                s += v * v;
            }
            st(norms, normsOff + i, (float) Math.sqrt(s));
        }
    }

    @Override
    public float cosineSimilarity(MemorySegment key, long keyOff,
                                  MemorySegment mem, long memOff, int n, int m, int ld,
                                  MemorySegment norms, long normsOff,
                                  MemorySegment sim, long simOff) {
        float keyNorm = (float) Math.sqrt(dot(key, keyOff, key, keyOff, m));
        for (int i = 0; i < n; i++) {
            float u = 0f;
            for (int j = 0; j < m; j++) {
                u += ld(key, keyOff + j) * ld(mem, memOff + (long) j * ld + i);
            }
            st(sim, simOff + i, u / (keyNorm * ld(norms, normsOff + i) + COSINE_EPS));
        }
        return keyNorm;
    }

    @Override
    public void cosineSimilarityBackward(MemorySegment key, long keyOff, float keyNorm,
                                         MemorySegment mem, long memOff, int n, int m, int ld,
                                         MemorySegment norms, long normsOff,
                                         MemorySegment sim, long simOff,
                                         MemorySegment dsim, long dsimOff,
                                         MemorySegment dkey, long dkeyOff,
                                         MemorySegment dmem, long dmemOff) {
        for (int i = 0; i < n; i++) {
            float g = ld(dsim, dsimOff + i);
            float rowNorm = ld(norms, normsOff + i);
            float d = keyNorm * rowNorm + COSINE_EPS;
            float invD = 1f / d;
            // sim = u / D, so u / D^2 = sim / D
            float simOverD = ld(sim, simOff + i) * invD;
            float keyCoef = keyNorm > 0f ? simOverD * rowNorm / keyNorm : 0f;
            float rowCoef = rowNorm > 0f ? simOverD * keyNorm / rowNorm : 0f;
            for (int j = 0; j < m; j++) {
                long c = memOff + (long) j * ld + i;
                float mij = ld(mem, c);
                float kj = ld(key, keyOff + j);
                add(dkey, dkeyOff + j, g * (mij * invD - keyCoef * kj));
                add(dmem, dmemOff + (long) j * ld + i, g * (kj * invD - rowCoef * mij));
            }
        }
    }

    @Override
    public void contentWeighting(MemorySegment sim, long simOff, float beta,
                                 MemorySegment w, long wOff, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, beta * ld(sim, simOff + i));
        }
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            float e = (float) Math.exp(beta * ld(sim, simOff + i) - max);
            st(w, wOff + i, e);
            sum += e;
        }
        float inv = 1f / sum;
        for (int i = 0; i < n; i++) {
            st(w, wOff + i, ld(w, wOff + i) * inv);
        }
    }

    @Override
    public float contentWeightingBackward(MemorySegment sim, long simOff, float beta,
                                          MemorySegment w, long wOff, MemorySegment dw, long dwOff,
                                          MemorySegment dsim, long dsimOff, int n) {
        float s = dot(w, wOff, dw, dwOff, n);
        float dbeta = 0f;
        for (int i = 0; i < n; i++) {
            float z = ld(w, wOff + i) * (ld(dw, dwOff + i) - s);
            add(dsim, dsimOff + i, beta * z);
            dbeta += ld(sim, simOff + i) * z;
        }
        return dbeta;
    }

    // ---------------------------------------------------------------- location addressing

    @Override
    public void interpolate(MemorySegment wc, long wcOff, MemorySegment wPrev, long wPrevOff, float g,
                            MemorySegment wg, long wgOff, int n) {
        for (int i = 0; i < n; i++) {
            st(wg, wgOff + i, g * ld(wc, wcOff + i) + (1f - g) * ld(wPrev, wPrevOff + i));
        }
    }

    @Override
    public float interpolateBackward(MemorySegment wc, long wcOff, MemorySegment wPrev, long wPrevOff,
                                     float g, MemorySegment dwg, long dwgOff,
                                     MemorySegment dwc, long dwcOff, MemorySegment dwPrev, long dwPrevOff,
                                     int n) {
        float dg = 0f;
        for (int i = 0; i < n; i++) {
            float d = ld(dwg, dwgOff + i);
            dg += d * (ld(wc, wcOff + i) - ld(wPrev, wPrevOff + i));
            add(dwc, dwcOff + i, g * d);
            add(dwPrev, dwPrevOff + i, (1f - g) * d);
        }
        return dg;
    }

    private static int wrap(long i, int n) {
        return (int) Math.floorMod(i, (long) n);
    }

    @Override
    public void shift(MemorySegment wg, long wgOff, MemorySegment s, long sOff, int shiftRange,
                      MemorySegment ws, long wsOff, int n) {
        int shifts = 2 * shiftRange + 1;
        for (int i = 0; i < n; i++) {
            float acc = 0f;
            for (int j = 0; j < shifts; j++) {
                acc += ld(wg, wgOff + wrap(i - (j - shiftRange), n)) * ld(s, sOff + j);
            }
            st(ws, wsOff + i, acc);
        }
    }

    @Override
    public void shiftBackward(MemorySegment wg, long wgOff, MemorySegment s, long sOff, int shiftRange,
                              MemorySegment dws, long dwsOff,
                              MemorySegment dwg, long dwgOff, MemorySegment ds, long dsOff, int n) {
        int shifts = 2 * shiftRange + 1;
        for (int i = 0; i < n; i++) {
            float d = ld(dws, dwsOff + i);
            for (int j = 0; j < shifts; j++) {
                int k = wrap(i - (j - shiftRange), n);
                add(dwg, dwgOff + k, d * ld(s, sOff + j));
                add(ds, dsOff + j, d * ld(wg, wgOff + k));
            }
        }
    }

    @Override
    public void sharpen(MemorySegment ws, long wsOff, float gamma, MemorySegment w, long wOff, int n) {
        float baseMax = sharpenBaseMax(ws, wsOff, n);
        // w[i] ~ (base[i] / baseMax)^gamma = exp(gamma log q[i]): the exponent is at most 0 and, for
        // the rows that carry the weight, close to 0, where log q is accurate to its own size
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            float e = (float) Math.exp(gamma * (float) Math.log((ld(ws, wsOff + i) + SHARPEN_EPS) / baseMax));
            st(w, wOff + i, e);
            sum += e;
        }
        float inv = 1f / sum;
        for (int i = 0; i < n; i++) {
            st(w, wOff + i, ld(w, wOff + i) * inv);
        }
    }

    /** The largest {@code ws[i] + SHARPEN_EPS}. */
    private static float sharpenBaseMax(MemorySegment ws, long wsOff, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, ld(ws, wsOff + i));
        }
        return max + SHARPEN_EPS;
    }

    @Override
    public float sharpenBackward(MemorySegment ws, long wsOff, float gamma,
                                 MemorySegment w, long wOff, MemorySegment dw, long dwOff,
                                 MemorySegment dws, long dwsOff, int n) {
        // z[i] = w[i] (dw[i] - s), s = w . dw. When dw[i] = C + small (rows nearly alike), the rounding
        // of s (about n ulp(C)) swamps the small part; so s = s0 + r with r = sum_j w[j] (dw[j] - s0),
        // whose terms are exact differences of nearby values, and z[i] = w[i] ((dw[i] - s0) - r)
        float s0 = dot(w, wOff, dw, dwOff, n);
        float r = 0f;
        for (int i = 0; i < n; i++) {
            r += ld(w, wOff + i) * (ld(dw, dwOff + i) - s0);
        }
        float baseMax = sharpenBaseMax(ws, wsOff, n);
        float dgamma = 0f;
        for (int i = 0; i < n; i++) {
            float base = ld(ws, wsOff + i) + SHARPEN_EPS;
            float z = ld(w, wOff + i) * ((ld(dw, dwOff + i) - s0) - r);
            st(dws, dwsOff + i, 0f + gamma * z / base);
            // sum_i z[i] = 0, so sum_i z[i] log base[i] = sum_i z[i] log(base[i] / baseMax)
            dgamma += z * (float) Math.log(base / baseMax);
        }
        return dgamma;
    }

    // ---------------------------------------------------------------- memory read and write

    @Override
    public void read(MemorySegment w, long wOff, MemorySegment mem, long memOff, int n, int m, int ld,
                     MemorySegment r, long rOff) {
        for (int j = 0; j < m; j++) {
            st(r, rOff + j, dot(w, wOff, mem, memOff + (long) j * ld, n));
        }
    }

    @Override
    public void readBackward(MemorySegment w, long wOff, MemorySegment mem, long memOff, int n, int m, int ld,
                             MemorySegment dr, long drOff,
                             MemorySegment dw, long dwOff, MemorySegment dmem, long dmemOff) {
        for (int j = 0; j < m; j++) {
            float d = ld(dr, drOff + j);
            axpy(d, mem, memOff + (long) j * ld, dw, dwOff, n);
            axpy(d, w, wOff, dmem, dmemOff + (long) j * ld, n);
        }
    }

    @Override
    public void eraseAdd(MemorySegment memIn, long memInOff, MemorySegment memOut, long memOutOff,
                         int n, int m, int ld, int heads,
                         MemorySegment w, long wOff, int wStride,
                         MemorySegment e, long eOff, int eStride,
                         MemorySegment a, long aOff, int aStride) {
        for (int j = 0; j < m; j++) {
            for (int i = 0; i < n; i++) {
                float v = ld(memIn, memInOff + (long) j * ld + i);
                for (int h = 0; h < heads; h++) {
                    float wi = ld(w, wOff + (long) h * wStride + i);
                    v = v * (1f - wi * ld(e, eOff + (long) h * eStride + j)) + wi * ld(a, aOff + (long) h * aStride + j);
                }
                st(memOut, memOutOff + (long) j * ld + i, v);
            }
        }
    }

    @Override
    public void eraseAddBackward(MemorySegment memIn, long memInOff,
                                 MemorySegment dMemOut, long dMemOutOff,
                                 MemorySegment dMemIn, long dMemInOff,
                                 int n, int m, int ld, int heads,
                                 MemorySegment w, long wOff, int wStride,
                                 MemorySegment e, long eOff, int eStride,
                                 MemorySegment a, long aOff, int aStride,
                                 MemorySegment dw, long dwOff,
                                 MemorySegment de, long deOff,
                                 MemorySegment da, long daOff) {
        for (int j = 0; j < m; j++) {
            for (int i = 0; i < n; i++) {
                float g = ld(dMemOut, dMemOutOff + (long) j * ld + i);
                for (int h = heads - 1; h >= 0; h--) {
                    float wi = ld(w, wOff + (long) h * wStride + i);
                    float ej = ld(e, eOff + (long) h * eStride + j);
                    float aj = ld(a, aOff + (long) h * aStride + j);
                    float prev = cellBeforeHead(memIn, memInOff + (long) j * ld + i, i, j, h,
                            w, wOff, wStride, e, eOff, eStride, a, aOff, aStride);
                    // v_h = prev (1 - wi ej) + wi aj
                    add(dw, dwOff + (long) h * wStride + i, g * (aj - prev * ej));
                    add(de, deOff + (long) h * eStride + j, -g * prev * wi);
                    add(da, daOff + (long) h * aStride + j, g * wi);
                    g = g * (1f - wi * ej);
                }
                st(dMemIn, dMemInOff + (long) j * ld + i, g);
            }
        }
    }

    /** The cell's value before head {@code head} writes, recomputed from the memory before the write. */
    private static float cellBeforeHead(MemorySegment memIn, long cell, int i, int j, int head,
                                        MemorySegment w, long wOff, int wStride,
                                        MemorySegment e, long eOff, int eStride,
                                        MemorySegment a, long aOff, int aStride) {
        float v = ld(memIn, cell);
        for (int h = 0; h < head; h++) {
            float wi = ld(w, wOff + (long) h * wStride + i);
            v = v * (1f - wi * ld(e, eOff + (long) h * eStride + j)) + wi * ld(a, aOff + (long) h * aStride + j);
        }
        return v;
    }

    // ---------------------------------------------------------------- loss

    @Override
    public double bceWithLogits(MemorySegment y, long yOff, MemorySegment t, long tOff,
                                MemorySegment dy, long dyOff, int n, float scale) {
        double loss = 0;
        for (int i = 0; i < n; i++) {
            float yi = ld(y, yOff + i);
            float ti = ld(t, tOff + i);
            loss += Math.max(yi, 0f) - yi * ti + Math.log1p(Math.exp(-Math.abs(yi)));
            add(dy, dyOff + i, scale * (sigmoid(yi) - ti));
        }
        return loss;
    }

    // ---------------------------------------------------------------- optimisers

    @Override
    public void adam(MemorySegment p, long pOff, MemorySegment g, long gOff,
                     MemorySegment m, long mOff, MemorySegment v, long vOff, int n,
                     float lr, float beta1, float beta2, float eps, float bc1, float bc2, float clip) {
        for (int i = 0; i < n; i++) {
            float gi = Math.min(Math.max(ld(g, gOff + i), -clip), clip);
            float mi = beta1 * ld(m, mOff + i) + (1f - beta1) * gi;
            float vi = beta2 * ld(v, vOff + i) + (1f - beta2) * gi * gi;
            st(m, mOff + i, mi);
            st(v, vOff + i, vi);
            st(p, pOff + i, ld(p, pOff + i) - lr * (mi / bc1) / ((float) Math.sqrt(vi / bc2) + eps));
        }
    }

    @Override
    public void rmsprop(MemorySegment p, long pOff, MemorySegment g, long gOff,
                        MemorySegment sq, long sqOff, MemorySegment mean, long meanOff,
                        MemorySegment delta, long deltaOff, int n,
                        float lr, float decay, float momentum, float eps, float clip) {
        for (int i = 0; i < n; i++) {
            float gi = Math.min(Math.max(ld(g, gOff + i), -clip), clip);
            float ni = decay * ld(sq, sqOff + i) + (1f - decay) * gi * gi;
            float mi = decay * ld(mean, meanOff + i) + (1f - decay) * gi;
            float di = momentum * ld(delta, deltaOff + i) - lr * gi / (float) Math.sqrt(ni - mi * mi + eps);
            st(sq, sqOff + i, ni);
            st(mean, meanOff + i, mi);
            st(delta, deltaOff + i, di);
            st(p, pOff + i, ld(p, pOff + i) + di);
        }
    }
}
