package dev.ntm.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The SIMD sigmoid and tanh give {@link VectorMath}'s bits in every element, those of the vector
 * loop and those of the last, partly repeated vector alike, in place and out of place, and write
 * nothing outside [0, n); the gradient kernels that accumulate in place (sigmoid's, tanh's, the
 * clip's) and the clip give the scalar kernels' bits in the same way. Sizes cover every remainder
 * of the vector length around one, two and several vectors. (That a vector lane and the scalar
 * function agree bit for bit is what lets a kernel compute its last {@code n mod v} elements as the
 * vector that ends at element n without changing a result.)
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

    @ParameterizedTest
    @ValueSource(ints = {128, 256, 512})
    void gradientKernelsAndClipHaveTheScalarBits(int bits) {
        SimdKernels simd = SimdKernels.create(bits);
        ScalarKernels scalar = ScalarKernels.INSTANCE;
        SplittableRandom r = new SplittableRandom(bits + 1);
        int pad = 20;
        for (int n = 1; n <= 72; n++) {
            try (Arena arena = Arena.ofConfined()) {
                for (String fn : new String[] {"sigmoidBackward", "tanhBackward", "clipBackward", "clip", "clipInPlace"}) {
                    MemorySegment[] want = inputs(arena, r.nextLong(), n, pad);
                    MemorySegment[] got = inputs(arena, 0, n, pad);
                    for (int b = 0; b < got.length; b++) {
                        MemorySegment.copy(want[b], 0, got[b], 0, want[b].byteSize());
                    }
                    applyGradient(scalar, fn, want, pad, n);
                    applyGradient(simd, fn, got, pad, n);
                    for (int b = 0; b < got.length; b++) {
                        for (int i = 0; i < n + 2 * pad; i++) {
                            assertEquals(Float.floatToRawIntBits(Buffers.get(want[b], i)),
                                    Float.floatToRawIntBits(Buffers.get(got[b], i)),
                                    bits + "-bit " + fn + ", n = " + n + ": buffer " + b + " at " + (i - pad));
                        }
                    }
                }
            }
        }
    }

    /** y (an activation's output in (-1, 1)), dy, dx (accumulated), with sentinels in the padding. */
    private static MemorySegment[] inputs(Arena arena, long seed, int n, int pad) {
        SplittableRandom r = new SplittableRandom(seed);
        MemorySegment[] s = new MemorySegment[3];
        for (int b = 0; b < s.length; b++) {
            s[b] = Buffers.allocate(arena, n + 2L * pad);
            for (int i = 0; i < n + 2 * pad; i++) {
                boolean inside = i >= pad && i < pad + n;
                float v = b == 0 ? (float) r.nextDouble(-0.99, 0.99) : (float) r.nextDouble(-3, 3);
                Buffers.set(s[b], i, inside ? v : SENTINEL - b);
            }
        }
        return s;
    }

    private static void applyGradient(Kernels k, String fn, MemorySegment[] s, int off, int n) {
        switch (fn) {
            case "sigmoidBackward" -> k.sigmoidBackward(s[0], off, s[1], off, s[2], off, n);
            case "tanhBackward" -> k.tanhBackward(s[0], off, s[1], off, s[2], off, n);
            // pre in (-3, 3) against the bound 1.5: about half the gradient is zeroed
            case "clipBackward" -> k.clipBackward(s[1], off, s[2], off, n, 1.5f);
            case "clip" -> k.clip(s[1], off, s[2], off, n, 1.5f);
            default -> k.clip(s[1], off, s[1], off, n, 1.5f);
        }
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
