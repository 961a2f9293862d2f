package ntm.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Deterministic vector maths: a fixed-order lane sum and exp, log, log1p, tanh, sigmoid and
 * softplus, each with a scalar twin that returns the same bits lane by lane.
 *
 * <p>Why: the Vector API's {@code reduceLanes(ADD)} and transcendental {@code lanewise}
 * operators give different bits in the interpreter and C1 (a Java fallback: sequential sums,
 * {@code Math.exp} per lane) and in C2 (tree reductions, SVML-style stubs). A training run must
 * reproduce bit for bit whatever the JIT did, so everything here is built only from operations
 * whose result IEEE 754 fixes: add, sub, mul, div, fma, min, max, compares and blends, lane
 * rearranges, and integer bit operations on the reinterpreted lanes. No float-to-int conversion
 * is used: integers are read from and written to the float bits with the 1.5 * 2^23 shifter.
 *
 * <p>Each scalar twin performs the same operations in the same order ({@link Math#fma} where the
 * vector uses {@code fma}), so a kernel's scalar tail agrees with its vector lanes.
 *
 * <p>Accuracy, measured against {@link StrictMath} in double over every float of the ranges the
 * engine uses (see VectorMathTest): exp, log, log1p, sigmoid and softplus within 2 ulp, tanh within
 * 2 ulp; all relative, including near 0 for tanh, log near 1, log1p and softplus of tiny values.
 * Polynomial coefficients are minimax fits computed for this class (Lawson's iteration in 40-digit
 * arithmetic) and rounded to float.
 */
final class VectorMath {

    private VectorMath() {
    }

    // ---------------------------------------------------------------- fixed-order sum

    /** XOR-butterfly shuffles: step {@code h} pairs lane i with lane {@code i ^ h}. */
    private static final VectorShuffle<Float> X2_128 = butterfly(FloatVector.SPECIES_128, 2);
    private static final VectorShuffle<Float> X1_128 = butterfly(FloatVector.SPECIES_128, 1);
    private static final VectorShuffle<Float> X4_256 = butterfly(FloatVector.SPECIES_256, 4);
    private static final VectorShuffle<Float> X2_256 = butterfly(FloatVector.SPECIES_256, 2);
    private static final VectorShuffle<Float> X1_256 = butterfly(FloatVector.SPECIES_256, 1);
    private static final VectorShuffle<Float> X8_512 = butterfly(FloatVector.SPECIES_512, 8);
    private static final VectorShuffle<Float> X4_512 = butterfly(FloatVector.SPECIES_512, 4);
    private static final VectorShuffle<Float> X2_512 = butterfly(FloatVector.SPECIES_512, 2);
    private static final VectorShuffle<Float> X1_512 = butterfly(FloatVector.SPECIES_512, 1);

    private static VectorShuffle<Float> butterfly(VectorSpecies<Float> species, int h) {
        return VectorShuffle.fromOp(species, i -> i ^ h);
    }

    /**
     * The sum of the lanes of a 128, 256 or 512-bit vector, always added in the same pairwise
     * order: lanes {@code i} and {@code i + L/2} first, then halves of what is left, so lane 0 ends
     * with {@code ((v0 + v8) + (v4 + v12)) + ((v2 + v10) + (v6 + v14)) + ...}.
     *
     * @throws IllegalArgumentException for any other vector size
     */
    static float sum(FloatVector v) {
        // v.length() is a JIT constant once the species is; the switch folds to one arm.
        switch (v.length()) {
            case 4 -> {
                v = v.add(v.rearrange(X2_128));
                v = v.add(v.rearrange(X1_128));
            }
            case 8 -> {
                v = v.add(v.rearrange(X4_256));
                v = v.add(v.rearrange(X2_256));
                v = v.add(v.rearrange(X1_256));
            }
            case 16 -> {
                v = v.add(v.rearrange(X8_512));
                v = v.add(v.rearrange(X4_512));
                v = v.add(v.rearrange(X2_512));
                v = v.add(v.rearrange(X1_512));
            }
            default -> throw new IllegalArgumentException(
                    "sum needs a 128, 256 or 512-bit float vector, got " + v.length() + " lanes");
        }
        return v.lane(0);
    }

    // ---------------------------------------------------------------- shared constants

    /** 1.5 * 2^23: adding it rounds a float of magnitude below 2^22 to an integer in the low bits. */
    private static final float SHIFTER = 0x1.8p23f;
    private static final int SHIFTER_BITS = Float.floatToRawIntBits(SHIFTER);
    private static final int SIGN_BIT = 0x8000_0000;
    private static final int MANTISSA = 0x007f_ffff;

    /** ln 2 split for fma: {@code LN2_HI = fl(ln 2)}, {@code LN2_LO = fl(ln 2 - LN2_HI)}. */
    private static final float LN2_HI = 0x1.62e430p-1f;
    private static final float LN2_LO = -0x1.05c610p-29f;
    private static final float LOG2_E = 0x1.715476p0f;

    // ---------------------------------------------------------------- exp

    /** Below this, exp rounds to +0 (exp(-104) < 2^-150); above {@link #EXP_HI} to +Inf. */
    private static final float EXP_LO = -104f;
    private static final float EXP_HI = 89f;
    /** e^r = 1 + r + r^2 (E2 + E3 r + E4 r^2 + E5 r^3 + E6 r^4) on |r| <= ln2/2; rel. error 3e-9. */
    private static final float E2 = 0.49999994f;
    private static final float E3 = 0.1666652f;
    private static final float E4 = 0.041668393f;
    private static final float E5 = 0.008368781f;
    private static final float E6 = 0.0013814467f;

    /**
     * e^x per lane. x = n ln2 + r with n = round(x / ln2); e^r by a degree-6 polynomial; 2^n applied
     * as two exact powers of two so that results near overflow and in the subnormal range round
     * once. NaN gives NaN, -Inf and x < -104 give +0, +Inf and x > 89 give +Inf.
     */
    static FloatVector exp(FloatVector x) {
        FloatVector xc = x.max(EXP_LO).min(EXP_HI);
        FloatVector t = xc.fma(LOG2_E, SHIFTER);
        FloatVector n = t.sub(SHIFTER);
        // xc - n LN2_HI is exact (|n| <= 150, LN2_HI has 24 bits, the difference is below 0.35)
        FloatVector r = madd(n, -LN2_HI, xc);
        r = madd(n, -LN2_LO, r);
        FloatVector h = madd(madd(madd(r.fma(E6, E5), r, E4), r, E3), r, E2);
        FloatVector p = h.fma(r.mul(r), r).add(1f);
        IntVector ni = t.reinterpretAsInts().sub(SHIFTER_BITS);
        IntVector n1 = ni.lanewise(VectorOperators.ASHR, 1);
        IntVector n2 = ni.sub(n1);
        FloatVector s1 = n1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector s2 = n2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return p.mul(s1).mul(s2);
    }

    /** The scalar twin of {@link #exp(FloatVector)}: the same bits. */
    static float exp(float x) {
        float xc = Math.min(Math.max(x, EXP_LO), EXP_HI);
        float t = Math.fma(xc, LOG2_E, SHIFTER);
        float n = t - SHIFTER;
        float r = Math.fma(n, -LN2_HI, xc);
        r = Math.fma(n, -LN2_LO, r);
        float h = Math.fma(Math.fma(Math.fma(Math.fma(r, E6, E5), r, E4), r, E3), r, E2);
        float p = Math.fma(h, r * r, r) + 1f;
        int ni = Float.floatToRawIntBits(t) - SHIFTER_BITS;
        int n1 = ni >> 1;
        int n2 = ni - n1;
        float s1 = Float.intBitsToFloat((n1 + 127) << 23);
        float s2 = Float.intBitsToFloat((n2 + 127) << 23);
        return p * s1 * s2;
    }

    // ---------------------------------------------------------------- log and log1p

    /** Adding this to the bits of x moves the exponent step from 1 to sqrt(1/2). */
    private static final int SQRT_HALF_SHIFT = 0x3f80_0000 - 0x3f35_04f3;
    private static final int SQRT_HALF_BITS = 0x3f35_04f3;
    private static final float TWO_23 = 0x1p23f;
    /** R(z) = L1 z + L2 z^2 + L3 z^3 ~ (2 atanh(s) - 2s)/s, z = s^2 <= 0.0295; rel. error 8e-10. */
    private static final float L1 = 0.66666776f;
    private static final float L2 = 0.39977497f;
    private static final float L3 = 0.29873073f;

    /**
     * ln(x) per lane, for x >= 0: x = m 2^k with m in [sqrt(1/2), sqrt 2), f = m - 1 (exact),
     * s = f / (2 + f), ln(1 + f) = f - f^2/2 + s (f^2/2 + R(s^2)). Subnormals are scaled by 2^23
     * first. +0 and -0 give -Inf, x < 0 gives NaN, +Inf gives +Inf, NaN gives NaN.
     */
    static FloatVector log(FloatVector x) {
        var tiny = x.compare(VectorOperators.LT, Float.MIN_NORMAL);
        FloatVector xs = x.blend(x.mul(TWO_23), tiny);
        FloatVector bias = FloatVector.zero(x.species()).blend(23f, tiny);
        IntVector ix = xs.reinterpretAsInts().add(SQRT_HALF_SHIFT);
        FloatVector k = ix.lanewise(VectorOperators.ASHR, 23).add(SHIFTER_BITS - 127)
                .reinterpretAsFloats().sub(SHIFTER).sub(bias);
        FloatVector f = ix.and(MANTISSA).add(SQRT_HALF_BITS).reinterpretAsFloats().sub(1f);
        FloatVector lp = log1pReduced(f);
        FloatVector y = madd(k, LN2_HI, madd(k, LN2_LO, lp));
        return special(x, y);
    }

    /** The scalar twin of {@link #log(FloatVector)}: the same bits. */
    static float log(float x) {
        boolean tiny = x < Float.MIN_NORMAL;
        float xs = tiny ? x * TWO_23 : x;
        float bias = tiny ? 23f : 0f;
        int ix = Float.floatToRawIntBits(xs) + SQRT_HALF_SHIFT;
        float k = Float.intBitsToFloat((ix >> 23) + (SHIFTER_BITS - 127)) - SHIFTER - bias;
        float f = Float.intBitsToFloat((ix & MANTISSA) + SQRT_HALF_BITS) - 1f;
        float lp = log1pReduced(f);
        float y = Math.fma(k, LN2_HI, Math.fma(k, LN2_LO, lp));
        return special(x, y);
    }

    /**
     * ln(1 + u) per lane, for u >= -1, accurate relative to the result also for tiny u.
     * w = fl(1 + u) is reduced as in {@link #log(FloatVector)} and the rounding error of 1 + u,
     * c = u - (w - 1) (exact for u < 2^24), adds c / w. u = -1 gives -Inf, u < -1 gives NaN,
     * +Inf gives +Inf, NaN gives NaN, -0 gives -0.
     */
    static FloatVector log1p(FloatVector u) {
        FloatVector w = u.add(1f);
        FloatVector c = u.sub(w.sub(1f)).div(w);
        IntVector ix = w.reinterpretAsInts().add(SQRT_HALF_SHIFT);
        FloatVector k = ix.lanewise(VectorOperators.ASHR, 23).add(SHIFTER_BITS - 127)
                .reinterpretAsFloats().sub(SHIFTER);
        FloatVector f = ix.and(MANTISSA).add(SQRT_HALF_BITS).reinterpretAsFloats().sub(1f);
        FloatVector lp = log1pReduced(f);
        FloatVector y = madd(k, LN2_HI, madd(k, LN2_LO, lp.add(c)));
        return special(w, y).blend(u, u.compare(VectorOperators.EQ, 0f));
    }

    /** The scalar twin of {@link #log1p(FloatVector)}: the same bits. */
    static float log1p(float u) {
        float w = u + 1f;
        float c = (u - (w - 1f)) / w;
        int ix = Float.floatToRawIntBits(w) + SQRT_HALF_SHIFT;
        float k = Float.intBitsToFloat((ix >> 23) + (SHIFTER_BITS - 127)) - SHIFTER;
        float f = Float.intBitsToFloat((ix & MANTISSA) + SQRT_HALF_BITS) - 1f;
        float lp = log1pReduced(f);
        float y = Math.fma(k, LN2_HI, Math.fma(k, LN2_LO, lp + c));
        float r = special(w, y);
        return u == 0f ? u : r;
    }

    /** ln(1 + f) for f in [sqrt(1/2) - 1, sqrt 2 - 1]. */
    private static FloatVector log1pReduced(FloatVector f) {
        FloatVector s = f.div(f.add(2f));
        FloatVector z = s.mul(s);
        FloatVector hfsq = f.mul(f).mul(0.5f);
        FloatVector r = madd(z.fma(L3, L2), z, L1).mul(z);
        return s.fma(hfsq.add(r), hfsq.neg()).add(f);
    }

    private static float log1pReduced(float f) {
        float s = f / (f + 2f);
        float z = s * s;
        float hfsq = f * f * 0.5f;
        float r = Math.fma(Math.fma(z, L3, L2), z, L1) * z;
        return Math.fma(s, hfsq + r, -hfsq) + f;
    }

    /** Log of the special arguments: 0 -> -Inf, negative -> NaN, +Inf and NaN -> themselves. */
    private static FloatVector special(FloatVector x, FloatVector y) {
        y = y.blend(x, x.compare(VectorOperators.NE, x).or(x.compare(VectorOperators.EQ, Float.POSITIVE_INFINITY)));
        y = y.blend(Float.NEGATIVE_INFINITY, x.compare(VectorOperators.EQ, 0f));
        return y.blend(Float.NaN, x.compare(VectorOperators.LT, 0f));
    }

    private static float special(float x, float y) {
        if (x != x || x == Float.POSITIVE_INFINITY) {
            return x;
        }
        if (x == 0f) {
            return Float.NEGATIVE_INFINITY;
        }
        return x < 0f ? Float.NaN : y;
    }

    // ---------------------------------------------------------------- tanh, sigmoid, softplus

    /** Below this |x|, tanh uses the odd polynomial; above, 1 - 2 / (e^{2|x|} + 1). */
    private static final float TANH_SMALL = 0.625f;
    /** tanh(x) rounds to 1 above 9.01; clamping at 10 keeps e^{2|x|} finite. */
    private static final float TANH_CLAMP = 10f;
    /** tanh(x) = x + x^3 (T3 + T5 x^2 + ... + T11 x^8) on |x| <= 0.625; rel. error 4.4e-9. */
    private static final float T3 = -0.3333328f;
    private static final float T5 = 0.1333144f;
    private static final float T7 = -0.053739525f;
    private static final float T9 = 0.020638434f;
    private static final float T11 = -0.005704227f;

    /**
     * tanh(x) per lane, accurate relative to the result near 0: on |x| then signed by x's sign bit,
     * so tanh(-0) = -0. NaN gives NaN.
     */
    static FloatVector tanh(FloatVector x) {
        FloatVector a = x.abs();
        FloatVector a2 = a.mul(a);
        FloatVector q = madd(madd(madd(a2.fma(T11, T9), a2, T7), a2, T5), a2, T3);
        FloatVector small = a.mul(a2).fma(q, a);
        FloatVector e = exp(a.min(TANH_CLAMP).mul(2f));
        FloatVector big = FloatVector.broadcast(x.species(), 1f)
                .sub(FloatVector.broadcast(x.species(), 2f).div(e.add(1f)));
        FloatVector t = small.blend(big, a.compare(VectorOperators.GE, TANH_SMALL));
        return t.reinterpretAsInts().or(x.reinterpretAsInts().and(SIGN_BIT)).reinterpretAsFloats();
    }

    /** The scalar twin of {@link #tanh(FloatVector)}: the same bits. */
    static float tanh(float x) {
        float a = Math.abs(x);
        float a2 = a * a;
        float q = Math.fma(Math.fma(Math.fma(Math.fma(a2, T11, T9), a2, T7), a2, T5), a2, T3);
        float small = Math.fma(a * a2, q, a);
        float e = exp(Math.min(a, TANH_CLAMP) * 2f);
        float big = 1f - 2f / (e + 1f);
        float t = a >= TANH_SMALL ? big : small;
        return Float.intBitsToFloat(Float.floatToRawIntBits(t) | (Float.floatToRawIntBits(x) & SIGN_BIT));
    }

    /**
     * 1 / (1 + e^-x) per lane, as 1 / (1 + e) for x >= 0 and e / (1 + e) for x < 0 with
     * e = e^-|x|: e never overflows, so results down to the subnormal range keep their relative
     * accuracy. -Inf gives 0, +Inf gives 1, NaN gives NaN.
     */
    static FloatVector sigmoid(FloatVector x) {
        FloatVector e = exp(x.abs().neg());
        FloatVector num = FloatVector.broadcast(x.species(), 1f).blend(e, x.compare(VectorOperators.LT, 0f));
        return num.div(e.add(1f));
    }

    /** The scalar twin of {@link #sigmoid(FloatVector)}: the same bits. */
    static float sigmoid(float x) {
        float e = exp(-Math.abs(x));
        float num = x < 0f ? e : 1f;
        return num / (e + 1f);
    }

    /** ln(1 + e^x) = max(x, 0) + ln(1 + e^-|x|) per lane: no overflow, relative accuracy for x << 0. */
    static FloatVector softplus(FloatVector x) {
        return log1p(exp(x.abs().neg())).add(x.max(0f));
    }

    /** The scalar twin of {@link #softplus(FloatVector)}: the same bits. */
    static float softplus(float x) {
        return log1p(exp(-Math.abs(x))) + Math.max(x, 0f);
    }

    /** {@code a * b + c} with one rounding, for a constant {@code c}. */
    private static FloatVector madd(FloatVector a, FloatVector b, float c) {
        return a.fma(b, FloatVector.broadcast(a.species(), c));
    }

    /** {@code a * b + c} with one rounding, for a constant {@code b}. */
    private static FloatVector madd(FloatVector a, float b, FloatVector c) {
        return a.fma(FloatVector.broadcast(a.species(), b), c);
    }
}
