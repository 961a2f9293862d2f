package ntm.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API implementation of {@link Kernels}, over off-heap {@link MemorySegment}s.
 *
 * <p>Obtain one with {@link #create(int)} (128, 256 or 512-bit vectors) or {@link #preferred()}.
 * There is one small final subclass per vector size whose species is a {@code static final}
 * constant: C2 only intrinsifies Vector API calls whose species it can constant-fold, and a
 * species held in an instance field is not folded (measured: a 2,560-float dot took ~1.6 us that
 * way against ~0.13-0.18 us with a constant species). While only one subclass is loaded, class
 * hierarchy analysis turns {@link #species()} into that constant.
 *
 * <p>Loop shape: several independent accumulators up to a loop bound, a vector tail, a pairwise
 * reduction, then a scalar tail. Every public method slices its segments once ({@code asSlice})
 * and then indexes the slices with {@code int} loop indices and {@code long} byte offsets computed
 * once per row or column, so the JIT can hoist the per-load bounds checks out of the loops. The
 * slices do not escape and are scalar-replaced; no method allocates once compiled.
 *
 * <p>The NTM memory is column-major (see {@link Kernels}), so the content-addressing, read and
 * write kernels run over vectors of <em>rows</em>: for each column j, one fused multiply-add over
 * whole vectors of rows with the scalar k_j, e_j or a_j broadcast.
 */
public abstract sealed class SimdKernels implements Kernels
        permits SimdKernels.Simd128, SimdKernels.Simd256, SimdKernels.Simd512 {

    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    private static final VectorOperators.Associative ADD = VectorOperators.ADD;

    SimdKernels() {
    }

    /**
     * The SIMD kernels for a vector size.
     *
     * @param bits 128, 256 or 512
     * @throws IllegalArgumentException for any other size
     */
    public static SimdKernels create(int bits) {
        return switch (bits) {
            case 128 -> new Simd128();
            case 256 -> new Simd256();
            case 512 -> new Simd512();
            default -> throw new IllegalArgumentException(
                    "SIMD vector size must be 128, 256 or 512 bits, got " + bits);
        };
    }

    /**
     * The SIMD kernels at this CPU's preferred float vector size.
     *
     * @throws IllegalArgumentException if that size is not 128, 256 or 512 bits
     */
    public static SimdKernels preferred() {
        return create(preferredBits());
    }

    /** This CPU's preferred float vector size in bits, as the Vector API reports it. */
    public static int preferredBits() {
        return FloatVector.SPECIES_PREFERRED.vectorBitSize();
    }

    /** The float species of this implementation; a JIT constant in each subclass. */
    abstract VectorSpecies<Float> species();

    @Override
    public final String name() {
        return "simd";
    }

    @Override
    public final int vectorBits() {
        return species().vectorBitSize();
    }

    @Override
    public String toString() {
        return "SimdKernels[" + vectorBits() + " bits]";
    }

    /** 128-bit vectors (4 floats). */
    static final class Simd128 extends SimdKernels {
        private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_128;

        @Override
        VectorSpecies<Float> species() {
            return SPECIES;
        }
    }

    /** 256-bit vectors (8 floats). */
    static final class Simd256 extends SimdKernels {
        private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_256;

        @Override
        VectorSpecies<Float> species() {
            return SPECIES;
        }
    }

    /** 512-bit vectors (16 floats). */
    static final class Simd512 extends SimdKernels {
        private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_512;

        @Override
        VectorSpecies<Float> species() {
            return SPECIES;
        }
    }

    // ---------------------------------------------------------------- helpers

    /** The {@code floats} floats of {@code s} from float offset {@code off}. */
    private static MemorySegment slice(MemorySegment s, long off, long floats) {
        return s.asSlice(off * Float.BYTES, floats * Float.BYTES);
    }

    /** Floats spanned by {@code count} runs of {@code len} floats, {@code stride} apart. */
    private static long span(int count, int stride, int len) {
        return (long) (count - 1) * stride + len;
    }

    private static long bytes(int floats) {
        return (long) floats * Float.BYTES;
    }

    private FloatVector load(MemorySegment s, long byteOff) {
        return FloatVector.fromMemorySegment(species(), s, byteOff, ORDER);
    }

    private static void store(FloatVector v, MemorySegment s, long byteOff) {
        v.intoMemorySegment(s, byteOff, ORDER);
    }

    private FloatVector splat(float v) {
        return FloatVector.broadcast(species(), v);
    }

    private FloatVector zero() {
        return FloatVector.zero(species());
    }

    /** {@code a * b + c}: the one place the kernels multiply-add, so it can be swapped for mul+add. */
    private static FloatVector fma(FloatVector a, FloatVector b, FloatVector c) {
        return a.fma(b, c);
    }

    private static float get(MemorySegment s, long byteOff) {
        return s.get(F, byteOff);
    }

    private static void put(MemorySegment s, long byteOff, float v) {
        s.set(F, byteOff, v);
    }

    private static float sum(FloatVector v) {
        return v.reduceLanes(ADD);
    }

    /** Dot product of n floats at byte offsets {@code a} of {@code as} and {@code b} of {@code bs}. */
    private float dotAt(MemorySegment as, long a, MemorySegment bs, long b, int n) {
        int v = species().length();
        int i = 0;
        FloatVector acc0 = zero();
        int bound4 = n & -(4 * v);
        if (bound4 > 0) {
            FloatVector acc1 = zero();
            FloatVector acc2 = zero();
            FloatVector acc3 = zero();
            for (; i < bound4; i += 4 * v) {
                long o = bytes(i);
                acc0 = fma(load(as, a + o), load(bs, b + o), acc0);
                acc1 = fma(load(as, a + o + bytes(v)), load(bs, b + o + bytes(v)), acc1);
                acc2 = fma(load(as, a + o + bytes(2 * v)), load(bs, b + o + bytes(2 * v)), acc2);
                acc3 = fma(load(as, a + o + bytes(3 * v)), load(bs, b + o + bytes(3 * v)), acc3);
            }
            acc0 = acc0.add(acc1).add(acc2.add(acc3));
        }
        int bound = n & -v;
        for (; i < bound; i += v) {
            acc0 = fma(load(as, a + bytes(i)), load(bs, b + bytes(i)), acc0);
        }
        float s = sum(acc0);
        for (; i < n; i++) {
            s += get(as, a + bytes(i)) * get(bs, b + bytes(i));
        }
        return s;
    }

    /** {@code y += alpha x} over n floats at byte offsets. */
    private void axpyAt(float alpha, MemorySegment xs, long x, MemorySegment ys, long y, int n) {
        int v = species().length();
        FloatVector va = splat(alpha);
        int bound = n & -v;
        int i = 0;
        for (; i < bound; i += v) {
            long o = bytes(i);
            store(fma(load(xs, x + o), va, load(ys, y + o)), ys, y + o);
        }
        for (; i < n; i++) {
            long o = bytes(i);
            put(ys, y + o, get(ys, y + o) + alpha * get(xs, x + o));
        }
    }

    /** {@code y = alpha x} over n floats at byte offsets. */
    private void scaleInto(float alpha, MemorySegment xs, long x, MemorySegment ys, long y, int n) {
        int v = species().length();
        int bound = n & -v;
        int i = 0;
        for (; i < bound; i += v) {
            long o = bytes(i);
            store(load(xs, x + o).mul(alpha), ys, y + o);
        }
        for (; i < n; i++) {
            long o = bytes(i);
            put(ys, y + o, alpha * get(xs, x + o));
        }
    }

    /** Maximum of n floats of a slice, each multiplied by {@code factor}. */
    private float scaledMax(MemorySegment xs, float factor, int n) {
        int v = species().length();
        int bound = n & -v;
        FloatVector mx = splat(Float.NEGATIVE_INFINITY);
        int i = 0;
        for (; i < bound; i += v) {
            mx = mx.max(load(xs, bytes(i)).mul(factor));
        }
        float max = mx.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            max = Math.max(max, factor * get(xs, bytes(i)));
        }
        return max;
    }

    /** {@code y[i] = exp(factor x[i] - max)}; returns the sum of the y. x and y may be the same slice. */
    private float expShifted(MemorySegment xs, float factor, float max, MemorySegment ys, int n) {
        int v = species().length();
        int bound = n & -v;
        FloatVector total = zero();
        int i = 0;
        for (; i < bound; i += v) {
            long o = bytes(i);
            FloatVector e = load(xs, o).mul(factor).sub(max).lanewise(VectorOperators.EXP);
            store(e, ys, o);
            total = total.add(e);
        }
        float s = sum(total);
        for (; i < n; i++) {
            long o = bytes(i);
            float e = (float) Math.exp(factor * get(xs, o) - max);
            put(ys, o, e);
            s += e;
        }
        return s;
    }

    // ---------------------------------------------------------------- BLAS level 1

    @Override
    public float dot(MemorySegment a, long aOff, MemorySegment b, long bOff, int n) {
        if (n <= 0) {
            return 0f;
        }
        return dotAt(slice(a, aOff, n), 0, slice(b, bOff, n), 0, n);
    }

    @Override
    public void axpy(float alpha, MemorySegment x, long xOff, MemorySegment y, long yOff, int n) {
        if (n <= 0) {
            return;
        }
        axpyAt(alpha, slice(x, xOff, n), 0, slice(y, yOff, n), 0, n);
    }

    @Override
    public void scale(float alpha, MemorySegment x, long xOff, int n) {
        if (n <= 0) {
            return;
        }
        MemorySegment xs = slice(x, xOff, n);
        scaleInto(alpha, xs, 0, xs, 0, n);
    }

    @Override
    public double sumOfSquares(MemorySegment x, long xOff, int n) {
        if (n <= 0) {
            return 0;
        }
        MemorySegment xs = slice(x, xOff, n);
        return dotAt(xs, 0, xs, 0, n);
    }

    @Override
    public void clamp(MemorySegment x, long xOff, int n, float c) {
        if (n <= 0) {
            return;
        }
        MemorySegment xs = slice(x, xOff, n);
        clipAt(xs, xs, n, c);
    }

    private void clipAt(MemorySegment xs, MemorySegment ys, int n, float c) {
        int v = species().length();
        int bound = n & -v;
        int i = 0;
        for (; i < bound; i += v) {
            long o = bytes(i);
            store(load(xs, o).max(-c).min(c), ys, o);
        }
        for (; i < n; i++) {
            long o = bytes(i);
            put(ys, o, Math.min(Math.max(get(xs, o), -c), c));
        }
    }

    // ---------------------------------------------------------------- matrix products

    @Override
    public void gemv(MemorySegment w, long wOff, int rows, int cols, int ldw,
                     MemorySegment x, long xOff, MemorySegment y, long yOff, boolean accumulate) {
        if (rows <= 0) {
            return;
        }
        MemorySegment ws = slice(w, wOff, span(rows, ldw, cols));
        MemorySegment xs = slice(x, xOff, cols);
        MemorySegment ys = slice(y, yOff, rows);
        gemvAt(ws, rows, cols, bytes(ldw), xs, 0, ys, 0, accumulate);
    }

    /** One matrix-vector product, four weight rows at a time sharing each load of x. */
    private void gemvAt(MemorySegment ws, int rows, int cols, long ldwb,
                        MemorySegment xs, long x, MemorySegment ys, long y, boolean accumulate) {
        int v = species().length();
        int bound = cols & -v;
        int r = 0;
        for (; r + 4 <= rows; r += 4) {
            long w0 = r * ldwb;
            long w1 = w0 + ldwb;
            long w2 = w1 + ldwb;
            long w3 = w2 + ldwb;
            FloatVector a0 = zero();
            FloatVector a1 = zero();
            FloatVector a2 = zero();
            FloatVector a3 = zero();
            int c = 0;
            for (; c < bound; c += v) {
                long o = bytes(c);
                FloatVector xv = load(xs, x + o);
                a0 = fma(load(ws, w0 + o), xv, a0);
                a1 = fma(load(ws, w1 + o), xv, a1);
                a2 = fma(load(ws, w2 + o), xv, a2);
                a3 = fma(load(ws, w3 + o), xv, a3);
            }
            float s0 = sum(a0);
            float s1 = sum(a1);
            float s2 = sum(a2);
            float s3 = sum(a3);
            for (; c < cols; c++) {
                long o = bytes(c);
                float xc = get(xs, x + o);
                s0 += get(ws, w0 + o) * xc;
                s1 += get(ws, w1 + o) * xc;
                s2 += get(ws, w2 + o) * xc;
                s3 += get(ws, w3 + o) * xc;
            }
            long yo = y + bytes(r);
            putResult(ys, yo, s0, accumulate);
            putResult(ys, yo + Float.BYTES, s1, accumulate);
            putResult(ys, yo + 2 * Float.BYTES, s2, accumulate);
            putResult(ys, yo + 3 * Float.BYTES, s3, accumulate);
        }
        for (; r < rows; r++) {
            putResult(ys, y + bytes(r), dotAt(ws, r * ldwb, xs, x, cols), accumulate);
        }
    }

    private static void putResult(MemorySegment ys, long o, float s, boolean accumulate) {
        put(ys, o, accumulate ? get(ys, o) + s : s);
    }

    @Override
    public void gemvTransposed(MemorySegment w, long wOff, int rows, int cols, int ldw,
                               MemorySegment dy, long dyOff, MemorySegment dx, long dxOff) {
        if (rows <= 0 || cols <= 0) {
            return;
        }
        MemorySegment ws = slice(w, wOff, span(rows, ldw, cols));
        MemorySegment dys = slice(dy, dyOff, rows);
        MemorySegment dxs = slice(dx, dxOff, cols);
        gemvTransposedAt(ws, rows, cols, bytes(ldw), dys, 0, dxs, 0);
    }

    /** {@code dx[c] += sum_r W[r][c] dy[r]}: four column vectors at a time, summed down the rows. */
    private void gemvTransposedAt(MemorySegment ws, int rows, int cols, long ldwb,
                                  MemorySegment dys, long dy, MemorySegment dxs, long dx) {
        int v = species().length();
        int c = 0;
        int bound4 = cols & -(4 * v);
        for (; c < bound4; c += 4 * v) {
            long o = bytes(c);
            FloatVector a0 = load(dxs, dx + o);
            FloatVector a1 = load(dxs, dx + o + bytes(v));
            FloatVector a2 = load(dxs, dx + o + bytes(2 * v));
            FloatVector a3 = load(dxs, dx + o + bytes(3 * v));
            for (int r = 0; r < rows; r++) {
                long wr = r * ldwb + o;
                FloatVector g = splat(get(dys, dy + bytes(r)));
                a0 = fma(load(ws, wr), g, a0);
                a1 = fma(load(ws, wr + bytes(v)), g, a1);
                a2 = fma(load(ws, wr + bytes(2 * v)), g, a2);
                a3 = fma(load(ws, wr + bytes(3 * v)), g, a3);
            }
            store(a0, dxs, dx + o);
            store(a1, dxs, dx + o + bytes(v));
            store(a2, dxs, dx + o + bytes(2 * v));
            store(a3, dxs, dx + o + bytes(3 * v));
        }
        int bound = cols & -v;
        for (; c < bound; c += v) {
            long o = bytes(c);
            FloatVector a0 = load(dxs, dx + o);
            for (int r = 0; r < rows; r++) {
                a0 = fma(load(ws, r * ldwb + o), splat(get(dys, dy + bytes(r))), a0);
            }
            store(a0, dxs, dx + o);
        }
        for (; c < cols; c++) {
            long o = bytes(c);
            float s = get(dxs, dx + o);
            for (int r = 0; r < rows; r++) {
                s += get(dys, dy + bytes(r)) * get(ws, r * ldwb + o);
            }
            put(dxs, dx + o, s);
        }
    }

    @Override
    public void rank1Update(MemorySegment dw, long dwOff, int rows, int cols, int ldw,
                            MemorySegment dy, long dyOff, MemorySegment x, long xOff) {
        if (rows <= 0 || cols <= 0) {
            return;
        }
        MemorySegment dws = slice(dw, dwOff, span(rows, ldw, cols));
        MemorySegment dys = slice(dy, dyOff, rows);
        MemorySegment xs = slice(x, xOff, cols);
        long ldwb = bytes(ldw);
        for (int r = 0; r < rows; r++) {
            axpyAt(get(dys, bytes(r)), xs, 0, dws, r * ldwb, cols);
        }
    }

    @Override
    public void gemm(MemorySegment w, long wOff, int rows, int cols, int ldw,
                     MemorySegment x, long xOff, int ldx,
                     MemorySegment y, long yOff, int ldy, int batch, boolean accumulate) {
        if (rows <= 0 || batch <= 0) {
            return;
        }
        MemorySegment ws = slice(w, wOff, span(rows, ldw, cols));
        MemorySegment xs = slice(x, xOff, span(batch, ldx, cols));
        MemorySegment ys = slice(y, yOff, span(batch, ldy, rows));
        long ldwb = bytes(ldw);
        long ldxb = bytes(ldx);
        long ldyb = bytes(ldy);
        int b = 0;
        for (; b + 4 <= batch; b += 4) {
            gemmBlock4(ws, rows, cols, ldwb, xs, b * ldxb, ldxb, ys, b * ldyb, ldyb, accumulate);
        }
        for (; b < batch; b++) {
            gemvAt(ws, rows, cols, ldwb, xs, b * ldxb, ys, b * ldyb, accumulate);
        }
    }

    /**
     * Four batch rows against all weight rows, two weight rows at a time: each weight vector is
     * loaded once for the four batch rows, each input vector once for the two weight rows.
     */
    private void gemmBlock4(MemorySegment ws, int rows, int cols, long ldwb,
                            MemorySegment xs, long x0, long ldxb,
                            MemorySegment ys, long y0, long ldyb, boolean accumulate) {
        int v = species().length();
        int bound = cols & -v;
        long x1 = x0 + ldxb;
        long x2 = x1 + ldxb;
        long x3 = x2 + ldxb;
        int r = 0;
        for (; r + 2 <= rows; r += 2) {
            long wa = r * ldwb;
            long wb = wa + ldwb;
            FloatVector a0 = zero();
            FloatVector a1 = zero();
            FloatVector a2 = zero();
            FloatVector a3 = zero();
            FloatVector b0 = zero();
            FloatVector b1 = zero();
            FloatVector b2 = zero();
            FloatVector b3 = zero();
            int c = 0;
            for (; c < bound; c += v) {
                long o = bytes(c);
                FloatVector va = load(ws, wa + o);
                FloatVector vb = load(ws, wb + o);
                FloatVector v0 = load(xs, x0 + o);
                a0 = fma(va, v0, a0);
                b0 = fma(vb, v0, b0);
                FloatVector v1 = load(xs, x1 + o);
                a1 = fma(va, v1, a1);
                b1 = fma(vb, v1, b1);
                FloatVector v2 = load(xs, x2 + o);
                a2 = fma(va, v2, a2);
                b2 = fma(vb, v2, b2);
                FloatVector v3 = load(xs, x3 + o);
                a3 = fma(va, v3, a3);
                b3 = fma(vb, v3, b3);
            }
            float sa0 = sum(a0);
            float sa1 = sum(a1);
            float sa2 = sum(a2);
            float sa3 = sum(a3);
            float sb0 = sum(b0);
            float sb1 = sum(b1);
            float sb2 = sum(b2);
            float sb3 = sum(b3);
            for (; c < cols; c++) {
                long o = bytes(c);
                float wac = get(ws, wa + o);
                float wbc = get(ws, wb + o);
                float c0 = get(xs, x0 + o);
                float c1 = get(xs, x1 + o);
                float c2 = get(xs, x2 + o);
                float c3 = get(xs, x3 + o);
                sa0 += wac * c0;
                sa1 += wac * c1;
                sa2 += wac * c2;
                sa3 += wac * c3;
                sb0 += wbc * c0;
                sb1 += wbc * c1;
                sb2 += wbc * c2;
                sb3 += wbc * c3;
            }
            long yo = y0 + bytes(r);
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
            long wa = r * ldwb;
            long yo = y0 + bytes(r);
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
        MemorySegment ws = slice(w, wOff, span(rows, ldw, cols));
        MemorySegment dys = slice(dy, dyOff, span(batch, lddy, rows));
        MemorySegment dxs = slice(dx, dxOff, span(batch, lddx, cols));
        long ldwb = bytes(ldw);
        long lddyb = bytes(lddy);
        long lddxb = bytes(lddx);
        int b = 0;
        for (; b + 4 <= batch; b += 4) {
            gemmTransposedBlock4(ws, rows, cols, ldwb, dys, b * lddyb, lddyb, dxs, b * lddxb, lddxb);
        }
        for (; b < batch; b++) {
            gemvTransposedAt(ws, rows, cols, ldwb, dys, b * lddyb, dxs, b * lddxb);
        }
    }

    /** Four batch rows of the input gradient, one column vector at a time, one W load per row. */
    private void gemmTransposedBlock4(MemorySegment ws, int rows, int cols, long ldwb,
                                      MemorySegment dys, long dy0, long lddyb,
                                      MemorySegment dxs, long dx0, long lddxb) {
        int v = species().length();
        int bound = cols & -v;
        long dy1 = dy0 + lddyb;
        long dy2 = dy1 + lddyb;
        long dy3 = dy2 + lddyb;
        long dx1 = dx0 + lddxb;
        long dx2 = dx1 + lddxb;
        long dx3 = dx2 + lddxb;
        int c = 0;
        for (; c < bound; c += v) {
            long o = bytes(c);
            FloatVector a0 = load(dxs, dx0 + o);
            FloatVector a1 = load(dxs, dx1 + o);
            FloatVector a2 = load(dxs, dx2 + o);
            FloatVector a3 = load(dxs, dx3 + o);
            for (int r = 0; r < rows; r++) {
                long ro = bytes(r);
                FloatVector wv = load(ws, r * ldwb + o);
                a0 = fma(wv, splat(get(dys, dy0 + ro)), a0);
                a1 = fma(wv, splat(get(dys, dy1 + ro)), a1);
                a2 = fma(wv, splat(get(dys, dy2 + ro)), a2);
                a3 = fma(wv, splat(get(dys, dy3 + ro)), a3);
            }
            store(a0, dxs, dx0 + o);
            store(a1, dxs, dx1 + o);
            store(a2, dxs, dx2 + o);
            store(a3, dxs, dx3 + o);
        }
        for (; c < cols; c++) {
            long o = bytes(c);
            float s0 = get(dxs, dx0 + o);
            float s1 = get(dxs, dx1 + o);
            float s2 = get(dxs, dx2 + o);
            float s3 = get(dxs, dx3 + o);
            for (int r = 0; r < rows; r++) {
                long ro = bytes(r);
                float wrc = get(ws, r * ldwb + o);
                s0 += get(dys, dy0 + ro) * wrc;
                s1 += get(dys, dy1 + ro) * wrc;
                s2 += get(dys, dy2 + ro) * wrc;
                s3 += get(dys, dy3 + ro) * wrc;
            }
            put(dxs, dx0 + o, s0);
            put(dxs, dx1 + o, s1);
            put(dxs, dx2 + o, s2);
            put(dxs, dx3 + o, s3);
        }
    }

    @Override
    public void rankKUpdate(MemorySegment dw, long dwOff, int rows, int cols, int ldw,
                            MemorySegment dy, long dyOff, int lddy,
                            MemorySegment x, long xOff, int ldx, int batch) {
        if (rows <= 0 || cols <= 0 || batch <= 0) {
            return;
        }
        MemorySegment dws = slice(dw, dwOff, span(rows, ldw, cols));
        MemorySegment dys = slice(dy, dyOff, span(batch, lddy, rows));
        MemorySegment xs = slice(x, xOff, span(batch, ldx, cols));
        long ldwb = bytes(ldw);
        long lddyb = bytes(lddy);
        long ldxb = bytes(ldx);
        int v = species().length();
        int bound = cols & -v;
        int r = 0;
        // Four weight rows at a time: each input vector is loaded once for the four rows.
        for (; r + 4 <= rows; r += 4) {
            long w0 = r * ldwb;
            long w1 = w0 + ldwb;
            long w2 = w1 + ldwb;
            long w3 = w2 + ldwb;
            long ro = bytes(r);
            int c = 0;
            for (; c < bound; c += v) {
                long o = bytes(c);
                FloatVector a0 = load(dws, w0 + o);
                FloatVector a1 = load(dws, w1 + o);
                FloatVector a2 = load(dws, w2 + o);
                FloatVector a3 = load(dws, w3 + o);
                for (int b = 0; b < batch; b++) {
                    long dyb = b * lddyb + ro;
                    FloatVector xv = load(xs, b * ldxb + o);
                    a0 = fma(xv, splat(get(dys, dyb)), a0);
                    a1 = fma(xv, splat(get(dys, dyb + Float.BYTES)), a1);
                    a2 = fma(xv, splat(get(dys, dyb + 2 * Float.BYTES)), a2);
                    a3 = fma(xv, splat(get(dys, dyb + 3 * Float.BYTES)), a3);
                }
                store(a0, dws, w0 + o);
                store(a1, dws, w1 + o);
                store(a2, dws, w2 + o);
                store(a3, dws, w3 + o);
            }
            for (; c < cols; c++) {
                rankKScalarColumn(dws, w0, ldwb, 4, dys, ro, lddyb, xs, bytes(c), ldxb, batch);
            }
        }
        for (; r < rows; r++) {
            long w0 = r * ldwb;
            long ro = bytes(r);
            int c = 0;
            for (; c < bound; c += v) {
                long o = bytes(c);
                FloatVector a0 = load(dws, w0 + o);
                for (int b = 0; b < batch; b++) {
                    a0 = fma(load(xs, b * ldxb + o), splat(get(dys, b * lddyb + ro)), a0);
                }
                store(a0, dws, w0 + o);
            }
            for (; c < cols; c++) {
                rankKScalarColumn(dws, w0, ldwb, 1, dys, ro, lddyb, xs, bytes(c), ldxb, batch);
            }
        }
    }

    /** Scalar tail of {@link #rankKUpdate}: one column of {@code count} consecutive rows. */
    private static void rankKScalarColumn(MemorySegment dws, long w0, long ldwb, int count,
                                          MemorySegment dys, long ro, long lddyb,
                                          MemorySegment xs, long co, long ldxb, int batch) {
        for (int k = 0; k < count; k++) {
            long cell = w0 + k * ldwb + co;
            float s = get(dws, cell);
            for (int b = 0; b < batch; b++) {
                s += get(dys, b * lddyb + ro + bytes(k)) * get(xs, b * ldxb + co);
            }
            put(dws, cell, s);
        }
    }

    // ---------------------------------------------------------------- element-wise activations

    @Override
    public void sigmoid(MemorySegment x, long xOff, MemorySegment y, long yOff, int n) {
        if (n <= 0) {
            return;
        }
        MemorySegment xs = slice(x, xOff, n);
        MemorySegment ys = slice(y, yOff, n);
        int v = species().length();
        int bound = n & -v;
        FloatVector one = splat(1f);
        int i = 0;
        for (; i < bound; i += v) {
            long o = bytes(i);
            FloatVector e = load(xs, o).neg().lanewise(VectorOperators.EXP);
            store(one.div(one.add(e)), ys, o);
        }
        for (; i < n; i++) {
            long o = bytes(i);
            put(ys, o, ScalarKernels.sigmoid(get(xs, o)));
        }
    }

    @Override
    public void tanh(MemorySegment x, long xOff, MemorySegment y, long yOff, int n) {
        if (n <= 0) {
            return;
        }
        MemorySegment xs = slice(x, xOff, n);
        MemorySegment ys = slice(y, yOff, n);
        int v = species().length();
        int bound = n & -v;
        int i = 0;
        for (; i < bound; i += v) {
            long o = bytes(i);
            store(load(xs, o).lanewise(VectorOperators.TANH), ys, o);
        }
        for (; i < n; i++) {
            long o = bytes(i);
            put(ys, o, (float) Math.tanh(get(xs, o)));
        }
    }

    @Override
    public void softplus(MemorySegment x, long xOff, MemorySegment y, long yOff, int n) {
        if (n <= 0) {
            return;
        }
        MemorySegment xs = slice(x, xOff, n);
        MemorySegment ys = slice(y, yOff, n);
        int v = species().length();
        int bound = n & -v;
        int i = 0;
        for (; i < bound; i += v) {
            long o = bytes(i);
            FloatVector xv = load(xs, o);
            // log(1 + e^x) = max(x, 0) + log1p(e^-|x|): no overflow for large |x|
            FloatVector tail = xv.abs().neg().lanewise(VectorOperators.EXP).lanewise(VectorOperators.LOG1P);
            store(xv.max(0f).add(tail), ys, o);
        }
        for (; i < n; i++) {
            long o = bytes(i);
            put(ys, o, ScalarKernels.softplus(get(xs, o)));
        }
    }

    @Override
    public void sigmoidBackward(MemorySegment y, long yOff, MemorySegment dy, long dyOff,
                                MemorySegment dx, long dxOff, int n) {
        if (n <= 0) {
            return;
        }
        MemorySegment ys = slice(y, yOff, n);
        MemorySegment dys = slice(dy, dyOff, n);
        MemorySegment dxs = slice(dx, dxOff, n);
        int v = species().length();
        int bound = n & -v;
        FloatVector one = splat(1f);
        int i = 0;
        for (; i < bound; i += v) {
            long o = bytes(i);
            FloatVector yv = load(ys, o);
            FloatVector g = load(dys, o).mul(yv).mul(one.sub(yv));
            store(load(dxs, o).add(g), dxs, o);
        }
        for (; i < n; i++) {
            long o = bytes(i);
            float yi = get(ys, o);
            put(dxs, o, get(dxs, o) + get(dys, o) * yi * (1f - yi));
        }
    }

    @Override
    public void tanhBackward(MemorySegment y, long yOff, MemorySegment dy, long dyOff,
                             MemorySegment dx, long dxOff, int n) {
        if (n <= 0) {
            return;
        }
        MemorySegment ys = slice(y, yOff, n);
        MemorySegment dys = slice(dy, dyOff, n);
        MemorySegment dxs = slice(dx, dxOff, n);
        int v = species().length();
        int bound = n & -v;
        FloatVector one = splat(1f);
        int i = 0;
        for (; i < bound; i += v) {
            long o = bytes(i);
            FloatVector yv = load(ys, o);
            FloatVector g = load(dys, o).mul(one.sub(yv.mul(yv)));
            store(load(dxs, o).add(g), dxs, o);
        }
        for (; i < n; i++) {
            long o = bytes(i);
            float yi = get(ys, o);
            put(dxs, o, get(dxs, o) + get(dys, o) * (1f - yi * yi));
        }
    }

    @Override
    public void softplusBackward(MemorySegment x, long xOff, MemorySegment dy, long dyOff,
                                 MemorySegment dx, long dxOff, int n) {
        if (n <= 0) {
            return;
        }
        MemorySegment xs = slice(x, xOff, n);
        MemorySegment dys = slice(dy, dyOff, n);
        MemorySegment dxs = slice(dx, dxOff, n);
        int v = species().length();
        int bound = n & -v;
        FloatVector one = splat(1f);
        int i = 0;
        for (; i < bound; i += v) {
            long o = bytes(i);
            FloatVector sig = one.div(one.add(load(xs, o).neg().lanewise(VectorOperators.EXP)));
            store(fma(load(dys, o), sig, load(dxs, o)), dxs, o);
        }
        for (; i < n; i++) {
            long o = bytes(i);
            put(dxs, o, get(dxs, o) + get(dys, o) * ScalarKernels.sigmoid(get(xs, o)));
        }
    }

    @Override
    public void softmax(MemorySegment x, long xOff, MemorySegment y, long yOff, int n) {
        if (n <= 0) {
            return;
        }
        MemorySegment xs = slice(x, xOff, n);
        MemorySegment ys = slice(y, yOff, n);
        float max = scaledMax(xs, 1f, n);
        float total = expShifted(xs, 1f, max, ys, n);
        scaleInto(1f / total, ys, 0, ys, 0, n);
    }

    @Override
    public void softmaxBackward(MemorySegment y, long yOff, MemorySegment dy, long dyOff,
                                MemorySegment dx, long dxOff, int n) {
        if (n <= 0) {
            return;
        }
        MemorySegment ys = slice(y, yOff, n);
        MemorySegment dys = slice(dy, dyOff, n);
        MemorySegment dxs = slice(dx, dxOff, n);
        float s = dotAt(ys, 0, dys, 0, n);
        int v = species().length();
        int bound = n & -v;
        int i = 0;
        for (; i < bound; i += v) {
            long o = bytes(i);
            store(fma(load(ys, o), load(dys, o).sub(s), load(dxs, o)), dxs, o);
        }
        for (; i < n; i++) {
            long o = bytes(i);
            put(dxs, o, get(dxs, o) + get(ys, o) * (get(dys, o) - s));
        }
    }

    @Override
    public void clip(MemorySegment x, long xOff, MemorySegment y, long yOff, int n, float c) {
        if (n <= 0) {
            return;
        }
        clipAt(slice(x, xOff, n), slice(y, yOff, n), n, c);
    }

    @Override
    public void clipBackward(MemorySegment pre, long preOff, MemorySegment dy, long dyOff, int n, float c) {
        if (n <= 0) {
            return;
        }
        MemorySegment ps = slice(pre, preOff, n);
        MemorySegment dys = slice(dy, dyOff, n);
        int v = species().length();
        int bound = n & -v;
        int i = 0;
        for (; i < bound; i += v) {
            long o = bytes(i);
            VectorMask<Float> active = load(ps, o).abs().compare(VectorOperators.GT, c);
            store(load(dys, o).blend(0f, active), dys, o);
        }
        for (; i < n; i++) {
            long o = bytes(i);
            float p = get(ps, o);
            if (p > c || p < -c) {
                put(dys, o, 0f);
            }
        }
    }

    // ---------------------------------------------------------------- content addressing

    @Override
    public void rowNorms(MemorySegment mem, long memOff, int n, int m, int ld,
                         MemorySegment norms, long normsOff) {
        if (n <= 0) {
            return;
        }
        MemorySegment ns = slice(norms, normsOff, n);
        if (m <= 0) {
            ns.fill((byte) 0);
            return;
        }
        MemorySegment ms = slice(mem, memOff, span(m, ld, n));
        long ldb = bytes(ld);
        int v = species().length();
        int i = 0;
        // Four vectors of rows at a time: four independent sums down the columns.
        int bound4 = n & -(4 * v);
        for (; i < bound4; i += 4 * v) {
            long o = bytes(i);
            FloatVector s0 = zero();
            FloatVector s1 = zero();
            FloatVector s2 = zero();
            FloatVector s3 = zero();
            for (int j = 0; j < m; j++) {
                long c = j * ldb + o;
                FloatVector v0 = load(ms, c);
                FloatVector v1 = load(ms, c + bytes(v));
                FloatVector v2 = load(ms, c + bytes(2 * v));
                FloatVector v3 = load(ms, c + bytes(3 * v));
                s0 = fma(v0, v0, s0);
                s1 = fma(v1, v1, s1);
                s2 = fma(v2, v2, s2);
                s3 = fma(v3, v3, s3);
            }
            store(s0.sqrt(), ns, o);
            store(s1.sqrt(), ns, o + bytes(v));
            store(s2.sqrt(), ns, o + bytes(2 * v));
            store(s3.sqrt(), ns, o + bytes(3 * v));
        }
        int bound = n & -v;
        for (; i < bound; i += v) {
            long o = bytes(i);
            FloatVector s0 = zero();
            for (int j = 0; j < m; j++) {
                FloatVector v0 = load(ms, j * ldb + o);
                s0 = fma(v0, v0, s0);
            }
            store(s0.sqrt(), ns, o);
        }
        for (; i < n; i++) {
            long o = bytes(i);
            float s = 0f;
            for (int j = 0; j < m; j++) {
                float x = get(ms, j * ldb + o);
                s += x * x;
            }
            put(ns, o, (float) Math.sqrt(s));
        }
    }

    @Override
    public float cosineSimilarity(MemorySegment key, long keyOff,
                                  MemorySegment mem, long memOff, int n, int m, int ld,
                                  MemorySegment norms, long normsOff,
                                  MemorySegment sim, long simOff) {
        if (m <= 0) {
            if (n > 0) {
                slice(sim, simOff, n).fill((byte) 0);
            }
            return 0f;
        }
        MemorySegment ks = slice(key, keyOff, m);
        float keyNorm = (float) Math.sqrt(dotAt(ks, 0, ks, 0, m));
        if (n <= 0) {
            return keyNorm;
        }
        MemorySegment ms = slice(mem, memOff, span(m, ld, n));
        MemorySegment ns = slice(norms, normsOff, n);
        MemorySegment ss = slice(sim, simOff, n);
        long ldb = bytes(ld);
        int v = species().length();
        int i = 0;
        int bound4 = n & -(4 * v);
        for (; i < bound4; i += 4 * v) {
            long o = bytes(i);
            FloatVector u0 = zero();
            FloatVector u1 = zero();
            FloatVector u2 = zero();
            FloatVector u3 = zero();
            for (int j = 0; j < m; j++) {
                long c = j * ldb + o;
                FloatVector kj = splat(get(ks, bytes(j)));
                u0 = fma(load(ms, c), kj, u0);
                u1 = fma(load(ms, c + bytes(v)), kj, u1);
                u2 = fma(load(ms, c + bytes(2 * v)), kj, u2);
                u3 = fma(load(ms, c + bytes(3 * v)), kj, u3);
            }
            storeCosine(u0, ns, ss, o, keyNorm);
            storeCosine(u1, ns, ss, o + bytes(v), keyNorm);
            storeCosine(u2, ns, ss, o + bytes(2 * v), keyNorm);
            storeCosine(u3, ns, ss, o + bytes(3 * v), keyNorm);
        }
        int bound = n & -v;
        for (; i < bound; i += v) {
            long o = bytes(i);
            FloatVector u0 = zero();
            for (int j = 0; j < m; j++) {
                u0 = fma(load(ms, j * ldb + o), splat(get(ks, bytes(j))), u0);
            }
            storeCosine(u0, ns, ss, o, keyNorm);
        }
        for (; i < n; i++) {
            long o = bytes(i);
            float u = 0f;
            for (int j = 0; j < m; j++) {
                u += get(ks, bytes(j)) * get(ms, j * ldb + o);
            }
            put(ss, o, u / (keyNorm * get(ns, o) + COSINE_EPS));
        }
        return keyNorm;
    }

    /** {@code sim = u / (|k| |M(i)| + eps)} for one vector of rows. */
    private void storeCosine(FloatVector u, MemorySegment ns, MemorySegment ss, long o, float keyNorm) {
        store(u.div(load(ns, o).mul(keyNorm).add(COSINE_EPS)), ss, o);
    }

    @Override
    public void cosineSimilarityBackward(MemorySegment key, long keyOff, float keyNorm,
                                         MemorySegment mem, long memOff, int n, int m, int ld,
                                         MemorySegment norms, long normsOff,
                                         MemorySegment sim, long simOff,
                                         MemorySegment dsim, long dsimOff,
                                         MemorySegment dkey, long dkeyOff,
                                         MemorySegment dmem, long dmemOff) {
        if (n <= 0 || m <= 0) {
            return;
        }
        MemorySegment ks = slice(key, keyOff, m);
        MemorySegment ms = slice(mem, memOff, span(m, ld, n));
        MemorySegment ns = slice(norms, normsOff, n);
        MemorySegment ss = slice(sim, simOff, n);
        MemorySegment gs = slice(dsim, dsimOff, n);
        MemorySegment dks = slice(dkey, dkeyOff, m);
        MemorySegment dms = slice(dmem, dmemOff, span(m, ld, n));
        long ldb = bytes(ld);
        float invKeyNorm = keyNorm > 0f ? 1f / keyNorm : 0f;
        // Per row i, with g = dsim_i, D = |k||M(i)| + eps, sim/D = u/D^2:
        //   p = g / D, q = g (sim/D) |M(i)| / |k|, t = g (sim/D) |k| / |M(i)|   (t = 0 if |M(i)| = 0)
        //   dk_j += sum_i p M_ij - k_j sum_i q;   dM_ij += p k_j - t M_ij
        // The first sum of dk needs one lane reduction per column per block of rows, so rows are
        // taken four vectors at a time.
        float q = 0f;
        int v = species().length();
        int i = 0;
        int bound4 = n & -(4 * v);
        FloatVector qv = zero();
        for (; i < bound4; i += 4 * v) {
            long o0 = bytes(i);
            long o1 = o0 + bytes(v);
            long o2 = o1 + bytes(v);
            long o3 = o2 + bytes(v);
            FloatVector p0 = cosineP(gs, ns, keyNorm, o0);
            FloatVector p1 = cosineP(gs, ns, keyNorm, o1);
            FloatVector p2 = cosineP(gs, ns, keyNorm, o2);
            FloatVector p3 = cosineP(gs, ns, keyNorm, o3);
            qv = qv.add(cosineQ(p0, ss, ns, invKeyNorm, o0).add(cosineQ(p1, ss, ns, invKeyNorm, o1)))
                    .add(cosineQ(p2, ss, ns, invKeyNorm, o2).add(cosineQ(p3, ss, ns, invKeyNorm, o3)));
            FloatVector t0 = cosineNegT(p0, ss, ns, keyNorm, o0);
            FloatVector t1 = cosineNegT(p1, ss, ns, keyNorm, o1);
            FloatVector t2 = cosineNegT(p2, ss, ns, keyNorm, o2);
            FloatVector t3 = cosineNegT(p3, ss, ns, keyNorm, o3);
            for (int j = 0; j < m; j++) {
                long c = j * ldb;
                FloatVector kj = splat(get(ks, bytes(j)));
                FloatVector m0 = load(ms, c + o0);
                FloatVector m1 = load(ms, c + o1);
                FloatVector m2 = load(ms, c + o2);
                FloatVector m3 = load(ms, c + o3);
                store(fma(t0, m0, fma(p0, kj, load(dms, c + o0))), dms, c + o0);
                store(fma(t1, m1, fma(p1, kj, load(dms, c + o1))), dms, c + o1);
                store(fma(t2, m2, fma(p2, kj, load(dms, c + o2))), dms, c + o2);
                store(fma(t3, m3, fma(p3, kj, load(dms, c + o3))), dms, c + o3);
                FloatVector dk = fma(p0, m0, p1.mul(m1)).add(fma(p2, m2, p3.mul(m3)));
                long kb = bytes(j);
                put(dks, kb, get(dks, kb) + sum(dk));
            }
        }
        int bound = n & -v;
        for (; i < bound; i += v) {
            long o = bytes(i);
            FloatVector p = cosineP(gs, ns, keyNorm, o);
            qv = qv.add(cosineQ(p, ss, ns, invKeyNorm, o));
            FloatVector t = cosineNegT(p, ss, ns, keyNorm, o);
            for (int j = 0; j < m; j++) {
                long c = j * ldb + o;
                FloatVector mv = load(ms, c);
                store(fma(t, mv, fma(p, splat(get(ks, bytes(j))), load(dms, c))), dms, c);
                long kb = bytes(j);
                put(dks, kb, get(dks, kb) + sum(p.mul(mv)));
            }
        }
        q += sum(qv);
        for (; i < n; i++) {
            long o = bytes(i);
            float g = get(gs, o);
            float rowNorm = get(ns, o);
            float p = g / (keyNorm * rowNorm + COSINE_EPS);
            float simOverD = get(ss, o) / (keyNorm * rowNorm + COSINE_EPS);
            q += g * simOverD * rowNorm * invKeyNorm;
            float t = rowNorm > 0f ? g * simOverD * keyNorm / rowNorm : 0f;
            for (int j = 0; j < m; j++) {
                long c = j * ldb + o;
                float mij = get(ms, c);
                long kb = bytes(j);
                put(dks, kb, get(dks, kb) + p * mij);
                put(dms, c, get(dms, c) + p * get(ks, kb) - t * mij);
            }
        }
        for (int j = 0; j < m; j++) {
            long kb = bytes(j);
            put(dks, kb, get(dks, kb) - q * get(ks, kb));
        }
    }

    /** {@code p = dsim / (|k||M(i)| + eps)} for one vector of rows. */
    private FloatVector cosineP(MemorySegment gs, MemorySegment ns, float keyNorm, long o) {
        return load(gs, o).div(load(ns, o).mul(keyNorm).add(COSINE_EPS));
    }

    /** {@code q = p sim |M(i)| / |k|} for one vector of rows (p sim = g sim / D). */
    private FloatVector cosineQ(FloatVector p, MemorySegment ss, MemorySegment ns, float invKeyNorm, long o) {
        return p.mul(load(ss, o)).mul(load(ns, o)).mul(invKeyNorm);
    }

    /** {@code -t = -p sim |k| / |M(i)|}, zero where the row norm is zero. */
    private FloatVector cosineNegT(FloatVector p, MemorySegment ss, MemorySegment ns, float keyNorm, long o) {
        FloatVector rowNorm = load(ns, o);
        FloatVector t = p.mul(load(ss, o)).mul(keyNorm).div(rowNorm).neg();
        return t.blend(0f, rowNorm.compare(VectorOperators.LE, 0f));
    }

    @Override
    public void contentWeighting(MemorySegment sim, long simOff, float beta,
                                 MemorySegment w, long wOff, int n) {
        if (n <= 0) {
            return;
        }
        MemorySegment ss = slice(sim, simOff, n);
        MemorySegment ws = slice(w, wOff, n);
        float max = scaledMax(ss, beta, n);
        float total = expShifted(ss, beta, max, ws, n);
        scaleInto(1f / total, ws, 0, ws, 0, n);
    }

    @Override
    public float contentWeightingBackward(MemorySegment sim, long simOff, float beta,
                                          MemorySegment w, long wOff, MemorySegment dw, long dwOff,
                                          MemorySegment dsim, long dsimOff, int n) {
        if (n <= 0) {
            return 0f;
        }
        MemorySegment ss = slice(sim, simOff, n);
        MemorySegment ws = slice(w, wOff, n);
        MemorySegment dws = slice(dw, dwOff, n);
        MemorySegment dss = slice(dsim, dsimOff, n);
        float s = dotAt(ws, 0, dws, 0, n);
        int v = species().length();
        int bound = n & -v;
        FloatVector betaV = splat(beta);
        FloatVector dbeta = zero();
        int i = 0;
        for (; i < bound; i += v) {
            long o = bytes(i);
            FloatVector z = load(ws, o).mul(load(dws, o).sub(s));
            store(fma(z, betaV, load(dss, o)), dss, o);
            dbeta = fma(load(ss, o), z, dbeta);
        }
        float db = sum(dbeta);
        for (; i < n; i++) {
            long o = bytes(i);
            float z = get(ws, o) * (get(dws, o) - s);
            put(dss, o, get(dss, o) + beta * z);
            db += get(ss, o) * z;
        }
        return db;
    }

    // ---------------------------------------------------------------- location addressing

    @Override
    public void interpolate(MemorySegment wc, long wcOff, MemorySegment wPrev, long wPrevOff, float g,
                            MemorySegment wg, long wgOff, int n) {
        if (n <= 0) {
            return;
        }
        MemorySegment cs = slice(wc, wcOff, n);
        MemorySegment ps = slice(wPrev, wPrevOff, n);
        MemorySegment gs = slice(wg, wgOff, n);
        float h = 1f - g;
        int v = species().length();
        int bound = n & -v;
        int i = 0;
        for (; i < bound; i += v) {
            long o = bytes(i);
            store(load(cs, o).mul(g).add(load(ps, o).mul(h)), gs, o);
        }
        for (; i < n; i++) {
            long o = bytes(i);
            put(gs, o, g * get(cs, o) + h * get(ps, o));
        }
    }

    @Override
    public float interpolateBackward(MemorySegment wc, long wcOff, MemorySegment wPrev, long wPrevOff,
                                     float g, MemorySegment dwg, long dwgOff,
                                     MemorySegment dwc, long dwcOff, MemorySegment dwPrev, long dwPrevOff,
                                     int n) {
        if (n <= 0) {
            return 0f;
        }
        MemorySegment cs = slice(wc, wcOff, n);
        MemorySegment ps = slice(wPrev, wPrevOff, n);
        MemorySegment ds = slice(dwg, dwgOff, n);
        MemorySegment dcs = slice(dwc, dwcOff, n);
        MemorySegment dps = slice(dwPrev, dwPrevOff, n);
        float h = 1f - g;
        FloatVector gv = splat(g);
        FloatVector hv = splat(h);
        FloatVector dg = zero();
        int v = species().length();
        int bound = n & -v;
        int i = 0;
        for (; i < bound; i += v) {
            long o = bytes(i);
            FloatVector d = load(ds, o);
            dg = fma(d, load(cs, o).sub(load(ps, o)), dg);
            store(fma(d, gv, load(dcs, o)), dcs, o);
            store(fma(d, hv, load(dps, o)), dps, o);
        }
        float dgs = sum(dg);
        for (; i < n; i++) {
            long o = bytes(i);
            float d = get(ds, o);
            dgs += d * (get(cs, o) - get(ps, o));
            put(dcs, o, get(dcs, o) + g * d);
            put(dps, o, get(dps, o) + h * d);
        }
        return dgs;
    }

    /**
     * Rotation of shift slot j: {@code ws[i] += s_j wg[(i + r) mod n]} with {@code r = (S - j) mod n}.
     * A rotation is two contiguous pieces, so every shift is two vector loops whatever S and n.
     */
    private static int rotation(int shiftRange, int j, int n) {
        return (int) Math.floorMod((long) shiftRange - j, (long) n);
    }

    @Override
    public void shift(MemorySegment wg, long wgOff, MemorySegment s, long sOff, int shiftRange,
                      MemorySegment ws, long wsOff, int n) {
        if (n <= 0) {
            return;
        }
        int shifts = 2 * shiftRange + 1;
        MemorySegment gs = slice(wg, wgOff, n);
        MemorySegment sv = slice(s, sOff, shifts);
        MemorySegment os = slice(ws, wsOff, n);
        for (int j = 0; j < shifts; j++) {
            float sj = get(sv, bytes(j));
            int r = rotation(shiftRange, j, n);
            // i in [0, n - r) reads wg[i + r]; i in [n - r, n) reads wg[i + r - n]
            if (j == 0) {
                scaleInto(sj, gs, bytes(r), os, 0, n - r);
                scaleInto(sj, gs, 0, os, bytes(n - r), r);
            } else {
                axpyAt(sj, gs, bytes(r), os, 0, n - r);
                axpyAt(sj, gs, 0, os, bytes(n - r), r);
            }
        }
    }

    @Override
    public void shiftBackward(MemorySegment wg, long wgOff, MemorySegment s, long sOff, int shiftRange,
                              MemorySegment dws, long dwsOff,
                              MemorySegment dwg, long dwgOff, MemorySegment ds, long dsOff, int n) {
        if (n <= 0) {
            return;
        }
        int shifts = 2 * shiftRange + 1;
        MemorySegment gs = slice(wg, wgOff, n);
        MemorySegment sv = slice(s, sOff, shifts);
        MemorySegment dos = slice(dws, dwsOff, n);
        MemorySegment dgs = slice(dwg, dwgOff, n);
        MemorySegment dss = slice(ds, dsOff, shifts);
        for (int j = 0; j < shifts; j++) {
            float sj = get(sv, bytes(j));
            int r = rotation(shiftRange, j, n);
            // ds_j += sum_i dws[i] wg[(i + r) mod n]
            float d = dotAt(dos, 0, gs, bytes(r), n - r) + dotAt(dos, bytes(n - r), gs, 0, r);
            put(dss, bytes(j), get(dss, bytes(j)) + d);
            // dwg[k] += s_j dws[(k - r) mod n]: k in [r, n) reads dws[k - r], k in [0, r) reads dws[k - r + n]
            axpyAt(sj, dos, 0, dgs, bytes(r), n - r);
            axpyAt(sj, dos, bytes(n - r), dgs, 0, r);
        }
    }

    @Override
    public void sharpen(MemorySegment ws, long wsOff, float gamma, MemorySegment w, long wOff, int n) {
        if (n <= 0) {
            return;
        }
        MemorySegment ins = slice(ws, wsOff, n);
        MemorySegment outs = slice(w, wOff, n);
        int v = species().length();
        int bound = n & -v;
        FloatVector mx = splat(Float.NEGATIVE_INFINITY);
        int i = 0;
        for (; i < bound; i += v) {
            long o = bytes(i);
            FloatVector z = load(ins, o).add(SHARPEN_EPS).lanewise(VectorOperators.LOG).mul(gamma);
            store(z, outs, o);
            mx = mx.max(z);
        }
        float max = mx.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            long o = bytes(i);
            float z = gamma * (float) Math.log(get(ins, o) + SHARPEN_EPS);
            put(outs, o, z);
            max = Math.max(max, z);
        }
        float total = expShifted(outs, 1f, max, outs, n);
        scaleInto(1f / total, outs, 0, outs, 0, n);
    }

    @Override
    public float sharpenBackward(MemorySegment ws, long wsOff, float gamma,
                                 MemorySegment w, long wOff, MemorySegment dw, long dwOff,
                                 MemorySegment dws, long dwsOff, int n) {
        if (n <= 0) {
            return 0f;
        }
        MemorySegment ins = slice(ws, wsOff, n);
        MemorySegment outs = slice(w, wOff, n);
        MemorySegment douts = slice(dw, dwOff, n);
        MemorySegment dins = slice(dws, dwsOff, n);
        float s = dotAt(outs, 0, douts, 0, n);
        int v = species().length();
        int bound = n & -v;
        FloatVector dgamma = zero();
        int i = 0;
        for (; i < bound; i += v) {
            long o = bytes(i);
            FloatVector base = load(ins, o).add(SHARPEN_EPS);
            FloatVector z = load(outs, o).mul(load(douts, o).sub(s));
            store(load(dins, o).add(z.mul(gamma).div(base)), dins, o);
            dgamma = fma(z, base.lanewise(VectorOperators.LOG), dgamma);
        }
        float dg = sum(dgamma);
        for (; i < n; i++) {
            long o = bytes(i);
            float base = get(ins, o) + SHARPEN_EPS;
            float z = get(outs, o) * (get(douts, o) - s);
            put(dins, o, get(dins, o) + gamma * z / base);
            dg += z * (float) Math.log(base);
        }
        return dg;
    }

    // ---------------------------------------------------------------- memory read and write

    @Override
    public void read(MemorySegment w, long wOff, MemorySegment mem, long memOff, int n, int m, int ld,
                     MemorySegment r, long rOff) {
        if (m <= 0) {
            return;
        }
        MemorySegment rs = slice(r, rOff, m);
        if (n <= 0) {
            rs.fill((byte) 0);
            return;
        }
        MemorySegment wv = slice(w, wOff, n);
        MemorySegment ms = slice(mem, memOff, span(m, ld, n));
        long ldb = bytes(ld);
        int v = species().length();
        int bound = n & -v;
        int j = 0;
        // Four columns at a time share each load of the weighting.
        for (; j + 4 <= m; j += 4) {
            long c0 = j * ldb;
            long c1 = c0 + ldb;
            long c2 = c1 + ldb;
            long c3 = c2 + ldb;
            FloatVector a0 = zero();
            FloatVector a1 = zero();
            FloatVector a2 = zero();
            FloatVector a3 = zero();
            int i = 0;
            for (; i < bound; i += v) {
                long o = bytes(i);
                FloatVector x = load(wv, o);
                a0 = fma(x, load(ms, c0 + o), a0);
                a1 = fma(x, load(ms, c1 + o), a1);
                a2 = fma(x, load(ms, c2 + o), a2);
                a3 = fma(x, load(ms, c3 + o), a3);
            }
            float s0 = sum(a0);
            float s1 = sum(a1);
            float s2 = sum(a2);
            float s3 = sum(a3);
            for (; i < n; i++) {
                long o = bytes(i);
                float x = get(wv, o);
                s0 += x * get(ms, c0 + o);
                s1 += x * get(ms, c1 + o);
                s2 += x * get(ms, c2 + o);
                s3 += x * get(ms, c3 + o);
            }
            long ro = bytes(j);
            put(rs, ro, s0);
            put(rs, ro + Float.BYTES, s1);
            put(rs, ro + 2 * Float.BYTES, s2);
            put(rs, ro + 3 * Float.BYTES, s3);
        }
        for (; j < m; j++) {
            put(rs, bytes(j), dotAt(wv, 0, ms, j * ldb, n));
        }
    }

    @Override
    public void readBackward(MemorySegment w, long wOff, MemorySegment mem, long memOff, int n, int m, int ld,
                             MemorySegment dr, long drOff,
                             MemorySegment dw, long dwOff, MemorySegment dmem, long dmemOff) {
        if (n <= 0 || m <= 0) {
            return;
        }
        MemorySegment wv = slice(w, wOff, n);
        MemorySegment ms = slice(mem, memOff, span(m, ld, n));
        MemorySegment drs = slice(dr, drOff, m);
        MemorySegment dwv = slice(dw, dwOff, n);
        MemorySegment dms = slice(dmem, dmemOff, span(m, ld, n));
        long ldb = bytes(ld);
        int v = species().length();
        int i = 0;
        // dw[i] += sum_j dr_j M(i, j) and dM(i, j) += w_i dr_j in one pass over each column,
        // two vectors of rows at a time for two independent sums.
        int bound2 = n & -(2 * v);
        for (; i < bound2; i += 2 * v) {
            long o0 = bytes(i);
            long o1 = o0 + bytes(v);
            FloatVector x0 = load(wv, o0);
            FloatVector x1 = load(wv, o1);
            FloatVector a0 = load(dwv, o0);
            FloatVector a1 = load(dwv, o1);
            for (int j = 0; j < m; j++) {
                long c = j * ldb;
                FloatVector d = splat(get(drs, bytes(j)));
                a0 = fma(load(ms, c + o0), d, a0);
                a1 = fma(load(ms, c + o1), d, a1);
                store(fma(x0, d, load(dms, c + o0)), dms, c + o0);
                store(fma(x1, d, load(dms, c + o1)), dms, c + o1);
            }
            store(a0, dwv, o0);
            store(a1, dwv, o1);
        }
        int bound = n & -v;
        for (; i < bound; i += v) {
            long o = bytes(i);
            FloatVector x = load(wv, o);
            FloatVector a = load(dwv, o);
            for (int j = 0; j < m; j++) {
                long c = j * ldb + o;
                FloatVector d = splat(get(drs, bytes(j)));
                a = fma(load(ms, c), d, a);
                store(fma(x, d, load(dms, c)), dms, c);
            }
            store(a, dwv, o);
        }
        for (; i < n; i++) {
            long o = bytes(i);
            float x = get(wv, o);
            float a = get(dwv, o);
            for (int j = 0; j < m; j++) {
                long c = j * ldb + o;
                float d = get(drs, bytes(j));
                a += d * get(ms, c);
                put(dms, c, get(dms, c) + d * x);
            }
            put(dwv, o, a);
        }
    }

    @Override
    public void eraseAdd(MemorySegment memIn, long memInOff, MemorySegment memOut, long memOutOff,
                         int n, int m, int ld, int heads,
                         MemorySegment w, long wOff, int wStride,
                         MemorySegment e, long eOff, int eStride,
                         MemorySegment a, long aOff, int aStride) {
        if (n <= 0 || m <= 0) {
            return;
        }
        MemorySegment ins = slice(memIn, memInOff, span(m, ld, n));
        MemorySegment outs = slice(memOut, memOutOff, span(m, ld, n));
        if (heads <= 0) {
            copyColumns(ins, outs, n, m, ld);
            return;
        }
        MemorySegment wv = slice(w, wOff, span(heads, wStride, n));
        MemorySegment ev = slice(e, eOff, span(heads, eStride, m));
        MemorySegment av = slice(a, aOff, span(heads, aStride, m));
        long ldb = bytes(ld);
        long wsb = bytes(wStride);
        long esb = bytes(eStride);
        long asb = bytes(aStride);
        int v = species().length();
        int bound = n & -v;
        FloatVector one = splat(1f);
        for (int j = 0; j < m; j++) {
            long col = j * ldb;
            long jb = bytes(j);
            int i = 0;
            for (; i < bound; i += v) {
                long o = bytes(i);
                FloatVector cell = load(ins, col + o);
                for (int h = 0; h < heads; h++) {
                    FloatVector wi = load(wv, h * wsb + o);
                    float ej = get(ev, h * esb + jb);
                    float aj = get(av, h * asb + jb);
                    // M <- M (1 - w e) + w a, as the scalar reference rounds it
                    cell = cell.mul(one.sub(wi.mul(ej))).add(wi.mul(aj));
                }
                store(cell, outs, col + o);
            }
            for (; i < n; i++) {
                long o = bytes(i);
                float cell = get(ins, col + o);
                for (int h = 0; h < heads; h++) {
                    float wi = get(wv, h * wsb + o);
                    cell = cell * (1f - wi * get(ev, h * esb + jb)) + wi * get(av, h * asb + jb);
                }
                put(outs, col + o, cell);
            }
        }
    }

    /** Copies the n rows of every column; a copy onto itself is harmless (memmove semantics). */
    private static void copyColumns(MemorySegment src, MemorySegment dst, int n, int m, int ld) {
        long ldb = bytes(ld);
        for (int j = 0; j < m; j++) {
            MemorySegment.copy(src, j * ldb, dst, j * ldb, bytes(n));
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
        if (n <= 0 || m <= 0) {
            return;
        }
        MemorySegment ins = slice(memIn, memInOff, span(m, ld, n));
        MemorySegment gOut = slice(dMemOut, dMemOutOff, span(m, ld, n));
        MemorySegment gIn = slice(dMemIn, dMemInOff, span(m, ld, n));
        if (heads <= 0) {
            copyColumns(gOut, gIn, n, m, ld);
            return;
        }
        MemorySegment wv = slice(w, wOff, span(heads, wStride, n));
        MemorySegment ev = slice(e, eOff, span(heads, eStride, m));
        MemorySegment av = slice(a, aOff, span(heads, aStride, m));
        MemorySegment dwv = slice(dw, dwOff, span(heads, wStride, n));
        MemorySegment dev = slice(de, deOff, span(heads, eStride, m));
        MemorySegment dav = slice(da, daOff, span(heads, aStride, m));
        long ldb = bytes(ld);
        long wsb = bytes(wStride);
        long esb = bytes(eStride);
        long asb = bytes(aStride);
        int v = species().length();
        int bound = n & -v;
        FloatVector one = splat(1f);
        for (int j = 0; j < m; j++) {
            long col = j * ldb;
            long jb = bytes(j);
            // Heads from last to first. For head h and a vector of rows, recompute in registers
            //   g_h    = dMemOut * prod_{h' > h} (1 - w_h' e_h'j)        (gradient after head h)
            //   prev_h = the cell before head h writes (forward over heads 0..h-1)
            // then v_h = prev_h (1 - w_h e_hj) + w_h a_hj gives
            //   dw_h += g_h (a_hj - prev_h e_hj), de_hj -= sum_i g_h prev_h w_h, da_hj += sum_i g_h w_h.
            // The h = 0 pass also writes dMemIn = g_0 (1 - w_0 e_0j), after every read of dMemOut
            // for these cells, so dMemIn may be dMemOut.
            for (int h = heads - 1; h >= 0; h--) {
                long hw = h * wsb;
                float ehj = get(ev, h * esb + jb);
                float ahj = get(av, h * asb + jb);
                FloatVector deAcc = zero();
                FloatVector daAcc = zero();
                for (int i = 0; i < bound; i += v) {
                    long o = bytes(i);
                    FloatVector g = load(gOut, col + o);
                    for (int k = heads - 1; k > h; k--) {
                        g = g.mul(one.sub(load(wv, k * wsb + o).mul(get(ev, k * esb + jb))));
                    }
                    FloatVector prev = load(ins, col + o);
                    for (int k = 0; k < h; k++) {
                        FloatVector wk = load(wv, k * wsb + o);
                        prev = prev.mul(one.sub(wk.mul(get(ev, k * esb + jb)))).add(wk.mul(get(av, k * asb + jb)));
                    }
                    FloatVector wh = load(wv, hw + o);
                    store(fma(g, prev.mul(-ehj).add(ahj), load(dwv, hw + o)), dwv, hw + o);
                    FloatVector gw = g.mul(wh);
                    deAcc = fma(gw, prev, deAcc);
                    daAcc = daAcc.add(gw);
                    if (h == 0) {
                        store(g.mul(one.sub(wh.mul(ehj))), gIn, col + o);
                    }
                }
                long eb = h * esb + jb;
                long ab = h * asb + jb;
                put(dev, eb, get(dev, eb) - sum(deAcc));
                put(dav, ab, get(dav, ab) + sum(daAcc));
            }
            for (int i = bound; i < n; i++) {
                eraseAddBackwardCell(ins, gOut, gIn, col + bytes(i), bytes(i), jb, heads,
                        wv, wsb, ev, esb, av, asb, dwv, dev, dav);
            }
        }
    }

    /** Scalar tail of {@link #eraseAddBackward}: one cell, every head, as in the reference. */
    private static void eraseAddBackwardCell(MemorySegment ins, MemorySegment gOut, MemorySegment gIn,
                                             long cell, long ib, long jb, int heads,
                                             MemorySegment wv, long wsb, MemorySegment ev, long esb,
                                             MemorySegment av, long asb,
                                             MemorySegment dwv, MemorySegment dev, MemorySegment dav) {
        float g = get(gOut, cell);
        for (int h = heads - 1; h >= 0; h--) {
            float wi = get(wv, h * wsb + ib);
            float ej = get(ev, h * esb + jb);
            float aj = get(av, h * asb + jb);
            float prev = get(ins, cell);
            for (int k = 0; k < h; k++) {
                float wk = get(wv, k * wsb + ib);
                prev = prev * (1f - wk * get(ev, k * esb + jb)) + wk * get(av, k * asb + jb);
            }
            long dwb = h * wsb + ib;
            put(dwv, dwb, get(dwv, dwb) + g * (aj - prev * ej));
            long eb = h * esb + jb;
            put(dev, eb, get(dev, eb) - g * prev * wi);
            long ab = h * asb + jb;
            put(dav, ab, get(dav, ab) + g * wi);
            g = g * (1f - wi * ej);
        }
        put(gIn, cell, g);
    }

    // ---------------------------------------------------------------- loss

    @Override
    public double bceWithLogits(MemorySegment y, long yOff, MemorySegment t, long tOff,
                                MemorySegment dy, long dyOff, int n, float scale) {
        if (n <= 0) {
            return 0;
        }
        MemorySegment ys = slice(y, yOff, n);
        MemorySegment ts = slice(t, tOff, n);
        MemorySegment dys = slice(dy, dyOff, n);
        int v = species().length();
        int bound = n & -v;
        FloatVector one = splat(1f);
        FloatVector scaleV = splat(scale);
        FloatVector loss = zero();
        int i = 0;
        for (; i < bound; i += v) {
            long o = bytes(i);
            FloatVector yv = load(ys, o);
            FloatVector tv = load(ts, o);
            FloatVector ex = yv.abs().neg().lanewise(VectorOperators.EXP);
            // max(y,0) - y t + log(1 + e^-|y|)
            loss = loss.add(yv.max(0f).sub(yv.mul(tv)).add(ex.lanewise(VectorOperators.LOG1P)));
            // sigmoid(y) = 1 / (1 + e^-|y|) for y >= 0, e^-|y| / (1 + e^-|y|) otherwise
            FloatVector inv = one.div(one.add(ex));
            FloatVector sig = inv.blend(ex.mul(inv), yv.compare(VectorOperators.LT, 0f));
            store(fma(sig.sub(tv), scaleV, load(dys, o)), dys, o);
        }
        double total = sum(loss);
        for (; i < n; i++) {
            long o = bytes(i);
            float yi = get(ys, o);
            float ti = get(ts, o);
            total += Math.max(yi, 0f) - yi * ti + Math.log1p(Math.exp(-Math.abs(yi)));
            put(dys, o, get(dys, o) + scale * (ScalarKernels.sigmoid(yi) - ti));
        }
        return total;
    }

    // ---------------------------------------------------------------- optimisers

    @Override
    public void adam(MemorySegment p, long pOff, MemorySegment g, long gOff,
                     MemorySegment m, long mOff, MemorySegment v, long vOff, int n,
                     float lr, float beta1, float beta2, float eps, float bc1, float bc2) {
        if (n <= 0) {
            return;
        }
        MemorySegment ps = slice(p, pOff, n);
        MemorySegment gs = slice(g, gOff, n);
        MemorySegment ms = slice(m, mOff, n);
        MemorySegment vs = slice(v, vOff, n);
        float c1 = 1f - beta1;
        float c2 = 1f - beta2;
        int len = species().length();
        int bound = n & -len;
        int i = 0;
        // Same operations in the same order as the scalar reference.
        for (; i < bound; i += len) {
            long o = bytes(i);
            FloatVector gi = load(gs, o);
            FloatVector mi = load(ms, o).mul(beta1).add(gi.mul(c1));
            FloatVector vi = load(vs, o).mul(beta2).add(gi.mul(c2).mul(gi));
            store(mi, ms, o);
            store(vi, vs, o);
            FloatVector step = mi.div(bc1).mul(lr).div(vi.div(bc2).sqrt().add(eps));
            store(load(ps, o).sub(step), ps, o);
        }
        for (; i < n; i++) {
            long o = bytes(i);
            float gi = get(gs, o);
            float mi = beta1 * get(ms, o) + c1 * gi;
            float vi = beta2 * get(vs, o) + c2 * gi * gi;
            put(ms, o, mi);
            put(vs, o, vi);
            put(ps, o, get(ps, o) - lr * (mi / bc1) / ((float) Math.sqrt(vi / bc2) + eps));
        }
    }

    @Override
    public void rmsprop(MemorySegment p, long pOff, MemorySegment g, long gOff,
                        MemorySegment sq, long sqOff, MemorySegment mean, long meanOff,
                        MemorySegment delta, long deltaOff, int n,
                        float lr, float decay, float momentum, float eps) {
        if (n <= 0) {
            return;
        }
        MemorySegment ps = slice(p, pOff, n);
        MemorySegment gs = slice(g, gOff, n);
        MemorySegment qs = slice(sq, sqOff, n);
        MemorySegment ms = slice(mean, meanOff, n);
        MemorySegment ds = slice(delta, deltaOff, n);
        float c = 1f - decay;
        int v = species().length();
        int bound = n & -v;
        int i = 0;
        for (; i < bound; i += v) {
            long o = bytes(i);
            FloatVector gi = load(gs, o);
            FloatVector ni = load(qs, o).mul(decay).add(gi.mul(c).mul(gi));
            FloatVector mi = load(ms, o).mul(decay).add(gi.mul(c));
            FloatVector denom = ni.sub(mi.mul(mi)).add(eps).sqrt();
            FloatVector di = load(ds, o).mul(momentum).sub(gi.mul(lr).div(denom));
            store(ni, qs, o);
            store(mi, ms, o);
            store(di, ds, o);
            store(load(ps, o).add(di), ps, o);
        }
        for (; i < n; i++) {
            long o = bytes(i);
            float gi = get(gs, o);
            float ni = decay * get(qs, o) + c * gi * gi;
            float mi = decay * get(ms, o) + c * gi;
            float di = momentum * get(ds, o) - lr * gi / (float) Math.sqrt(ni - mi * mi + eps);
            put(qs, o, ni);
            put(ms, o, mi);
            put(ds, o, di);
            put(ps, o, get(ps, o) + di);
        }
    }
}
