package dev.ntm.kernels;

import static dev.ntm.kernels.VectorMath.E2;
import static dev.ntm.kernels.VectorMath.E3;
import static dev.ntm.kernels.VectorMath.E4;
import static dev.ntm.kernels.VectorMath.E5;
import static dev.ntm.kernels.VectorMath.E6;
import static dev.ntm.kernels.VectorMath.EXP_HI;
import static dev.ntm.kernels.VectorMath.EXP_LO;
import static dev.ntm.kernels.VectorMath.L1;
import static dev.ntm.kernels.VectorMath.L2;
import static dev.ntm.kernels.VectorMath.L3;
import static dev.ntm.kernels.VectorMath.LN2_HI;
import static dev.ntm.kernels.VectorMath.LN2_LO;
import static dev.ntm.kernels.VectorMath.LOG2_E;
import static dev.ntm.kernels.VectorMath.MANTISSA;
import static dev.ntm.kernels.VectorMath.SHIFTER;
import static dev.ntm.kernels.VectorMath.SHIFTER_BITS;
import static dev.ntm.kernels.VectorMath.SIGN_BIT;
import static dev.ntm.kernels.VectorMath.SQRT_HALF_BITS;
import static dev.ntm.kernels.VectorMath.SQRT_HALF_SHIFT;
import static dev.ntm.kernels.VectorMath.T11;
import static dev.ntm.kernels.VectorMath.T3;
import static dev.ntm.kernels.VectorMath.T5;
import static dev.ntm.kernels.VectorMath.T7;
import static dev.ntm.kernels.VectorMath.T9;
import static dev.ntm.kernels.VectorMath.TANH_CLAMP;
import static dev.ntm.kernels.VectorMath.TANH_SMALL;
import static dev.ntm.kernels.VectorMath.TWO_23;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Objects;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The SIMD products of {@link SimdKernels}: BLAS level 1, the register-blocked matrix products
 * (forward, input gradient, weight gradient) and the bfloat16 product.
 */
abstract class SimdProducts extends SimdSupport implements LinearAlgebraKernels {

    // ---------------------------------------------------------------- BLAS level 1

    @Override
    public float dot(MemorySegment a, long aOff, MemorySegment b, long bOff, int n) {
        if (n <= 0) {
            return 0f;
        }
        return dotAt(a, at(a, aOff, n), b, at(b, bOff, n), n);
    }

    @Override
    public void axpy(float alpha, MemorySegment x, long xOff, MemorySegment y, long yOff, int n) {
        if (n <= 0) {
            return;
        }
        axpyAt(alpha, x, at(x, xOff, n), y, at(y, yOff, n), n);
    }

    @Override
    public void scale(float alpha, MemorySegment x, long xOff, int n) {
        if (n <= 0) {
            return;
        }
        long xAt = at(x, xOff, n);
        scaleInto(alpha, x, xAt, x, xAt, n);
    }

    @Override
    public double sumOfSquares(MemorySegment x, long xOff, int n) {
        if (n <= 0) {
            return 0;
        }
        long xAt = at(x, xOff, n);
        return dotAt(x, xAt, x, xAt, n);
    }

    @Override
    public void clamp(MemorySegment x, long xOff, int n, float c) {
        if (n <= 0) {
            return;
        }
        long xAt = at(x, xOff, n);
        clipAt(x, xAt, x, xAt, n, c);
    }

    @Override
    public void drainRows(MemorySegment x, long xOff, int ldx, MemorySegment y, long yOff, int ldy, int rows,
                          int cols) {
        if (rows <= 0 || cols <= 0) {
            return;
        }
        if (ldx < cols || ldy < cols) {
            throw new IllegalArgumentException("row strides " + ldx + " and " + ldy + " must be >= cols " + cols);
        }
        long xAt = at(x, xOff, span(rows, ldx, ldx));
        long yAt = at(y, yOff, span(rows, ldy, cols));
        VectorSpecies<Float> sp = species();
        int v = sp.length();
        int bound = cols & -v;
        int zeros = ldx & -v;
        FloatVector zero = FloatVector.zero(sp);
        long ldxb = ldx * 4L;
        long ldyb = ldy * 4L;
        // plain offsets, no per-row slices: a slice used in two loops is not always scalar-replaced
        // (ZeroAllocationTest caught one here, 992 KB over its training passes at batch 1)
        for (int r = 0; r < rows; r++) {
            long xr = xAt + r * ldxb;
            long yr = yAt + r * ldyb;
            int c = 0;
            for (; c < bound; c += v) {
                long o = c * 4L;
                FloatVector.fromMemorySegment(sp, y, yr + o, ORDER).add(FloatVector.fromMemorySegment(sp, x, xr + o, ORDER))
                        .intoMemorySegment(y, yr + o, ORDER);
            }
            for (; c < cols; c++) {
                long o = c * 4L;
                y.set(F, yr + o, y.get(F, yr + o) + x.get(F, xr + o));
            }
            c = 0;
            for (; c < zeros; c += v) {
                zero.intoMemorySegment(x, xr + c * 4L, ORDER);
            }
            for (; c < ldx; c++) {
                x.set(F, xr + c * 4L, 0f);
            }
        }
    }

    void clipAt(MemorySegment xs, long x, MemorySegment ys, long y, int n, float c) {
        VectorSpecies<Float> sp = species();
        int v = sp.length();
        int bound = n & -v;
        int i = 0;
        for (; i < bound; i += v) {
            long o = i * 4L;
            FloatVector.fromMemorySegment(sp, xs, x + o, ORDER).max(-c).min(c).intoMemorySegment(ys, y + o, ORDER);
        }
        if (i < n && n >= v) {
            // the last n mod v floats as the vector that ends at float n: clipping is idempotent, so
            // the floats it repeats get the same bits even in place (see SimdElementwise's last vector)
            long o = (n - v) * 4L;
            FloatVector.fromMemorySegment(sp, xs, x + o, ORDER).max(-c).min(c).intoMemorySegment(ys, y + o, ORDER);
            i = n;
        }
        for (; i < n; i++) {
            long o = i * 4L;
            ys.set(F, y + o, Math.min(Math.max(xs.get(F, x + o), -c), c));
        }
    }

    // ---------------------------------------------------------------- matrix products

    @Override
    public void gemv(MemorySegment w, long wOff, int rows, int cols, int ldw,
                     MemorySegment x, long xOff, MemorySegment y, long yOff, boolean accumulate) {
        if (rows <= 0) {
            return;
        }
        long wAt = at(w, wOff, span(rows, ldw, cols));
        long xAt = at(x, xOff, cols);
        long yAt = at(y, yOff, rows);
        gemvAt(w, wAt, rows, cols, ldw * 4L, x, xAt, y, yAt, accumulate);
    }

    /**
     * One matrix-vector product: on 16 lanes with whole vectors of columns sixteen weight rows at a
     * time ({@link #gemvBlock16}, the same bits per row), then four at a time sharing each load of
     * x, then single rows. The inner loop
     * counts in bytes with a {@code long}: on 129-float rows (8 vectors) that measured ~9% faster and
     * steadier across forks than an {@code int} column index (4.0 +- 0.1 against 4.4 +- 0.3 us for the
     * 400 x 129 gate product); the bounds checks still cost ~25% (3.1 us with them disabled).
     */
    private void gemvAt(MemorySegment ws, long wBase, int rows, int cols, long ldwb,
                        MemorySegment xs, long x, MemorySegment ys, long y, boolean accumulate) {
        VectorSpecies<Float> sp = species();
        int v = sp.length();
        int bound = cols & -v;
        int r = 0;
        if (v == 16 && bound == cols) {
            for (; r + 16 <= rows; r += 16) {
                gemvBlock16(ws, wBase + r * ldwb, cols, ldwb, xs, x, ys, y + r * 4L, accumulate);
            }
        }
        for (; r + 4 <= rows; r += 4) {
            long w0 = wBase + r * ldwb;
            long w1 = w0 + ldwb;
            long w2 = w1 + ldwb;
            long w3 = w2 + ldwb;
            FloatVector a0 = FloatVector.zero(sp);
            FloatVector a1 = FloatVector.zero(sp);
            FloatVector a2 = FloatVector.zero(sp);
            FloatVector a3 = FloatVector.zero(sp);
            long end = bound * 4L;
            long vb = sp.vectorByteSize();
            for (long o = 0; o < end; o += vb) {
                FloatVector xv = FloatVector.fromMemorySegment(sp, xs, x + o, ORDER);
                a0 = FloatVector.fromMemorySegment(sp, ws, w0 + o, ORDER).fma(xv, a0);
                a1 = FloatVector.fromMemorySegment(sp, ws, w1 + o, ORDER).fma(xv, a1);
                a2 = FloatVector.fromMemorySegment(sp, ws, w2 + o, ORDER).fma(xv, a2);
                a3 = FloatVector.fromMemorySegment(sp, ws, w3 + o, ORDER).fma(xv, a3);
            }
            // The lane fold written out with constant shuffle starts, not as a loop over `half`:
            // a shuffle built from a variable start stayed allocated in some C2 compiles
            // (ZeroAllocationTest). Same additions in the same order as the loop.
            if (v > 8) {
                VectorShuffle<Float> fold = VectorShuffle.iota(sp, 8, 1, true);
                a0 = a0.add(a0.rearrange(fold));
                a1 = a1.add(a1.rearrange(fold));
                a2 = a2.add(a2.rearrange(fold));
                a3 = a3.add(a3.rearrange(fold));
            }
            if (v > 4) {
                VectorShuffle<Float> fold = VectorShuffle.iota(sp, 4, 1, true);
                a0 = a0.add(a0.rearrange(fold));
                a1 = a1.add(a1.rearrange(fold));
                a2 = a2.add(a2.rearrange(fold));
                a3 = a3.add(a3.rearrange(fold));
            }
            if (v > 2) {
                VectorShuffle<Float> fold = VectorShuffle.iota(sp, 2, 1, true);
                a0 = a0.add(a0.rearrange(fold));
                a1 = a1.add(a1.rearrange(fold));
                a2 = a2.add(a2.rearrange(fold));
                a3 = a3.add(a3.rearrange(fold));
            }
            if (v > 1) {
                VectorShuffle<Float> fold = VectorShuffle.iota(sp, 1, 1, true);
                a0 = a0.add(a0.rearrange(fold));
                a1 = a1.add(a1.rearrange(fold));
                a2 = a2.add(a2.rearrange(fold));
                a3 = a3.add(a3.rearrange(fold));
            }
            float s0 = a0.lane(0);
            float s1 = a1.lane(0);
            float s2 = a2.lane(0);
            float s3 = a3.lane(0);
            for (int c = bound; c < cols; c++) {
                long o = c * 4L;
                float xc = xs.get(F, x + o);
                s0 += ws.get(F, w0 + o) * xc;
                s1 += ws.get(F, w1 + o) * xc;
                s2 += ws.get(F, w2 + o) * xc;
                s3 += ws.get(F, w3 + o) * xc;
            }
            long yo = y + r * 4L;
            putResult(ys, yo, s0, accumulate);
            putResult(ys, yo + Float.BYTES, s1, accumulate);
            putResult(ys, yo + 2 * Float.BYTES, s2, accumulate);
            putResult(ys, yo + 3 * Float.BYTES, s3, accumulate);
        }
        for (; r < rows; r++) {
            putResult(ys, y + r * 4L, dotAt(ws, wBase + r * ldwb, xs, x, cols), accumulate);
        }
    }

