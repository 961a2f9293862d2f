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
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Objects;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The SIMD memory kernels of {@link SimdKernels}: the read and the erase/add write, forward and
 * backward, over the column-major memory.
 */
abstract class SimdMemory extends SimdAddressing implements MemoryKernels {

    // ---------------------------------------------------------------- memory read and write

    @Override
    public void read(MemorySegment w, long wOff, MemorySegment mem, long memOff, int n, int m, int ld,
                     MemorySegment r, long rOff) {
        VectorSpecies<Float> sp = species();
        if (m <= 0) {
            return;
        }
        long rAt = at(r, rOff, m);
        if (n <= 0) {
            zero(r, rAt, m);
            return;
        }
        long wAt = at(w, wOff, n);
        long memAt = at(mem, memOff, span(m, ld, n));
        long ldb = ld * 4L;
        int v = sp.length();
        int bound = n & -v;
        int j = 0;
        if (v == 16 && bound == n) {
            for (; j + 16 <= m; j += 16) {
                readBlock16(w, wAt, mem, memAt + j * ldb, n, ldb, r, rAt + j * 4L);
            }
        }
        // Four columns at a time share each load of the weighting.
        for (; j + 4 <= m; j += 4) {
            long c0 = j * ldb;
            long c1 = c0 + ldb;
            long c2 = c1 + ldb;
            long c3 = c2 + ldb;
            FloatVector a0 = FloatVector.zero(sp);
            FloatVector a1 = FloatVector.zero(sp);
            FloatVector a2 = FloatVector.zero(sp);
            FloatVector a3 = FloatVector.zero(sp);
            int i = 0;
            for (; i < bound; i += v) {
                long o = i * 4L;
                FloatVector x = FloatVector.fromMemorySegment(sp, w, wAt + o, ORDER);
                a0 = x.fma(FloatVector.fromMemorySegment(sp, mem, memAt + c0 + o, ORDER), a0);
                a1 = x.fma(FloatVector.fromMemorySegment(sp, mem, memAt + c1 + o, ORDER), a1);
                a2 = x.fma(FloatVector.fromMemorySegment(sp, mem, memAt + c2 + o, ORDER), a2);
                a3 = x.fma(FloatVector.fromMemorySegment(sp, mem, memAt + c3 + o, ORDER), a3);
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
            for (; i < n; i++) {
                long o = i * 4L;
                float x = w.get(F, wAt + o);
                s0 += x * mem.get(F, memAt + c0 + o);
                s1 += x * mem.get(F, memAt + c1 + o);
                s2 += x * mem.get(F, memAt + c2 + o);
                s3 += x * mem.get(F, memAt + c3 + o);
            }
            long ro = j * 4L;
            r.set(F, rAt + ro, s0);
            r.set(F, rAt + ro + Float.BYTES, s1);
            r.set(F, rAt + ro + 2 * Float.BYTES, s2);
            r.set(F, rAt + ro + 3 * Float.BYTES, s3);
        }
        for (; j < m; j++) {
            r.set(F, rAt + j * 4L, dotAt(w, wAt, mem, memAt + j * ldb, n));
        }
    }

    /**
     * Sixteen columns of {@link #read} for a 16-lane species and whole vectors of rows, with the
     * bits of its four-column blocks: the same fused multiply-adds per lane, and the sixteen lane
     * folds done together as in {@code SimdProducts.gemvBlock16} (two columns per shuffle), so that
     * lane j of the result is column j's read and one vector store writes all sixteen.
     */
    private void readBlock16(MemorySegment w, long wAt, MemorySegment mem, long c0, int n, long ldb,
                             MemorySegment r, long rAt) {
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
        long end = n * 4L;
        long vb = sp.vectorByteSize();
        for (long o = 0; o < end; o += vb) {
            FloatVector x = FloatVector.fromMemorySegment(sp, w, wAt + o, ORDER);
            long c = c0 + o;
            a0 = x.fma(FloatVector.fromMemorySegment(sp, mem, c, ORDER), a0);
            a1 = x.fma(FloatVector.fromMemorySegment(sp, mem, c + ldb, ORDER), a1);
            a2 = x.fma(FloatVector.fromMemorySegment(sp, mem, c + 2 * ldb, ORDER), a2);
            a3 = x.fma(FloatVector.fromMemorySegment(sp, mem, c + 3 * ldb, ORDER), a3);
            a4 = x.fma(FloatVector.fromMemorySegment(sp, mem, c + 4 * ldb, ORDER), a4);
            a5 = x.fma(FloatVector.fromMemorySegment(sp, mem, c + 5 * ldb, ORDER), a5);
            a6 = x.fma(FloatVector.fromMemorySegment(sp, mem, c + 6 * ldb, ORDER), a6);
            a7 = x.fma(FloatVector.fromMemorySegment(sp, mem, c + 7 * ldb, ORDER), a7);
            a8 = x.fma(FloatVector.fromMemorySegment(sp, mem, c + 8 * ldb, ORDER), a8);
            a9 = x.fma(FloatVector.fromMemorySegment(sp, mem, c + 9 * ldb, ORDER), a9);
            a10 = x.fma(FloatVector.fromMemorySegment(sp, mem, c + 10 * ldb, ORDER), a10);
            a11 = x.fma(FloatVector.fromMemorySegment(sp, mem, c + 11 * ldb, ORDER), a11);
            a12 = x.fma(FloatVector.fromMemorySegment(sp, mem, c + 12 * ldb, ORDER), a12);
            a13 = x.fma(FloatVector.fromMemorySegment(sp, mem, c + 13 * ldb, ORDER), a13);
            a14 = x.fma(FloatVector.fromMemorySegment(sp, mem, c + 14 * ldb, ORDER), a14);
            a15 = x.fma(FloatVector.fromMemorySegment(sp, mem, c + 15 * ldb, ORDER), a15);
        }
        // The paired fold, written out (a helper taking vectors would box them).
        FloatVector b0 = a0.blend(a8, HIGH8).add(a8.blend(a0, HIGH8).rearrange(SWAP8));
        FloatVector b1 = a1.blend(a9, HIGH8).add(a9.blend(a1, HIGH8).rearrange(SWAP8));
        FloatVector b2 = a2.blend(a10, HIGH8).add(a10.blend(a2, HIGH8).rearrange(SWAP8));
        FloatVector b3 = a3.blend(a11, HIGH8).add(a11.blend(a3, HIGH8).rearrange(SWAP8));
        FloatVector b4 = a4.blend(a12, HIGH8).add(a12.blend(a4, HIGH8).rearrange(SWAP8));
        FloatVector b5 = a5.blend(a13, HIGH8).add(a13.blend(a5, HIGH8).rearrange(SWAP8));
        FloatVector b6 = a6.blend(a14, HIGH8).add(a14.blend(a6, HIGH8).rearrange(SWAP8));
        FloatVector b7 = a7.blend(a15, HIGH8).add(a15.blend(a7, HIGH8).rearrange(SWAP8));
        FloatVector d0 = b0.blend(b4, HIGH4).add(b4.blend(b0, HIGH4).rearrange(SWAP4));
        FloatVector d1 = b1.blend(b5, HIGH4).add(b5.blend(b1, HIGH4).rearrange(SWAP4));
        FloatVector d2 = b2.blend(b6, HIGH4).add(b6.blend(b2, HIGH4).rearrange(SWAP4));
        FloatVector d3 = b3.blend(b7, HIGH4).add(b7.blend(b3, HIGH4).rearrange(SWAP4));
        FloatVector e0 = d0.blend(d2, HIGH2).add(d2.blend(d0, HIGH2).rearrange(SWAP2));
        FloatVector e1 = d1.blend(d3, HIGH2).add(d3.blend(d1, HIGH2).rearrange(SWAP2));
        e0.blend(e1, HIGH1).add(e1.blend(e0, HIGH1).rearrange(SWAP1)).intoMemorySegment(r, rAt, ORDER);
    }

    @Override
    public void readBackward(MemorySegment w, long wOff, MemorySegment mem, long memOff, int n, int m, int ld,
                             MemorySegment dr, long drOff,
                             MemorySegment dw, long dwOff, MemorySegment dmem, long dmemOff) {
        if (n <= 0 || m <= 0) {
            return;
        }
        long wAt = at(w, wOff, n);
        long memAt = at(mem, memOff, span(m, ld, n));
        long drAt = at(dr, drOff, m);
        long dwAt = at(dw, dwOff, n);
        long dmemAt = at(dmem, dmemOff, span(m, ld, n));
        long ldb = ld * 4L;
        // Four columns at a time, streaming down the rows: dw += sum_j dr_j M(:, j) and
        // dM(:, j) += dr_j w. Measured against the alternatives (0.40 us at 128 x 20, 9 us at
        // 1024 x 64): rows outer with every column inner keeps dw in registers but jumps a whole
        // column (4 KB at N = 1024) between loads, 0.31 and 19 us; one column at a time reloads w
        // and dw for every column, 0.59 and 7.4 us.
        int j = 0;
        for (; j + 4 <= m; j += 4) {
            readBackwardColumns4(dr, drAt + j * 4L, w, wAt, mem, memAt + j * ldb, ldb, dw, dwAt,
                    dmem, dmemAt + j * ldb, n);
        }
        for (; j < m; j++) {
            long c = j * ldb;
            float d = dr.get(F, drAt + j * 4L);
            readBackwardColumn(d, w, wAt, mem, memAt + c, dw, dwAt, dmem, dmemAt + c, n);
        }
    }

    /** {@link #readBackward} for four consecutive columns, starting at the first one's offsets. */
    private void readBackwardColumns4(MemorySegment dr, long drAt, MemorySegment w, long wAt,
                                      MemorySegment mem, long colAt, long ldb,
                                      MemorySegment dw, long dwAt, MemorySegment dmem, long dcolAt, int n) {
        VectorSpecies<Float> sp = species();
        int v = sp.length();
        float d0 = dr.get(F, drAt);
        float d1 = dr.get(F, drAt + Float.BYTES);
        float d2 = dr.get(F, drAt + 2 * Float.BYTES);
        float d3 = dr.get(F, drAt + 3 * Float.BYTES);
        FloatVector dv0 = FloatVector.broadcast(sp, d0);
        FloatVector dv1 = FloatVector.broadcast(sp, d1);
        FloatVector dv2 = FloatVector.broadcast(sp, d2);
        FloatVector dv3 = FloatVector.broadcast(sp, d3);
        int bound = n & -v;
        MemorySegment ws = run(w, wAt, bound);
        MemorySegment dws = run(dw, dwAt, bound);
        MemorySegment m0 = run(mem, colAt, bound);
        MemorySegment m1 = run(mem, colAt + ldb, bound);
        MemorySegment m2 = run(mem, colAt + 2 * ldb, bound);
        MemorySegment m3 = run(mem, colAt + 3 * ldb, bound);
        MemorySegment g0s = run(dmem, dcolAt, bound);
        MemorySegment g1s = run(dmem, dcolAt + ldb, bound);
        MemorySegment g2s = run(dmem, dcolAt + 2 * ldb, bound);
        MemorySegment g3s = run(dmem, dcolAt + 3 * ldb, bound);
        int i = 0;
        for (; i < bound; i += v) {
            long o = i * 4L;
            FloatVector wv = FloatVector.fromMemorySegment(sp, ws, o, ORDER);
            FloatVector acc = FloatVector.fromMemorySegment(sp, dws, o, ORDER);
            acc = FloatVector.fromMemorySegment(sp, m0, o, ORDER).fma(dv0, acc);
            acc = FloatVector.fromMemorySegment(sp, m1, o, ORDER).fma(dv1, acc);
            acc = FloatVector.fromMemorySegment(sp, m2, o, ORDER).fma(dv2, acc);
            acc = FloatVector.fromMemorySegment(sp, m3, o, ORDER).fma(dv3, acc);
            acc.intoMemorySegment(dws, o, ORDER);
            wv.fma(dv0, FloatVector.fromMemorySegment(sp, g0s, o, ORDER)).intoMemorySegment(g0s, o, ORDER);
            wv.fma(dv1, FloatVector.fromMemorySegment(sp, g1s, o, ORDER)).intoMemorySegment(g1s, o, ORDER);
            wv.fma(dv2, FloatVector.fromMemorySegment(sp, g2s, o, ORDER)).intoMemorySegment(g2s, o, ORDER);
            wv.fma(dv3, FloatVector.fromMemorySegment(sp, g3s, o, ORDER)).intoMemorySegment(g3s, o, ORDER);
        }
        for (; i < n; i++) {
            long o = i * 4L;
            float wi = w.get(F, wAt + o);
            long c0 = colAt + o;
            long g0 = dcolAt + o;
            dw.set(F, dwAt + o, dw.get(F, dwAt + o) + d0 * mem.get(F, c0) + d1 * mem.get(F, c0 + ldb)
                    + d2 * mem.get(F, c0 + 2 * ldb) + d3 * mem.get(F, c0 + 3 * ldb));
            dmem.set(F, g0, dmem.get(F, g0) + d0 * wi);
            dmem.set(F, g0 + ldb, dmem.get(F, g0 + ldb) + d1 * wi);
            dmem.set(F, g0 + 2 * ldb, dmem.get(F, g0 + 2 * ldb) + d2 * wi);
            dmem.set(F, g0 + 3 * ldb, dmem.get(F, g0 + 3 * ldb) + d3 * wi);
        }
    }

    /** {@code dw += d M(:, j)} and {@code dM(:, j) += d w} for one column. */
    private void readBackwardColumn(float d, MemorySegment w, long wAt, MemorySegment mem, long colAt,
                                    MemorySegment dw, long dwAt, MemorySegment dmem, long dcolAt, int n) {
        VectorSpecies<Float> sp = species();
        int v = sp.length();
        FloatVector dv = FloatVector.broadcast(sp, d);
        int bound = n & -v;
        MemorySegment ms = run(mem, colAt, bound);
        MemorySegment dws = run(dw, dwAt, bound);
        MemorySegment ws = run(w, wAt, bound);
        MemorySegment gs = run(dmem, dcolAt, bound);
        int i = 0;
        for (; i < bound; i += v) {
            long o = i * 4L;
            FloatVector mv = FloatVector.fromMemorySegment(sp, ms, o, ORDER);
            mv.fma(dv, FloatVector.fromMemorySegment(sp, dws, o, ORDER)).intoMemorySegment(dws, o, ORDER);
            FloatVector wv = FloatVector.fromMemorySegment(sp, ws, o, ORDER);
            wv.fma(dv, FloatVector.fromMemorySegment(sp, gs, o, ORDER)).intoMemorySegment(gs, o, ORDER);
        }
        for (; i < n; i++) {
            long o = i * 4L;
            dw.set(F, dwAt + o, dw.get(F, dwAt + o) + d * mem.get(F, colAt + o));
            dmem.set(F, dcolAt + o, dmem.get(F, dcolAt + o) + d * w.get(F, wAt + o));
        }
    }

    @Override
    public void eraseAdd(MemorySegment memIn, long memInOff, MemorySegment memOut, long memOutOff,
                         int n, int m, int ld, int heads,
                         MemorySegment w, long wOff, int wStride,
                         MemorySegment e, long eOff, int eStride,
                         MemorySegment a, long aOff, int aStride) {
        VectorSpecies<Float> sp = species();
        if (n <= 0 || m <= 0) {
            return;
        }
        long memInAt = at(memIn, memInOff, span(m, ld, n));
        long memOutAt = at(memOut, memOutOff, span(m, ld, n));
        if (heads <= 0) {
            copyColumns(memIn, memInAt, memOut, memOutAt, n, m, ld);
            return;
        }
        long wAt = at(w, wOff, span(heads, wStride, n));
        long eAt = at(e, eOff, span(heads, eStride, m));
        long aAt = at(a, aOff, span(heads, aStride, m));
        long ldb = ld * 4L;
        long wsb = wStride * 4L;
        long esb = eStride * 4L;
        long asb = aStride * 4L;
        int v = sp.length();
        int bound = n & -v;
        FloatVector one = FloatVector.broadcast(sp, 1f);
        if (heads == 1) {
            eraseAddOneHead(memIn, memInAt, memOut, memOutAt, n, m, ldb, w, wAt, e, eAt, a, aAt);
            return;
        }
        for (int j = 0; j < m; j++) {
            long col = j * ldb;
            long jb = j * 4L;
            int i = 0;
            for (; i < bound; i += v) {
                long o = i * 4L;
                FloatVector cell = FloatVector.fromMemorySegment(sp, memIn, memInAt + col + o, ORDER);
                for (int h = 0; h < heads; h++) {
                    FloatVector wi = FloatVector.fromMemorySegment(sp, w, wAt + h * wsb + o, ORDER);
                    float ej = e.get(F, eAt + h * esb + jb);
                    float aj = a.get(F, aAt + h * asb + jb);
                    // M <- M (1 - w e) + w a, as the scalar reference rounds it
                    cell = cell.mul(one.sub(wi.mul(ej))).add(wi.mul(aj));
                }
                cell.intoMemorySegment(memOut, memOutAt + col + o, ORDER);
            }
            for (; i < n; i++) {
                long o = i * 4L;
                float cell = memIn.get(F, memInAt + col + o);
                for (int h = 0; h < heads; h++) {
                    float wi = w.get(F, wAt + h * wsb + o);
                    cell = cell * (1f - wi * e.get(F, eAt + h * esb + jb)) + wi * a.get(F, aAt + h * asb + jb);
                }
                memOut.set(F, memOutAt + col + o, cell);
            }
        }
    }

    /**
     * {@link #eraseAdd} of a single write head, the common case: the same operations per cell in
     * the same order, with the column's erase and add values read once into registers (the
     * general loop must reread them per vector, since the memory it stores to could alias them).
     */
    private void eraseAddOneHead(MemorySegment memIn, long memInAt, MemorySegment memOut, long memOutAt,
                                 int n, int m, long ldb, MemorySegment w, long wAt,
                                 MemorySegment e, long eAt, MemorySegment a, long aAt) {
        VectorSpecies<Float> sp = species();
        int v = sp.length();
        int bound = n & -v;
        FloatVector one = FloatVector.broadcast(sp, 1f);
        MemorySegment ws = run(w, wAt, n);
        for (int j = 0; j < m; j++) {
            long col = j * ldb;
            float ej = e.get(F, eAt + j * 4L);
            float aj = a.get(F, aAt + j * 4L);
            FloatVector ev = FloatVector.broadcast(sp, ej);
            FloatVector av = FloatVector.broadcast(sp, aj);
            MemorySegment in = run(memIn, memInAt + col, n);
            MemorySegment out = run(memOut, memOutAt + col, n);
            int i = 0;
            for (; i < bound; i += v) {
                long o = i * 4L;
                FloatVector wi = FloatVector.fromMemorySegment(sp, ws, o, ORDER);
                FloatVector cell = FloatVector.fromMemorySegment(sp, in, o, ORDER);
                cell.mul(one.sub(wi.mul(ev))).add(wi.mul(av)).intoMemorySegment(out, o, ORDER);
            }
            for (; i < n; i++) {
                long o = i * 4L;
                float wi = w.get(F, wAt + o);
                memOut.set(F, memOutAt + col + o, memIn.get(F, memInAt + col + o) * (1f - wi * ej) + wi * aj);
            }
        }
    }

    /** Copies the n rows of every column; a copy onto itself is harmless (memmove semantics). */
    private static void copyColumns(MemorySegment src, long srcAt, MemorySegment dst, long dstAt, int n, int m,
            int ld) {
        long ldb = ld * 4L;
        for (int j = 0; j < m; j++) {
            MemorySegment.copy(src, srcAt + j * ldb, dst, dstAt + j * ldb, n * 4L);
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
        long inAt = at(memIn, memInOff, span(m, ld, n));
        long gOutAt = at(dMemOut, dMemOutOff, span(m, ld, n));
        long gInAt = at(dMemIn, dMemInOff, span(m, ld, n));
        if (heads <= 0) {
            copyColumns(dMemOut, gOutAt, dMemIn, gInAt, n, m, ld);
            return;
        }
        long wAt = at(w, wOff, span(heads, wStride, n));
        long eAt = at(e, eOff, span(heads, eStride, m));
        long aAt = at(a, aOff, span(heads, aStride, m));
        long dwAt = at(dw, dwOff, span(heads, wStride, n));
        long deAt = at(de, deOff, span(heads, eStride, m));
        long daAt = at(da, daOff, span(heads, aStride, m));
        long ldb = ld * 4L;
        long wsb = wStride * 4L;
        int bound = n & -species().length();
        boolean pairs = heads == 1 && species().length() == 16;
        for (int j = 0; j < m; j++) {
            long col = j * ldb;
            if (pairs && j + 1 < m) {
                // two columns in one pass over the rows (the bits of one column at a time)
                eraseAddBackwardTwoColumns(memIn, inAt + col, dMemOut, gOutAt + col, dMemIn, gInAt + col, ldb, bound,
                        w, wAt, e.get(F, eAt + j * 4L), a.get(F, aAt + j * 4L), e.get(F, eAt + (j + 1) * 4L),
                        a.get(F, aAt + (j + 1) * 4L), dw, dwAt, de, deAt + j * 4L, da, daAt + j * 4L);
                for (int c = j; c <= j + 1; c++) {
                    long cc = c * ldb;
                    for (int i = bound; i < n; i++) {
                        long o = i * 4L;
                        eraseAddBackwardCell(memIn, inAt + cc + o, dMemOut, gOutAt + cc + o, dMemIn, gInAt + cc + o,
                                heads, w, wAt + o, wsb, e, eAt + c * 4L, eStride * 4L, a, aAt + c * 4L,
                                aStride * 4L, dw, dwAt + o, de, deAt + c * 4L, da, daAt + c * 4L);
                    }
                }
                j++;
                continue;
            }
            if (heads == 1) {
                eraseAddBackwardOneHead(memIn, inAt + col, dMemOut, gOutAt + col, dMemIn, gInAt + col, bound,
                        w, wAt, e.get(F, eAt + j * 4L), a.get(F, aAt + j * 4L), dw, dwAt, de, deAt + j * 4L,
                        da, daAt + j * 4L);
            } else {
                eraseAddBackwardHeads(memIn, inAt + col, dMemOut, gOutAt + col, dMemIn, gInAt + col, bound, heads,
                        w, wAt, wsb, e, eAt + j * 4L, eStride * 4L, a, aAt + j * 4L, aStride * 4L,
                        dw, dwAt, de, deAt + j * 4L, da, daAt + j * 4L);
            }
            for (int i = bound; i < n; i++) {
                long o = i * 4L;
                eraseAddBackwardCell(memIn, inAt + col + o, dMemOut, gOutAt + col + o, dMemIn, gInAt + col + o, heads,
                        w, wAt + o, wsb, e, eAt + j * 4L, eStride * 4L, a, aAt + j * 4L, aStride * 4L,
                        dw, dwAt + o, de, deAt + j * 4L, da, daAt + j * 4L);
            }
        }
    }

    /**
     * The vector part of one column of {@link #eraseAddBackward} with several heads: each head's
     * share, then the memory gradient (after every read of dMemOut, so dMemIn may be dMemOut).
     */
    private void eraseAddBackwardHeads(MemorySegment memIn, long inAt, MemorySegment dMemOut, long gOutAt,
                                       MemorySegment dMemIn, long gInAt, int bound, int heads,
                                       MemorySegment w, long wAt, long wsb,
                                       MemorySegment e, long ejAt, long esb, MemorySegment a, long ajAt, long asb,
                                       MemorySegment dw, long dwAt, MemorySegment de, long dejAt,
                                       MemorySegment da, long dajAt) {
        for (int h = heads - 1; h >= 0; h--) {
            eraseAddBackwardHead(memIn, inAt, dMemOut, gOutAt, bound, h, heads, w, wAt, wsb, e, ejAt, esb, a, ajAt,
                    asb, dw, dwAt, de, dejAt, da, dajAt);
        }
        eraseAddBackwardMemory(dMemOut, gOutAt, dMemIn, gInAt, bound, heads, w, wAt, wsb, e, ejAt, esb);
    }

    /**
     * The vector part of one column of {@link #eraseAddBackward} with one head, in one pass: the
     * operations of {@link #eraseAddBackwardHead} and {@link #eraseAddBackwardMemory} per element,
     * in their order, with {@code e_j} and {@code a_j} in registers. Each vector of dMemOut is read
     * before the same rows of dMemIn are written, so the two may be the same buffer.
     */
    private void eraseAddBackwardOneHead(MemorySegment memIn, long inAt, MemorySegment dMemOut, long gOutAt,
                                         MemorySegment dMemIn, long gInAt, int rows,
                                         MemorySegment w, long wAt, float ej, float aj,
                                         MemorySegment dw, long dwAt, MemorySegment de, long dejAt,
                                         MemorySegment da, long dajAt) {
        VectorSpecies<Float> sp = species();
        int v = sp.length();
        FloatVector one = FloatVector.broadcast(sp, 1f);
        FloatVector negE = FloatVector.broadcast(sp, -ej);
        FloatVector ev = FloatVector.broadcast(sp, ej);
        FloatVector av = FloatVector.broadcast(sp, aj);
        FloatVector deAcc = FloatVector.zero(sp);
        FloatVector daAcc = FloatVector.zero(sp);
        MemorySegment gOut = run(dMemOut, gOutAt, rows);
        MemorySegment in = run(memIn, inAt, rows);
        MemorySegment ws = run(w, wAt, rows);
        MemorySegment dws = run(dw, dwAt, rows);
        MemorySegment gIn = run(dMemIn, gInAt, rows);
        for (int i = 0; i < rows; i += v) {
            long o = i * 4L;
            FloatVector g = FloatVector.fromMemorySegment(sp, gOut, o, ORDER);
            FloatVector prev = FloatVector.fromMemorySegment(sp, in, o, ORDER);
            FloatVector wh = FloatVector.fromMemorySegment(sp, ws, o, ORDER);
            g.fma(prev.mul(negE).add(av), FloatVector.fromMemorySegment(sp, dws, o, ORDER))
                    .intoMemorySegment(dws, o, ORDER);
            FloatVector gw = g.mul(wh);
            deAcc = gw.fma(prev, deAcc);
            daAcc = daAcc.add(gw);
            g.mul(one.sub(wh.mul(ev))).intoMemorySegment(gIn, o, ORDER);
        }
        // the lane fold with constant shuffle starts (a variable start can stay allocated; see gemvAt)
        if (v > 8) {
            VectorShuffle<Float> fold = VectorShuffle.iota(sp, 8, 1, true);
            deAcc = deAcc.add(deAcc.rearrange(fold));
            daAcc = daAcc.add(daAcc.rearrange(fold));
        }
        if (v > 4) {
            VectorShuffle<Float> fold = VectorShuffle.iota(sp, 4, 1, true);
            deAcc = deAcc.add(deAcc.rearrange(fold));
            daAcc = daAcc.add(daAcc.rearrange(fold));
        }
        if (v > 2) {
            VectorShuffle<Float> fold = VectorShuffle.iota(sp, 2, 1, true);
            deAcc = deAcc.add(deAcc.rearrange(fold));
            daAcc = daAcc.add(daAcc.rearrange(fold));
        }
        if (v > 1) {
            VectorShuffle<Float> fold = VectorShuffle.iota(sp, 1, 1, true);
            deAcc = deAcc.add(deAcc.rearrange(fold));
            daAcc = daAcc.add(daAcc.rearrange(fold));
        }
        de.set(F, dejAt, de.get(F, dejAt) - deAcc.lane(0));
        da.set(F, dajAt, da.get(F, dajAt) + daAcc.lane(0));
    }

    /**
     * {@link #eraseAddBackwardOneHead} for columns j and j + 1 in one pass over the rows (16-lane
     * species): each element gets the operations it gets there, column j's before column j + 1's
     * (dw takes column j's multiply-add, then column j + 1's), with w and dw loaded and dw stored
     * once per vector of rows. The four sums (de and da of both columns) are folded together, two
     * accumulators per shuffle as in gemv's sixteen-row block, then two ordinary fold steps: each
     * sum is formed from the same pairs as the one-column fold forms it, and ends in lane 0 (de_j),
     * 4 (da_j), 8 (de_j+1) or 12 (da_j+1).
     */
    private void eraseAddBackwardTwoColumns(MemorySegment memIn, long inAt, MemorySegment dMemOut, long gOutAt,
                                            MemorySegment dMemIn, long gInAt, long ldb, int rows,
                                            MemorySegment w, long wAt, float e0, float a0, float e1, float a1,
                                            MemorySegment dw, long dwAt, MemorySegment de, long dejAt,
                                            MemorySegment da, long dajAt) {
        VectorSpecies<Float> sp = species();
        int v = sp.length();
        FloatVector one = FloatVector.broadcast(sp, 1f);
        FloatVector negE0 = FloatVector.broadcast(sp, -e0);
        FloatVector ev0 = FloatVector.broadcast(sp, e0);
        FloatVector av0 = FloatVector.broadcast(sp, a0);
        FloatVector negE1 = FloatVector.broadcast(sp, -e1);
        FloatVector ev1 = FloatVector.broadcast(sp, e1);
        FloatVector av1 = FloatVector.broadcast(sp, a1);
        FloatVector de0 = FloatVector.zero(sp);
        FloatVector da0 = FloatVector.zero(sp);
        FloatVector de1 = FloatVector.zero(sp);
        FloatVector da1 = FloatVector.zero(sp);
        MemorySegment gOut0 = run(dMemOut, gOutAt, rows);
        MemorySegment gOut1 = run(dMemOut, gOutAt + ldb, rows);
        MemorySegment in0 = run(memIn, inAt, rows);
        MemorySegment in1 = run(memIn, inAt + ldb, rows);
        MemorySegment ws = run(w, wAt, rows);
        MemorySegment dws = run(dw, dwAt, rows);
        MemorySegment gIn0 = run(dMemIn, gInAt, rows);
        MemorySegment gIn1 = run(dMemIn, gInAt + ldb, rows);
        for (int i = 0; i < rows; i += v) {
            long o = i * 4L;
            FloatVector wh = FloatVector.fromMemorySegment(sp, ws, o, ORDER);
            FloatVector g0 = FloatVector.fromMemorySegment(sp, gOut0, o, ORDER);
            FloatVector prev0 = FloatVector.fromMemorySegment(sp, in0, o, ORDER);
            FloatVector g1 = FloatVector.fromMemorySegment(sp, gOut1, o, ORDER);
            FloatVector prev1 = FloatVector.fromMemorySegment(sp, in1, o, ORDER);
            FloatVector d = g0.fma(prev0.mul(negE0).add(av0), FloatVector.fromMemorySegment(sp, dws, o, ORDER));
            g1.fma(prev1.mul(negE1).add(av1), d).intoMemorySegment(dws, o, ORDER);
            FloatVector gw0 = g0.mul(wh);
            de0 = gw0.fma(prev0, de0);
            da0 = da0.add(gw0);
            FloatVector gw1 = g1.mul(wh);
            de1 = gw1.fma(prev1, de1);
            da1 = da1.add(gw1);
            g0.mul(one.sub(wh.mul(ev0))).intoMemorySegment(gIn0, o, ORDER);
            g1.mul(one.sub(wh.mul(ev1))).intoMemorySegment(gIn1, o, ORDER);
        }
        // de0 and de1 pair at distance 8, da0 and da1 likewise; the two results pair at 4.
        FloatVector pe = de0.blend(de1, HIGH8).add(de1.blend(de0, HIGH8).rearrange(SWAP8));
        FloatVector pa = da0.blend(da1, HIGH8).add(da1.blend(da0, HIGH8).rearrange(SWAP8));
        FloatVector q = pe.blend(pa, HIGH4).add(pa.blend(pe, HIGH4).rearrange(SWAP4));
        q = q.add(q.rearrange(VectorShuffle.iota(sp, 2, 1, true)));
        q = q.add(q.rearrange(VectorShuffle.iota(sp, 1, 1, true)));
        de.set(F, dejAt, de.get(F, dejAt) - q.lane(0));
        da.set(F, dajAt, da.get(F, dajAt) + q.lane(4));
        de.set(F, dejAt + Float.BYTES, de.get(F, dejAt + Float.BYTES) - q.lane(8));
        da.set(F, dajAt + Float.BYTES, da.get(F, dajAt + Float.BYTES) + q.lane(12));
    }

    /**
     * One head's share of {@link #eraseAddBackward} over the vector part of one column (rows
     * {@code [0, rows)}; memory offsets at the column, erase/add/de/da offsets at the column's entry
     * of head 0). For each vector of rows it recomputes in registers
     * {@code g_h = dMemOut prod_{k > h} (1 - w_k e_kj)} (the gradient after head h) and
     * {@code prev_h} (the cell before head h, forward over heads 0..h-1); then with
     * {@code v_h = prev_h (1 - w_h e_hj) + w_h a_hj}:
     * {@code dw_h += g_h (a_hj - prev_h e_hj)}, {@code de_hj -= sum_i g_h prev_h w_h},
     * {@code da_hj += sum_i g_h w_h}.
     */
    private void eraseAddBackwardHead(MemorySegment memIn, long inAt, MemorySegment dMemOut, long gOutAt,
                                      int rows, int h, int heads,
                                      MemorySegment w, long wAt, long wsb,
                                      MemorySegment e, long ejAt, long esb, MemorySegment a, long ajAt, long asb,
                                      MemorySegment dw, long dwAt, MemorySegment de, long dejAt,
                                      MemorySegment da, long dajAt) {
        VectorSpecies<Float> sp = species();
        int v = sp.length();
        FloatVector one = FloatVector.broadcast(sp, 1f);
        float ehj = e.get(F, ejAt + h * esb);
        float ahj = a.get(F, ajAt + h * asb);
        long hw = h * wsb;
        FloatVector deAcc = FloatVector.zero(sp);
        FloatVector daAcc = FloatVector.zero(sp);
        for (int i = 0; i < rows; i += v) {
            long o = i * 4L;
            FloatVector g = FloatVector.fromMemorySegment(sp, dMemOut, gOutAt + o, ORDER);
            for (int k = heads - 1; k > h; k--) {
                FloatVector wk = FloatVector.fromMemorySegment(sp, w, wAt + k * wsb + o, ORDER);
                g = g.mul(one.sub(wk.mul(e.get(F, ejAt + k * esb))));
            }
            FloatVector prev = FloatVector.fromMemorySegment(sp, memIn, inAt + o, ORDER);
            for (int k = 0; k < h; k++) {
                FloatVector wk = FloatVector.fromMemorySegment(sp, w, wAt + k * wsb + o, ORDER);
                prev = prev.mul(one.sub(wk.mul(e.get(F, ejAt + k * esb)))).add(wk.mul(a.get(F, ajAt + k * asb)));
            }
            FloatVector wh = FloatVector.fromMemorySegment(sp, w, wAt + hw + o, ORDER);
            g.fma(prev.mul(-ehj).add(ahj), FloatVector.fromMemorySegment(sp, dw, dwAt + hw + o, ORDER))
                    .intoMemorySegment(dw, dwAt + hw + o, ORDER);
            FloatVector gw = g.mul(wh);
            deAcc = gw.fma(prev, deAcc);
            daAcc = daAcc.add(gw);
        }
        long eb = dejAt + h * esb;
        long ab = dajAt + h * asb;
        // the lane fold with constant shuffle starts (a variable start can stay allocated; see gemvAt)
        if (v > 8) {
            VectorShuffle<Float> fold = VectorShuffle.iota(sp, 8, 1, true);
            deAcc = deAcc.add(deAcc.rearrange(fold));
            daAcc = daAcc.add(daAcc.rearrange(fold));
        }
        if (v > 4) {
            VectorShuffle<Float> fold = VectorShuffle.iota(sp, 4, 1, true);
            deAcc = deAcc.add(deAcc.rearrange(fold));
            daAcc = daAcc.add(daAcc.rearrange(fold));
        }
        if (v > 2) {
            VectorShuffle<Float> fold = VectorShuffle.iota(sp, 2, 1, true);
            deAcc = deAcc.add(deAcc.rearrange(fold));
            daAcc = daAcc.add(daAcc.rearrange(fold));
        }
        if (v > 1) {
            VectorShuffle<Float> fold = VectorShuffle.iota(sp, 1, 1, true);
            deAcc = deAcc.add(deAcc.rearrange(fold));
            daAcc = daAcc.add(daAcc.rearrange(fold));
        }
        de.set(F, eb, de.get(F, eb) - deAcc.lane(0));
        da.set(F, ab, da.get(F, ab) + daAcc.lane(0));
    }

    /** The vector part of one column of {@code dMemIn = dMemOut prod_h (1 - w_h e_hj)}. */
    private void eraseAddBackwardMemory(MemorySegment dMemOut, long gOutAt, MemorySegment dMemIn, long gInAt,
                                        int rows, int heads, MemorySegment w, long wAt, long wsb,
                                        MemorySegment e, long ejAt, long esb) {
        VectorSpecies<Float> sp = species();
        int v = sp.length();
        FloatVector one = FloatVector.broadcast(sp, 1f);
        for (int i = 0; i < rows; i += v) {
            long o = i * 4L;
            FloatVector g = FloatVector.fromMemorySegment(sp, dMemOut, gOutAt + o, ORDER);
            for (int k = heads - 1; k >= 0; k--) {
                FloatVector wk = FloatVector.fromMemorySegment(sp, w, wAt + k * wsb + o, ORDER);
                g = g.mul(one.sub(wk.mul(e.get(F, ejAt + k * esb))));
            }
            g.intoMemorySegment(dMemIn, gInAt + o, ORDER);
        }
    }

    /** Scalar tail of {@link #eraseAddBackward}: one cell, every head, as in the reference. */
    private static void eraseAddBackwardCell(MemorySegment memIn, long inCell, MemorySegment dMemOut, long outCell,
                                             MemorySegment dMemIn, long gInCell, int heads,
                                             MemorySegment w, long wiAt, long wsb,
                                             MemorySegment e, long ejAt, long esb,
                                             MemorySegment a, long ajAt, long asb,
                                             MemorySegment dw, long dwiAt, MemorySegment de, long dejAt,
                                             MemorySegment da, long dajAt) {
        float g = dMemOut.get(F, outCell);
        for (int h = heads - 1; h >= 0; h--) {
            float wi = w.get(F, wiAt + h * wsb);
            float ej = e.get(F, ejAt + h * esb);
            float aj = a.get(F, ajAt + h * asb);
            float prev = memIn.get(F, inCell);
            for (int k = 0; k < h; k++) {
                float wk = w.get(F, wiAt + k * wsb);
                prev = prev * (1f - wk * e.get(F, ejAt + k * esb)) + wk * a.get(F, ajAt + k * asb);
            }
            long dwb = dwiAt + h * wsb;
            dw.set(F, dwb, dw.get(F, dwb) + g * (aj - prev * ej));
            long eb = dejAt + h * esb;
            de.set(F, eb, de.get(F, eb) - g * prev * wi);
            long ab = dajAt + h * asb;
            da.set(F, ab, da.get(F, ab) + g * wi);
            g = g * (1f - wi * ej);
        }
        dMemIn.set(F, gInCell, g);
    }
}
