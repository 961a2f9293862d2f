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
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The base of {@link SimdKernels}: the species (a JIT constant in each final subclass, see
 * {@link SimdKernels}), checked byte offsets, and the deterministic exp, log and small reductions
 * the kernels of every concern share. The kernels themselves are split by concern along one
 * inheritance chain ({@link SimdProducts}, {@link SimdElementwise}, {@link SimdAddressing},
 * {@link SimdMemory}, then {@link SimdKernels}), so that each file holds one kind of kernel while
 * every call still resolves to one class whose species C2 can fold.
 */
abstract class SimdSupport {

    static final ByteOrder ORDER = ByteOrder.nativeOrder();
    /** Unaligned, as {@link Buffers#F32}: no alignment test per scalar access. */
    static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    /** The float species of this implementation; a JIT constant in each subclass. */
    abstract VectorSpecies<Float> species();

    /** 32-bit integer lanes of {@link #species()}'s shape (to widen paired bfloat16). */
    abstract VectorSpecies<Integer> intSpecies();


    // ---------------------------------------------------------------- helpers

    /**
     * The byte offset of float {@code off} in {@code s}, after checking that {@code floats} floats
     * from there lie inside {@code s}: a call with a bad range fails here, before writing anything.
     */
    static long at(MemorySegment s, long off, long floats) {
        // The test is written out, the message built out of line, so that the method stays within
        // C2's always-inline size (35 bytes of bytecode): through Objects.checkFromIndexSize, C2
        // left Preconditions.checkFromIndexSize a real call at each kernel's entry ("low call site
        // frequency" in JFR's jdk.CompilerInlining), some 4% of an inference step's samples.
        if ((off | floats) < 0 || floats > (s.byteSize() >> 2) - off) {
            outside(s, off, floats);
        }
        return off << 2;
    }

    /** Throws the {@link IndexOutOfBoundsException} of {@link #at}. */
    private static void outside(MemorySegment s, long off, long floats) {
        throw new IndexOutOfBoundsException("floats [" + off + ", " + off + " + " + floats + ") out of bounds for a segment of "
                + s.byteSize() + " bytes");
    }

    /**
     * The {@code floats} floats from byte offset {@code at} of {@code s} as a segment of their own,
     * for a loop that indexes them from 0. C2 removes the bounds checks of vector accesses at
     * {@code 0 + i * 4} into such a run, which it keeps for accesses at {@code at + i * 4} into the
     * whole segment (KernelBench.eraseAdd at 128 x 20: 381 ns -> 218 ns). Escape analysis removes
     * the slice object once the kernel is compiled, but not always: never pass a slice to a call
     * that is not inlined, and check every kernel that slices at several shapes
     * (KernelAllocationTest: at 37 x 7 the sliced exp/max helpers allocated, at 1024 x 64 slices
     * made per block of columns did).
     */
    static MemorySegment run(MemorySegment s, long at, int floats) {
        return s.asSlice(at, floats * 4L);
    }

    /**
     * Floats spanned by {@code count} runs of {@code len} floats, {@code stride} apart. A negative
     * stride or length is rejected: the span would no longer cover the runs, and the entry check
     * built on it is what keeps every access of the kernel inside its segment.
     */
    static long span(int count, int stride, int len) {
        if ((stride | len) < 0) {
            negative(stride, len);
        }
        return (long) (count - 1) * stride + len;
    }

    /** Throws the {@link IllegalArgumentException} of {@link #span}. */
    private static void negative(int stride, int len) {
        throw new IllegalArgumentException("stride " + stride + " and length " + len + ": expected both >= 0");
    }

    // Byte offsets are written i * 4L and single floats s.get(F, at) / s.set(F, at, v), with no
    // helper methods of our own: once C2 has spent its inlining node budget on a kernel's vector
    // code it leaves every further call of a plain method out of line (NodeCountInliningCutoff,
    // seen with JFR's jdk.CompilerInlining events), which made each float of a scalar rest cost
    // three or four calls, while the JDK's segment accessors are inlined whatever the budget
    // (KernelBench.shiftBackward at 128 x 20: 287 -> 158 ns from its dot products' rests alone).

    /** Sets n floats from byte offset {@code at} to zero (the degenerate zero-width cases). */
    static void zero(MemorySegment s, long at, int n) {
        for (int i = 0; i < n; i++) {
            s.set(F, at + i * 4L, 0f);
        }
    }

    // ---------------------------------------------------------------- deterministic exp and log

