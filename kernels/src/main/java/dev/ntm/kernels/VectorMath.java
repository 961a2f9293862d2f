package dev.ntm.kernels;

/**
 * Deterministic exp, log, log1p, tanh, sigmoid and softplus for the kernels: the scalar
 * definitions, which {@link SimdKernels} reproduces lane by lane, bit for bit.
 *
 * <p>Why: the Vector API's transcendental {@code lanewise} operators and its
 * {@code reduceLanes(ADD)} give different bits in the interpreter and C1 (a Java fallback:
 * {@code Math.exp} per lane, sequential sums) and in C2 (SVML-style stubs, tree reductions). A
 * training run must reproduce bit for bit whatever the JIT did, so these functions use only
 * operations whose result IEEE 754 fixes: add, sub, mul, div, fma, min, max, compares and selects,
 * and integer operations on the float bits. No float-to-int conversion is used: integers are read
 * from and written to float bits with the 1.5 * 2^23 shifter. (The fixed-order lane sum is
 * {@link SimdKernels}'s fold; see there.)
 *
 * <p>The vector versions are {@link SimdKernels}'s {@code expAt}, {@code logAt} and
 * {@code log1pAt} and its sigmoid, tanh and softplus kernels: the same operations in the same
 * order, {@code fma} where these use {@link Math#fma}, {@code blend} where these select. They are
 * written there in Vector API calls rather than here as methods taking vectors, because C2 boxes a
 * vector passed to a method it declines to inline, which it does once a compilation grows past its
 * node budget (as one with both exp and log1p does). Keep the two in step: VectorMathTest checks
 * every vector lane against these twins.
 *
 * <p>Accuracy against {@link StrictMath} in double, measured over every float of the ranges the
 * engine uses: exp 1.02 ulp, log 0.86, log1p 1.44, tanh 1.33, sigmoid 2.40, softplus 1.98;
 * relative also where the result is small (tanh near 0, log near 1, log1p and softplus of tiny
 * values). Polynomial coefficients are minimax fits computed for this class (Lawson's iteration in
 * 40-digit arithmetic) and rounded to float.
 */
final class VectorMath {

    private VectorMath() {
    }

    // ---------------------------------------------------------------- shared constants

    /** 1.5 * 2^23: adding it rounds a float of magnitude below 2^22 to an integer in the low bits. */
    static final float SHIFTER = 0x1.8p23f;
    static final int SHIFTER_BITS = Float.floatToRawIntBits(SHIFTER);
    static final int SIGN_BIT = 0x8000_0000;
    static final int MANTISSA = 0x007f_ffff;

    /** ln 2 split for fma: {@code LN2_HI = fl(ln 2)}, {@code LN2_LO = fl(ln 2 - LN2_HI)}. */
    static final float LN2_HI = 0x1.62e430p-1f;
    static final float LN2_LO = -0x1.05c610p-29f;
    static final float LOG2_E = 0x1.715476p0f;

    // ---------------------------------------------------------------- exp

    /** Below this, exp rounds to +0 (exp(-104) < 2^-150); above {@link #EXP_HI} to +Inf. */
    static final float EXP_LO = -104f;
    static final float EXP_HI = 89f;
    /** e^r = 1 + r + r^2 (E2 + E3 r + E4 r^2 + E5 r^3 + E6 r^4) on |r| <= ln2/2; rel. error 3e-9. */
    static final float E2 = 0.49999994f;
    static final float E3 = 0.1666652f;
    static final float E4 = 0.041668393f;
    static final float E5 = 0.008368781f;
    static final float E6 = 0.0013814467f;

