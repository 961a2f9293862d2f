package dev.ntm.kernels;

import static dev.ntm.kernels.KernelTestSupport.toDouble;
import static dev.ntm.kernels.KernelTestSupport.uniform;
import static dev.ntm.kernels.KernelTestSupport.weighting;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.SplittableRandom;
import java.util.stream.Stream;

import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every backward kernel, of {@link ScalarKernels} and of {@link SimdKernels} at 128, 256 and 512
 * bits, against central finite differences of the forward formula re-implemented here in double
 * precision with plain loops.
 *
 * <p>Each check defines a scalar loss {@code L = sum_o c_o out_o} with a <em>non-uniform</em>
 * upstream gradient c (weightings sum to one, so a uniform c would hide errors along that
 * direction), runs the kernel's backward with {@code dOut = c} into gradient buffers that start
 * non-zero (so accumulation is checked too), and compares the change of each buffer with
 * {@code (L(x + h) - L(x - h)) / 2h}, {@code h = 1e-6 max(|x|, 1e-3)}.
 *
 * <p>Error metric: {@code |analytic - numeric| / (|numeric| + 0.01 max|numeric|) <= 1e-4} for
 * every element (for a scalar gradient such as dbeta, the floor is 0.01 of the largest numeric
 * gradient of the same call). The kernels run in float32: a gradient element built from k terms is
 * within about {@code k 2^-24} of its sum of |terms|, about 1e-5 here; the differences are exact to
 * ~1e-8 (double precision, relative steps 1e-6). The floor keeps cancellation in near-zero entries
 * from dominating. The largest error seen is 1.5e-5; a wrong or missing term is off by O(1), and a
 * 0.1% change of one coefficient already fails.
 */
class KernelGradientTest {

    private static final double REL_TOL = 1e-4;
    private static final double FLOOR = 0.01;
    private static final int SHIFT = 3;

    static Stream<Named<Kernels>> kernels() {
        return Stream.of(Named.of("scalar", ScalarKernels.INSTANCE),
                Named.of("simd128", SimdKernels.create(128)),
                Named.of("simd256", SimdKernels.create(256)),
                Named.of("simd512", SimdKernels.create(512)));
    }

    /** The loss as a function of the double-precision inputs. */
    @FunctionalInterface
    private interface Loss {
        double at(double[][] in);
    }

