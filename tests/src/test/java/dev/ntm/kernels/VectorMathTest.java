package dev.ntm.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link VectorMath}: accuracy of the scalar functions against {@link StrictMath} in double; the
 * SIMD versions in {@link SimdKernels} (expAt, logAt, log1pAt and the sigmoid, tanh and softplus
 * kernels) equal to them bit for bit at 128, 256 and 512 bits; and the fixed order of the SIMD lane
 * sums. (Interpreted against compiled: {@link DeterminismTest}.)
 *
 * <p>Accuracy is in ulps of the float nearest the exact (double) value; a subnormal result's ulp is
 * {@link Float#MIN_VALUE}. The bounds are the maxima measured exhaustively over every float of the
 * ranges swept here (exp 1.02, log 0.85, log1p 1.44, tanh 1.33, sigmoid 2.40, softplus 1.98 ulp),
 * rounded up; the sweeps below sample every k-th float of each range plus every float of a dense
 * sub-range, so they pass well inside the bounds, while a wrong coefficient or reduction step costs
 * thousands of ulps.
 */
class VectorMathTest {

    private static final double EXP_ULP = 1.1;
    private static final double LOG_ULP = 1.0;
    private static final double LOG1P_ULP = 1.5;
    private static final double TANH_ULP = 1.5;
    private static final double SIGMOID_ULP = 2.5;
    private static final double SOFTPLUS_ULP = 2.0;

    private static final float[] EDGES = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, 0x1p-140f, -0x1p-140f,
        Float.MIN_NORMAL, -Float.MIN_NORMAL, 1e-16f, 1e-8f, -1e-8f, 0.5f, 1f, -1f, 2f, 0.625f, -0.625f,
        Math.nextDown(0.625f), 9f, -9f, 9.5f, 88.72f, 88.7228f, 88.7229f, 89f, 89.5f, -87.3f, -100f, -103.9f,
        -104f, -104.5f, 1e30f, -1e30f, Float.MAX_VALUE, -Float.MAX_VALUE, Float.POSITIVE_INFINITY,
        Float.NEGATIVE_INFINITY, Float.NaN};

    private static double sigmoidRef(double x) {
        return 1 / (1 + StrictMath.exp(-x));
    }

    private static double softplusRef(double x) {
        return Math.max(x, 0) + StrictMath.log1p(StrictMath.exp(-Math.abs(x)));
    }

    // ---------------------------------------------------------------- accuracy

    /** Error of {@code got} in ulps of the exact value; 0 when both are the same NaN or infinity. */
    static double ulps(float got, double exact) {
        if (Double.isNaN(exact) || Float.isNaN(got)) {
            return Double.isNaN(exact) && Float.isNaN(got) ? 0 : Double.POSITIVE_INFINITY;
        }
        float nearest = (float) exact;
        if (Float.isInfinite(nearest) || Float.isInfinite(got)) {
            return got == nearest ? 0 : Double.POSITIVE_INFINITY;
        }
        double mag = Math.abs(exact);
        float below = Math.abs(nearest) > mag ? Math.nextDown(Math.abs(nearest)) : Math.abs(nearest);
        return Math.abs(got - exact) / Math.ulp(below);
    }

    /** The scalar function on every {@code stride}-th float from lo to hi, and on the edge values. */
    private static void sweep(String name, FloatUnary f, DoubleUnaryOperator ref, double bound,
                              float lo, float hi, int stride) {
        double worst = 0;
        float worstAt = lo;
        for (float x = lo; x <= hi; x = step(x, stride)) {
            double e = ulps(f.apply(x), ref.applyAsDouble(x));
            if (e > worst) {
                worst = e;
                worstAt = x;
            }
            if (x == hi) {
                break;
            }
        }
        for (float x : EDGES) {
            double e = ulps(f.apply(x), ref.applyAsDouble(x));
            if (e > worst) {
                worst = e;
                worstAt = x;
            }
        }
        float got = f.apply(worstAt);
        assertTrue(worst <= bound, name + " on [" + lo + ", " + hi + "]: " + worst + " ulp at x = " + worstAt
                + " (got " + got + ", exact " + ref.applyAsDouble(worstAt) + "), bound " + bound);
    }

    /** The float {@code stride} floats above x, or the largest float below +Inf. */
    private static float step(float x, int stride) {
        int bits = Float.floatToRawIntBits(x);
        // floats are ordered as sign-magnitude integers: walk the magnitude down through -0 to +0 and up
        long ordered = bits < 0 ? -(long) (bits & 0x7fff_ffff) : bits;
        ordered += stride;
        if (ordered >= Float.floatToRawIntBits(Float.POSITIVE_INFINITY)) {
            return Float.MAX_VALUE;
        }
        return ordered < 0 ? Float.intBitsToFloat((int) -ordered | 0x8000_0000) : Float.intBitsToFloat((int) ordered);
    }

    @FunctionalInterface
    private interface FloatUnary {
        float apply(float x);
    }

    @Test
    void expIsWithinItsUlpBound() {
        sweep("exp", VectorMath::exp, StrictMath::exp, EXP_ULP, -110f, 95f, 1024);
        // the softmax's range after the max is subtracted
        sweep("exp", VectorMath::exp, StrictMath::exp, EXP_ULP, -30f, 0f, 256);
        // subnormal results
        sweep("exp", VectorMath::exp, StrictMath::exp, EXP_ULP, -104f, -87f, 2);
    }

    @Test
    void expSpecialValues() {
        assertEquals(1f, VectorMath.exp(0f));
        assertEquals(1f, VectorMath.exp(-0f));
        assertEquals(0f, VectorMath.exp(Float.NEGATIVE_INFINITY));
        assertEquals(0f, VectorMath.exp(-1000f));
        assertEquals(Float.POSITIVE_INFINITY, VectorMath.exp(Float.POSITIVE_INFINITY));
        assertEquals(Float.POSITIVE_INFINITY, VectorMath.exp(89f));
        assertTrue(Float.isNaN(VectorMath.exp(Float.NaN)));
        assertEquals(Float.MIN_VALUE, VectorMath.exp(-103.9f));
    }

    @Test
    void logIsWithinItsUlpBound() {
        // every positive float from the subnormals to MAX_VALUE
        sweep("log", VectorMath::log, StrictMath::log, LOG_ULP, Float.MIN_VALUE, Float.MAX_VALUE, 1024);
        // around 1, where the result is small and its relative error shows
        sweep("log", VectorMath::log, StrictMath::log, LOG_ULP, 0.5f, 2f, 8);
    }

    @Test
    void logSpecialValues() {
        assertEquals(Float.NEGATIVE_INFINITY, VectorMath.log(0f));
        assertEquals(Float.NEGATIVE_INFINITY, VectorMath.log(-0f));
        assertEquals(0f, VectorMath.log(1f));
        assertEquals(Float.floatToIntBits(0f), Float.floatToIntBits(VectorMath.log(1f)));
        assertEquals(Float.POSITIVE_INFINITY, VectorMath.log(Float.POSITIVE_INFINITY));
        assertTrue(Float.isNaN(VectorMath.log(-1f)));
        assertTrue(Float.isNaN(VectorMath.log(-Float.MIN_VALUE)));
        assertTrue(Float.isNaN(VectorMath.log(Float.NEGATIVE_INFINITY)));
        assertTrue(Float.isNaN(VectorMath.log(Float.NaN)));
    }

    @Test
    void log1pIsWithinItsUlpBound() {
        // softplus and the loss call it on (0, 1]
        sweep("log1p", VectorMath::log1p, StrictMath::log1p, LOG1P_ULP, 0f, 1f, 256);
        sweep("log1p", VectorMath::log1p, StrictMath::log1p, LOG1P_ULP, -1f, 0f, 256);
        sweep("log1p", VectorMath::log1p, StrictMath::log1p, LOG1P_ULP, 1f, Float.MAX_VALUE, 1024);
    }

    @Test
    void log1pSpecialValues() {
        assertEquals(Float.NEGATIVE_INFINITY, VectorMath.log1p(-1f));
        assertTrue(Float.isNaN(VectorMath.log1p(-2f)));
        assertTrue(Float.isNaN(VectorMath.log1p(Float.NaN)));
        assertEquals(Float.POSITIVE_INFINITY, VectorMath.log1p(Float.POSITIVE_INFINITY));
        assertEquals(Float.floatToIntBits(0f), Float.floatToIntBits(VectorMath.log1p(0f)));
        assertEquals(Float.floatToIntBits(-0f), Float.floatToIntBits(VectorMath.log1p(-0f)));
        assertEquals(Float.MIN_VALUE, VectorMath.log1p(Float.MIN_VALUE));
        assertEquals(1e-30f, VectorMath.log1p(1e-30f));
    }

    @Test
    void tanhIsWithinItsUlpBound() {
        sweep("tanh", VectorMath::tanh, StrictMath::tanh, TANH_ULP, -12f, 12f, 256);
        // both sides of the switch from the polynomial to the exp formula at 0.625
        sweep("tanh", VectorMath::tanh, StrictMath::tanh, TANH_ULP, 0.5f, 0.75f, 1);
        sweep("tanh", VectorMath::tanh, StrictMath::tanh, TANH_ULP, -Float.MAX_VALUE, Float.MAX_VALUE, 65536);
    }

    @Test
    void tanhSpecialValues() {
        assertEquals(Float.floatToIntBits(0f), Float.floatToIntBits(VectorMath.tanh(0f)));
        assertEquals(Float.floatToIntBits(-0f), Float.floatToIntBits(VectorMath.tanh(-0f)));
        assertEquals(Float.MIN_VALUE, VectorMath.tanh(Float.MIN_VALUE));
        assertEquals(1f, VectorMath.tanh(Float.POSITIVE_INFINITY));
        assertEquals(-1f, VectorMath.tanh(Float.NEGATIVE_INFINITY));
        assertEquals(1f, VectorMath.tanh(9.1f));
        assertTrue(Float.isNaN(VectorMath.tanh(Float.NaN)));
    }

    @Test
    void sigmoidIsWithinItsUlpBound() {
        sweep("sigmoid", VectorMath::sigmoid, VectorMathTest::sigmoidRef, SIGMOID_ULP, -110f, 95f, 1024);
        sweep("sigmoid", VectorMath::sigmoid, VectorMathTest::sigmoidRef, SIGMOID_ULP, -8f, 8f, 512);
    }

    @Test
    void sigmoidSpecialValues() {
        assertEquals(0.5f, VectorMath.sigmoid(0f));
        assertEquals(0.5f, VectorMath.sigmoid(-0f));
        assertEquals(1f, VectorMath.sigmoid(Float.POSITIVE_INFINITY));
        assertEquals(0f, VectorMath.sigmoid(Float.NEGATIVE_INFINITY));
        assertTrue(Float.isNaN(VectorMath.sigmoid(Float.NaN)));
    }

    @Test
    void softplusIsWithinItsUlpBound() {
        sweep("softplus", VectorMath::softplus, VectorMathTest::softplusRef, SOFTPLUS_ULP, -110f, 110f, 1024);
        sweep("softplus", VectorMath::softplus, VectorMathTest::softplusRef, SOFTPLUS_ULP, -4f, 4f, 512);
    }

    @Test
    void softplusSpecialValues() {
        assertEquals(0f, VectorMath.softplus(Float.NEGATIVE_INFINITY));
        assertEquals(Float.POSITIVE_INFINITY, VectorMath.softplus(Float.POSITIVE_INFINITY));
        assertEquals((float) Math.log(2), VectorMath.softplus(0f));
        assertEquals(Float.MAX_VALUE, VectorMath.softplus(Float.MAX_VALUE));
        assertTrue(Float.isNaN(VectorMath.softplus(Float.NaN)));
    }

    // ---------------------------------------------------------------- vector lanes = scalar twins

    /** Edge values, then floats spread over the whole range by their bits, then uniform ones. */
    private static float[] twinInputs(int n) {
        SplittableRandom r = new SplittableRandom(7);
        float[] x = new float[n];
        System.arraycopy(EDGES, 0, x, 0, Math.min(n, EDGES.length));
        for (int i = EDGES.length; i < n; i++) {
            x[i] = switch (i % 3) {
                case 0 -> Float.intBitsToFloat(r.nextInt());
                case 1 -> (float) (r.nextDouble() * 240 - 120);
                default -> (float) Math.scalb(r.nextDouble() * 2 - 1, r.nextInt(-10, 4));
            };
        }
        return x;
    }

    /** One SIMD operation on a buffer holding x, and the scalar twin it must equal element by element. */
    private interface SimdOp {
        void run(SimdKernels k, MemorySegment seg, int n);
    }

    private static void assertTwins(String name, int bits, int n, SimdOp op, FloatUnary twin) {
        SimdKernels k = SimdKernels.create(bits);
        float[] x = twinInputs(n);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = Buffers.allocate(arena, n);
            Buffers.copy(x, 0, seg, 0, n);
            op.run(k, seg, n);
            float[] y = new float[n];
            Buffers.copy(seg, 0, y, 0, n);
            for (int i = 0; i < n; i++) {
                float want = twin.apply(x[i]);
                if (Float.floatToIntBits(y[i]) != Float.floatToIntBits(want)) {
                    fail(name + " at " + bits + " bits, element " + i + " of " + n + ", x = " + x[i] + " (bits "
                            + Integer.toHexString(Float.floatToRawIntBits(x[i])) + "): SIMD " + y[i] + ", twin " + want);
                }
            }
        }
    }

    /** expAt, logAt and log1pAt, one vector at a time over the whole buffer. */
    private static SimdOp inPlace(String which) {
        return (k, seg, n) -> {
            long vb = k.vectorBits() / 8;
            for (long at = 0; at < (long) n * Float.BYTES; at += vb) {
                switch (which) {
                    case "exp" -> k.expAt(seg, at);
                    case "log" -> k.logAt(seg, at);
                    default -> k.log1pAt(seg, at);
                }
            }
        };
    }

    @ParameterizedTest
    @ValueSource(ints = {128, 256, 512})
    void vectorExpLogAndLog1pEqualTheScalarTwinsBitForBit(int bits) {
        int n = 1 << 14;
        assertTwins("expAt", bits, n, inPlace("exp"), VectorMath::exp);
        assertTwins("logAt", bits, n, inPlace("log"), VectorMath::log);
        assertTwins("log1pAt", bits, n, inPlace("log1p"), VectorMath::log1p);
    }

    /** The activation kernels in place (x and y the same buffer), vector lanes and tails alike. */
    @ParameterizedTest
    @ValueSource(ints = {128, 256, 512})
    void activationKernelsEqualTheScalarTwinsBitForBit(int bits) {
        for (int n : new int[] {1, 7, 16, 37, 1 << 14}) {
            assertTwins("sigmoid", bits, n, (k, seg, len) -> k.sigmoid(seg, 0, seg, 0, len), VectorMath::sigmoid);
            assertTwins("tanh", bits, n, (k, seg, len) -> k.tanh(seg, 0, seg, 0, len), VectorMath::tanh);
            assertTwins("softplus", bits, n, (k, seg, len) -> k.softplus(seg, 0, seg, 0, len), VectorMath::softplus);
        }
    }

    // ---------------------------------------------------------------- lane sums

    /** The documented order: lane i plus lane i + L/2, then the same on what is left. */
    private static float pairwise(float[] lanes) {
        float[] a = lanes.clone();
        for (int h = a.length / 2; h >= 1; h /= 2) {
            for (int i = 0; i < h; i++) {
                a[i] = a[i] + a[i + h];
            }
        }
        return a[0];
    }

    /**
     * The kernels' lane sums add in the documented pairwise order, seen through {@code dot} with
     * a vector of ones: one vector of x (the accumulator is x exactly), and two (lane-wise sums of
     * the two halves first).
     */
    @ParameterizedTest
    @ValueSource(ints = {128, 256, 512})
    void laneSumsAddInTheDocumentedOrder(int bits) {
        SimdKernels k = SimdKernels.create(bits);
        int lanes = bits / 32;
        SplittableRandom r = new SplittableRandom(bits);
        float[] x = new float[2 * lanes];
        float[] ones = new float[2 * lanes];
        Arrays.fill(ones, 1f);
        int orderMatters = 0;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment xs = Buffers.allocate(arena, 2 * lanes);
            MemorySegment os = Buffers.allocate(arena, 2 * lanes);
            Buffers.copy(ones, 0, os, 0, 2 * lanes);
            for (int t = 0; t < 5_000; t++) {
                for (int i = 0; i < x.length; i++) {
                    // magnitudes far apart, so that another order rounds differently
                    x[i] = (float) Math.scalb(r.nextDouble() - 0.5, r.nextInt(-24, 24));
                }
                Buffers.copy(x, 0, xs, 0, x.length);
                float[] one = Arrays.copyOf(x, lanes);
                float[] two = new float[lanes];
                for (int i = 0; i < lanes; i++) {
                    two[i] = x[i] + x[lanes + i];
                }
                float got1 = k.dot(xs, 0, os, 0, lanes);
                float got2 = k.dot(xs, 0, os, 0, 2 * lanes);
                assertEquals(Float.floatToIntBits(pairwise(one)), Float.floatToIntBits(got1),
                        () -> "one vector " + Arrays.toString(one));
                assertEquals(Float.floatToIntBits(pairwise(two)), Float.floatToIntBits(got2),
                        () -> "two vectors " + Arrays.toString(x));
                float sequential = 0f;
                for (float v : one) {
                    sequential += v;
                }
                if (sequential != got1) {
                    orderMatters++;
                }
            }
        }
        // the inputs exercise the order: a sequential sum differs often
        assertTrue(orderMatters > 250, "only " + orderMatters + " of 5000 sums depend on the order");
    }
}
