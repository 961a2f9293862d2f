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
 * The Vector API implementation of {@link Kernels}, over off-heap {@link MemorySegment}s.
 *
 * <p>Obtain one with {@link #create(int)} (128, 256 or 512-bit vectors) or {@link #preferred()}.
 * There is one small final subclass per vector size whose species is a {@code static final}
 * constant: C2 only intrinsifies Vector API calls whose species it can constant-fold, and a
 * species held in an instance field is not folded (measured: a 2,560-float dot took ~1.6 us that
 * way against ~0.13-0.18 us with a constant species). While only one subclass is loaded, class
 * hierarchy analysis turns {@code species()} into that constant.
 *
 * <p>The kernels are written by concern in the package-private classes this one extends, one
 * file each: products ({@code SimdProducts}), element-wise functions ({@code SimdElementwise}),
 * addressing ({@code SimdAddressing}) and memory ({@code SimdMemory}), over shared checks and
 * deterministic exp/log ({@code SimdSupport}); this class adds the optimisers.
 *
 * <p>Loop shape: several independent accumulators up to a loop bound, a vector tail, a pairwise
 * reduction, then a scalar tail. Every multiply-add is {@code FloatVector.fma}. Every public method
 * first checks each buffer's whole range once (so a bad call fails before it writes anything),
 * then indexes the caller's segments with {@code int} loop indices added to {@code long} byte
 * offsets computed once per call, row or column: every index is linear in the loop variable over
 * a loop-invariant segment, so the JIT can hoist the per-load bounds checks.
 *
 * <p>Nothing allocates once compiled, which takes three rules (each learnt from a measured
 * allocation): no slices (a slice passed to a helper that is compiled on its own escapes); no
 * helper method that takes or returns a vector, and the Vector API is called directly, with the
 * species read into a local once per method (C2 gives up inlining ordinary methods once a
 * compilation grows past its node budget, and a vector crossing such a call is boxed on the heap,
 * while it defers the Vector API's own force-inlined methods instead); and methods small enough
 * for that budget (the larger backward kernels are split into per-block methods that pass only
 * segments, offsets and scalars).
 *
 * <p><b>Determinism.</b> A seed fixes every bit of a run, whatever the JIT did. The Vector API's
 * {@code reduceLanes(ADD)} and its transcendental {@code lanewise} operators give different bits in
 * its Java fallback (interpreter, C1) and in C2's intrinsics (tree reductions, SVML-style stubs), so
 * this class uses neither. Every lane sum is the fold
 * {@code for (half = L/2; half > 0; half /= 2) acc = acc + acc rotated by half}, then lane 0: the
 * fixed pairwise order {@code ((v0 + v8) + (v4 + v12)) + ((v2 + v10) + (v6 + v14)) + ...}. exp,
 * log and log1p are {@code expAt}, {@code logAt} and {@code log1pAt}: {@link VectorMath}'s
 * operations in Vector API calls, in place on a vector of memory (the output's own floats serve as
 * scratch), so that, by the rule above, no vector crosses a call. Scalar tails call
 * {@link VectorMath}'s twins, so an element's exp, log, sigmoid, tanh or softplus has the same bits
 * in a tail as in a vector lane.
 *
 * <p>The NTM memory is column-major (see {@link Kernels}), so the content-addressing, read and
 * write kernels run over vectors of <em>rows</em>: for each column j, one fused multiply-add over
 * whole vectors of rows with the scalar k_j, e_j or a_j broadcast.
 */
public abstract sealed class SimdKernels extends SimdMemory implements Kernels
        permits SimdKernels.Simd128, SimdKernels.Simd256, SimdKernels.Simd512 {

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
        private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_128;

        @Override
        VectorSpecies<Float> species() {
            return SPECIES;
        }

        @Override
        VectorSpecies<Integer> intSpecies() {
            return INTS;
        }
    }

    /** 256-bit vectors (8 floats). */
    static final class Simd256 extends SimdKernels {
        private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_256;
        private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_256;

        @Override
        VectorSpecies<Float> species() {
            return SPECIES;
        }

        @Override
        VectorSpecies<Integer> intSpecies() {
            return INTS;
        }
    }

    /** 512-bit vectors (16 floats). */
    static final class Simd512 extends SimdKernels {
        private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_512;
        private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_512;

        @Override
        VectorSpecies<Float> species() {
            return SPECIES;
        }

        @Override
        VectorSpecies<Integer> intSpecies() {
            return INTS;
        }
    }

    // ---------------------------------------------------------------- optimisers

    @Override
    public void adam(MemorySegment p, long pOff, MemorySegment g, long gOff,
                     MemorySegment m, long mOff, MemorySegment v, long vOff, int n,
                     float lr, float beta1, float beta2, float eps, float bc1, float bc2, float clip) {
        VectorSpecies<Float> sp = species();
        if (n <= 0) {
            return;
        }
        long pAt = at(p, pOff, n);
        long gAt = at(g, gOff, n);
        long mAt = at(m, mOff, n);
        long vAt = at(v, vOff, n);
        float c1 = 1f - beta1;
        float c2 = 1f - beta2;
        int len = sp.length();
        int bound = n & -len;
        int i = 0;
        // Same operations in the same order as the scalar reference (the clamp as in clamp()).
        for (; i < bound; i += len) {
            long o = i * 4L;
            FloatVector gi = FloatVector.fromMemorySegment(sp, g, gAt + o, ORDER).max(-clip).min(clip);
            FloatVector mi = FloatVector.fromMemorySegment(sp, m, mAt + o, ORDER).mul(beta1).add(gi.mul(c1));
            FloatVector vi = FloatVector.fromMemorySegment(sp, v, vAt + o, ORDER).mul(beta2).add(gi.mul(c2).mul(gi));
            mi.intoMemorySegment(m, mAt + o, ORDER);
            vi.intoMemorySegment(v, vAt + o, ORDER);
            FloatVector step = mi.div(bc1).mul(lr).div(vi.div(bc2).sqrt().add(eps));
            FloatVector.fromMemorySegment(sp, p, pAt + o, ORDER).sub(step).intoMemorySegment(p, pAt + o, ORDER);
        }
        for (; i < n; i++) {
            long o = i * 4L;
            float gi = Math.min(Math.max(g.get(F, gAt + o), -clip), clip);
            float mi = beta1 * m.get(F, mAt + o) + c1 * gi;
            float vi = beta2 * v.get(F, vAt + o) + c2 * gi * gi;
            m.set(F, mAt + o, mi);
            v.set(F, vAt + o, vi);
            p.set(F, pAt + o, p.get(F, pAt + o) - lr * (mi / bc1) / ((float) Math.sqrt(vi / bc2) + eps));
        }
    }

    @Override
    public void rmsprop(MemorySegment p, long pOff, MemorySegment g, long gOff,
                        MemorySegment sq, long sqOff, MemorySegment mean, long meanOff,
                        MemorySegment delta, long deltaOff, int n,
                        float lr, float decay, float momentum, float eps, float clip) {
        VectorSpecies<Float> sp = species();
        if (n <= 0) {
            return;
        }
        long pAt = at(p, pOff, n);
        long gAt = at(g, gOff, n);
        long sqAt = at(sq, sqOff, n);
        long meanAt = at(mean, meanOff, n);
        long deltaAt = at(delta, deltaOff, n);
        float c = 1f - decay;
        int v = sp.length();
        int bound = n & -v;
        int i = 0;
        for (; i < bound; i += v) {
            long o = i * 4L;
            FloatVector gi = FloatVector.fromMemorySegment(sp, g, gAt + o, ORDER).max(-clip).min(clip);
            FloatVector ni = FloatVector.fromMemorySegment(sp, sq, sqAt + o, ORDER).mul(decay).add(gi.mul(c).mul(gi));
            FloatVector mi = FloatVector.fromMemorySegment(sp, mean, meanAt + o, ORDER).mul(decay).add(gi.mul(c));
            FloatVector denom = ni.sub(mi.mul(mi)).add(eps).sqrt();
            FloatVector di = FloatVector.fromMemorySegment(sp, delta, deltaAt + o, ORDER).mul(momentum)
                    .sub(gi.mul(lr).div(denom));
            ni.intoMemorySegment(sq, sqAt + o, ORDER);
            mi.intoMemorySegment(mean, meanAt + o, ORDER);
            di.intoMemorySegment(delta, deltaAt + o, ORDER);
            FloatVector.fromMemorySegment(sp, p, pAt + o, ORDER).add(di).intoMemorySegment(p, pAt + o, ORDER);
        }
        for (; i < n; i++) {
            long o = i * 4L;
            float gi = Math.min(Math.max(g.get(F, gAt + o), -clip), clip);
            float ni = decay * sq.get(F, sqAt + o) + c * gi * gi;
            float mi = decay * mean.get(F, meanAt + o) + c * gi;
            float di = momentum * delta.get(F, deltaAt + o) - lr * gi / (float) Math.sqrt(ni - mi * mi + eps);
            sq.set(F, sqAt + o, ni);
            mean.set(F, meanAt + o, mi);
            delta.set(F, deltaAt + o, di);
            p.set(F, pAt + o, p.get(F, pAt + o) + di);
        }
    }
}
