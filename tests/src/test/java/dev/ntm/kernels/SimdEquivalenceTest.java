package dev.ntm.kernels;

import static dev.ntm.kernels.KernelTestSupport.abs;
import static dev.ntm.kernels.KernelTestSupport.absf;
import static dev.ntm.kernels.KernelTestSupport.assertClose;
import static dev.ntm.kernels.KernelTestSupport.assertPaddingUnchanged;
import static dev.ntm.kernels.KernelTestSupport.assertUnchanged;
import static dev.ntm.kernels.KernelTestSupport.uniform;
import static dev.ntm.kernels.KernelTestSupport.weighting;

import java.util.SplittableRandom;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every {@link SimdKernels} method equals the {@link ScalarKernels} reference at 128, 256 and
 * 512 bits, on sizes that hit every loop tail, at offsets 0, 1, 3 and 5 floats into a 64-byte
 * aligned segment.
 *
 * <p>Tolerance: element-wise {@code |simd - scalar| <= 2 (k + 8) 2^-24 S + Float.MIN_NORMAL},
 * where S is the sum of the absolute values of the terms that make the element and k their count
 * (see {@link KernelTestSupport#tol}). For linear and bilinear kernels S is computed by running the
 * scalar kernel on the absolute values of the inputs; for the others it is written out per kernel.
 * Besides the values, every run checks that no float outside any buffer changed (guards before
 * and after it, and the padding of matrices with a leading dimension) and that inputs are left
 * bit-for-bit unchanged.
 */
class SimdEquivalenceTest {

    private static final Kernels SCALAR = ScalarKernels.INSTANCE;
    private static final int[] SIZES = {1, 2, 3, 7, 15, 16, 17, 20, 31, 33, 100, 128, 129, 207, 1023};
    private static final int[] SHIFTS = {0, 1, 3, 5};
    /** rows x cols of row-major matrices; 400 x 129 is the LSTM gate product of the paper's NTM. */
    private static final int[][] MATRICES = {{1, 1}, {1, 17}, {3, 7}, {4, 16}, {5, 33}, {20, 20},
        {29, 129}, {64, 64}, {100, 129}, {129, 100}, {400, 129}, {7, 1023}};
    private static final int[] BATCHES = {1, 2, 3, 4, 5, 7, 32};
    /** n x m of column-major memories; 128 x 20 is the paper's, 1024 x 64 the large shape. */
    private static final int[][] MEMORIES = {{1, 1}, {2, 3}, {3, 20}, {7, 20}, {15, 16}, {16, 20},
        {17, 20}, {20, 20}, {31, 7}, {33, 64}, {64, 64}, {100, 20}, {128, 20}, {129, 20}, {207, 5},
        {400, 20}, {1023, 3}, {1024, 64}};

    /** One kernel call on buffers; returns the kernel's scalar result, or 0 for void kernels. */
    @FunctionalInterface
    private interface Call {
        double run(Kernels k, KernelTestSupport.Bufs b);
    }

    /** The buffers after running the scalar and the SIMD kernels on identical copies. */
    private record Result(float[][] scalar, float[][] simd, double scalarRet, double simdRet) {
    }

    private static Result run(Kernels simd, int shift, float[][] init, Call call, String what) {
        try (var s = new KernelTestSupport.Bufs(shift, init);
             var v = new KernelTestSupport.Bufs(shift, init)) {
            double rs = call.run(SCALAR, s);
            double rv = call.run(simd, v);
            s.assertGuards(what + " scalar");
            v.assertGuards(what + " simd");
            float[][] as = new float[init.length][];
            float[][] av = new float[init.length][];
            for (int i = 0; i < init.length; i++) {
                as[i] = s.read(i);
                av[i] = v.read(i);
            }
            return new Result(as, av, rs, rv);
        }
    }

    /** The scalar kernel on the absolute values of the inputs: sums of |terms| for bilinear kernels. */
    private static Result absRun(float[][] init, Call call) {
        float[][] a = new float[init.length][];
        for (int i = 0; i < init.length; i++) {
            a[i] = absf(init[i]);
        }
        try (var s = new KernelTestSupport.Bufs(0, a)) {
            double r = call.run(SCALAR, s);
            float[][] out = new float[a.length][];
            for (int i = 0; i < a.length; i++) {
                out[i] = s.read(i);
            }
            return new Result(out, out, r, r);
        }
    }

    /** Checks outputs {@code outs[i]} with k = {@code ks[i]} and scales from {@code scale}; all other buffers unchanged. */
    private static void compare(String what, float[][] init, Result r, double[][] scale, int[] outs, int[] ks) {
        for (int i = 0; i < init.length; i++) {
            int o = indexOf(outs, i);
            if (o >= 0) {
                assertClose(what + " out" + i, r.scalar()[i], r.simd()[i], scale[i], ks[o]);
            } else {
                assertUnchanged(what + " input" + i + " (simd)", init[i], r.simd()[i]);
                assertUnchanged(what + " input" + i + " (scalar)", init[i], r.scalar()[i]);
            }
        }
    }

    private static double[][] absScale(Result absResult) {
        double[][] s = new double[absResult.scalar().length][];
        for (int i = 0; i < s.length; i++) {
            s[i] = abs(absResult.scalar()[i]);
        }
        return s;
    }

    private static int indexOf(int[] a, int v) {
        for (int i = 0; i < a.length; i++) {
            if (a[i] == v) {
                return i;
            }
        }
        return -1;
    }

    private static int[] of(int... a) {
        return a;
    }

    private static float[][] arrays(float[]... a) {
        return a;
    }

    private static String ctx(Kernels k, String kernel, Object... dims) {
        return KernelTestSupport.ctx(k, kernel, dims);
    }

    private static long span(int count, int stride, int len) {
        return (long) (count - 1) * stride + len;
    }

    private static float[] rnd(SplittableRandom r, long n) {
        return uniform(r, Math.toIntExact(n), -1, 1);
    }

    // ---------------------------------------------------------------- BLAS level 1

    @ParameterizedTest
    @ValueSource(ints = {128, 256, 512})
    void dotAxpyScaleSumOfSquaresClamp(int bits) {
        SimdKernels simd = SimdKernels.create(bits);
        SplittableRandom r = new SplittableRandom(11);
        for (int n : SIZES) {
            for (int shift : SHIFTS) {
                float[][] init = arrays(rnd(r, n), rnd(r, n));
                Call dot = (k, b) -> k.dot(b.seg(0), b.off(0), b.seg(1), b.off(1), n);
                String what = ctx(simd, "dot", n, shift);
                Result res = run(simd, shift, init, dot, what);
                compare(what, init, res, null, of(), of());
                assertClose(what, res.scalarRet(), res.simdRet(), absRun(init, dot).scalarRet(), n);

                float alpha = (float) (r.nextDouble() * 4 - 2);
                Call axpy = (k, b) -> {
                    k.axpy(alpha, b.seg(0), b.off(0), b.seg(1), b.off(1), n);
                    return 0;
                };
                Call axpyAbs = (k, b) -> {
                    k.axpy(Math.abs(alpha), b.seg(0), b.off(0), b.seg(1), b.off(1), n);
                    return 0;
                };
                what = ctx(simd, "axpy", n, shift);
                compare(what, init, run(simd, shift, init, axpy, what), absScale(absRun(init, axpyAbs)), of(1), of(2));

                Call scale = (k, b) -> {
                    k.scale(alpha, b.seg(0), b.off(0), n);
                    return 0;
                };
                Call scaleAbs = (k, b) -> {
                    k.scale(Math.abs(alpha), b.seg(0), b.off(0), n);
                    return 0;
                };
                what = ctx(simd, "scale", n, shift);
                compare(what, init, run(simd, shift, init, scale, what), absScale(absRun(init, scaleAbs)), of(0), of(1));

                Call ssq = (k, b) -> k.sumOfSquares(b.seg(0), b.off(0), n);
                what = ctx(simd, "sumOfSquares", n, shift);
                res = run(simd, shift, init, ssq, what);
                compare(what, init, res, null, of(), of());
                assertClose(what, res.scalarRet(), res.simdRet(), res.scalarRet(), n);

                Call clamp = (k, b) -> {
                    k.clamp(b.seg(0), b.off(0), n, 0.5f);
                    return 0;
                };
                what = ctx(simd, "clamp", n, shift);
                compare(what, init, run(simd, shift, init, clamp, what), new double[][] {abs(init[0]), null}, of(0), of(1));
            }
        }
    }

    // ---------------------------------------------------------------- matrix products

    @ParameterizedTest
    @ValueSource(ints = {128, 256, 512})
    void gemvAndGemvTransposedAndRank1(int bits) {
        SimdKernels simd = SimdKernels.create(bits);
        SplittableRandom r = new SplittableRandom(12);
        for (int[] shape : MATRICES) {
            int rows = shape[0];
            int cols = shape[1];
            for (int pad : new int[] {0, 5}) {
                int ld = cols + pad;
                for (int shift : SHIFTS) {
                    float[][] init = arrays(rnd(r, span(rows, ld, cols)), rnd(r, cols), rnd(r, rows));
                    for (boolean acc : new boolean[] {false, true}) {
                        Call gemv = (k, b) -> {
                            k.gemv(b.seg(0), b.off(0), rows, cols, ld, b.seg(1), b.off(1), b.seg(2), b.off(2), acc);
                            return 0;
                        };
                        String what = ctx(simd, "gemv", rows, cols, ld, shift, acc);
                        compare(what, init, run(simd, shift, init, gemv, what), absScale(absRun(init, gemv)), of(2), of(cols + 1));
                    }
                    // W, dy (rows), dx (cols)
                    float[][] initT = arrays(init[0], rnd(r, rows), rnd(r, cols));
                    Call gemvT = (k, b) -> {
                        k.gemvTransposed(b.seg(0), b.off(0), rows, cols, ld, b.seg(1), b.off(1), b.seg(2), b.off(2));
                        return 0;
                    };
                    String what = ctx(simd, "gemvTransposed", rows, cols, ld, shift);
                    compare(what, initT, run(simd, shift, initT, gemvT, what), absScale(absRun(initT, gemvT)), of(2), of(rows + 1));

                    // dW, dy (rows), x (cols)
                    float[][] initR = arrays(init[0], rnd(r, rows), rnd(r, cols));
                    Call rank1 = (k, b) -> {
                        k.rank1Update(b.seg(0), b.off(0), rows, cols, ld, b.seg(1), b.off(1), b.seg(2), b.off(2));
                        return 0;
                    };
                    what = ctx(simd, "rank1Update", rows, cols, ld, shift);
                    Result res = run(simd, shift, initR, rank1, what);
                    compare(what, initR, res, absScale(absRun(initR, rank1)), of(0), of(2));
                    assertPaddingUnchanged(what, initR[0], res.simd()[0], ld, cols);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {128, 256, 512})
    void gemmFamily(int bits) {
        SimdKernels simd = SimdKernels.create(bits);
        SplittableRandom r = new SplittableRandom(13);
        for (int[] shape : MATRICES) {
            int rows = shape[0];
            int cols = shape[1];
            for (int batch : BATCHES) {
                // Large shapes at two offsets only, to keep the suite fast.
                int[] shifts = (long) rows * cols * batch > 100_000 ? new int[] {0, 3} : SHIFTS;
                for (int shift : shifts) {
                    int pad = (batch + shift) % 2 == 0 ? 0 : 3;
                    int ldw = cols + pad;
                    int ldx = cols + 2 * pad;
                    int ldy = rows + pad;
                    float[][] init = arrays(rnd(r, span(rows, ldw, cols)), rnd(r, span(batch, ldx, cols)),
                            rnd(r, span(batch, ldy, rows)));
                    boolean acc = (batch + shift) % 3 == 0;
                    Call gemm = (k, b) -> {
                        k.gemm(b.seg(0), b.off(0), rows, cols, ldw, b.seg(1), b.off(1), ldx,
                                b.seg(2), b.off(2), ldy, batch, acc);
                        return 0;
                    };
                    String what = ctx(simd, "gemm", rows, cols, batch, ldw, ldx, ldy, shift, acc);
                    Result res = run(simd, shift, init, gemm, what);
                    compare(what, init, res, absScale(absRun(init, gemm)), of(2), of(cols + 1));
                    assertPaddingUnchanged(what, init[2], res.simd()[2], ldy, rows);

                    // W, dY (batch x rows, lddy), dX (batch x cols, lddx)
                    int lddy = ldy;
                    int lddx = ldx;
                    float[][] initT = arrays(init[0], rnd(r, span(batch, lddy, rows)), rnd(r, span(batch, lddx, cols)));
                    Call gemmT = (k, b) -> {
                        k.gemmTransposed(b.seg(0), b.off(0), rows, cols, ldw, b.seg(1), b.off(1), lddy,
                                b.seg(2), b.off(2), lddx, batch);
                        return 0;
                    };
                    what = ctx(simd, "gemmTransposed", rows, cols, batch, ldw, lddy, lddx, shift);
                    res = run(simd, shift, initT, gemmT, what);
                    compare(what, initT, res, absScale(absRun(initT, gemmT)), of(2), of(rows + 1));
                    assertPaddingUnchanged(what, initT[2], res.simd()[2], lddx, cols);

                    // dW, dY, X
                    float[][] initK = arrays(init[0], initT[1], init[1]);
                    Call rankK = (k, b) -> {
                        k.rankKUpdate(b.seg(0), b.off(0), rows, cols, ldw, b.seg(1), b.off(1), lddy,
                                b.seg(2), b.off(2), ldx, batch);
                        return 0;
                    };
                    what = ctx(simd, "rankKUpdate", rows, cols, batch, ldw, lddy, ldx, shift);
                    res = run(simd, shift, initK, rankK, what);
                    compare(what, initK, res, absScale(absRun(initK, rankK)), of(0), of(batch + 1));
                    assertPaddingUnchanged(what, initK[0], res.simd()[0], ldw, cols);
                }
            }
        }
    }

    // ---------------------------------------------------------------- element-wise activations

    /** Inputs in [-lo, hi] with, when there is room, extreme values at both ends. */
    private static float[] activationInput(SplittableRandom r, int n, float range, float extreme) {
        float[] x = uniform(r, n, -range, range);
        if (n >= 3) {
            x[n / 2] = -extreme;
            x[n - 1] = extreme;
        }
        return x;
    }

    @ParameterizedTest
    @ValueSource(ints = {128, 256, 512})
    void activations(int bits) {
        SimdKernels simd = SimdKernels.create(bits);
        SplittableRandom r = new SplittableRandom(14);
        for (int n : SIZES) {
            for (int shift : SHIFTS) {
                float[][] init = arrays(activationInput(r, n, 12f, 90f), rnd(r, n));
                for (String fn : new String[] {"sigmoid", "tanh", "softplus"}) {
                    Call out = (k, b) -> {
                        activation(k, fn, b, 0, 1, n);
                        return 0;
                    };
                    String what = ctx(simd, fn, n, shift);
                    Result res = run(simd, shift, init, out, what);
                    // Element-wise function of one input: S is the result itself (relative error).
                    compare(what, init, res, new double[][] {null, abs(res.scalar()[1])}, of(1), of(1));
                    Call inPlace = (k, b) -> {
                        activation(k, fn, b, 0, 0, n);
                        return 0;
                    };
                    what = ctx(simd, fn + " in place", n, shift);
                    res = run(simd, shift, init, inPlace, what);
                    compare(what, init, res, new double[][] {abs(res.scalar()[0]), null}, of(0), of(1));
                }
                Call clip = (k, b) -> {
                    k.clip(b.seg(0), b.off(0), b.seg(1), b.off(1), n, 20f);
                    return 0;
                };
                float[][] clipInit = arrays(uniform(r, n, -30, 30), rnd(r, n));
                String what = ctx(simd, "clip", n, shift);
                compare(what, clipInit, run(simd, shift, clipInit, clip, what), new double[][] {null, abs(clipInit[0])}, of(1), of(1));
                Call clipBack = (k, b) -> {
                    k.clipBackward(b.seg(0), b.off(0), b.seg(1), b.off(1), n, 20f);
                    return 0;
                };
                what = ctx(simd, "clipBackward", n, shift);
                compare(what, clipInit, run(simd, shift, clipInit, clipBack, what), new double[][] {null, abs(clipInit[1])}, of(1), of(1));
            }
        }
    }

    private static void activation(Kernels k, String fn, KernelTestSupport.Bufs b, int in, int out, int n) {
        switch (fn) {
            case "sigmoid" -> k.sigmoid(b.seg(in), b.off(in), b.seg(out), b.off(out), n);
            case "tanh" -> k.tanh(b.seg(in), b.off(in), b.seg(out), b.off(out), n);
            case "softplus" -> k.softplus(b.seg(in), b.off(in), b.seg(out), b.off(out), n);
            default -> throw new IllegalArgumentException(fn);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {128, 256, 512})
    void activationBackwards(int bits) {
        SimdKernels simd = SimdKernels.create(bits);
        SplittableRandom r = new SplittableRandom(15);
        for (int n : SIZES) {
            for (int shift : SHIFTS) {
                float[] dy = uniform(r, n, -2, 2);
                float[] dx = rnd(r, n);
                double[] scale = new double[n];

                float[] ys = uniform(r, n, 0, 1);
                float[][] init = arrays(ys, dy, dx);
                Call sig = (k, b) -> {
                    k.sigmoidBackward(b.seg(0), b.off(0), b.seg(1), b.off(1), b.seg(2), b.off(2), n);
                    return 0;
                };
                for (int i = 0; i < n; i++) {
                    scale[i] = Math.abs(dx[i]) + Math.abs(dy[i] * ys[i] * (1 - ys[i]));
                }
                String what = ctx(simd, "sigmoidBackward", n, shift);
                compare(what, init, run(simd, shift, init, sig, what), new double[][] {null, null, scale.clone()}, of(2), of(3));

                float[] yt = uniform(r, n, -1, 1);
                init = arrays(yt, dy, dx);
                Call tanhB = (k, b) -> {
                    k.tanhBackward(b.seg(0), b.off(0), b.seg(1), b.off(1), b.seg(2), b.off(2), n);
                    return 0;
                };
                for (int i = 0; i < n; i++) {
                    scale[i] = Math.abs(dx[i]) + Math.abs(dy[i]) * (1 + yt[i] * yt[i]);
                }
                what = ctx(simd, "tanhBackward", n, shift);
                compare(what, init, run(simd, shift, init, tanhB, what), new double[][] {null, null, scale.clone()}, of(2), of(3));

                float[] x = activationInput(r, n, 12f, 90f);
                init = arrays(x, dy, dx);
                Call spB = (k, b) -> {
                    k.softplusBackward(b.seg(0), b.off(0), b.seg(1), b.off(1), b.seg(2), b.off(2), n);
                    return 0;
                };
                for (int i = 0; i < n; i++) {
                    scale[i] = Math.abs(dx[i]) + Math.abs(dy[i]) / (1 + Math.exp(-x[i]));
                }
                what = ctx(simd, "softplusBackward", n, shift);
                compare(what, init, run(simd, shift, init, spB, what), new double[][] {null, null, scale.clone()}, of(2), of(3));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {128, 256, 512})
    void softmaxForwardAndBackward(int bits) {
        SimdKernels simd = SimdKernels.create(bits);
        SplittableRandom r = new SplittableRandom(16);
        for (int n : SIZES) {
            for (int shift : SHIFTS) {
                for (float range : new float[] {5f, 50f}) {
                    float[][] init = arrays(uniform(r, n, -range, range), rnd(r, n));
                    Call sm = (k, b) -> {
                        k.softmax(b.seg(0), b.off(0), b.seg(1), b.off(1), n);
                        return 0;
                    };
                    String what = ctx(simd, "softmax", n, shift, range);
                    Result res = run(simd, shift, init, sm, what);
                    // y_i = e_i / sum_j e_j: relative error of y_i ~ (n + a few) u.
                    compare(what, init, res, new double[][] {null, abs(res.scalar()[1])}, of(1), of(n));
                    Call inPlace = (k, b) -> {
                        k.softmax(b.seg(0), b.off(0), b.seg(0), b.off(0), n);
                        return 0;
                    };
                    what = ctx(simd, "softmax in place", n, shift, range);
                    res = run(simd, shift, init, inPlace, what);
                    compare(what, init, res, new double[][] {abs(res.scalar()[0]), null}, of(0), of(n));
                }
                float[] y = weighting(r, n);
                float[] dy = uniform(r, n, -2, 2);
                float[] dx = rnd(r, n);
                float[][] init = arrays(y, dy, dx);
                Call smB = (k, b) -> {
                    k.softmaxBackward(b.seg(0), b.off(0), b.seg(1), b.off(1), b.seg(2), b.off(2), n);
                    return 0;
                };
                double s1 = 0;
                for (int i = 0; i < n; i++) {
                    s1 += y[i] * Math.abs(dy[i]);
                }
                double[] scale = new double[n];
                for (int i = 0; i < n; i++) {
                    scale[i] = Math.abs(dx[i]) + y[i] * (Math.abs(dy[i]) + s1);
                }
                String what = ctx(simd, "softmaxBackward", n, shift);
                compare(what, init, run(simd, shift, init, smB, what), new double[][] {null, null, scale}, of(2), of(n + 2));
            }
        }
    }

    // ---------------------------------------------------------------- content addressing

    /** A random memory, with row 1 all zero when n > 2 (the zero-norm branch). */
    private static float[] memory(SplittableRandom r, int n, int m, int ld) {
        float[] mem = rnd(r, span(m, ld, n));
        if (n > 2) {
            for (int j = 0; j < m; j++) {
                mem[j * ld + 1] = 0f;
            }
        }
        return mem;
    }

    private static float[] scalarNorms(float[] mem, int n, int m, int ld) {
        try (var b = new KernelTestSupport.Bufs(0, mem, new float[n])) {
            SCALAR.rowNorms(b.seg(0), b.off(0), n, m, ld, b.seg(1), b.off(1));
            return b.read(1);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {128, 256, 512})
    void rowNormsAndCosineSimilarity(int bits) {
        SimdKernels simd = SimdKernels.create(bits);
        SplittableRandom r = new SplittableRandom(17);
        for (int[] shape : MEMORIES) {
            int n = shape[0];
            int m = shape[1];
            for (int pad : new int[] {0, 7}) {
                int ld = n + pad;
                for (int shift : SHIFTS) {
                    float[] mem = memory(r, n, m, ld);
                    float[][] init = arrays(mem, rnd(r, n));
                    Call norms = (k, b) -> {
                        k.rowNorms(b.seg(0), b.off(0), n, m, ld, b.seg(1), b.off(1));
                        return 0;
                    };
                    String what = ctx(simd, "rowNorms", n, m, ld, shift);
                    Result res = run(simd, shift, init, norms, what);
                    compare(what, init, res, new double[][] {null, abs(res.scalar()[1])}, of(1), of(m));

                    float[] key = rnd(r, m);
                    float[] nrm = res.scalar()[1];
                    init = arrays(key, mem, nrm, rnd(r, n));
                    Call cos = (k, b) -> k.cosineSimilarity(b.seg(0), b.off(0), b.seg(1), b.off(1), n, m, ld,
                            b.seg(2), b.off(2), b.seg(3), b.off(3));
                    what = ctx(simd, "cosineSimilarity", n, m, ld, shift);
                    res = run(simd, shift, init, cos, what);
                    double keyNorm = res.scalarRet();
                    double[] scale = new double[n];
                    for (int i = 0; i < n; i++) {
                        double u = 0;
                        for (int j = 0; j < m; j++) {
                            u += Math.abs(key[j] * mem[j * ld + i]);
                        }
                        scale[i] = u / (keyNorm * nrm[i] + Kernels.COSINE_EPS) + Math.abs(res.scalar()[3][i]);
                    }
                    compare(what, init, res, new double[][] {null, null, null, scale}, of(3), of(m + 4));
                    assertClose(what + " |k|", res.scalarRet(), res.simdRet(), keyNorm, m);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {128, 256, 512})
    void cosineSimilarityBackward(int bits) {
        SimdKernels simd = SimdKernels.create(bits);
        SplittableRandom r = new SplittableRandom(18);
        for (int[] shape : MEMORIES) {
            int n = shape[0];
            int m = shape[1];
            for (int pad : new int[] {0, 7}) {
                int ld = n + pad;
                for (int shift : SHIFTS) {
                    float[] key = rnd(r, m);
                    float[] mem = memory(r, n, m, ld);
                    float[] nrm = scalarNorms(mem, n, m, ld);
                    float[] sim = new float[n];
                    float keyNorm;
                    try (var b = new KernelTestSupport.Bufs(0, key, mem, nrm, sim)) {
                        keyNorm = SCALAR.cosineSimilarity(b.seg(0), b.off(0), b.seg(1), b.off(1), n, m, ld,
                                b.seg(2), b.off(2), b.seg(3), b.off(3));
                        sim = b.read(3);
                    }
                    float[] dsim = uniform(r, n, -2, 2);
                    float[] dkey = rnd(r, m);
                    float[] dmem = rnd(r, span(m, ld, n));
                    float[][] init = arrays(key, mem, nrm, sim, dsim, dkey, dmem);
                    float kn = keyNorm;
                    Call back = (k, b) -> {
                        k.cosineSimilarityBackward(b.seg(0), b.off(0), kn, b.seg(1), b.off(1), n, m, ld,
                                b.seg(2), b.off(2), b.seg(3), b.off(3), b.seg(4), b.off(4),
                                b.seg(5), b.off(5), b.seg(6), b.off(6));
                        return 0;
                    };
                    String what = ctx(simd, "cosineSimilarityBackward", n, m, ld, shift);
                    Result res = run(simd, shift, init, back, what);
                    // dk_j: sum over rows of |g| (|M_ij| / D + |keyCoef k_j|); dM_ij: |g| (|k_j| / D + |rowCoef M_ij|)
                    double[] sk = abs(dkey);
                    double[] sm = abs(dmem);
                    for (int i = 0; i < n; i++) {
                        double d = (double) kn * nrm[i] + Kernels.COSINE_EPS;
                        double simOverD = sim[i] / d;
                        double keyCoef = kn > 0 ? Math.abs(simOverD * nrm[i] / kn) : 0;
                        double rowCoef = nrm[i] > 0 ? Math.abs(simOverD * kn / nrm[i]) : 0;
                        double g = Math.abs(dsim[i]);
                        for (int j = 0; j < m; j++) {
                            double mij = Math.abs(mem[j * ld + i]);
                            sk[j] += g * (mij / d + keyCoef * Math.abs(key[j]));
                            sm[j * ld + i] += g * (Math.abs(key[j]) / d + rowCoef * mij);
                        }
                    }
                    compare(what, init, res, new double[][] {null, null, null, null, null, sk, sm}, of(5, 6), of(n + 4, 6));
                    assertPaddingUnchanged(what, dmem, res.simd()[6], ld, n);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {128, 256, 512})
    void contentWeighting(int bits) {
        SimdKernels simd = SimdKernels.create(bits);
        SplittableRandom r = new SplittableRandom(19);
        for (int n : SIZES) {
            for (int shift : SHIFTS) {
                float beta = (float) (0.5 + 50 * r.nextDouble());
                float[] sim = rnd(r, n);
                float[][] init = arrays(sim, rnd(r, n));
                Call fwd = (k, b) -> {
                    k.contentWeighting(b.seg(0), b.off(0), beta, b.seg(1), b.off(1), n);
                    return 0;
                };
                String what = ctx(simd, "contentWeighting", n, shift, beta);
                Result res = run(simd, shift, init, fwd, what);
                compare(what, init, res, new double[][] {null, abs(res.scalar()[1])}, of(1), of(n));

                float[] w = res.scalar()[1];
                float[] dw = uniform(r, n, -2, 2);
                float[] dsim = rnd(r, n);
                init = arrays(sim, w, dw, dsim);
                Call back = (k, b) -> k.contentWeightingBackward(b.seg(0), b.off(0), beta, b.seg(1), b.off(1),
                        b.seg(2), b.off(2), b.seg(3), b.off(3), n);
                what = ctx(simd, "contentWeightingBackward", n, shift, beta);
                res = run(simd, shift, init, back, what);
                double s1 = 0;
                for (int i = 0; i < n; i++) {
                    s1 += w[i] * Math.abs(dw[i]);
                }
                double[] scale = new double[n];
                double dbetaScale = 0;
                for (int i = 0; i < n; i++) {
                    double z = w[i] * (Math.abs(dw[i]) + s1);
                    scale[i] = Math.abs(dsim[i]) + beta * z;
                    dbetaScale += Math.abs(sim[i]) * z;
                }
                compare(what, init, res, new double[][] {null, null, null, scale}, of(3), of(n + 2));
                assertClose(what + " dbeta", res.scalarRet(), res.simdRet(), dbetaScale, 2 * n + 2);
            }
        }
    }

    // ---------------------------------------------------------------- location addressing

    @ParameterizedTest
    @ValueSource(ints = {128, 256, 512})
    void interpolate(int bits) {
        SimdKernels simd = SimdKernels.create(bits);
        SplittableRandom r = new SplittableRandom(20);
        for (int n : SIZES) {
            for (int shift : SHIFTS) {
                float g = (float) r.nextDouble();
                float[] wc = weighting(r, n);
                float[] wp = weighting(r, n);
                float[][] init = arrays(wc, wp, rnd(r, n));
                Call fwd = (k, b) -> {
                    k.interpolate(b.seg(0), b.off(0), b.seg(1), b.off(1), g, b.seg(2), b.off(2), n);
                    return 0;
                };
                String what = ctx(simd, "interpolate", n, shift, g);
                compare(what, init, run(simd, shift, init, fwd, what), absScale(absRun(init, fwd)), of(2), of(2));

                float[] dwg = uniform(r, n, -2, 2);
                init = arrays(wc, wp, dwg, rnd(r, n), rnd(r, n));
                Call back = (k, b) -> k.interpolateBackward(b.seg(0), b.off(0), b.seg(1), b.off(1), g,
                        b.seg(2), b.off(2), b.seg(3), b.off(3), b.seg(4), b.off(4), n);
                what = ctx(simd, "interpolateBackward", n, shift, g);
                Result res = run(simd, shift, init, back, what);
                compare(what, init, res, absScale(absRun(init, back)), of(3, 4), of(2, 2));
                double dgScale = 0;
                for (int i = 0; i < n; i++) {
                    dgScale += Math.abs(dwg[i]) * (wc[i] + wp[i]);
                }
                assertClose(what + " dg", res.scalarRet(), res.simdRet(), dgScale, 2 * n);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {128, 256, 512})
    void shift(int bits) {
        SimdKernels simd = SimdKernels.create(bits);
        SplittableRandom r = new SplittableRandom(21);
        for (int n : SIZES) {
            // S = 0..3 as the NTM uses, and S larger than n (shifts wrap more than once).
            for (int range : new int[] {0, 1, 2, 3, n + 2}) {
                int shifts = 2 * range + 1;
                for (int shift : SHIFTS) {
                    float[] wg = weighting(r, n);
                    float[] s = weighting(r, shifts);
                    float[][] init = arrays(wg, s, rnd(r, n));
                    Call fwd = (k, b) -> {
                        k.shift(b.seg(0), b.off(0), b.seg(1), b.off(1), range, b.seg(2), b.off(2), n);
                        return 0;
                    };
                    String what = ctx(simd, "shift", n, range, shift);
                    compare(what, init, run(simd, shift, init, fwd, what), absScale(absRun(init, fwd)), of(2), of(shifts));

                    init = arrays(wg, s, uniform(r, n, -2, 2), rnd(r, n), rnd(r, shifts));
                    Call back = (k, b) -> {
                        k.shiftBackward(b.seg(0), b.off(0), b.seg(1), b.off(1), range, b.seg(2), b.off(2),
                                b.seg(3), b.off(3), b.seg(4), b.off(4), n);
                        return 0;
                    };
                    what = ctx(simd, "shiftBackward", n, range, shift);
                    compare(what, init, run(simd, shift, init, back, what), absScale(absRun(init, back)),
                            of(3, 4), of(shifts + 1, n + 1));
                }
            }
        }
    }

    /** A weighting with a few exact zeros, as a sharp shift of a one-hot weighting produces. */
    private static float[] sparseWeighting(SplittableRandom r, int n) {
        float[] w = weighting(r, n);
        for (int i = 0; i < n; i += 5) {
            w[i] = 0f;
        }
        return w;
    }

    @ParameterizedTest
    @ValueSource(ints = {128, 256, 512})
    void sharpen(int bits) {
        SimdKernels simd = SimdKernels.create(bits);
        SplittableRandom r = new SplittableRandom(22);
        for (int n : SIZES) {
            for (int shift : SHIFTS) {
                float gamma = (float) (1 + 19 * r.nextDouble());
                float[] ws = sparseWeighting(r, n);
                float[][] init = arrays(ws, rnd(r, n));
                Call fwd = (k, b) -> {
                    k.sharpen(b.seg(0), b.off(0), gamma, b.seg(1), b.off(1), n);
                    return 0;
                };
                String what = ctx(simd, "sharpen", n, shift, gamma);
                Result res = run(simd, shift, init, fwd, what);
                // w_i = exp(z_i - max z) / sum: an absolute error of a few ulps of |z| in z_i = gamma log(ws_i)
                // is a relative error of w_i, so S = w_i (|z_i| + |max z| + 1).
                double[] z = new double[n];
                double zMax = Double.NEGATIVE_INFINITY;
                for (int i = 0; i < n; i++) {
                    z[i] = gamma * Math.log(ws[i] + Kernels.SHARPEN_EPS);
                    zMax = Math.max(zMax, z[i]);
                }
                float[] w = res.scalar()[1];
                double[] scale = new double[n];
                for (int i = 0; i < n; i++) {
                    scale[i] = w[i] * (Math.abs(z[i]) + Math.abs(zMax) + 1);
                }
                compare(what, init, res, new double[][] {null, scale}, of(1), of(n));

                float[] dw = uniform(r, n, -2, 2);
                float[] dws = rnd(r, n);
                init = arrays(ws, w, dw, dws);
                Call back = (k, b) -> k.sharpenBackward(b.seg(0), b.off(0), gamma, b.seg(1), b.off(1),
                        b.seg(2), b.off(2), b.seg(3), b.off(3), n);
                what = ctx(simd, "sharpenBackward", n, shift, gamma);
                res = run(simd, shift, init, back, what);
                double s1 = 0;
                for (int i = 0; i < n; i++) {
                    s1 += w[i] * Math.abs(dw[i]);
                }
                double[] sd = new double[n];
                double dgScale = 0;
                for (int i = 0; i < n; i++) {
                    double base = ws[i] + Kernels.SHARPEN_EPS;
                    double zi = w[i] * (Math.abs(dw[i]) + s1);
                    sd[i] = Math.abs(dws[i]) + gamma * zi / base;
                    dgScale += zi * Math.abs(Math.log(base));
                }
                compare(what, init, res, new double[][] {null, null, null, sd}, of(3), of(n + 3));
                assertClose(what + " dgamma", res.scalarRet(), res.simdRet(), dgScale, 2 * n + 2);
            }
        }
    }

    // ---------------------------------------------------------------- memory read and write

    @ParameterizedTest
    @ValueSource(ints = {128, 256, 512})
    void readAndReadBackward(int bits) {
        SimdKernels simd = SimdKernels.create(bits);
        SplittableRandom r = new SplittableRandom(23);
        for (int[] shape : MEMORIES) {
            int n = shape[0];
            int m = shape[1];
            for (int pad : new int[] {0, 7}) {
                int ld = n + pad;
                for (int shift : SHIFTS) {
                    float[] w = weighting(r, n);
                    float[] mem = memory(r, n, m, ld);
                    float[][] init = arrays(w, mem, rnd(r, m));
                    Call read = (k, b) -> {
                        k.read(b.seg(0), b.off(0), b.seg(1), b.off(1), n, m, ld, b.seg(2), b.off(2));
                        return 0;
                    };
                    String what = ctx(simd, "read", n, m, ld, shift);
                    compare(what, init, run(simd, shift, init, read, what), absScale(absRun(init, read)), of(2), of(n));

                    float[] dmem = rnd(r, span(m, ld, n));
                    init = arrays(w, mem, uniform(r, m, -2, 2), rnd(r, n), dmem);
                    Call back = (k, b) -> {
                        k.readBackward(b.seg(0), b.off(0), b.seg(1), b.off(1), n, m, ld, b.seg(2), b.off(2),
                                b.seg(3), b.off(3), b.seg(4), b.off(4));
                        return 0;
                    };
                    what = ctx(simd, "readBackward", n, m, ld, shift);
                    Result res = run(simd, shift, init, back, what);
                    compare(what, init, res, absScale(absRun(init, back)), of(3, 4), of(m + 1, 2));
                    assertPaddingUnchanged(what, dmem, res.simd()[4], ld, n);
                }
            }
        }
    }

    /**
     * Weightings of {@code heads} write heads, {@code stride} apart; when there are two or more
     * heads the last two are equal (two heads writing the same rows).
     */
    private static float[] headWeightings(SplittableRandom r, int heads, int n, int stride) {
        float[] w = rnd(r, span(heads, stride, n));
        for (int h = 0; h < heads; h++) {
            float[] wh = weighting(r, n);
            System.arraycopy(wh, 0, w, h * stride, n);
        }
        if (heads >= 2) {
            System.arraycopy(w, (heads - 2) * stride, w, (heads - 1) * stride, n);
        }
        return w;
    }

    @ParameterizedTest
    @ValueSource(ints = {128, 256, 512})
    void eraseAdd(int bits) {
        SimdKernels simd = SimdKernels.create(bits);
        SplittableRandom r = new SplittableRandom(24);
        for (int[] shape : MEMORIES) {
            int n = shape[0];
            int m = shape[1];
            for (int heads = 0; heads <= 3; heads++) {
                int ld = n + (heads % 2) * 7;
                int wStride = n + heads;
                int eStride = m + 1;
                int aStride = m + 2;
                int shift = SHIFTS[(n + heads) % SHIFTS.length];
                int hs = heads;
                float[] mem = memory(r, n, m, ld);
                float[] w = headWeightings(r, Math.max(heads, 1), n, wStride);
                float[] e = uniform(r, Math.toIntExact(span(Math.max(heads, 1), eStride, m)), 0.01, 0.99);
                float[] a = rnd(r, span(Math.max(heads, 1), aStride, m));
                // Bound per cell: |v| <- |v| (1 + |w e|) + |w a| over the heads.
                double[] scale = abs(mem);
                for (int j = 0; j < m; j++) {
                    for (int i = 0; i < n; i++) {
                        for (int h = 0; h < heads; h++) {
                            double wi = w[h * wStride + i];
                            scale[j * ld + i] = scale[j * ld + i] * (1 + wi * e[h * eStride + j])
                                    + wi * Math.abs(a[h * aStride + j]);
                        }
                    }
                }
                float[] out = rnd(r, span(m, ld, n));
                float[][] init = arrays(mem, out, w, e, a);
                Call fwd = (k, b) -> {
                    k.eraseAdd(b.seg(0), b.off(0), b.seg(1), b.off(1), n, m, ld, hs,
                            b.seg(2), b.off(2), wStride, b.seg(3), b.off(3), eStride, b.seg(4), b.off(4), aStride);
                    return 0;
                };
                String what = ctx(simd, "eraseAdd", n, m, ld, heads, shift);
                Result res = run(simd, shift, init, fwd, what);
                compare(what, init, res, new double[][] {null, scale}, of(1), of(3 * heads));
                assertPaddingUnchanged(what, out, res.simd()[1], ld, n);

                float[][] initIn = arrays(mem, w, e, a);
                Call inPlace = (k, b) -> {
                    k.eraseAdd(b.seg(0), b.off(0), b.seg(0), b.off(0), n, m, ld, hs,
                            b.seg(1), b.off(1), wStride, b.seg(2), b.off(2), eStride, b.seg(3), b.off(3), aStride);
                    return 0;
                };
                what = ctx(simd, "eraseAdd in place", n, m, ld, heads, shift);
                res = run(simd, shift, initIn, inPlace, what);
                compare(what, initIn, res, new double[][] {scale}, of(0), of(3 * heads));
                assertPaddingUnchanged(what, mem, res.simd()[0], ld, n);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {128, 256, 512})
    void eraseAddBackward(int bits) {
        SimdKernels simd = SimdKernels.create(bits);
        SplittableRandom r = new SplittableRandom(25);
        for (int[] shape : MEMORIES) {
            int n = shape[0];
            int m = shape[1];
            for (int heads = 0; heads <= 3; heads++) {
                int ld = n + ((heads + 1) % 2) * 7;
                int wStride = n + 2 * heads;
                int eStride = m + heads;
                int aStride = m + 1;
                int shift = SHIFTS[(n + m + heads) % SHIFTS.length];
                int hs = heads;
                int h1 = Math.max(heads, 1);
                float[] mem = memory(r, n, m, ld);
                float[] dOut = uniform(r, Math.toIntExact(span(m, ld, n)), -2, 2);
                float[] dIn = rnd(r, span(m, ld, n));
                float[] w = headWeightings(r, h1, n, wStride);
                float[] e = uniform(r, Math.toIntExact(span(h1, eStride, m)), 0.01, 0.99);
                float[] a = rnd(r, span(h1, aStride, m));
                float[] dw = rnd(r, span(h1, wStride, n));
                float[] de = rnd(r, span(h1, eStride, m));
                float[] da = rnd(r, span(h1, aStride, m));
                double[][] scale = eraseAddBackwardScale(mem, dOut, w, e, a, dw, de, da, n, m, ld, heads,
                        wStride, eStride, aStride);

                float[][] init = arrays(mem, dOut, dIn, w, e, a, dw, de, da);
                Call back = (k, b) -> {
                    k.eraseAddBackward(b.seg(0), b.off(0), b.seg(1), b.off(1), b.seg(2), b.off(2), n, m, ld, hs,
                            b.seg(3), b.off(3), wStride, b.seg(4), b.off(4), eStride, b.seg(5), b.off(5), aStride,
                            b.seg(6), b.off(6), b.seg(7), b.off(7), b.seg(8), b.off(8));
                    return 0;
                };
                String what = ctx(simd, "eraseAddBackward", n, m, ld, heads, shift);
                Result res = run(simd, shift, init, back, what);
                int kCell = 2 * heads + 1;
                compare(what, init, res, new double[][] {null, null, scale[0], null, null, null, scale[1], scale[2], scale[3]},
                        of(2, 6, 7, 8), of(kCell, 4 * m + 4, 4 * n + 4, 2 * n + 2));
                assertPaddingUnchanged(what, dIn, res.simd()[2], ld, n);

                // dMemIn may be the same buffer as dMemOut.
                float[][] initAlias = arrays(mem, dOut, w, e, a, dw, de, da);
                Call alias = (k, b) -> {
                    k.eraseAddBackward(b.seg(0), b.off(0), b.seg(1), b.off(1), b.seg(1), b.off(1), n, m, ld, hs,
                            b.seg(2), b.off(2), wStride, b.seg(3), b.off(3), eStride, b.seg(4), b.off(4), aStride,
                            b.seg(5), b.off(5), b.seg(6), b.off(6), b.seg(7), b.off(7));
                    return 0;
                };
                what = ctx(simd, "eraseAddBackward aliased", n, m, ld, heads, shift);
                res = run(simd, shift, initAlias, alias, what);
                compare(what, initAlias, res, new double[][] {null, scale[0], null, null, null, scale[1], scale[2], scale[3]},
                        of(1, 5, 6, 7), of(kCell, 4 * m + 4, 4 * n + 4, 2 * n + 2));
                assertPaddingUnchanged(what, dOut, res.simd()[1], ld, n);
            }
        }
    }

    /**
     * Sums of |terms| of the erase/add backward, from the forward values in double precision:
     * {dMemIn (cell), dw, de, da}, each starting from |initial accumulator|.
     */
    private static double[][] eraseAddBackwardScale(float[] mem, float[] dOut, float[] w, float[] e, float[] a,
                                                    float[] dw, float[] de, float[] da, int n, int m, int ld,
                                                    int heads, int wStride, int eStride, int aStride) {
        double[] sIn = new double[dOut.length];
        double[] sw = abs(dw);
        double[] se = abs(de);
        double[] sa = abs(da);
        double[] prev = new double[Math.max(heads, 1)];
        for (int j = 0; j < m; j++) {
            for (int i = 0; i < n; i++) {
                double v = mem[j * ld + i];
                for (int h = 0; h < heads; h++) {
                    prev[h] = v;
                    double wi = w[h * wStride + i];
                    v = v * (1 - wi * e[h * eStride + j]) + wi * a[h * aStride + j];
                }
                double g = Math.abs(dOut[j * ld + i]);
                for (int h = heads - 1; h >= 0; h--) {
                    double wi = w[h * wStride + i];
                    double ej = e[h * eStride + j];
                    double aj = a[h * aStride + j];
                    sw[h * wStride + i] += g * (Math.abs(aj) + Math.abs(prev[h]) * ej);
                    se[h * eStride + j] += g * Math.abs(prev[h]) * wi;
                    sa[h * aStride + j] += g * wi;
                    g *= 1 - wi * ej;
                }
                sIn[j * ld + i] = g + Math.abs(dOut[j * ld + i]);
            }
        }
        return new double[][] {sIn, sw, se, sa};
    }

    // ---------------------------------------------------------------- loss and optimisers

    @ParameterizedTest
    @ValueSource(ints = {128, 256, 512})
    void bceWithLogits(int bits) {
        SimdKernels simd = SimdKernels.create(bits);
        SplittableRandom r = new SplittableRandom(26);
        for (int n : SIZES) {
            for (int shift : SHIFTS) {
                float[] y = activationInput(r, n, 10f, 30f);
                float[] t = new float[n];
                for (int i = 0; i < n; i++) {
                    t[i] = r.nextBoolean() ? 1f : 0f;
                }
                float[] dy = rnd(r, n);
                float scale = (float) (0.01 + r.nextDouble());
                float[][] init = arrays(y, t, dy);
                Call bce = (k, b) -> k.bceWithLogits(b.seg(0), b.off(0), b.seg(1), b.off(1), b.seg(2), b.off(2), n, scale);
                String what = ctx(simd, "bceWithLogits", n, shift);
                Result res = run(simd, shift, init, bce, what);
                double lossScale = 0;
                double[] sd = new double[n];
                for (int i = 0; i < n; i++) {
                    lossScale += Math.max(y[i], 0) + Math.abs(y[i] * t[i]) + Math.log1p(Math.exp(-Math.abs(y[i])));
                    sd[i] = Math.abs(dy[i]) + scale * (1 / (1 + Math.exp(-y[i])) + t[i]);
                }
                compare(what, init, res, new double[][] {null, null, sd}, of(2), of(3));
                assertClose(what + " loss", res.scalarRet(), res.simdRet(), lossScale, n + 3);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {128, 256, 512})
    void optimisers(int bits) {
        SimdKernels simd = SimdKernels.create(bits);
        SplittableRandom r = new SplittableRandom(27);
        for (int n : SIZES) {
            for (int shift : SHIFTS) {
                float[] p = rnd(r, n);
                float[] g = uniform(r, n, -3, 3);
                float[] m1 = rnd(r, n);
                float[] v1 = uniform(r, n, 0, 2);
                float[][] init = arrays(p, g, m1, v1);
                Call adam = (k, b) -> {
                    k.adam(b.seg(0), b.off(0), b.seg(1), b.off(1), b.seg(2), b.off(2), b.seg(3), b.off(3), n,
                            1e-3f, 0.9f, 0.999f, 1e-8f, 0.1f, 0.002f, Float.POSITIVE_INFINITY);
                    return 0;
                };
                String what = ctx(simd, "adam", n, shift);
                Result res = run(simd, shift, init, adam, what);
                double[] sp = new double[n];
                double[] sm = new double[n];
                double[] sv = new double[n];
                for (int i = 0; i < n; i++) {
                    sm[i] = 0.9 * Math.abs(m1[i]) + 0.1 * Math.abs(g[i]);
                    sv[i] = 0.999 * v1[i] + 0.001 * g[i] * g[i];
                    double mi = res.scalar()[2][i];
                    double vi = res.scalar()[3][i];
                    sp[i] = Math.abs(p[i]) + 1e-3 * Math.abs(mi / 0.1) / (Math.sqrt(vi / 0.002) + 1e-8);
                }
                compare(what, init, res, new double[][] {sp, null, sm, sv}, of(0, 2, 3), of(6, 2, 3));

                float[] mean = rnd(r, n);
                float[] sq = new float[n];
                for (int i = 0; i < n; i++) {
                    sq[i] = mean[i] * mean[i] + (float) r.nextDouble();
                }
                float[] delta = uniform(r, n, -0.01, 0.01);
                init = arrays(p, g, sq, mean, delta);
                Call rms = (k, b) -> {
                    k.rmsprop(b.seg(0), b.off(0), b.seg(1), b.off(1), b.seg(2), b.off(2), b.seg(3), b.off(3),
                            b.seg(4), b.off(4), n, 1e-4f, 0.95f, 0.9f, 1e-4f, Float.POSITIVE_INFINITY);
                    return 0;
                };
                what = ctx(simd, "rmsprop", n, shift);
                res = run(simd, shift, init, rms, what);
                double[] rp = new double[n];
                double[] rq = new double[n];
                double[] rm = new double[n];
                double[] rd = new double[n];
                for (int i = 0; i < n; i++) {
                    rq[i] = 0.95 * sq[i] + 0.05 * g[i] * g[i];
                    rm[i] = 0.95 * Math.abs(mean[i]) + 0.05 * Math.abs(g[i]);
                    double ni = res.scalar()[2][i];
                    double mi = res.scalar()[3][i];
                    // n - mean^2 cancels: its error is relative to n, not to the difference.
                    double denom = Math.sqrt(Math.max(ni - mi * mi + 1e-4, 1e-30));
                    double step = 1e-4 * Math.abs(g[i]) / denom;
                    rd[i] = 0.9 * Math.abs(delta[i]) + step * (1 + (ni + mi * mi) / (ni - mi * mi + 1e-4));
                    rp[i] = Math.abs(p[i]) + rd[i];
                }
                compare(what, init, res, new double[][] {rp, null, rq, rm, rd}, of(0, 2, 3, 4), of(4, 3, 2, 6));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {128, 256, 512})
    void emptyInputsAreNoOps(int bits) {
        SimdKernels simd = SimdKernels.create(bits);
        float[][] init = arrays(new float[] {1f, 2f}, new float[] {3f, 4f});
        Call calls = (k, b) -> {
            k.axpy(2f, b.seg(0), b.off(0), b.seg(1), b.off(1), 0);
            k.softmax(b.seg(0), b.off(0), b.seg(1), b.off(1), 0);
            k.gemv(b.seg(0), b.off(0), 0, 2, 2, b.seg(0), b.off(0), b.seg(1), b.off(1), false);
            k.eraseAdd(b.seg(0), b.off(0), b.seg(1), b.off(1), 0, 1, 1, 1, b.seg(0), b.off(0), 1,
                    b.seg(0), b.off(0), 1, b.seg(0), b.off(0), 1);
            return k.dot(b.seg(0), b.off(0), b.seg(1), b.off(1), 0);
        };
        String what = ctx(simd, "zero sizes");
        Result res = run(simd, 1, init, calls, what);
        compare(what, init, res, null, of(), of());
        assertClose(what, 0, res.simdRet(), 0, 1);
    }
}
