package dev.ntm.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The optimiser kernels' fused element-wise clipping: a step with {@code clip = c} gives the same
 * bits in every parameter and moment as {@code clamp(g, c)} followed by the step without clipping
 * (what the trainer did before the clamp moved into the step), leaves {@code g} as it was, and an
 * infinite bound changes nothing. Checked for the scalar kernels and the SIMD kernels at every
 * vector width, on sizes with and without a scalar tail and with some gradients beyond the bound.
 */
class FusedClipStepTest {

    private static final int[] SIZES = {1, 15, 16, 67, 1000};
    private static final float CLIP = 1.5f;

    @ParameterizedTest
    @ValueSource(ints = {0, 128, 256, 512})
    void rmspropWithClipEqualsClampThenStep(int bits) {
        Kernels k = bits == 0 ? ScalarKernels.INSTANCE : SimdKernels.create(bits);
        SplittableRandom r = new SplittableRandom(41);
        for (int n : SIZES) {
            float[][] init = {rnd(r, n, 1), rnd(r, n, 3), positive(r, n), rnd(r, n, 0.1), rnd(r, n, 0.01)};
            Step step = (ks, s, clip) -> ks.rmsprop(s[0], 0, s[1], 0, s[2], 0, s[3], 0, s[4], 0, n,
                    1e-4f, 0.95f, 0.9f, 1e-4f, clip);
            check(k, init, step, "rmsprop n=" + n + " bits=" + bits);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 128, 256, 512})
    void adamWithClipEqualsClampThenStep(int bits) {
        Kernels k = bits == 0 ? ScalarKernels.INSTANCE : SimdKernels.create(bits);
        SplittableRandom r = new SplittableRandom(43);
        for (int n : SIZES) {
            float[][] init = {rnd(r, n, 1), rnd(r, n, 3), rnd(r, n, 0.5), positive(r, n)};
            Step step = (ks, s, clip) -> ks.adam(s[0], 0, s[1], 0, s[2], 0, s[3], 0, n,
                    1e-3f, 0.9f, 0.999f, 1e-8f, 0.1f, 0.002f, clip);
            check(k, init, step, "adam n=" + n + " bits=" + bits);
        }
    }

    private interface Step {
        void run(Kernels k, MemorySegment[] buffers, float clip);
    }

    /** Buffer 1 is the gradient; every other buffer is state the step updates. */
    private static void check(Kernels k, float[][] init, Step step, String what) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment[] fused = load(arena, init);
            MemorySegment[] chain = load(arena, init);
            MemorySegment[] unbounded = load(arena, init);
            MemorySegment[] plain = load(arena, init);
            int n = init[1].length;
            step.run(k, fused, CLIP);
            k.clamp(chain[1], 0, n, CLIP);
            step.run(k, chain, Float.POSITIVE_INFINITY);
            step.run(k, unbounded, Float.POSITIVE_INFINITY);
            step.run(k, plain, Float.MAX_VALUE);
            int clipped = 0;
            for (float g : init[1]) {
                clipped += Math.abs(g) > CLIP ? 1 : 0;
            }
            if (n >= 15) {
                assertEquals(true, clipped > 0, what + ": the test needs gradients beyond the bound");
            }
            assertArrayEquals(init[1], floats(fused[1]), what + ": the gradient must be left unchanged");
            for (int b = 0; b < init.length; b++) {
                if (b == 1) {
                    continue;
                }
                assertArrayEquals(bits(floats(chain[b])), bits(floats(fused[b])), what + ": buffer " + b);
                assertArrayEquals(bits(floats(plain[b])), bits(floats(unbounded[b])),
                        what + ": an infinite bound must change nothing, buffer " + b);
            }
        }
    }

    private static MemorySegment[] load(Arena arena, float[][] init) {
        MemorySegment[] s = new MemorySegment[init.length];
        for (int i = 0; i < init.length; i++) {
            s[i] = arena.allocate((long) init[i].length * Float.BYTES, 64);
            MemorySegment.copy(init[i], 0, s[i], ValueLayout.JAVA_FLOAT, 0, init[i].length);
        }
        return s;
    }

    private static float[] floats(MemorySegment s) {
        return s.toArray(ValueLayout.JAVA_FLOAT);
    }

    private static int[] bits(float[] x) {
        int[] b = new int[x.length];
        for (int i = 0; i < x.length; i++) {
            b[i] = Float.floatToRawIntBits(x[i]);
        }
        return b;
    }

    private static float[] rnd(SplittableRandom r, int n, double scale) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) ((2 * r.nextDouble() - 1) * scale);
        }
        return x;
    }

    private static float[] positive(SplittableRandom r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextDouble() + 0.5);
        }
        return x;
    }
}