    /** Lanes whose index has bit {@code h} set, for h = 8, 4, 2, 1 (16-lane species only). */
    static final VectorMask<Float> HIGH8 = laneBitMask(8);
    static final VectorMask<Float> HIGH4 = laneBitMask(4);
    static final VectorMask<Float> HIGH2 = laneBitMask(2);
    static final VectorMask<Float> HIGH1 = laneBitMask(1);
    /** Lane i takes lane {@code i ^ h} (16-lane species only). */
    static final VectorShuffle<Float> SWAP8 = laneSwap(8);
    static final VectorShuffle<Float> SWAP4 = laneSwap(4);
    static final VectorShuffle<Float> SWAP2 = laneSwap(2);
    static final VectorShuffle<Float> SWAP1 = laneSwap(1);

    private static VectorMask<Float> laneBitMask(int h) {
        boolean[] bits = new boolean[16];
        for (int i = 0; i < 16; i++) {
            bits[i] = (i & h) != 0;
        }
        return VectorMask.fromArray(FloatVector.SPECIES_512, bits, 0);
    }

    private static VectorShuffle<Float> laneSwap(int h) {
        int[] to = new int[16];
        for (int i = 0; i < 16; i++) {
            to[i] = i ^ h;
        }
        return VectorShuffle.fromArray(FloatVector.SPECIES_512, to, 0);
    }

    // One step of the lane fold for two accumulators p and q at once, written out at each use (a
    // helper taking vectors would box them once C2 stops inlining): p.blend(q, HIGHh) +
    // q.blend(p, HIGHh).rearrange(SWAPh) holds, where lane i has bit h clear, p[i] + p[i + h], and
    // where it is set, q[i] + q[i - h]: the sums the fold of gemvAt forms for each alone.

    /**
     * Sixteen rows of {@link #gemvAt} for a 16-lane species and whole vectors of columns, with the
     * bits of its four-row blocks: each row's lanes accumulate the same fused multiply-adds, and
     * the sixteen folds (pairs at distance 8, 4, 2, 1) run together, two accumulators per shuffle,
     * so that lane i of the result is row i's sum. 16 shuffles and one vector store instead of 64
     * shuffles and 16 scalar stores; 17 loads per 16 multiply-adds instead of 20.
     */
    private void gemvBlock16(MemorySegment ws, long w0, int cols, long ldwb,
                             MemorySegment xs, long x, MemorySegment ys, long y, boolean accumulate) {
        VectorSpecies<Float> sp = species();
        FloatVector a0 = FloatVector.zero(sp);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        FloatVector a4 = a0;
        FloatVector a5 = a0;
        FloatVector a6 = a0;
        FloatVector a7 = a0;
        FloatVector a8 = a0;
        FloatVector a9 = a0;
        FloatVector a10 = a0;
        FloatVector a11 = a0;
        FloatVector a12 = a0;
        FloatVector a13 = a0;
        FloatVector a14 = a0;
        FloatVector a15 = a0;
        long end = cols * 4L;
        long vb = sp.vectorByteSize();
        MemorySegment xr = run(xs, x, cols);
        MemorySegment blk = ws.asSlice(w0, 15 * ldwb + end);
        for (long o = 0; o < end; o += vb) {
            FloatVector xv = FloatVector.fromMemorySegment(sp, xr, o, ORDER);
            long w = o;
            a0 = FloatVector.fromMemorySegment(sp, blk, w, ORDER).fma(xv, a0);
            a1 = FloatVector.fromMemorySegment(sp, blk, w + ldwb, ORDER).fma(xv, a1);
            a2 = FloatVector.fromMemorySegment(sp, blk, w + 2 * ldwb, ORDER).fma(xv, a2);
            a3 = FloatVector.fromMemorySegment(sp, blk, w + 3 * ldwb, ORDER).fma(xv, a3);
            a4 = FloatVector.fromMemorySegment(sp, blk, w + 4 * ldwb, ORDER).fma(xv, a4);
            a5 = FloatVector.fromMemorySegment(sp, blk, w + 5 * ldwb, ORDER).fma(xv, a5);
            a6 = FloatVector.fromMemorySegment(sp, blk, w + 6 * ldwb, ORDER).fma(xv, a6);
            a7 = FloatVector.fromMemorySegment(sp, blk, w + 7 * ldwb, ORDER).fma(xv, a7);
            a8 = FloatVector.fromMemorySegment(sp, blk, w + 8 * ldwb, ORDER).fma(xv, a8);
            a9 = FloatVector.fromMemorySegment(sp, blk, w + 9 * ldwb, ORDER).fma(xv, a9);
            a10 = FloatVector.fromMemorySegment(sp, blk, w + 10 * ldwb, ORDER).fma(xv, a10);
            a11 = FloatVector.fromMemorySegment(sp, blk, w + 11 * ldwb, ORDER).fma(xv, a11);
            a12 = FloatVector.fromMemorySegment(sp, blk, w + 12 * ldwb, ORDER).fma(xv, a12);
            a13 = FloatVector.fromMemorySegment(sp, blk, w + 13 * ldwb, ORDER).fma(xv, a13);
            a14 = FloatVector.fromMemorySegment(sp, blk, w + 14 * ldwb, ORDER).fma(xv, a14);
            a15 = FloatVector.fromMemorySegment(sp, blk, w + 15 * ldwb, ORDER).fma(xv, a15);
        }
        // Row i ends in lane i: the pair at distance 8 puts rows i and i + 8 in one vector, and so on.
        FloatVector b0 = a0.blend(a8, HIGH8).add(a8.blend(a0, HIGH8).rearrange(SWAP8));
        FloatVector b1 = a1.blend(a9, HIGH8).add(a9.blend(a1, HIGH8).rearrange(SWAP8));
        FloatVector b2 = a2.blend(a10, HIGH8).add(a10.blend(a2, HIGH8).rearrange(SWAP8));
        FloatVector b3 = a3.blend(a11, HIGH8).add(a11.blend(a3, HIGH8).rearrange(SWAP8));
        FloatVector b4 = a4.blend(a12, HIGH8).add(a12.blend(a4, HIGH8).rearrange(SWAP8));
        FloatVector b5 = a5.blend(a13, HIGH8).add(a13.blend(a5, HIGH8).rearrange(SWAP8));
        FloatVector b6 = a6.blend(a14, HIGH8).add(a14.blend(a6, HIGH8).rearrange(SWAP8));
        FloatVector b7 = a7.blend(a15, HIGH8).add(a15.blend(a7, HIGH8).rearrange(SWAP8));
        FloatVector c0 = b0.blend(b4, HIGH4).add(b4.blend(b0, HIGH4).rearrange(SWAP4));
        FloatVector c1 = b1.blend(b5, HIGH4).add(b5.blend(b1, HIGH4).rearrange(SWAP4));
        FloatVector c2 = b2.blend(b6, HIGH4).add(b6.blend(b2, HIGH4).rearrange(SWAP4));
        FloatVector c3 = b3.blend(b7, HIGH4).add(b7.blend(b3, HIGH4).rearrange(SWAP4));
        FloatVector d0 = c0.blend(c2, HIGH2).add(c2.blend(c0, HIGH2).rearrange(SWAP2));
        FloatVector d1 = c1.blend(c3, HIGH2).add(c3.blend(c1, HIGH2).rearrange(SWAP2));
        FloatVector sums = d0.blend(d1, HIGH1).add(d1.blend(d0, HIGH1).rearrange(SWAP1));
        if (accumulate) {
            sums = FloatVector.fromMemorySegment(sp, ys, y, ORDER).add(sums);
        }
        sums.intoMemorySegment(ys, y, ORDER);
    }

    private static void putResult(MemorySegment ys, long o, float s, boolean accumulate) {
        ys.set(F, o, accumulate ? ys.get(F, o) + s : s);
    }