    /**
     * {@code e^x} for the vector of floats at byte offset {@code at}, in place: {@link VectorMath#exp}'s
     * operations lane by lane (see that method for the algorithm and its special values).
     */
    void expAt(MemorySegment s, long at) {
        VectorSpecies<Float> sp = species();
        FloatVector xc = FloatVector.fromMemorySegment(sp, s, at, ORDER).max(EXP_LO).min(EXP_HI);
        FloatVector t = xc.fma(LOG2_E, SHIFTER);
        FloatVector n = t.sub(SHIFTER);
        FloatVector r = n.fma(FloatVector.broadcast(sp, -LN2_HI), xc);
        r = n.fma(FloatVector.broadcast(sp, -LN2_LO), r);
        FloatVector h = r.fma(E6, E5).fma(r, FloatVector.broadcast(sp, E4))
                .fma(r, FloatVector.broadcast(sp, E3)).fma(r, FloatVector.broadcast(sp, E2));
        FloatVector p = h.fma(r.mul(r), r).add(1f);
        IntVector ni = t.reinterpretAsInts().sub(SHIFTER_BITS);
        IntVector n1 = ni.lanewise(VectorOperators.ASHR, 1);
        IntVector n2 = ni.sub(n1);
        FloatVector s1 = n1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector s2 = n2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        p.mul(s1).mul(s2).intoMemorySegment(s, at, ORDER);
    }

    /** {@code ln x} for the vector at byte offset {@code at}, in place, as {@link VectorMath#log}. */
    void logAt(MemorySegment s, long at) {
        logAt(s, at, false);
    }

    /** {@code ln(1 + u)} for the vector at byte offset {@code at}, in place, as {@link VectorMath#log1p}. */
    void log1pAt(MemorySegment s, long at) {
        logAt(s, at, true);
    }

    /**
     * {@link VectorMath}'s {@code log(w, c)}: {@code ln w + c} with the specials of w, where w and c
     * are x and 0 for ln x, and for ln(1 + u) w = 1 + u and c the rounding error of that sum over w.
     */
    void logAt(MemorySegment s, long at, boolean onePlus) {
        logRun(s, at, species().length(), onePlus);
    }

    /**
     * {@link #logAt} over the n floats from byte offset {@code x} of {@code xs}, in place: whole
     * vectors lane by lane, the rest as {@link VectorMath#log} or {@link VectorMath#log1p} (the same
     * operations). One loop with the whole computation in it: a call per vector would not be
     * inlined (the body is over C2's hot-method size) and would cost a call per 16 floats.
     */
    void logRun(MemorySegment xs, long x, int n, boolean onePlus) {
        VectorSpecies<Float> sp = species();
        int v = sp.length();
        int bound = n & -v;
        int i = 0;
        for (; i < bound; i += v) {
            long at = x + i * 4L;
            FloatVector u = FloatVector.fromMemorySegment(sp, xs, at, ORDER);
            FloatVector w = u;
            FloatVector c = FloatVector.zero(sp);
            if (onePlus) {
                w = u.add(1f);
                c = u.sub(w.sub(1f)).div(w);
            }
            VectorMask<Float> tiny = w.compare(VectorOperators.LT, Float.MIN_NORMAL);
            FloatVector ws = w.blend(w.mul(TWO_23), tiny);
            FloatVector bias = FloatVector.zero(sp).blend(23f, tiny);
            IntVector ix = ws.reinterpretAsInts().add(SQRT_HALF_SHIFT);
            FloatVector k = ix.lanewise(VectorOperators.ASHR, 23).add(SHIFTER_BITS - 127).reinterpretAsFloats()
                    .sub(SHIFTER).sub(bias);
            FloatVector f = ix.and(MANTISSA).add(SQRT_HALF_BITS).reinterpretAsFloats().sub(1f);
            // ln(1 + f) = f - f^2/2 + s (f^2/2 + R(s^2)), s = f / (2 + f)
            FloatVector sf = f.div(f.add(2f));
            FloatVector z = sf.mul(sf);
            FloatVector hfsq = f.mul(f).mul(0.5f);
            FloatVector r = z.fma(L3, L2).fma(z, FloatVector.broadcast(sp, L1)).mul(z);
            FloatVector lp = sf.fma(hfsq.add(r), hfsq.neg()).add(f);
            FloatVector y = k.fma(FloatVector.broadcast(sp, LN2_HI), k.fma(FloatVector.broadcast(sp, LN2_LO), lp.add(c)));
            // the specials of w: NaN and +Inf give themselves, 0 gives -Inf, negative gives NaN
            y = y.blend(w, w.compare(VectorOperators.NE, w).or(w.compare(VectorOperators.EQ, Float.POSITIVE_INFINITY)));
            y = y.blend(Float.NEGATIVE_INFINITY, w.compare(VectorOperators.EQ, 0f));
            y = y.blend(Float.NaN, w.compare(VectorOperators.LT, 0f));
            if (onePlus) {
                y = y.blend(u, u.compare(VectorOperators.EQ, 0f));
            }
            y.intoMemorySegment(xs, at, ORDER);
        }
        for (; i < n; i++) {
            long at = x + i * 4L;
            float u = xs.get(F, at);
            xs.set(F, at, onePlus ? VectorMath.log1p(u) : VectorMath.log(u));
        }
    }

