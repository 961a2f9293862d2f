package dev.ntm.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The SIMD sigmoid and tanh give {@link VectorMath}'s bits in every element, those of the vector
 * loop and those of the scalar tail alike, in place and out of place, and write nothing outside
 * [0, n). Sizes cover every remainder of the vector length around one, two and several vectors.
 * (That a vector lane and the scalar function agree bit for bit is what lets a kernel move
 * elements between its loop and its tail, as the LSTM cell's does, without changing a result.)
 */
class ActivationTailTest {

    private static final float SENTINEL = -12345.5f;

    @ParameterizedTest
    @ValueSource(ints = {128, 256, 512})
    void everyElementHasVectorMathsBits(int bits) {
        SimdKernels simd = SimdKernels.create(bits);
        SplittableRandom r = new SplittableRandom(bits);
        for (int n = 1; n <= 70; n++) {
            check(simd, r, n, bits);
        }
        check(simd, r, 100, bits);
        check(simd, r, 129, bits);
    }

    private static void check(SimdKernels simd, SplittableRandom r, int n, int bits) {
        int pad = 20;
        try (Arena arena = Arena.ofConfined()) {
            float[] x = new float[n];
            for (int i = 0; i < n; i++) {
                x[i] = switch (i % 5) {
                    case 0 -> (float) r.nextDouble(-0.7, 0.7);
                    case 1 -> (float) r.nextDouble(-12, 12);
                    case 2 -> (float) r.nextDouble(-100, 100);
                    case 3 -> (float) r.nextGaussian();
                    default -> (float) r.nextDouble(-3, 3);
                };
            }
            for (String fn : new String[] {"sigmoid", "tanh"}) {
                // out of place, at an offset, with sentinels around the output
                MemorySegment in = Buffers.allocate(arena, n + 2L * pad);
                MemorySegment out = Buffers.allocate(arena, n + 2L * pad);
                for (int i = 0; i < n + 2 * pad; i++) {
                    Buffers.set(in, i, i >= pad && i < pad + n ? x[i - pad] : 7f);
                    Buffers.set(out, i, SENTINEL);
                }
                apply(simd, fn, in, pad, out, pad, n);
                verify(fn, x, out, pad, n, pad, bits + "-bit " + fn + " out of place, n = " + n);
                // in place
                MemorySegment io = Buffers.allocate(arena, n + 2L * pad);
                for (int i = 0; i < n + 2 * pad; i++) {
                    Buffers.set(io, i, i >= pad && i < pad + n ? x[i - pad] : SENTINEL);
                }
                apply(simd, fn, io, pad, io, pad, n);
                verify(fn, x, io, pad, n, pad, bits + "-bit " + fn + " in place, n = " + n);
            }
        }
    }

    private static void apply(Kernels k, String fn, MemorySegment x, long xOff, MemorySegment y, long yOff, int n) {
        if (fn.equals("sigmoid")) {
            k.sigmoid(x, xOff, y, yOff, n);
        } else {
            k.tanh(x, xOff, y, yOff, n);
        }
    }

    private static void verify(String fn, float[] x, MemorySegment y, int off, int n, int pad, String what) {
        for (int i = 0; i < off; i++) {
            assertEquals(SENTINEL, Buffers.get(y, i), what + ": wrote before the output at " + i);
        }
        for (int i = 0; i < n; i++) {
            float want = fn.equals("sigmoid") ? VectorMath.sigmoid(x[i]) : VectorMath.tanh(x[i]);
            assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(Buffers.get(y, off + i)),
                    what + ": element " + i + " of x = " + x[i]);
        }
        for (int i = off + n; i < off + n + pad; i++) {
            assertEquals(SENTINEL, Buffers.get(y, i), what + ": wrote after the output at " + i);
        }
    }
}