    @Override
    public void gemvTransposed(MemorySegment w, long wOff, int rows, int cols, int ldw,
                               MemorySegment dy, long dyOff, MemorySegment dx, long dxOff) {
        if (rows <= 0 || cols <= 0) {
            return;
        }
        long wAt = at(w, wOff, span(rows, ldw, cols));
        long dyAt = at(dy, dyOff, rows);
        long dxAt = at(dx, dxOff, cols);
        gemmTransposedAt(w, wAt, rows, cols, ldw * 4L, dy, dyAt, 0, dx, dxAt, 0, 1);
    }

    @Override
    public void rank1Update(MemorySegment dw, long dwOff, int rows, int cols, int ldw,
                            MemorySegment dy, long dyOff, MemorySegment x, long xOff) {
        if (rows <= 0 || cols <= 0) {
            return;
        }
        long dwAt = at(dw, dwOff, span(rows, ldw, cols));
        long dyAt = at(dy, dyOff, rows);
        long xAt = at(x, xOff, cols);
        long ldwb = ldw * 4L;
        for (int r = 0; r < rows; r++) {
            axpyAt(dy.get(F, dyAt + r * 4L), x, xAt, dw, dwAt + r * ldwb, cols);
        }
    }

    @Override
    public void gemm(MemorySegment w, long wOff, int rows, int cols, int ldw,
                     MemorySegment x, long xOff, int ldx,
                     MemorySegment y, long yOff, int ldy, int batch, boolean accumulate) {
        if (rows <= 0 || batch <= 0) {
            return;
        }
        long wAt = at(w, wOff, span(rows, ldw, cols));
        long xAt = at(x, xOff, span(batch, ldx, cols));
        long yAt = at(y, yOff, span(batch, ldy, rows));
        long ldwb = ldw * 4L;
        long ldxb = ldx * 4L;
        long ldyb = ldy * 4L;
        int b = 0;
        for (; b + 4 <= batch; b += 4) {
            gemmBlock4(w, wAt, rows, cols, ldwb, x, xAt + b * ldxb, ldxb, y, yAt + b * ldyb, ldyb, accumulate);
        }
        for (; b < batch; b++) {
            gemvAt(w, wAt, rows, cols, ldwb, x, xAt + b * ldxb, y, yAt + b * ldyb, accumulate);
        }
    }

    /**
     * Four batch rows against all weight rows, two weight rows at a time: each weight vector is
     * loaded once for the four batch rows, each input vector once for the two weight rows.
     */
    private void gemmBlock4(MemorySegment ws, long wBase, int rows, int cols, long ldwb,
                            MemorySegment xs, long x0, long ldxb,
                            MemorySegment ys, long y0, long ldyb, boolean accumulate) {
        VectorSpecies<Float> sp = species();
        int v = sp.length();
        int bound = cols & -v;
        long x1 = x0 + ldxb;
        long x2 = x1 + ldxb;
        long x3 = x2 + ldxb;
        int r = 0;
        for (; r + 2 <= rows; r += 2) {
            long wa = wBase + r * ldwb;
            long wb = wa + ldwb;
            FloatVector a0 = FloatVector.zero(sp);
            FloatVector a1 = FloatVector.zero(sp);
            FloatVector a2 = FloatVector.zero(sp);
            FloatVector a3 = FloatVector.zero(sp);
            FloatVector b0 = FloatVector.zero(sp);
            FloatVector b1 = FloatVector.zero(sp);
            FloatVector b2 = FloatVector.zero(sp);
            FloatVector b3 = FloatVector.zero(sp);
            long end = bound * 4L;
            long step = sp.vectorByteSize();
            for (long o = 0; o < end; o += step) {
                FloatVector va = FloatVector.fromMemorySegment(sp, ws, wa + o, ORDER);
                FloatVector vb = FloatVector.fromMemorySegment(sp, ws, wb + o, ORDER);
                FloatVector v0 = FloatVector.fromMemorySegment(sp, xs, x0 + o, ORDER);
                a0 = va.fma(v0, a0);
                b0 = vb.fma(v0, b0);
                FloatVector v1 = FloatVector.fromMemorySegment(sp, xs, x1 + o, ORDER);
                a1 = va.fma(v1, a1);
                b1 = vb.fma(v1, b1);
                FloatVector v2 = FloatVector.fromMemorySegment(sp, xs, x2 + o, ORDER);
                a2 = va.fma(v2, a2);
                b2 = vb.fma(v2, b2);
                FloatVector v3 = FloatVector.fromMemorySegment(sp, xs, x3 + o, ORDER);
                a3 = va.fma(v3, a3);
                b3 = vb.fma(v3, b3);
            }
            // the lane fold with constant shuffle starts (a variable start can stay allocated; see gemvAt)
            if (v > 8) {
                VectorShuffle<Float> fold = VectorShuffle.iota(sp, 8, 1, true);
                a0 = a0.add(a0.rearrange(fold));
                a1 = a1.add(a1.rearrange(fold));
                a2 = a2.add(a2.rearrange(fold));
                a3 = a3.add(a3.rearrange(fold));
                b0 = b0.add(b0.rearrange(fold));
                b1 = b1.add(b1.rearrange(fold));
                b2 = b2.add(b2.rearrange(fold));
                b3 = b3.add(b3.rearrange(fold));
            }
            if (v > 4) {
                VectorShuffle<Float> fold = VectorShuffle.iota(sp, 4, 1, true);
                a0 = a0.add(a0.rearrange(fold));
                a1 = a1.add(a1.rearrange(fold));
                a2 = a2.add(a2.rearrange(fold));
                a3 = a3.add(a3.rearrange(fold));
                b0 = b0.add(b0.rearrange(fold));
                b1 = b1.add(b1.rearrange(fold));
                b2 = b2.add(b2.rearrange(fold));
                b3 = b3.add(b3.rearrange(fold));
            }
            if (v > 2) {
                VectorShuffle<Float> fold = VectorShuffle.iota(sp, 2, 1, true);
                a0 = a0.add(a0.rearrange(fold));
                a1 = a1.add(a1.rearrange(fold));
                a2 = a2.add(a2.rearrange(fold));
                a3 = a3.add(a3.rearrange(fold));
                b0 = b0.add(b0.rearrange(fold));
                b1 = b1.add(b1.rearrange(fold));
                b2 = b2.add(b2.rearrange(fold));
                b3 = b3.add(b3.rearrange(fold));
            }
            if (v > 1) {
                VectorShuffle<Float> fold = VectorShuffle.iota(sp, 1, 1, true);
                a0 = a0.add(a0.rearrange(fold));
                a1 = a1.add(a1.rearrange(fold));
                a2 = a2.add(a2.rearrange(fold));
                a3 = a3.add(a3.rearrange(fold));
                b0 = b0.add(b0.rearrange(fold));
                b1 = b1.add(b1.rearrange(fold));
                b2 = b2.add(b2.rearrange(fold));
                b3 = b3.add(b3.rearrange(fold));
            }
            float sa0 = a0.lane(0);
            float sa1 = a1.lane(0);
            float sa2 = a2.lane(0);
            float sa3 = a3.lane(0);
            float sb0 = b0.lane(0);
            float sb1 = b1.lane(0);
            float sb2 = b2.lane(0);
            float sb3 = b3.lane(0);
            for (int c = bound; c < cols; c++) {
                long o = c * 4L;
                float wac = ws.get(F, wa + o);
                float wbc = ws.get(F, wb + o);
                float c0 = xs.get(F, x0 + o);
                float c1 = xs.get(F, x1 + o);
                float c2 = xs.get(F, x2 + o);
                float c3 = xs.get(F, x3 + o);
                sa0 += wac * c0;
                sa1 += wac * c1;
                sa2 += wac * c2;
                sa3 += wac * c3;
                sb0 += wbc * c0;
                sb1 += wbc * c1;
                sb2 += wbc * c2;
                sb3 += wbc * c3;
            }
            long yo = y0 + r * 4L;
            putResult(ys, yo, sa0, accumulate);
            putResult(ys, yo + Float.BYTES, sb0, accumulate);
            putResult(ys, yo + ldyb, sa1, accumulate);
            putResult(ys, yo + ldyb + Float.BYTES, sb1, accumulate);
            putResult(ys, yo + 2 * ldyb, sa2, accumulate);
            putResult(ys, yo + 2 * ldyb + Float.BYTES, sb2, accumulate);
            putResult(ys, yo + 3 * ldyb, sa3, accumulate);
            putResult(ys, yo + 3 * ldyb + Float.BYTES, sb3, accumulate);
        }
        if (r < rows) {
            long wa = wBase + r * ldwb;
            long yo = y0 + r * 4L;
            putResult(ys, yo, dotAt(ws, wa, xs, x0, cols), accumulate);
            putResult(ys, yo + ldyb, dotAt(ws, wa, xs, x1, cols), accumulate);
            putResult(ys, yo + 2 * ldyb, dotAt(ws, wa, xs, x2, cols), accumulate);
            putResult(ys, yo + 3 * ldyb, dotAt(ws, wa, xs, x3, cols), accumulate);
        }
    }

    @Override
    public void gemmTransposed(MemorySegment w, long wOff, int rows, int cols, int ldw,
                               MemorySegment dy, long dyOff, int lddy,
                               MemorySegment dx, long dxOff, int lddx, int batch) {
        if (rows <= 0 || cols <= 0 || batch <= 0) {
            return;
        }
        long wAt = at(w, wOff, span(rows, ldw, cols));
        long dyAt = at(dy, dyOff, span(batch, lddy, rows));
        long dxAt = at(dx, dxOff, span(batch, lddx, cols));
        gemmTransposedAt(w, wAt, rows, cols, ldw * 4L, dy, dyAt, lddy * 4L, dx, dxAt, lddx * 4L, batch);
    }

