package dev.ntm.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code axpy} and {@code scale} keep the bits they had when their last {@code n mod v} floats were
 * a scalar loop: a fused multiply-add for every float of a whole vector, a multiply then an add for
 * the rest (a product alone for scale), in place included, and nothing written outside [0, n). The
 * kernels now do those last floats as the vector that ends at float n; sizes cover every remainder
 * of the vector length around one, two and several vectors. (The shift of location addressing runs
 * on these two, over pieces of 127 and 1 floats at n = 128.)
 */
class AxpyTailTest {

    private static final float SENTINEL = -12345.5f;

    @ParameterizedTest
    @ValueSource(ints = {128, 256, 512})
    void axpyAndScaleKeepTheirBits(int bits) {
        SimdKernels simd = SimdKernels.create(bits);
        int v = bits / Float.SIZE;
        SplittableRandom r = new SplittableRandom(bits);
        int pad = 20;
        for (int n = 1; n <= 72; n++) {
            try (Arena arena = Arena.ofConfined()) {
                float alpha = (float) r.nextDouble(-2, 2);
                float[] x = new float[n];
                float[] y = new float[n];
                for (int i = 0; i < n; i++) {
                    x[i] = (float) r.nextGaussian();
                    y[i] = (float) r.nextGaussian();
                }
                MemorySegment xs = filled(arena, x, pad);
                MemorySegment ys = filled(arena, y, pad);
                simd.axpy(alpha, xs, pad, ys, pad, n);
                int whole = n & -v;
                float[] want = new float[n];
                for (int i = 0; i < n; i++) {
                    want[i] = i < whole ? Math.fma(x[i], alpha, y[i]) : y[i] + alpha * x[i];
                }
                verify(want, ys, pad, bits + "-bit axpy, n = " + n);

                MemorySegment io = filled(arena, x, pad);
                simd.scale(alpha, io, pad, n);
                for (int i = 0; i < n; i++) {
                    want[i] = alpha * x[i];
                }
                verify(want, io, pad, bits + "-bit scale in place, n = " + n);
            }
        }
    }

    private static MemorySegment filled(Arena arena, float[] v, int pad) {
        MemorySegment s = Buffers.allocate(arena, v.length + 2L * pad);
        for (int i = 0; i < v.length + 2 * pad; i++) {
            Buffers.set(s, i, i >= pad && i < pad + v.length ? v[i - pad] : SENTINEL);
        }
        return s;
    }

    private static void verify(float[] want, MemorySegment got, int pad, String what) {
        for (int i = 0; i < want.length + 2 * pad; i++) {
            boolean inside = i >= pad && i < pad + want.length;
            assertEquals(Float.floatToRawIntBits(inside ? want[i - pad] : SENTINEL),
                    Float.floatToRawIntBits(Buffers.get(got, i)), what + ": at " + (i - pad));
        }
    }
}