    /**
     * e^x. x = n ln2 + r with n = round(x / ln2) (by the shifter), e^r by a degree-6 polynomial,
     * 2^n applied as two exact powers of two so that results near overflow and in the subnormal
     * range round once. NaN gives NaN, -Inf and x < -104 give +0, +Inf and x > 89 give +Inf.
     */
    static float exp(float x) {
        float xc = Math.min(Math.max(x, EXP_LO), EXP_HI);
        float t = Math.fma(xc, LOG2_E, SHIFTER);
        float n = t - SHIFTER;
        // xc - n LN2_HI is exact (|n| <= 150, LN2_HI has 24 bits, the difference is below 0.35)
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
    static final int SQRT_HALF_SHIFT = 0x3f80_0000 - 0x3f35_04f3;
    static final int SQRT_HALF_BITS = 0x3f35_04f3;
    static final float TWO_23 = 0x1p23f;
    /** R(z) = L1 z + L2 z^2 + L3 z^3 ~ (2 atanh(s) - 2s)/s, z = s^2 <= 0.0295; rel. error 8e-10. */
    static final float L1 = 0.66666776f;
    static final float L2 = 0.39977497f;
    static final float L3 = 0.29873073f;

    /**
     * ln(x): x = m 2^k with m in [sqrt(1/2), sqrt 2), f = m - 1 (exact), s = f / (2 + f),
     * ln(1 + f) = f - f^2/2 + s (f^2/2 + R(s^2)). Subnormals are scaled by 2^23 first. +0 and -0
     * give -Inf, x < 0 gives NaN, +Inf gives +Inf, NaN gives NaN.
     */
    static float log(float x) {
        return log(x, 0f);
    }

    /**
     * ln(1 + u) for u >= -1, accurate relative to the result also for tiny u: w = fl(1 + u) goes
     * through {@link #log(float)}'s reduction, and the rounding error of 1 + u, c = u - (w - 1)
     * (exact for u < 2^24), adds c / w. u = -1 gives -Inf, u < -1 gives NaN, +Inf gives +Inf, NaN
     * gives NaN, -0 gives -0.
     */
    static float log1p(float u) {
        float w = u + 1f;
        float r = log(w, (u - (w - 1f)) / w);
        return u == 0f ? u : r;
    }

    /** ln w + c for a correction c far below ln w's ulp (or 0), with the special values of w. */
    private static float log(float w, float c) {
        boolean tiny = w < Float.MIN_NORMAL;
        float ws = tiny ? w * TWO_23 : w;
        float bias = tiny ? 23f : 0f;
        int ix = Float.floatToRawIntBits(ws) + SQRT_HALF_SHIFT;
        float k = Float.intBitsToFloat((ix >> 23) + (SHIFTER_BITS - 127)) - SHIFTER - bias;
        float f = Float.intBitsToFloat((ix & MANTISSA) + SQRT_HALF_BITS) - 1f;
        float y = Math.fma(k, LN2_HI, Math.fma(k, LN2_LO, log1pReduced(f) + c));
        return special(w, y);
    }

    /** ln(1 + f) for f in [sqrt(1/2) - 1, sqrt 2 - 1]. */
    private static float log1pReduced(float f) {
        float s = f / (f + 2f);
        float z = s * s;
        float hfsq = f * f * 0.5f;
        float r = Math.fma(Math.fma(z, L3, L2), z, L1) * z;
        return Math.fma(s, hfsq + r, -hfsq) + f;
    }

    /** Log of the special arguments: 0 -> -Inf, negative -> NaN, +Inf and NaN -> themselves. */
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
    static final float TANH_SMALL = 0.625f;
    /** tanh(x) rounds to 1 above 9.01; clamping at 10 keeps e^{2|x|} finite. */
    static final float TANH_CLAMP = 10f;
    /** tanh(x) = x + x^3 (T3 + T5 x^2 + ... + T11 x^8) on |x| <= 0.625; rel. error 4.4e-9. */
    static final float T3 = -0.3333328f;
    static final float T5 = 0.1333144f;
    static final float T7 = -0.053739525f;
    static final float T9 = 0.020638434f;
    static final float T11 = -0.005704227f;

    /**
     * tanh(x), accurate relative to the result near 0: computed on |x|, then given x's sign bit,
     * so tanh(-0) = -0. NaN gives NaN.
     */
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
     * 1 / (1 + e^-x), as 1 / (1 + e) for x >= 0 and e / (1 + e) for x < 0 with e = e^-|x|: e never
     * overflows, so results down to the subnormal range keep their relative accuracy. -Inf gives 0,
     * +Inf gives 1, NaN gives NaN.
     */
    static float sigmoid(float x) {
        float e = exp(-Math.abs(x));
        float num = x < 0f ? e : 1f;
        return num / (e + 1f);
    }

    /** ln(1 + e^x) = max(x, 0) + ln(1 + e^-|x|): no overflow, relative accuracy for x << 0. */
    static float softplus(float x) {
        return log1p(exp(-Math.abs(x))) + Math.max(x, 0f);
    }
}