    /**
     * {@code dX[b][c] += sum_r W[r][c] dY[b][r]}, register-blocked: tiles of four batch rows by three
     * column vectors (twelve accumulators; per weight row, three vector loads and four broadcasts
     * feed twelve fused multiply-adds), then four rows by one vector, then one masked vector for the
     * last {@code cols mod v} columns; leftover batch rows go one at a time, four vectors wide.
     *
     * <p>Every element is the same chain whatever tile computes it: its old value, then one fused
     * multiply-add per weight row, rows ascending. So a batch row's result does not depend on the
     * batch size or on its place in the batch (batch invariance, relied on by multi-session
     * inference), and it equals {@link #gemvTransposed} of that row. Offsets in bytes, checked.
     */
    private void gemmTransposedAt(MemorySegment ws, long wBase, int rows, int cols, long ldwb,
                                  MemorySegment dys, long dy0, long lddyb,
                                  MemorySegment dxs, long dx0, long lddxb, int batch) {
        VectorSpecies<Float> sp = species();
        int v = sp.length();
        int full = cols & -v;
        int b = 0;
        for (; b + 4 <= batch; b += 4) {
            long dy = dy0 + b * lddyb;
            long dx = dx0 + b * lddxb;
            int c = 0;
            for (; c + 3 * v <= full; c += 3 * v) {
                tile4x3(ws, wBase + c * 4L, rows, ldwb, dys, dy, lddyb, dxs, dx + c * 4L, lddxb, v);
            }
            for (; c < full; c += v) {
                tile4x1(ws, wBase + c * 4L, rows, ldwb, dys, dy, lddyb, dxs, dx + c * 4L, lddxb);
            }
            if (full < cols) {
                for (int b4 = 0; b4 < 4; b4++) {
                    columnTail(ws, wBase, full, cols, rows, ldwb, dys, dy + b4 * lddyb, dxs, dx + b4 * lddxb);
                }
            }
        }
        // Two or three batch rows left: two of them share each pass over W.
        for (; b + 2 <= batch; b += 2) {
            long dy = dy0 + b * lddyb;
            long dx = dx0 + b * lddxb;
            int c = 0;
            for (; c + 4 * v <= full; c += 4 * v) {
                tile2x4(ws, wBase + c * 4L, rows, ldwb, dys, dy, lddyb, dxs, dx + c * 4L, lddxb, v);
            }
            rowRest(ws, wBase, c, full, cols, rows, ldwb, dys, dy, dxs, dx, v);
            rowRest(ws, wBase, c, full, cols, rows, ldwb, dys, dy + lddyb, dxs, dx + lddxb, v);
        }
        for (; b < batch; b++) {
            long dy = dy0 + b * lddyb;
            long dx = dx0 + b * lddxb;
            int c = 0;
            for (; c + 4 * v <= full; c += 4 * v) {
                if (full - c == 5 * v) {
                    // four vectors and one left: one pass of five, where the lone vector's pass would
                    // wait on each fused multiply-add (the copy task's LSTM: 9 vectors as 4 + 5)
                    tile1x5(ws, wBase + c * 4L, rows, ldwb, dys, dy, dxs, dx + c * 4L, v);
                    c += 5 * v;
                    break;
                }
                tile1x4(ws, wBase + c * 4L, rows, ldwb, dys, dy, dxs, dx + c * 4L, v);
            }
            rowRest(ws, wBase, c, full, cols, rows, ldwb, dys, dy, dxs, dx, v);
        }
    }

    /**
     * One batch row of {@link #gemmTransposedAt} from column {@code c} on: the last one to three
     * vectors in one pass (a single chain would wait on each FMA), then the scalar columns.
     */
    private void rowRest(MemorySegment ws, long wBase, int c, int full, int cols, int rows, long ldwb,
                         MemorySegment dys, long dy, MemorySegment dxs, long dx, int v) {
        if (c + 3 * v <= full) {
            tile1x3(ws, wBase + c * 4L, rows, ldwb, dys, dy, dxs, dx + c * 4L, v);
        } else if (c + 2 * v <= full) {
            tile1x2(ws, wBase + c * 4L, rows, ldwb, dys, dy, dxs, dx + c * 4L, v);
        } else if (c < full) {
            tile1x1(ws, wBase + c * 4L, rows, ldwb, dys, dy, dxs, dx + c * 4L);
        }
        if (full < cols) {
            columnTail(ws, wBase, full, cols, rows, ldwb, dys, dy, dxs, dx);
        }
    }

    /**
     * Two batch rows by four column vectors: each weight vector loaded once for both rows, every
     * element the same chain of fused multiply-adds as in {@link #tile1x4}.
     */
    private void tile2x4(MemorySegment ws, long w, int rows, long ldwb, MemorySegment dys, long dy, long lddyb,
                         MemorySegment dxs, long dx, long lddxb, int v) {
        VectorSpecies<Float> sp = species();
        long vb = v * 4L;
        long dx1 = dx + lddxb;
        FloatVector a00 = FloatVector.fromMemorySegment(sp, dxs, dx, ORDER);
        FloatVector a01 = FloatVector.fromMemorySegment(sp, dxs, dx + vb, ORDER);
        FloatVector a02 = FloatVector.fromMemorySegment(sp, dxs, dx + 2 * vb, ORDER);
        FloatVector a03 = FloatVector.fromMemorySegment(sp, dxs, dx + 3 * vb, ORDER);
        FloatVector a10 = FloatVector.fromMemorySegment(sp, dxs, dx1, ORDER);
        FloatVector a11 = FloatVector.fromMemorySegment(sp, dxs, dx1 + vb, ORDER);
        FloatVector a12 = FloatVector.fromMemorySegment(sp, dxs, dx1 + 2 * vb, ORDER);
        FloatVector a13 = FloatVector.fromMemorySegment(sp, dxs, dx1 + 3 * vb, ORDER);
        MemorySegment g0s = dys.asSlice(dy, rows * 4L);
        MemorySegment g1s = dys.asSlice(dy + lddyb, rows * 4L);
        for (int r = 0; r < rows; r++) {
            MemorySegment row = ws.asSlice(w + r * ldwb, 4 * vb);
            FloatVector g0 = FloatVector.broadcast(sp, g0s.get(F, r * 4L));
            FloatVector g1 = FloatVector.broadcast(sp, g1s.get(F, r * 4L));
            FloatVector w0 = FloatVector.fromMemorySegment(sp, row, 0, ORDER);
            FloatVector w1 = FloatVector.fromMemorySegment(sp, row, vb, ORDER);
            FloatVector w2 = FloatVector.fromMemorySegment(sp, row, 2 * vb, ORDER);
            FloatVector w3 = FloatVector.fromMemorySegment(sp, row, 3 * vb, ORDER);
            a00 = w0.fma(g0, a00);
            a01 = w1.fma(g0, a01);
            a02 = w2.fma(g0, a02);
            a03 = w3.fma(g0, a03);
            a10 = w0.fma(g1, a10);
            a11 = w1.fma(g1, a11);
            a12 = w2.fma(g1, a12);
            a13 = w3.fma(g1, a13);
        }
        a00.intoMemorySegment(dxs, dx, ORDER);
        a01.intoMemorySegment(dxs, dx + vb, ORDER);
        a02.intoMemorySegment(dxs, dx + 2 * vb, ORDER);
        a03.intoMemorySegment(dxs, dx + 3 * vb, ORDER);
        a10.intoMemorySegment(dxs, dx1, ORDER);
        a11.intoMemorySegment(dxs, dx1 + vb, ORDER);
        a12.intoMemorySegment(dxs, dx1 + 2 * vb, ORDER);
        a13.intoMemorySegment(dxs, dx1 + 3 * vb, ORDER);
    }

    @Override
    public void gemmTransposedBf16(MemorySegment w, long wOff, int rows, int cols, int ldw,
                                   MemorySegment dy, long dyOff, int lddy,
                                   MemorySegment dx, long dxOff, int lddx, int batch) {
        if (rows <= 0 || cols <= 0 || batch <= 0) {
            return;
        }
        int width = Bf16.pairedStride(cols);
        if ((wOff & 1) != 0 || (ldw & 1) != 0 || ldw < width) {
            throw new IllegalArgumentException("paired bfloat16 rows need an even offset and an even stride of at least "
                    + width + " elements for " + cols + " columns, got offset " + wOff + " and stride " + ldw);
        }
        long wAt = Objects.checkFromIndexSize(wOff * 2, ((rows - 1L) * ldw + width) * 2, w.byteSize());
        long dyAt = at(dy, dyOff, span(batch, lddy, rows));
        long dxAt = at(dx, dxOff, span(batch, lddx, cols));
        int v = species().length();
        int per = 16 / v;
        // int vector q of a row holds ints [q v, q v + v): columns lo(q) .. + v in its low halves and
        // lo(q) + 16 .. + v in its high halves. Pairs: both runs inside cols; then (in the last,
        // partial group) vectors whose low run alone is inside; then scalar columns from cols & -v.
        int groups = cols / Bf16.GROUP;
        int rest = cols - groups * Bf16.GROUP;
        int pairs = groups * per;
        int lows = 0;
        for (int k = 0; k < per; k++) {
            if (16 + (k + 1) * v <= rest) {
                pairs++;
            } else if ((k + 1) * v <= rest) {
                lows++;
            }
        }
        int full = cols & -v;
        long ldwb = 2L * ldw;
        for (int b = 0; b < batch; b++) {
            long dyb = dyAt + b * lddy * 4L;
            long dxb = dxAt + b * lddx * 4L;
            int q = 0;
            int lowsLeft = lows;
            for (; pairs - q >= 3; q += 3) {
                if (pairs - q == 3 && lowsLeft > 0) {
                    // the last three pairs take the first low-only run along: seven chains, not six and one
                    pairedTile3(w, wAt, q, true, per, v, rows, ldwb, dy, dyb, dx, dxb);
                    lowsLeft--;
                } else {
                    pairedTile3(w, wAt, q, false, per, v, rows, ldwb, dy, dyb, dx, dxb);
                }
            }
            for (; q < pairs; q++) {
                pairedTile1(w, wAt, q, false, per, v, rows, ldwb, dy, dyb, dx, dxb);
            }
            for (int l = lows - lowsLeft; l < lows; l++) {
                pairedTile1(w, wAt, pairs + l, true, per, v, rows, ldwb, dy, dyb, dx, dxb);
            }
            for (int c = full; c < cols; c++) {
                float acc = dx.get(F, dxb + c * 4L);
                long e = 2L * Bf16.pairedIndex(c);
                for (int r = 0; r < rows; r++) {
                    acc = Math.fma(Float.intBitsToFloat(w.get(Bf16.LAYOUT, wAt + r * ldwb + e) << 16),
                            dy.get(F, dyb + r * 4L), acc);
                }
                dx.set(F, dxb + c * 4L, acc);
            }
        }
    }