    /** Central differences of L with respect to every element of input tensor {@code t}. */
    private static double[] numeric(Loss f, double[][] in, int t) {
        double[] x = in[t];
        double[] g = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double orig = x[i];
            double h = 1e-6 * Math.max(Math.abs(orig), 1e-3);
            double up = orig + h;
            double down = orig - h;
            x[i] = up;
            double lp = f.at(in);
            x[i] = down;
            double lm = f.at(in);
            x[i] = orig;
            g[i] = (lp - lm) / (up - down);
        }
        return g;
    }

    private static double maxAbs(double[] a) {
        double m = 0;
        for (double v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    /** Checks {@code after - before} (what the kernel accumulated) against the numeric gradient. */
    private static void assertGradient(String what, double[] numeric, float[] before, float[] after) {
        double floor = FLOOR * maxAbs(numeric);
        for (int i = 0; i < numeric.length; i++) {
            double analytic = (double) after[i] - before[i];
            double err = Math.abs(analytic - numeric[i]) / (Math.abs(numeric[i]) + floor + Double.MIN_NORMAL);
            if (!(err <= REL_TOL)) {
                fail(String.format("%s[%d]: analytic %.9g, numeric %.9g, relative error %.3g > %.1g",
                        what, i, analytic, numeric[i], err, REL_TOL));
            }
        }
    }

    private static void assertGradient(String what, double numeric, double analytic, double scale) {
        double err = Math.abs(analytic - numeric) / (Math.abs(numeric) + FLOOR * scale + Double.MIN_NORMAL);
        if (!(err <= REL_TOL)) {
            fail(String.format("%s: analytic %.9g, numeric %.9g, relative error %.3g > %.1g",
                    what, analytic, numeric, err, REL_TOL));
        }
    }

    private static double[][] dbl(float[]... a) {
        double[][] d = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            d[i] = toDouble(a[i]);
        }
        return d;
    }

    private static float[] upstream(SplittableRandom r, int n) {
        return uniform(r, n, -1, 1);
    }

    private static float[] start(SplittableRandom r, int n) {
        return uniform(r, n, -0.5, 0.5);
    }

    private static String name(Kernels k, String what) {
        return k.name() + k.vectorBits() + " " + what;
    }

    // ---------------------------------------------------------------- matrix products

    @ParameterizedTest
    @MethodSource("kernels")
    void gemvBackward(Kernels k) {
        SplittableRandom r = new SplittableRandom(31);
        for (int[] s : new int[][] {{5, 7}, {21, 37}}) {
            int rows = s[0];
            int cols = s[1];
            int ld = cols + 3;
            float[] w = uniform(r, (rows - 1) * ld + cols, -1, 1);
            float[] x = uniform(r, cols, -1, 1);
            float[] c = upstream(r, rows);
            Loss loss = in -> {
                double l = 0;
                for (int i = 0; i < rows; i++) {
                    double y = 0;
                    for (int j = 0; j < cols; j++) {
                        y += in[0][i * ld + j] * in[1][j];
                    }
                    l += c[i] * y;
                }
                return l;
            };
            float[] dw = start(r, w.length);
            float[] dx = start(r, cols);
            try (var b = new KernelTestSupport.Bufs(SHIFT, w, x, c, dw, dx)) {
                k.gemvTransposed(b.seg(0), b.off(0), rows, cols, ld, b.seg(2), b.off(2), b.seg(4), b.off(4));
                k.rank1Update(b.seg(3), b.off(3), rows, cols, ld, b.seg(2), b.off(2), b.seg(1), b.off(1));
                double[][] in = dbl(w, x);
                assertGradient(name(k, "gemv dW"), numeric(loss, in, 0), dw, b.read(3));
                assertGradient(name(k, "gemv dx"), numeric(loss, in, 1), dx, b.read(4));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void gemmBackward(Kernels k) {
        SplittableRandom r = new SplittableRandom(32);
        int rows = 9;
        int cols = 19;
        int batch = 5;
        int ld = cols + 1;
        int ldx = cols + 2;
        int ldy = rows + 3;
        float[] w = uniform(r, (rows - 1) * ld + cols, -1, 1);
        float[] x = uniform(r, (batch - 1) * ldx + cols, -1, 1);
        float[] c = upstream(r, (batch - 1) * ldy + rows);
        Loss loss = in -> {
            double l = 0;
            for (int bb = 0; bb < batch; bb++) {
                for (int i = 0; i < rows; i++) {
                    double y = 0;
                    for (int j = 0; j < cols; j++) {
                        y += in[0][i * ld + j] * in[1][bb * ldx + j];
                    }
                    l += c[bb * ldy + i] * y;
                }
            }
            return l;
        };
        float[] dw = start(r, w.length);
        float[] dx = start(r, x.length);
        try (var b = new KernelTestSupport.Bufs(SHIFT, w, x, c, dw, dx)) {
            k.gemmTransposed(b.seg(0), b.off(0), rows, cols, ld, b.seg(2), b.off(2), ldy, b.seg(4), b.off(4), ldx, batch);
            k.rankKUpdate(b.seg(3), b.off(3), rows, cols, ld, b.seg(2), b.off(2), ldy, b.seg(1), b.off(1), ldx, batch);
            double[][] in = dbl(w, x);
            assertGradient(name(k, "gemm dW"), numeric(loss, in, 0), dw, b.read(3));
            assertGradient(name(k, "gemm dX"), numeric(loss, in, 1), dx, b.read(4));
        }
    }

    // ---------------------------------------------------------------- element-wise

    @ParameterizedTest
    @MethodSource("kernels")
    void activationBackwards(Kernels k) {
        SplittableRandom r = new SplittableRandom(33);
        int n = 37;
        float[] x = uniform(r, n, -6, 6);
        float[] c = upstream(r, n);
        double[][] in = dbl(x);
        for (String fn : new String[] {"sigmoid", "tanh", "softplus"}) {
            Loss loss = v -> {
                double l = 0;
                for (int i = 0; i < n; i++) {
                    double xi = v[0][i];
                    double y = switch (fn) {
                        case "sigmoid" -> 1 / (1 + Math.exp(-xi));
                        case "tanh" -> Math.tanh(xi);
                        default -> Math.log1p(Math.exp(xi));
                    };
                    l += c[i] * y;
                }
                return l;
            };
            float[] dx = start(r, n);
            try (var b = new KernelTestSupport.Bufs(SHIFT, x, new float[n], c, dx)) {
                switch (fn) {
                    case "sigmoid" -> {
                        k.sigmoid(b.seg(0), b.off(0), b.seg(1), b.off(1), n);
                        k.sigmoidBackward(b.seg(1), b.off(1), b.seg(2), b.off(2), b.seg(3), b.off(3), n);
                    }
                    case "tanh" -> {
                        k.tanh(b.seg(0), b.off(0), b.seg(1), b.off(1), n);
                        k.tanhBackward(b.seg(1), b.off(1), b.seg(2), b.off(2), b.seg(3), b.off(3), n);
                    }
                    default -> k.softplusBackward(b.seg(0), b.off(0), b.seg(2), b.off(2), b.seg(3), b.off(3), n);
                }
                assertGradient(name(k, fn + "Backward"), numeric(loss, in, 0), dx, b.read(3));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void softmaxBackward(Kernels k) {
        SplittableRandom r = new SplittableRandom(34);
        for (int n : new int[] {3, 20, 37}) {
            float[] x = uniform(r, n, -4, 4);
            float[] c = upstream(r, n);
            Loss loss = in -> {
                double[] y = softmax(in[0], 1);
                double l = 0;
                for (int i = 0; i < n; i++) {
                    l += c[i] * y[i];
                }
                return l;
            };
            float[] dx = start(r, n);
            try (var b = new KernelTestSupport.Bufs(SHIFT, x, new float[n], c, dx)) {
                k.softmax(b.seg(0), b.off(0), b.seg(1), b.off(1), n);
                k.softmaxBackward(b.seg(1), b.off(1), b.seg(2), b.off(2), b.seg(3), b.off(3), n);
                assertGradient(name(k, "softmaxBackward n=" + n), numeric(loss, dbl(x), 0), dx, b.read(3));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void clipBackward(Kernels k) {
        SplittableRandom r = new SplittableRandom(35);
        int n = 37;
        float clipAt = 20f;
        float[] x = uniform(r, n, -30, 30);
        for (int i = 0; i < n; i++) {
            // keep finite differences away from the kink
            if (Math.abs(Math.abs(x[i]) - clipAt) < 0.1f) {
                x[i] = 0f;
            }
        }
        float[] c = upstream(r, n);
        Loss loss = in -> {
            double l = 0;
            for (int i = 0; i < n; i++) {
                l += c[i] * Math.min(Math.max(in[0][i], -clipAt), clipAt);
            }
            return l;
        };
        try (var b = new KernelTestSupport.Bufs(SHIFT, x, c)) {
            k.clipBackward(b.seg(0), b.off(0), b.seg(1), b.off(1), n, clipAt);
            // clipBackward masks dy in place: the result is the gradient itself.
            assertGradient(name(k, "clipBackward"), numeric(loss, dbl(x), 0), new float[n], b.read(1));
        }
    }

    // ---------------------------------------------------------------- content addressing

    private static double[] softmax(double[] x, double beta) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : x) {
            max = Math.max(max, beta * v);
        }
        double[] e = new double[x.length];
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            e[i] = Math.exp(beta * x[i] - max);
            s += e[i];
        }
        for (int i = 0; i < x.length; i++) {
            e[i] /= s;
        }
        return e;
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void cosineSimilarityBackward(Kernels k) {
        SplittableRandom r = new SplittableRandom(36);
        // The paper's memory width, a width below one vector, and a memory at the 1e-6 scale of the
        // constant initialisation (cosine is scale-invariant, so its gradient there is ~1e6).
        for (double[] s : new double[][] {{37, 20, 1}, {21, 7, 1}, {19, 20, 1e-6}}) {
            int n = (int) s[0];
            int m = (int) s[1];
            int ld = n + 5;
            float[] key = uniform(r, m, -1, 1);
            float[] mem = uniform(r, (m - 1) * ld + n, -s[2], s[2]);
            float[] c = upstream(r, n);
            Loss loss = in -> {
                double kn = 0;
                for (int j = 0; j < m; j++) {
                    kn += in[0][j] * in[0][j];
                }
                kn = Math.sqrt(kn);
                double l = 0;
                for (int i = 0; i < n; i++) {
                    double u = 0;
                    double mn = 0;
                    for (int j = 0; j < m; j++) {
                        double v = in[1][j * ld + i];
                        u += in[0][j] * v;
                        mn += v * v;
                    }
                    l += c[i] * u / (kn * Math.sqrt(mn) + Kernels.COSINE_EPS);
                }
                return l;
            };
            float[] dkey = start(r, m);
            float[] dmem = start(r, mem.length);
            try (var b = new KernelTestSupport.Bufs(SHIFT, key, mem, new float[n], new float[n], c, dkey, dmem)) {
                k.rowNorms(b.seg(1), b.off(1), n, m, ld, b.seg(2), b.off(2));
                float kn = k.cosineSimilarity(b.seg(0), b.off(0), b.seg(1), b.off(1), n, m, ld,
                        b.seg(2), b.off(2), b.seg(3), b.off(3));
                k.cosineSimilarityBackward(b.seg(0), b.off(0), kn, b.seg(1), b.off(1), n, m, ld,
                        b.seg(2), b.off(2), b.seg(3), b.off(3), b.seg(4), b.off(4),
                        b.seg(5), b.off(5), b.seg(6), b.off(6));
                double[][] in = dbl(key, mem);
                String what = " n=" + n + " m=" + m + " scale=" + s[2];
                assertGradient(name(k, "cosine dkey" + what), numeric(loss, in, 0), dkey, b.read(5));
                assertGradient(name(k, "cosine dmem" + what), numeric(loss, in, 1), dmem, b.read(6));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void contentWeightingBackward(Kernels k) {
        SplittableRandom r = new SplittableRandom(37);
        for (int n : new int[] {20, 37}) {
            float[] sim = uniform(r, n, -1, 1);
            float beta = (float) (0.5 + 20 * r.nextDouble());
            float[] c = upstream(r, n);
            Loss loss = in -> {
                double[] w = softmax(in[0], in[1][0]);
                double l = 0;
                for (int i = 0; i < n; i++) {
                    l += c[i] * w[i];
                }
                return l;
            };
            float[] dsim = start(r, n);
            try (var b = new KernelTestSupport.Bufs(SHIFT, sim, new float[n], c, dsim)) {
                k.contentWeighting(b.seg(0), b.off(0), beta, b.seg(1), b.off(1), n);
                float dbeta = k.contentWeightingBackward(b.seg(0), b.off(0), beta, b.seg(1), b.off(1),
                        b.seg(2), b.off(2), b.seg(3), b.off(3), n);
                double[][] in = dbl(sim, new float[] {beta});
                double[] gs = numeric(loss, in, 0);
                assertGradient(name(k, "contentWeighting dsim n=" + n), gs, dsim, b.read(3));
                assertGradient(name(k, "contentWeighting dbeta n=" + n), numeric(loss, in, 1)[0], dbeta, maxAbs(gs));
            }
        }
    }

    // ---------------------------------------------------------------- location addressing

    @ParameterizedTest
    @MethodSource("kernels")
    void interpolateBackward(Kernels k) {
        SplittableRandom r = new SplittableRandom(38);
        int n = 37;
        for (float g : new float[] {0.03f, 0.5f, 0.97f}) {
            float[] wc = weighting(r, n);
            float[] wp = weighting(r, n);
            float[] c = upstream(r, n);
            Loss loss = in -> {
                double l = 0;
                for (int i = 0; i < n; i++) {
                    l += c[i] * (in[2][0] * in[0][i] + (1 - in[2][0]) * in[1][i]);
                }
                return l;
            };
            float[] dwc = start(r, n);
            float[] dwp = start(r, n);
            try (var b = new KernelTestSupport.Bufs(SHIFT, wc, wp, c, dwc, dwp)) {
                float dg = k.interpolateBackward(b.seg(0), b.off(0), b.seg(1), b.off(1), g, b.seg(2), b.off(2),
                        b.seg(3), b.off(3), b.seg(4), b.off(4), n);
                double[][] in = dbl(wc, wp, new float[] {g});
                double[] gc = numeric(loss, in, 0);
                assertGradient(name(k, "interpolate dwc g=" + g), gc, dwc, b.read(3));
                assertGradient(name(k, "interpolate dwPrev g=" + g), numeric(loss, in, 1), dwp, b.read(4));
                assertGradient(name(k, "interpolate dg g=" + g), numeric(loss, in, 2)[0], dg, maxAbs(gc));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void shiftBackward(Kernels k) {
        SplittableRandom r = new SplittableRandom(39);
        // S = 1 (the NTM's default), S = 2, and S larger than n (shifts that wrap more than once).
        for (int[] s : new int[][] {{37, 1}, {20, 2}, {5, 3}, {2, 4}}) {
            int n = s[0];
            int range = s[1];
            int shifts = 2 * range + 1;
            float[] wg = weighting(r, n);
            float[] sh = weighting(r, shifts);
            float[] c = upstream(r, n);
            Loss loss = in -> {
                double l = 0;
                for (int i = 0; i < n; i++) {
                    double v = 0;
                    for (int j = 0; j < shifts; j++) {
                        v += in[0][Math.floorMod(i - (j - range), n)] * in[1][j];
                    }
                    l += c[i] * v;
                }
                return l;
            };
            float[] dwg = start(r, n);
            float[] ds = start(r, shifts);
            try (var b = new KernelTestSupport.Bufs(SHIFT, wg, sh, c, dwg, ds)) {
                k.shiftBackward(b.seg(0), b.off(0), b.seg(1), b.off(1), range, b.seg(2), b.off(2),
                        b.seg(3), b.off(3), b.seg(4), b.off(4), n);
                double[][] in = dbl(wg, sh);
                assertGradient(name(k, "shift dwg n=" + n + " S=" + range), numeric(loss, in, 0), dwg, b.read(3));
                assertGradient(name(k, "shift ds n=" + n + " S=" + range), numeric(loss, in, 1), ds, b.read(4));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void sharpenBackward(Kernels k) {
        SplittableRandom r = new SplittableRandom(40);
        // gamma near 1, typical, and sharp; n at and beyond one 512-bit vector. At gamma = 12 a
        // peaked weighting sharpens to one-hot in float, and its gradient is then only what is left
        // after terms of size gamma |c| / ws cancel (float noise of 2^-24 times that size), so the
        // sharp case sharpens a flatter weighting whose result still has several live entries.
        for (float gamma : new float[] {1.0f, 1.05f, 3.7f, 12f}) {
            for (int n : new int[] {16, 37}) {
                float[] ws = weighting(r, n, gamma > 4 ? 0.3 : 3);
                float[] c = upstream(r, n);
                Loss loss = in -> {
                    double[] z = new double[n];
                    double s = 0;
                    for (int i = 0; i < n; i++) {
                        z[i] = Math.pow(in[0][i] + Kernels.SHARPEN_EPS, in[1][0]);
                        s += z[i];
                    }
                    double l = 0;
                    for (int i = 0; i < n; i++) {
                        l += c[i] * z[i] / s;
                    }
                    return l;
                };
                float[] dws = start(r, n);
                try (var b = new KernelTestSupport.Bufs(SHIFT, ws, new float[n], c, dws)) {
                    k.sharpen(b.seg(0), b.off(0), gamma, b.seg(1), b.off(1), n);
                    float dgamma = k.sharpenBackward(b.seg(0), b.off(0), gamma, b.seg(1), b.off(1),
                            b.seg(2), b.off(2), b.seg(3), b.off(3), n);
                    double[][] in = dbl(ws, new float[] {gamma});
                    double[] gw = numeric(loss, in, 0);
                    String what = " gamma=" + gamma + " n=" + n;
                    // sharpenBackward overwrites dws: what it held before (dws) must not show
                    assertGradient(name(k, "sharpen dws" + what), gw, new float[n], b.read(3));
                    assertGradient(name(k, "sharpen dgamma" + what), numeric(loss, in, 1)[0], dgamma, maxAbs(gw));
                }
            }
        }
    }

    // ---------------------------------------------------------------- memory read and write

    @ParameterizedTest
    @MethodSource("kernels")
    void readBackward(Kernels k) {
        SplittableRandom r = new SplittableRandom(41);
        for (int[] s : new int[][] {{37, 20}, {20, 7}}) {
            int n = s[0];
            int m = s[1];
            int ld = n + 3;
            float[] w = weighting(r, n);
            float[] mem = uniform(r, (m - 1) * ld + n, -1, 1);
            float[] c = upstream(r, m);
            Loss loss = in -> {
                double l = 0;
                for (int j = 0; j < m; j++) {
                    double v = 0;
                    for (int i = 0; i < n; i++) {
                        v += in[0][i] * in[1][j * ld + i];
                    }
                    l += c[j] * v;
                }
                return l;
            };
            float[] dw = start(r, n);
            float[] dmem = start(r, mem.length);
            try (var b = new KernelTestSupport.Bufs(SHIFT, w, mem, c, dw, dmem)) {
                k.readBackward(b.seg(0), b.off(0), b.seg(1), b.off(1), n, m, ld, b.seg(2), b.off(2),
                        b.seg(3), b.off(3), b.seg(4), b.off(4));
                double[][] in = dbl(w, mem);
                assertGradient(name(k, "read dw n=" + n), numeric(loss, in, 0), dw, b.read(3));
                assertGradient(name(k, "read dmem n=" + n), numeric(loss, in, 1), dmem, b.read(4));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void eraseAddBackward(Kernels k) {
        SplittableRandom r = new SplittableRandom(42);
        // One head; two heads with the same weighting (both write the same rows); three heads.
        for (int[] s : new int[][] {{37, 20, 1}, {20, 7, 2}, {19, 9, 3}}) {
            int n = s[0];
            int m = s[1];
            int heads = s[2];
            int ld = n + 2;
            int wStride = n + 1;
            int eStride = m + 3;
            int aStride = m;
            float[] mem = uniform(r, (m - 1) * ld + n, -1, 1);
            float[] w = new float[(heads - 1) * wStride + n];
            for (int h = 0; h < heads; h++) {
                System.arraycopy(weighting(r, n), 0, w, h * wStride, n);
            }
            if (heads >= 2) {
                System.arraycopy(w, 0, w, wStride, n);
            }
            float[] e = uniform(r, (heads - 1) * eStride + m, 0.05, 0.95);
            float[] a = uniform(r, (heads - 1) * aStride + m, -1, 1);
            float[] c = upstream(r, mem.length);
            Loss loss = in -> {
                double l = 0;
                for (int j = 0; j < m; j++) {
                    for (int i = 0; i < n; i++) {
                        double v = in[0][j * ld + i];
                        for (int h = 0; h < heads; h++) {
                            double wi = in[1][h * wStride + i];
                            v = v * (1 - wi * in[2][h * eStride + j]) + wi * in[3][h * aStride + j];
                        }
                        l += c[j * ld + i] * v;
                    }
                }
                return l;
            };
            float[] dIn = start(r, mem.length);
            float[] dw = start(r, w.length);
            float[] de = start(r, e.length);
            float[] da = start(r, a.length);
            try (var b = new KernelTestSupport.Bufs(SHIFT, mem, c, dIn, w, e, a, dw, de, da)) {
                k.eraseAddBackward(b.seg(0), b.off(0), b.seg(1), b.off(1), b.seg(2), b.off(2), n, m, ld, heads,
                        b.seg(3), b.off(3), wStride, b.seg(4), b.off(4), eStride, b.seg(5), b.off(5), aStride,
                        b.seg(6), b.off(6), b.seg(7), b.off(7), b.seg(8), b.off(8));
                double[][] in = dbl(mem, w, e, a);
                String what = " n=" + n + " m=" + m + " heads=" + heads;
                // dMemIn is written, not accumulated: compare it from zero, and check its padding kept its value.
                float[] gotIn = b.read(2);
                float[] fromZero = new float[gotIn.length];
                for (int i = 0; i < gotIn.length; i++) {
                    fromZero[i] = i % ld < n ? 0f : dIn[i];
                }
                assertGradient(name(k, "eraseAdd dMemIn" + what), numeric(loss, in, 0), fromZero, gotIn);
                assertGradient(name(k, "eraseAdd dw" + what), numeric(loss, in, 1), dw, b.read(6));
                assertGradient(name(k, "eraseAdd de" + what), numeric(loss, in, 2), de, b.read(7));
                assertGradient(name(k, "eraseAdd da" + what), numeric(loss, in, 3), da, b.read(8));
            }
        }
    }

    // ---------------------------------------------------------------- loss

    @ParameterizedTest
    @MethodSource("kernels")
    void bceWithLogits(Kernels k) {
        SplittableRandom r = new SplittableRandom(43);
        int n = 21;
        float[] y = uniform(r, n, -8, 8);
        float[] t = new float[n];
        for (int i = 0; i < n; i++) {
            t[i] = r.nextBoolean() ? 1f : 0f;
        }
        float scale = 0.37f;
        Loss loss = in -> {
            double l = 0;
            for (int i = 0; i < n; i++) {
                double p = 1 / (1 + Math.exp(-in[0][i]));
                l -= t[i] * Math.log(p) + (1 - t[i]) * Math.log1p(-p);
            }
            return scale * l;
        };
        float[] dy = start(r, n);
        try (var b = new KernelTestSupport.Bufs(SHIFT, y, t, dy)) {
            double value = k.bceWithLogits(b.seg(0), b.off(0), b.seg(1), b.off(1), b.seg(2), b.off(2), n, scale);
            double[][] in = dbl(y);
            // the returned loss is the unscaled sum, in nats
            assertEquals(loss.at(in) / scale, value, 1e-5 * n, name(k, "bce loss"));
            assertGradient(name(k, "bce dy"), numeric(loss, in, 0), dy, b.read(2));
        }
    }
}