    /** Dot product of n floats at byte offsets {@code a} of {@code as} and {@code b} of {@code bs}. */
    float dotAt(MemorySegment as, long a, MemorySegment bs, long b, int n) {
        VectorSpecies<Float> sp = species();
        int v = sp.length();
        if (n < v) {
            // what the lanes below would fold to is +0 (as the shift's one-float pieces need)
            float s = 0f;
            for (int i = 0; i < n; i++) {
                long o = (long) i * Float.BYTES;
                s += as.get(F, a + o) * bs.get(F, b + o);
            }
            return s;
        }
        int i = 0;
        FloatVector acc0 = FloatVector.zero(sp);
        int bound4 = n & -(4 * v);
        if (bound4 > 0) {
            FloatVector acc1 = FloatVector.zero(sp);
            FloatVector acc2 = FloatVector.zero(sp);
            FloatVector acc3 = FloatVector.zero(sp);
            for (; i < bound4; i += 4 * v) {
                long o = i * 4L;
                acc0 = FloatVector.fromMemorySegment(sp, as, a + o, ORDER)
                        .fma(FloatVector.fromMemorySegment(sp, bs, b + o, ORDER), acc0);
                acc1 = FloatVector.fromMemorySegment(sp, as, a + o + v * 4L, ORDER)
                        .fma(FloatVector.fromMemorySegment(sp, bs, b + o + v * 4L, ORDER), acc1);
                acc2 = FloatVector.fromMemorySegment(sp, as, a + o + (2 * v) * 4L, ORDER)
                        .fma(FloatVector.fromMemorySegment(sp, bs, b + o + (2 * v) * 4L, ORDER), acc2);
                acc3 = FloatVector.fromMemorySegment(sp, as, a + o + (3 * v) * 4L, ORDER)
                        .fma(FloatVector.fromMemorySegment(sp, bs, b + o + (3 * v) * 4L, ORDER), acc3);
            }
            acc0 = acc0.add(acc1).add(acc2.add(acc3));
        }
        int bound = n & -v;
        for (; i < bound; i += v) {
            acc0 = FloatVector.fromMemorySegment(sp, as, a + i * 4L, ORDER)
                    .fma(FloatVector.fromMemorySegment(sp, bs, b + i * 4L, ORDER), acc0);
        }
        // the lane fold with constant shuffle starts (a variable start can stay allocated; see gemvAt)
        if (v > 8) {
            acc0 = acc0.add(acc0.rearrange(VectorShuffle.iota(sp, 8, 1, true)));
        }
        if (v > 4) {
            acc0 = acc0.add(acc0.rearrange(VectorShuffle.iota(sp, 4, 1, true)));
        }
        if (v > 2) {
            acc0 = acc0.add(acc0.rearrange(VectorShuffle.iota(sp, 2, 1, true)));
        }
        if (v > 1) {
            acc0 = acc0.add(acc0.rearrange(VectorShuffle.iota(sp, 1, 1, true)));
        }
        float s = acc0.lane(0);
        for (; i < n; i++) {
            long o = (long) i * Float.BYTES;
            s += as.get(F, a + o) * bs.get(F, b + o);
        }
        return s;
    }

    /**
     * {@code y += alpha x} over n floats at byte offsets: fused multiply-adds over whole vectors, and
     * the last {@code n mod v} floats as a multiply then an add (what a scalar tail would do), done
     * as the vector that ends at float n. That vector overlaps the last whole one, so both are
     * computed from y as it was and stored tail first: the lanes they share keep the fused result.
     */
    void axpyAt(float alpha, MemorySegment xs, long x, MemorySegment ys, long y, int n) {
        VectorSpecies<Float> sp = species();
        int v = sp.length();
        FloatVector va = FloatVector.broadcast(sp, alpha);
        int bound = n & -v;
        if (n > v && bound < n) {
            long t = (n - v) * 4L;
            long l = (bound - v) * 4L;
            FloatVector tail = FloatVector.fromMemorySegment(sp, ys, y + t, ORDER)
                    .add(FloatVector.fromMemorySegment(sp, xs, x + t, ORDER).mul(va));
            FloatVector last = FloatVector.fromMemorySegment(sp, xs, x + l, ORDER).fma(va,
                    FloatVector.fromMemorySegment(sp, ys, y + l, ORDER));
            tail.intoMemorySegment(ys, y + t, ORDER);
            last.intoMemorySegment(ys, y + l, ORDER);
            n = bound - v;
            bound = n;
        }
        int i = 0;
        for (; i < bound; i += v) {
            long o = i * 4L;
            FloatVector.fromMemorySegment(sp, xs, x + o, ORDER).fma(va,
                    FloatVector.fromMemorySegment(sp, ys, y + o, ORDER)).intoMemorySegment(ys, y + o, ORDER);
        }
        for (; i < n; i++) {
            long o = i * 4L;
            ys.set(F, y + o, ys.get(F, y + o) + alpha * xs.get(F, x + o));
        }
    }