    /** The first column of the low run of paired int vector {@code q} ({@code per} vectors to a half group). */
    private static int pairedColumn(int q, int per, int v) {
        return Bf16.GROUP * (q / per) + (q % per) * v;
    }

    /** Paired bfloat16 rows are little-endian ({@link Bf16#LAYOUT}), whatever the platform. */
    private static final ByteOrder PAIRED = ByteOrder.LITTLE_ENDIAN;
    /** The high half of an int: a widened bfloat16 that sits there. */
    private static final int HIGH_HALF = 0xFFFF0000;
    /** Bytes from a paired vector's low run of columns in dX to its high run, half a group later. */
    private static final long HIGH_RUN = 4L * (Bf16.GROUP / 2);

    /**
     * Three paired int vectors from {@code q} of one batch row (six column runs, and with
     * {@code withLow} the low run of vector {@code q + 3} as a seventh): per weight row, each int
     * vector load widens into two float vectors (low halves shifted up by 16, high halves masked),
     * exactly the floats of the bfloat16 values, which feed the same FMA chains as a float weight
     * would. Byte offsets.
     */
    private void pairedTile3(MemorySegment ws, long w, int q, boolean withLow, int per, int v, int rows, long ldwb,
                             MemorySegment dys, long dy, MemorySegment dxs, long dx) {
        VectorSpecies<Float> sp = species();
        VectorSpecies<Integer> is = intSpecies();
        long x0 = dx + 4L * pairedColumn(q, per, v);
        long x1 = dx + 4L * pairedColumn(q + 1, per, v);
        long x2 = dx + 4L * pairedColumn(q + 2, per, v);
        long x3 = dx + 4L * pairedColumn(q + 3, per, v);
        long vb = v * 4L;
        long wq = w + q * vb;
        FloatVector l0 = FloatVector.fromMemorySegment(sp, dxs, x0, ORDER);
        FloatVector h0 = FloatVector.fromMemorySegment(sp, dxs, x0 + HIGH_RUN, ORDER);
        FloatVector l1 = FloatVector.fromMemorySegment(sp, dxs, x1, ORDER);
        FloatVector h1 = FloatVector.fromMemorySegment(sp, dxs, x1 + HIGH_RUN, ORDER);
        FloatVector l2 = FloatVector.fromMemorySegment(sp, dxs, x2, ORDER);
        FloatVector h2 = FloatVector.fromMemorySegment(sp, dxs, x2 + HIGH_RUN, ORDER);
        // withLow is loop-invariant: C2 unswitches the loop into a six- and a seven-chain copy
        FloatVector l3 = withLow ? FloatVector.fromMemorySegment(sp, dxs, x3, ORDER) : FloatVector.zero(sp);
        // The loop walks the weight rows by their byte offset, a stride C2 does not know: it then
        // leaves the loop as written. Counted over r, with the JDK's per-access checks off, C2
        // unrolled it so far that the product ran 1.6x slower (StepParts: 1,054 -> 1,654 ns).
        long end = wq + rows * ldwb;
        long gr = dy;
        for (long wr = wq; wr < end; wr += ldwb, gr += 4) {
            FloatVector g = FloatVector.broadcast(sp, dys.get(F, gr));
            IntVector p0 = IntVector.fromMemorySegment(is, ws, wr, PAIRED);
            IntVector p1 = IntVector.fromMemorySegment(is, ws, wr + vb, PAIRED);
            IntVector p2 = IntVector.fromMemorySegment(is, ws, wr + 2 * vb, PAIRED);
            l0 = p0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(g, l0);
            h0 = p0.lanewise(VectorOperators.AND, HIGH_HALF).reinterpretAsFloats().fma(g, h0);
            l1 = p1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(g, l1);
            h1 = p1.lanewise(VectorOperators.AND, HIGH_HALF).reinterpretAsFloats().fma(g, h1);
            l2 = p2.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(g, l2);
            h2 = p2.lanewise(VectorOperators.AND, HIGH_HALF).reinterpretAsFloats().fma(g, h2);
            if (withLow) {
                l3 = IntVector.fromMemorySegment(is, ws, wr + 3 * vb, PAIRED).lanewise(VectorOperators.LSHL, 16)
                        .reinterpretAsFloats().fma(g, l3);
            }
        }
        if (withLow) {
            l3.intoMemorySegment(dxs, x3, ORDER);
        }
        l0.intoMemorySegment(dxs, x0, ORDER);
        h0.intoMemorySegment(dxs, x0 + HIGH_RUN, ORDER);
        l1.intoMemorySegment(dxs, x1, ORDER);
        h1.intoMemorySegment(dxs, x1 + HIGH_RUN, ORDER);
        l2.intoMemorySegment(dxs, x2, ORDER);
        h2.intoMemorySegment(dxs, x2 + HIGH_RUN, ORDER);
    }

    /** One paired int vector {@code q} of one batch row: both its runs, or with {@code lowOnly} its low run. */
    private void pairedTile1(MemorySegment ws, long w, int q, boolean lowOnly, int per, int v, int rows, long ldwb,
                             MemorySegment dys, long dy, MemorySegment dxs, long dx) {
        VectorSpecies<Float> sp = species();
        VectorSpecies<Integer> is = intSpecies();
        long x0 = dx + 4L * pairedColumn(q, per, v);
        long wq = w + q * v * 4L;
        FloatVector l0 = FloatVector.fromMemorySegment(sp, dxs, x0, ORDER);
        FloatVector h0 = lowOnly ? FloatVector.zero(sp) : FloatVector.fromMemorySegment(sp, dxs, x0 + HIGH_RUN, ORDER);
        // rows walked by byte offset, as in pairedTile3
        long end = wq + rows * ldwb;
        long gr = dy;
        for (long wr = wq; wr < end; wr += ldwb, gr += 4) {
            IntVector p0 = IntVector.fromMemorySegment(is, ws, wr, PAIRED);
            FloatVector g = FloatVector.broadcast(sp, dys.get(F, gr));
            l0 = p0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(g, l0);
            if (!lowOnly) {
                h0 = p0.lanewise(VectorOperators.AND, HIGH_HALF).reinterpretAsFloats().fma(g, h0);
            }
        }
        if (!lowOnly) {
            h0.intoMemorySegment(dxs, x0 + HIGH_RUN, ORDER);
        }
        l0.intoMemorySegment(dxs, x0, ORDER);
    }

