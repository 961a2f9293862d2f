package dev.ntm.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link LinearAlgebraKernels#drainRows}, which adds the padded weight-gradient accumulators into
 * the gradient: the same bits in y as one {@code axpy(1, x_row, y_row)} per row (what
 * PaddedWeights did before), x's rows zero afterwards (padding included), and nothing outside
 * the rows touched. Scalar kernels and every SIMD width, shapes with and without scalar tails.
 */
class DrainRowsTest {

    private static final int[][] SHAPES = {{1, 1, 16}, {3, 15, 16}, {5, 16, 16}, {7, 129, 144}, {4, 100, 112},
        {2, 33, 40}};

    @ParameterizedTest
    @ValueSource(ints = {0, 128, 256, 512})
    void drainEqualsRowAxpysThenZero(int bits) {
        Kernels k = bits == 0 ? ScalarKernels.INSTANCE : SimdKernels.create(bits);
        SplittableRandom r = new SplittableRandom(7);
        for (int[] shape : SHAPES) {
            int rows = shape[0];
            int cols = shape[1];
            int ldx = shape[2];
            int ldy = cols + 3;
            int xOff = 5;
            int yOff = 2;
            float[] x = random(r, xOff + rows * ldx + 4);
            float[] y = random(r, yOff + rows * ldy + 4);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment xs = load(arena, x);
                MemorySegment ys = load(arena, y);
                MemorySegment xr = load(arena, x);
                MemorySegment yr = load(arena, y);
                k.drainRows(xs, xOff, ldx, ys, yOff, ldy, rows, cols);
                for (int row = 0; row < rows; row++) {
                    k.axpy(1f, xr, xOff + (long) row * ldx, yr, yOff + (long) row * ldy, cols);
                }
                float[] wantX = x.clone();
                java.util.Arrays.fill(wantX, xOff, xOff + rows * ldx, 0f);
                String what = "bits=" + bits + " rows=" + rows + " cols=" + cols + " ldx=" + ldx;
                assertArrayEquals(raw(yr), raw(ys), what + ": y");
                assertArrayEquals(raw(wantX), raw(xs), what + ": x drained, the rest untouched");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {128, 256, 512})
    void stridesShorterThanTheRowsAreRefused(int bits) {
        Kernels k = SimdKernels.create(bits);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(4096, 64);
            assertThrows(IllegalArgumentException.class, () -> k.drainRows(s, 0, 8, s, 512, 16, 2, 16));
        }
    }

    private static float[] random(SplittableRandom r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (2 * r.nextDouble() - 1);
        }
        return x;
    }

    private static MemorySegment load(Arena arena, float[] x) {
        MemorySegment s = arena.allocate((long) x.length * Float.BYTES, 64);
        MemorySegment.copy(x, 0, s, ValueLayout.JAVA_FLOAT, 0, x.length);
        return s;
    }

    private static int[] raw(MemorySegment s) {
        return raw(s.toArray(ValueLayout.JAVA_FLOAT));
    }

    private static int[] raw(float[] x) {
        int[] b = new int[x.length];
        for (int i = 0; i < x.length; i++) {
            b[i] = Float.floatToRawIntBits(x[i]);
        }
        return b;
    }
}