    /**
     * {@code y = alpha x} over n floats at byte offsets, the last {@code n mod v} as the vector that
     * ends at float n (the same products lane for lane). x may be y: the overlapping vectors are
     * both read before either is stored.
     */
    void scaleInto(float alpha, MemorySegment xs, long x, MemorySegment ys, long y, int n) {
        VectorSpecies<Float> sp = species();
        int v = sp.length();
        int bound = n & -v;
        if (n > v && bound < n) {
            long t = (n - v) * 4L;
            long l = (bound - v) * 4L;
            FloatVector tail = FloatVector.fromMemorySegment(sp, xs, x + t, ORDER).mul(alpha);
            FloatVector last = FloatVector.fromMemorySegment(sp, xs, x + l, ORDER).mul(alpha);
            tail.intoMemorySegment(ys, y + t, ORDER);
            last.intoMemorySegment(ys, y + l, ORDER);
            n = bound - v;
            bound = n;
        }
        int i = 0;
        for (; i < bound; i += v) {
            long o = i * 4L;
            FloatVector.fromMemorySegment(sp, xs, x + o, ORDER).mul(alpha).intoMemorySegment(ys, y + o, ORDER);
        }
        for (; i < n; i++) {
            long o = i * 4L;
            ys.set(F, y + o, alpha * xs.get(F, x + o));
        }
    }

    /**
     * Maximum of n floats at byte offset x, each multiplied by {@code factor}; two running maxima
     * (the maximum does not depend on the order).
     */
    float scaledMax(MemorySegment xs, long x, float factor, int n) {
        VectorSpecies<Float> sp = species();
        int v = sp.length();
        int bound = n & -v;
        FloatVector m0 = FloatVector.broadcast(sp, Float.NEGATIVE_INFINITY);
        FloatVector m1 = m0;
        int i = 0;
        for (; i + v < bound; i += 2 * v) {
            m0 = m0.max(FloatVector.fromMemorySegment(sp, xs, x + i * 4L, ORDER).mul(factor));
            m1 = m1.max(FloatVector.fromMemorySegment(sp, xs, x + (i + v) * 4L, ORDER).mul(factor));
        }
        if (i < bound) {
            m0 = m0.max(FloatVector.fromMemorySegment(sp, xs, x + i * 4L, ORDER).mul(factor));
            i += v;
        }
        float max = m0.max(m1).reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            max = Math.max(max, factor * xs.get(F, x + i * 4L));
        }
        return max;
    }

    /** {@code y[i] = exp(factor x[i] - max)}; returns the sum of the y. x and y may be the same buffer. */
    float expShifted(MemorySegment xs, long x, float factor, float max, MemorySegment ys, long y, int n) {
        VectorSpecies<Float> sp = species();
        int v = sp.length();
        int bound = n & -v;
        FloatVector total = FloatVector.zero(sp);
        int i = 0;
        for (; i < bound; i += v) {
            long o = i * 4L;
            FloatVector.fromMemorySegment(sp, xs, x + o, ORDER).mul(factor).sub(max).intoMemorySegment(ys, y + o, ORDER);
            expAt(ys, y + o);
            total = total.add(FloatVector.fromMemorySegment(sp, ys, y + o, ORDER));
        }
        // the lane fold with constant shuffle starts (a variable start can stay allocated; see gemvAt)
        if (v > 8) {
            total = total.add(total.rearrange(VectorShuffle.iota(sp, 8, 1, true)));
        }
        if (v > 4) {
            total = total.add(total.rearrange(VectorShuffle.iota(sp, 4, 1, true)));
        }
        if (v > 2) {
            total = total.add(total.rearrange(VectorShuffle.iota(sp, 2, 1, true)));
        }
        if (v > 1) {
            total = total.add(total.rearrange(VectorShuffle.iota(sp, 1, 1, true)));
        }
        float s = total.lane(0);
        for (; i < n; i++) {
            long o = i * 4L;
            float e = VectorMath.exp(factor * xs.get(F, x + o) - max);
            ys.set(F, y + o, e);
            s += e;
        }
        return s;
    }
}