    /**
     * Four batch rows by three column vectors of {@link #gemmTransposedAt}. Each run is read through
     * a slice of its own, indexed from 0: C2 then drops the bounds checks of the loads (a weight row
     * slice of three vectors, made per row, costs one check for the three).
     */
    private void tile4x3(MemorySegment ws, long w, int rows, long ldwb, MemorySegment dys, long dy, long lddyb,
                         MemorySegment dxs, long dx, long lddxb, int v) {
        VectorSpecies<Float> sp = species();
        long vb = v * 4L;
        long rb = rows * 4L;
        MemorySegment g0s = dys.asSlice(dy, rb);
        MemorySegment g1s = dys.asSlice(dy + lddyb, rb);
        MemorySegment g2s = dys.asSlice(dy + 2 * lddyb, rb);
        MemorySegment g3s = dys.asSlice(dy + 3 * lddyb, rb);
        MemorySegment out0 = dxs.asSlice(dx, 3 * vb);
        MemorySegment out1 = dxs.asSlice(dx + lddxb, 3 * vb);
        MemorySegment out2 = dxs.asSlice(dx + 2 * lddxb, 3 * vb);
        MemorySegment out3 = dxs.asSlice(dx + 3 * lddxb, 3 * vb);
        FloatVector a00 = FloatVector.fromMemorySegment(sp, out0, 0, ORDER);
        FloatVector a01 = FloatVector.fromMemorySegment(sp, out0, vb, ORDER);
        FloatVector a02 = FloatVector.fromMemorySegment(sp, out0, 2 * vb, ORDER);
        FloatVector a10 = FloatVector.fromMemorySegment(sp, out1, 0, ORDER);
        FloatVector a11 = FloatVector.fromMemorySegment(sp, out1, vb, ORDER);
        FloatVector a12 = FloatVector.fromMemorySegment(sp, out1, 2 * vb, ORDER);
        FloatVector a20 = FloatVector.fromMemorySegment(sp, out2, 0, ORDER);
        FloatVector a21 = FloatVector.fromMemorySegment(sp, out2, vb, ORDER);
        FloatVector a22 = FloatVector.fromMemorySegment(sp, out2, 2 * vb, ORDER);
        FloatVector a30 = FloatVector.fromMemorySegment(sp, out3, 0, ORDER);
        FloatVector a31 = FloatVector.fromMemorySegment(sp, out3, vb, ORDER);
        FloatVector a32 = FloatVector.fromMemorySegment(sp, out3, 2 * vb, ORDER);
        for (int r = 0; r < rows; r++) {
            long g = r * 4L;
            MemorySegment row = ws.asSlice(w + r * ldwb, 3 * vb);
            FloatVector w0 = FloatVector.fromMemorySegment(sp, row, 0, ORDER);
            FloatVector w1 = FloatVector.fromMemorySegment(sp, row, vb, ORDER);
            FloatVector w2 = FloatVector.fromMemorySegment(sp, row, 2 * vb, ORDER);
            FloatVector g0 = FloatVector.broadcast(sp, g0s.get(F, g));
            a00 = w0.fma(g0, a00);
            a01 = w1.fma(g0, a01);
            a02 = w2.fma(g0, a02);
            FloatVector g1 = FloatVector.broadcast(sp, g1s.get(F, g));
            a10 = w0.fma(g1, a10);
            a11 = w1.fma(g1, a11);
            a12 = w2.fma(g1, a12);
            FloatVector g2 = FloatVector.broadcast(sp, g2s.get(F, g));
            a20 = w0.fma(g2, a20);
            a21 = w1.fma(g2, a21);
            a22 = w2.fma(g2, a22);
            FloatVector g3 = FloatVector.broadcast(sp, g3s.get(F, g));
            a30 = w0.fma(g3, a30);
            a31 = w1.fma(g3, a31);
            a32 = w2.fma(g3, a32);
        }
        a00.intoMemorySegment(out0, 0, ORDER);
        a01.intoMemorySegment(out0, vb, ORDER);
        a02.intoMemorySegment(out0, 2 * vb, ORDER);
        a10.intoMemorySegment(out1, 0, ORDER);
        a11.intoMemorySegment(out1, vb, ORDER);
        a12.intoMemorySegment(out1, 2 * vb, ORDER);
        a20.intoMemorySegment(out2, 0, ORDER);
        a21.intoMemorySegment(out2, vb, ORDER);
        a22.intoMemorySegment(out2, 2 * vb, ORDER);
        a30.intoMemorySegment(out3, 0, ORDER);
        a31.intoMemorySegment(out3, vb, ORDER);
        a32.intoMemorySegment(out3, 2 * vb, ORDER);
    }

    /**
     * The last {@code cols - from} columns of one batch row of {@link #gemmTransposedAt}, in scalar
     * fused multiply-adds: the same chain per element as a vector lane (masked vector loads and
     * stores measured several times slower here than this loop).
     */
    private static void columnTail(MemorySegment ws, long wBase, int from, int cols, int rows, long ldwb,
                                   MemorySegment dys, long dy, MemorySegment dxs, long dx) {
        for (int c = from; c < cols; c++) {
            long o = c * 4L;
            float acc = dxs.get(F, dx + o);
            for (int r = 0; r < rows; r++) {
                acc = Math.fma(ws.get(F, wBase + r * ldwb + o), dys.get(F, dy + r * 4L), acc);
            }
            dxs.set(F, dx + o, acc);
        }
    }

    /** Four batch rows by one column vector. */
    private void tile4x1(MemorySegment ws, long w, int rows, long ldwb, MemorySegment dys, long dy, long lddyb,
                         MemorySegment dxs, long dx, long lddxb) {
        VectorSpecies<Float> sp = species();
        long dx1 = dx + lddxb;
        long dx2 = dx1 + lddxb;
        long dx3 = dx2 + lddxb;
        FloatVector a0 = FloatVector.fromMemorySegment(sp, dxs, dx, ORDER);
        FloatVector a1 = FloatVector.fromMemorySegment(sp, dxs, dx1, ORDER);
        FloatVector a2 = FloatVector.fromMemorySegment(sp, dxs, dx2, ORDER);
        FloatVector a3 = FloatVector.fromMemorySegment(sp, dxs, dx3, ORDER);
        long rb = rows * 4L;
        MemorySegment g0s = dys.asSlice(dy, rb);
        MemorySegment g1s = dys.asSlice(dy + lddyb, rb);
        MemorySegment g2s = dys.asSlice(dy + 2 * lddyb, rb);
        MemorySegment g3s = dys.asSlice(dy + 3 * lddyb, rb);
        for (int r = 0; r < rows; r++) {
            long g = r * 4L;
            FloatVector wv = FloatVector.fromMemorySegment(sp, ws, w + r * ldwb, ORDER);
            a0 = wv.fma(FloatVector.broadcast(sp, g0s.get(F, g)), a0);
            a1 = wv.fma(FloatVector.broadcast(sp, g1s.get(F, g)), a1);
            a2 = wv.fma(FloatVector.broadcast(sp, g2s.get(F, g)), a2);
            a3 = wv.fma(FloatVector.broadcast(sp, g3s.get(F, g)), a3);
        }
        a0.intoMemorySegment(dxs, dx, ORDER);
        a1.intoMemorySegment(dxs, dx1, ORDER);
        a2.intoMemorySegment(dxs, dx2, ORDER);
        a3.intoMemorySegment(dxs, dx3, ORDER);
    }

    /** One batch row by four column vectors (four independent chains keep the FMA units busy). */
    private void tile1x4(MemorySegment ws, long w, int rows, long ldwb, MemorySegment dys, long dy,
                         MemorySegment dxs, long dx, int v) {
        VectorSpecies<Float> sp = species();
        long vb = v * 4L;
        FloatVector a0 = FloatVector.fromMemorySegment(sp, dxs, dx, ORDER);
        FloatVector a1 = FloatVector.fromMemorySegment(sp, dxs, dx + vb, ORDER);
        FloatVector a2 = FloatVector.fromMemorySegment(sp, dxs, dx + 2 * vb, ORDER);
        FloatVector a3 = FloatVector.fromMemorySegment(sp, dxs, dx + 3 * vb, ORDER);
        MemorySegment gs = dys.asSlice(dy, rows * 4L);
        for (int r = 0; r < rows; r++) {
            MemorySegment row = ws.asSlice(w + r * ldwb, 4 * vb);
            FloatVector g = FloatVector.broadcast(sp, gs.get(F, r * 4L));
            a0 = FloatVector.fromMemorySegment(sp, row, 0, ORDER).fma(g, a0);
            a1 = FloatVector.fromMemorySegment(sp, row, vb, ORDER).fma(g, a1);
            a2 = FloatVector.fromMemorySegment(sp, row, 2 * vb, ORDER).fma(g, a2);
            a3 = FloatVector.fromMemorySegment(sp, row, 3 * vb, ORDER).fma(g, a3);
        }
        a0.intoMemorySegment(dxs, dx, ORDER);
        a1.intoMemorySegment(dxs, dx + vb, ORDER);
        a2.intoMemorySegment(dxs, dx + 2 * vb, ORDER);
        a3.intoMemorySegment(dxs, dx + 3 * vb, ORDER);
    }

    /** One batch row by five column vectors (five independent chains keep the FMA pipe full). */
    private void tile1x5(MemorySegment ws, long w, int rows, long ldwb, MemorySegment dys, long dy,
                         MemorySegment dxs, long dx, int v) {
        VectorSpecies<Float> sp = species();
        long vb = v * 4L;
        FloatVector a0 = FloatVector.fromMemorySegment(sp, dxs, dx, ORDER);
        FloatVector a1 = FloatVector.fromMemorySegment(sp, dxs, dx + vb, ORDER);
        FloatVector a2 = FloatVector.fromMemorySegment(sp, dxs, dx + 2 * vb, ORDER);
        FloatVector a3 = FloatVector.fromMemorySegment(sp, dxs, dx + 3 * vb, ORDER);
        FloatVector a4 = FloatVector.fromMemorySegment(sp, dxs, dx + 4 * vb, ORDER);
        MemorySegment gs = dys.asSlice(dy, rows * 4L);
        for (int r = 0; r < rows; r++) {
            MemorySegment row = ws.asSlice(w + r * ldwb, 5 * vb);
            FloatVector g = FloatVector.broadcast(sp, gs.get(F, r * 4L));
            a0 = FloatVector.fromMemorySegment(sp, row, 0, ORDER).fma(g, a0);
            a1 = FloatVector.fromMemorySegment(sp, row, vb, ORDER).fma(g, a1);
            a2 = FloatVector.fromMemorySegment(sp, row, 2 * vb, ORDER).fma(g, a2);
            a3 = FloatVector.fromMemorySegment(sp, row, 3 * vb, ORDER).fma(g, a3);
            a4 = FloatVector.fromMemorySegment(sp, row, 4 * vb, ORDER).fma(g, a4);
        }
        a0.intoMemorySegment(dxs, dx, ORDER);
        a1.intoMemorySegment(dxs, dx + vb, ORDER);
        a2.intoMemorySegment(dxs, dx + 2 * vb, ORDER);
        a3.intoMemorySegment(dxs, dx + 3 * vb, ORDER);
        a4.intoMemorySegment(dxs, dx + 4 * vb, ORDER);
    }

    /** One batch row by three column vectors. */
    private void tile1x3(MemorySegment ws, long w, int rows, long ldwb, MemorySegment dys, long dy,
                         MemorySegment dxs, long dx, int v) {
        VectorSpecies<Float> sp = species();
        long vb = v * 4L;
        FloatVector a0 = FloatVector.fromMemorySegment(sp, dxs, dx, ORDER);
        FloatVector a1 = FloatVector.fromMemorySegment(sp, dxs, dx + vb, ORDER);
        FloatVector a2 = FloatVector.fromMemorySegment(sp, dxs, dx + 2 * vb, ORDER);
        MemorySegment gs = dys.asSlice(dy, rows * 4L);
        for (int r = 0; r < rows; r++) {
            MemorySegment row = ws.asSlice(w + r * ldwb, 3 * vb);
            FloatVector g = FloatVector.broadcast(sp, gs.get(F, r * 4L));
            a0 = FloatVector.fromMemorySegment(sp, row, 0, ORDER).fma(g, a0);
            a1 = FloatVector.fromMemorySegment(sp, row, vb, ORDER).fma(g, a1);
            a2 = FloatVector.fromMemorySegment(sp, row, 2 * vb, ORDER).fma(g, a2);
        }
        a0.intoMemorySegment(dxs, dx, ORDER);
        a1.intoMemorySegment(dxs, dx + vb, ORDER);
        a2.intoMemorySegment(dxs, dx + 2 * vb, ORDER);
    }

    /** One batch row by two column vectors. */
    private void tile1x2(MemorySegment ws, long w, int rows, long ldwb, MemorySegment dys, long dy,
                         MemorySegment dxs, long dx, int v) {
        VectorSpecies<Float> sp = species();
        long vb = v * 4L;
        FloatVector a0 = FloatVector.fromMemorySegment(sp, dxs, dx, ORDER);
        FloatVector a1 = FloatVector.fromMemorySegment(sp, dxs, dx + vb, ORDER);
        MemorySegment gs = dys.asSlice(dy, rows * 4L);
        for (int r = 0; r < rows; r++) {
            MemorySegment row = ws.asSlice(w + r * ldwb, 2 * vb);
            FloatVector g = FloatVector.broadcast(sp, gs.get(F, r * 4L));
            a0 = FloatVector.fromMemorySegment(sp, row, 0, ORDER).fma(g, a0);
            a1 = FloatVector.fromMemorySegment(sp, row, vb, ORDER).fma(g, a1);
        }
        a0.intoMemorySegment(dxs, dx, ORDER);
        a1.intoMemorySegment(dxs, dx + vb, ORDER);
    }

    /** One batch row by one column vector. */
    private void tile1x1(MemorySegment ws, long w, int rows, long ldwb, MemorySegment dys, long dy,
                         MemorySegment dxs, long dx) {
        VectorSpecies<Float> sp = species();
        FloatVector a0 = FloatVector.fromMemorySegment(sp, dxs, dx, ORDER);
        MemorySegment gs = dys.asSlice(dy, rows * 4L);
        for (int r = 0; r < rows; r++) {
            a0 = FloatVector.fromMemorySegment(sp, ws, w + r * ldwb, ORDER)
                    .fma(FloatVector.broadcast(sp, gs.get(F, r * 4L)), a0);
        }
        a0.intoMemorySegment(dxs, dx, ORDER);
    }

    @Override
    public void rankKUpdate(MemorySegment dw, long dwOff, int rows, int cols, int ldw,
                            MemorySegment dy, long dyOff, int lddy,
                            MemorySegment x, long xOff, int ldx, int batch) {
        if (rows <= 0 || cols <= 0 || batch <= 0) {
            return;
        }
        long dwAt = at(dw, dwOff, span(rows, ldw, cols));
        long dyAt = at(dy, dyOff, span(batch, lddy, rows));
        long xAt = at(x, xOff, span(batch, ldx, cols));
        rankK(dw, dwAt, rows, cols, ldw * 4L, dy, dyAt, lddy * 4L, x, xAt, ldx * 4L, 0, 1, null, 0, batch);
    }

    /**
     * As the per-step {@link #rankKUpdate} calls of the interface's reference, with each 4 x 16
     * tile of dW loaded once, updated by every row of every step (steps descending, rows ascending,
     * the same fused multiply-adds in the same order) and stored once.
     */
    @Override
    public void rankKUpdateSteps(MemorySegment dw, long dwOff, int rows, int cols, int ldw,
                                 MemorySegment dy, long dyOff, MemorySegment x, long xOff,
                                 long stepStride, int ld, int[] active, int from, int steps) {
        if (rows <= 0 || cols <= 0 || steps <= 0) {
            return;
        }
        if (from < 0 || active.length - steps < from) {
            throw new IllegalArgumentException("steps " + from + " to " + (from + steps - 1) + " need active counts, "
                    + "active has " + active.length);
        }
        long dwAt = at(dw, dwOff, span(rows, ldw, cols));
        for (int i = 0; i < steps; i++) {
            int k = active[from + i];
            if (k < 0) {
                throw new IllegalArgumentException("active[" + (from + i) + "] = " + k + " is negative");
            }
            if (k > 0) {
                at(dy, dyOff + i * stepStride, span(k, ld, rows));
                at(x, xOff + i * stepStride, span(k, ld, cols));
            }
        }
        long ldb = ld * 4L;
        rankK(dw, dwAt, rows, cols, ldw * 4L, dy, dyOff * Float.BYTES, ldb, x, xOff * Float.BYTES, ldb,
                stepStride * Float.BYTES, steps, active, from, 0);
    }

    /**
     * {@code dW[r][c] += dY[s][b][r] * X[s][b][c]} for s from {@code steps - 1} down to 0 and b
     * from 0 to {@code active[from + s] - 1} ({@code batch} when {@code active} is null), in that order
     * for every element. Tiles of four weight rows by two column vectors stay in registers across all
     * the rows (eight accumulators; per input row, two vector loads and four broadcasts feed eight
     * fused multiply-adds), then four rows by one vector, then one masked vector for the last
     * {@code cols mod v} columns; leftover weight rows one at a time. Offsets and strides in bytes,
     * already checked.
     */
    private void rankK(MemorySegment dw, long dwAt, int rows, int cols, long ldwb,
                       MemorySegment dy, long dyAt, long lddyb, MemorySegment x, long xAt, long ldxb,
                       long stepb, int steps, int[] active, int from, int batch) {
        VectorSpecies<Float> sp = species();
        int v = sp.length();
        int full = cols & -v;
        int r = 0;
        for (; r + 4 <= rows; r += 4) {
            long w = dwAt + r * ldwb;
            long g = dyAt + r * 4L;
            int c = 0;
            for (; c + 3 * v <= full; c += 3 * v) {
                rankTile4x3(dw, w + c * 4L, ldwb, dy, g, lddyb, x, xAt + c * 4L, ldxb, stepb, steps, active,
                        from, batch, v);
            }
            for (; c + 2 * v <= full; c += 2 * v) {
                rankTile4x2(dw, w + c * 4L, ldwb, dy, g, lddyb, x, xAt + c * 4L, ldxb, stepb, steps, active,
                        from, batch, v);
            }
            for (; c < full; c += v) {
                rankTile4x1(dw, w + c * 4L, ldwb, dy, g, lddyb, x, xAt + c * 4L, ldxb, stepb, steps, active,
                        from, batch);
            }
            for (int k = 0; k < 4; k++) {
                rankTail(dw, w + k * ldwb, full, cols, dy, g + k * 4L, lddyb, x, xAt, ldxb, stepb, steps, active,
                        from, batch);
            }
        }
        for (; r < rows; r++) {
            long w = dwAt + r * ldwb;
            long g = dyAt + r * 4L;
            rankTail(dw, w, full, cols, dy, g, lddyb, x, xAt, ldxb, stepb, steps, active, from, batch);
            for (int c = 0; c < full; c += v) {
                FloatVector a0 = FloatVector.fromMemorySegment(sp, dw, w + c * 4L, ORDER);
                for (int s = steps - 1; s >= 0; s--) {
                    long dys = g + s * stepb;
                    long xs = xAt + s * stepb + c * 4L;
                    for (int b = 0, k = active == null ? batch : active[from + s]; b < k; b++) {
                        a0 = FloatVector.fromMemorySegment(sp, x, xs + b * ldxb, ORDER)
                                .fma(FloatVector.broadcast(sp, dy.get(F, dys + b * lddyb)), a0);
                    }
                }
                a0.intoMemorySegment(dw, w + c * 4L, ORDER);
            }
        }
    }

    /**
     * Four weight rows by three column vectors of {@link #rankK}: 12 multiply-adds per three x
     * loads and four dY broadcasts (the 4 x 2 tile: 8 per two and four), each element the same
     * chain as in the other tiles.
     */
    private void rankTile4x3(MemorySegment dw, long w, long ldwb, MemorySegment dy, long g, long lddyb,
                             MemorySegment x, long xc, long ldxb, long stepb, int steps, int[] active, int from,
                             int batch, int v) {
        VectorSpecies<Float> sp = species();
        long vb = v * 4L;
        long w1 = w + ldwb;
        long w2 = w1 + ldwb;
        long w3 = w2 + ldwb;
        FloatVector a00 = FloatVector.fromMemorySegment(sp, dw, w, ORDER);
        FloatVector a01 = FloatVector.fromMemorySegment(sp, dw, w + vb, ORDER);
        FloatVector a02 = FloatVector.fromMemorySegment(sp, dw, w + 2 * vb, ORDER);
        FloatVector a10 = FloatVector.fromMemorySegment(sp, dw, w1, ORDER);
        FloatVector a11 = FloatVector.fromMemorySegment(sp, dw, w1 + vb, ORDER);
        FloatVector a12 = FloatVector.fromMemorySegment(sp, dw, w1 + 2 * vb, ORDER);
        FloatVector a20 = FloatVector.fromMemorySegment(sp, dw, w2, ORDER);
        FloatVector a21 = FloatVector.fromMemorySegment(sp, dw, w2 + vb, ORDER);
        FloatVector a22 = FloatVector.fromMemorySegment(sp, dw, w2 + 2 * vb, ORDER);
        FloatVector a30 = FloatVector.fromMemorySegment(sp, dw, w3, ORDER);
        FloatVector a31 = FloatVector.fromMemorySegment(sp, dw, w3 + vb, ORDER);
        FloatVector a32 = FloatVector.fromMemorySegment(sp, dw, w3 + 2 * vb, ORDER);
        for (int s = steps - 1; s >= 0; s--) {
            long dys = g + s * stepb;
            long xs = xc + s * stepb;
            for (int b = 0, k = active == null ? batch : active[from + s]; b < k; b++) {
                MemorySegment dyb = dy.asSlice(dys + b * lddyb, 4 * Float.BYTES);
                MemorySegment xb = x.asSlice(xs + b * ldxb, 3 * vb);
                FloatVector x0 = FloatVector.fromMemorySegment(sp, xb, 0, ORDER);
                FloatVector x1 = FloatVector.fromMemorySegment(sp, xb, vb, ORDER);
                FloatVector x2 = FloatVector.fromMemorySegment(sp, xb, 2 * vb, ORDER);
                FloatVector d0 = FloatVector.broadcast(sp, dyb.get(F, 0));
                a00 = x0.fma(d0, a00);
                a01 = x1.fma(d0, a01);
                a02 = x2.fma(d0, a02);
                FloatVector d1 = FloatVector.broadcast(sp, dyb.get(F, Float.BYTES));
                a10 = x0.fma(d1, a10);
                a11 = x1.fma(d1, a11);
                a12 = x2.fma(d1, a12);
                FloatVector d2 = FloatVector.broadcast(sp, dyb.get(F, 2 * Float.BYTES));
                a20 = x0.fma(d2, a20);
                a21 = x1.fma(d2, a21);
                a22 = x2.fma(d2, a22);
                FloatVector d3 = FloatVector.broadcast(sp, dyb.get(F, 3 * Float.BYTES));
                a30 = x0.fma(d3, a30);
                a31 = x1.fma(d3, a31);
                a32 = x2.fma(d3, a32);
            }
        }
        a00.intoMemorySegment(dw, w, ORDER);
        a01.intoMemorySegment(dw, w + vb, ORDER);
        a02.intoMemorySegment(dw, w + 2 * vb, ORDER);
        a10.intoMemorySegment(dw, w1, ORDER);
        a11.intoMemorySegment(dw, w1 + vb, ORDER);
        a12.intoMemorySegment(dw, w1 + 2 * vb, ORDER);
        a20.intoMemorySegment(dw, w2, ORDER);
        a21.intoMemorySegment(dw, w2 + vb, ORDER);
        a22.intoMemorySegment(dw, w2 + 2 * vb, ORDER);
        a30.intoMemorySegment(dw, w3, ORDER);
        a31.intoMemorySegment(dw, w3 + vb, ORDER);
        a32.intoMemorySegment(dw, w3 + 2 * vb, ORDER);
    }

    /** Four weight rows by two column vectors of {@link #rankK}. */
    private void rankTile4x2(MemorySegment dw, long w, long ldwb, MemorySegment dy, long g, long lddyb,
                             MemorySegment x, long xc, long ldxb, long stepb, int steps, int[] active, int from,
                             int batch, int v) {
        VectorSpecies<Float> sp = species();
        long vb = v * 4L;
        long w1 = w + ldwb;
        long w2 = w1 + ldwb;
        long w3 = w2 + ldwb;
        FloatVector a00 = FloatVector.fromMemorySegment(sp, dw, w, ORDER);
        FloatVector a01 = FloatVector.fromMemorySegment(sp, dw, w + vb, ORDER);
        FloatVector a10 = FloatVector.fromMemorySegment(sp, dw, w1, ORDER);
        FloatVector a11 = FloatVector.fromMemorySegment(sp, dw, w1 + vb, ORDER);
        FloatVector a20 = FloatVector.fromMemorySegment(sp, dw, w2, ORDER);
        FloatVector a21 = FloatVector.fromMemorySegment(sp, dw, w2 + vb, ORDER);
        FloatVector a30 = FloatVector.fromMemorySegment(sp, dw, w3, ORDER);
        FloatVector a31 = FloatVector.fromMemorySegment(sp, dw, w3 + vb, ORDER);
        for (int s = steps - 1; s >= 0; s--) {
            long dys = g + s * stepb;
            long xs = xc + s * stepb;
            for (int b = 0, k = active == null ? batch : active[from + s]; b < k; b++) {
                // one slice per run (four dY floats, two x vectors): one bounds check for each
                MemorySegment dyb = dy.asSlice(dys + b * lddyb, 4 * Float.BYTES);
                MemorySegment xb = x.asSlice(xs + b * ldxb, 2 * vb);
                FloatVector x0 = FloatVector.fromMemorySegment(sp, xb, 0, ORDER);
                FloatVector x1 = FloatVector.fromMemorySegment(sp, xb, vb, ORDER);
                FloatVector d0 = FloatVector.broadcast(sp, dyb.get(F, 0));
                a00 = x0.fma(d0, a00);
                a01 = x1.fma(d0, a01);
                FloatVector d1 = FloatVector.broadcast(sp, dyb.get(F, Float.BYTES));
                a10 = x0.fma(d1, a10);
                a11 = x1.fma(d1, a11);
                FloatVector d2 = FloatVector.broadcast(sp, dyb.get(F, 2 * Float.BYTES));
                a20 = x0.fma(d2, a20);
                a21 = x1.fma(d2, a21);
                FloatVector d3 = FloatVector.broadcast(sp, dyb.get(F, 3 * Float.BYTES));
                a30 = x0.fma(d3, a30);
                a31 = x1.fma(d3, a31);
            }
        }
        a00.intoMemorySegment(dw, w, ORDER);
        a01.intoMemorySegment(dw, w + vb, ORDER);
        a10.intoMemorySegment(dw, w1, ORDER);
        a11.intoMemorySegment(dw, w1 + vb, ORDER);
        a20.intoMemorySegment(dw, w2, ORDER);
        a21.intoMemorySegment(dw, w2 + vb, ORDER);
        a30.intoMemorySegment(dw, w3, ORDER);
        a31.intoMemorySegment(dw, w3 + vb, ORDER);
    }

    /**
     * Columns {@code from .. cols-1} of one dW row of {@link #rankK} in scalar fused multiply-adds,
     * the same chain per element as a vector lane (masked vectors measured slower here).
     */
    private static void rankTail(MemorySegment dw, long w, int from, int cols, MemorySegment dy, long g, long lddyb,
                                 MemorySegment x, long xAt, long ldxb, long stepb, int steps, int[] active,
                                 int first, int batch) {
        for (int c = from; c < cols; c++) {
            long o = c * 4L;
            float acc = dw.get(F, w + o);
            for (int s = steps - 1; s >= 0; s--) {
                long dys = g + s * stepb;
                long xs = xAt + s * stepb + o;
                for (int b = 0, k = active == null ? batch : active[first + s]; b < k; b++) {
                    acc = Math.fma(x.get(F, xs + b * ldxb), dy.get(F, dys + b * lddyb), acc);
                }
            }
            dw.set(F, w + o, acc);
        }
    }

    /** Four weight rows by one column vector of {@link #rankK}. */
    private void rankTile4x1(MemorySegment dw, long w, long ldwb, MemorySegment dy, long g, long lddyb,
                             MemorySegment x, long xc, long ldxb, long stepb, int steps, int[] active, int from,
                             int batch) {
        VectorSpecies<Float> sp = species();
        long w1 = w + ldwb;
        long w2 = w1 + ldwb;
        long w3 = w2 + ldwb;
        FloatVector a0 = FloatVector.fromMemorySegment(sp, dw, w, ORDER);
        FloatVector a1 = FloatVector.fromMemorySegment(sp, dw, w1, ORDER);
        FloatVector a2 = FloatVector.fromMemorySegment(sp, dw, w2, ORDER);
        FloatVector a3 = FloatVector.fromMemorySegment(sp, dw, w3, ORDER);
        for (int s = steps - 1; s >= 0; s--) {
            long dys = g + s * stepb;
            long xs = xc + s * stepb;
            for (int b = 0, k = active == null ? batch : active[from + s]; b < k; b++) {
                MemorySegment dyb = dy.asSlice(dys + b * lddyb, 4 * Float.BYTES);
                FloatVector xv = FloatVector.fromMemorySegment(sp, x, xs + b * ldxb, ORDER);
                a0 = xv.fma(FloatVector.broadcast(sp, dyb.get(F, 0)), a0);
                a1 = xv.fma(FloatVector.broadcast(sp, dyb.get(F, Float.BYTES)), a1);
                a2 = xv.fma(FloatVector.broadcast(sp, dyb.get(F, 2 * Float.BYTES)), a2);
                a3 = xv.fma(FloatVector.broadcast(sp, dyb.get(F, 3 * Float.BYTES)), a3);
            }
        }
        a0.intoMemorySegment(dw, w, ORDER);
        a1.intoMemorySegment(dw, w1, ORDER);
        a2.intoMemorySegment(dw, w2, ORDER);
        a3.intoMemorySegment(dw, w3, ORDER);
    }
}
