package dev.ntm.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The fused LSTM cell kernels: each forward gives the bits of the unfused chain it replaced (plain
 * loops around the same implementation's {@code tanh}); the SIMD backward gives the scalar
 * reference's bits (a fixed sequence of float operations without fused multiply-adds); both match
 * the formulas of docs/DERIVATIONS.md computed here in double within float rounding.
 */
class LstmCellKernelTest {

    private static final int[] UNITS = {1, 3, 15, 16, 17, 100, 129};

    /** Gate activations in (0, 1) for i, f, o and (-1, 1) for g, cell and gradient values. */
    private static MemorySegment filled(Arena arena, SplittableRandom r, int h) {
        MemorySegment s = Buffers.allocate(arena, 16L * h + 64);
        for (int j = 0; j < 4 * h; j++) {
            boolean g = j >= 2 * h && j < 3 * h;
            Buffers.set(s, j, (float) (g ? r.nextDouble(-1, 1) : r.nextDouble(0.01, 0.99)));
        }
        for (long j = 4L * h; j < 16L * h + 64; j++) {
            Buffers.set(s, j, (float) r.nextDouble(-1, 1));
        }
        return s;
    }

    @ParameterizedTest
    @ValueSource(ints = {128, 256, 512})
    void simdEqualsTheScalarReferenceBitForBit(int bits) {
        SimdKernels simd = SimdKernels.create(bits);
        Kernels scalar = ScalarKernels.INSTANCE;
        SplittableRandom r = new SplittableRandom(bits);
        for (int h : UNITS) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment a = filled(arena, r, h);
                MemorySegment b = Buffers.allocate(arena, a.byteSize() / Float.BYTES).copyFrom(a);
                // layout: gates [0, 4h), c_prev [4h, 5h), c [5h, 6h), tanh c [6h, 7h), h [7h, 8h)
                simd.lstmCellForward(a, 0, 4L * h, 5L * h, 6L * h, 7L * h, h);
                unfusedForward(simd, b, h);
                assertEquals(-1, a.mismatch(b), bits + "-bit forward against its unfused chain, h = " + h);
                MemorySegment sa = Buffers.allocate(arena, a.byteSize() / Float.BYTES).copyFrom(a);
                MemorySegment sb = Buffers.allocate(arena, a.byteSize() / Float.BYTES).copyFrom(a);
                scalar.lstmCellForward(sa, 0, 4L * h, 5L * h, 6L * h, 7L * h, h);
                unfusedForward(scalar, sb, h);
                assertEquals(-1, sa.mismatch(sb), "scalar forward against its unfused chain, h = " + h);
                for (int j = 0; j < h; j++) {
                    double i = Buffers.get(a, j);
                    double f = Buffers.get(a, h + j);
                    double g = Buffers.get(a, 2 * h + j);
                    double o = Buffers.get(a, 3 * h + j);
                    double c = f * Buffers.get(a, 4 * h + j) + i * g;
                    assertEquals(c, Buffers.get(a, 5 * h + j), 1e-6, "c");
                    assertEquals(o * Math.tanh(c), Buffers.get(a, 7 * h + j), 1e-5, "h");
                }
                // backward (pure arithmetic: scalar and SIMD agree bit for bit); dh [8h, 9h), dc [9h, 10h), dz [10h, 14h)
                b.copyFrom(a);
                MemorySegment dcBefore = Buffers.allocate(arena, h).copyFrom(a.asSlice(36L * h, 4L * h));
                simd.lstmCellBackward(a, 0, 6L * h, 4L * h, a, 8L * h, 9L * h, 10L * h, h);
                scalar.lstmCellBackward(b, 0, 6L * h, 4L * h, b, 8L * h, 9L * h, 10L * h, h);
                assertEquals(-1, a.mismatch(b), bits + "-bit backward, h = " + h);
                for (int j = 0; j < h; j++) {
                    double i = Buffers.get(a, j);
                    double f = Buffers.get(a, h + j);
                    double g = Buffers.get(a, 2 * h + j);
                    double o = Buffers.get(a, 3 * h + j);
                    double tc = Buffers.get(a, 6 * h + j);
                    double dh = Buffers.get(a, 8 * h + j);
                    double dc = Buffers.get(dcBefore, j) + dh * o * (1 - tc * tc);
                    assertEquals(dc * g * i * (1 - i), Buffers.get(a, 10 * h + j), 1e-5, "di");
                    assertEquals(dc * Buffers.get(a, 4 * h + j) * f * (1 - f), Buffers.get(a, 11 * h + j), 1e-5, "df");
                    assertEquals(dc * i * (1 - g * g), Buffers.get(a, 12 * h + j), 1e-5, "dg");
                    assertEquals(dh * tc * o * (1 - o), Buffers.get(a, 13 * h + j), 1e-5, "do");
                    assertEquals(dc * f, Buffers.get(a, 9 * h + j), 1e-5, "dc_prev");
                }
            }
        }
    }

    /** The cell as the engine computed it before the fused kernel: plain loops and {@code k.tanh}. */
    private static void unfusedForward(Kernels k, MemorySegment a, int h) {
        for (int j = 0; j < h; j++) {
            float i = Buffers.get(a, j);
            float f = Buffers.get(a, h + j);
            float g = Buffers.get(a, 2 * h + j);
            Buffers.set(a, 5 * h + j, f * Buffers.get(a, 4 * h + j) + i * g);
        }
        k.tanh(a, 5L * h, a, 6L * h, h);
        for (int j = 0; j < h; j++) {
            Buffers.set(a, 7 * h + j, Buffers.get(a, 3 * h + j) * Buffers.get(a, 6 * h + j));
        }
    }

    @Test
    void aBadRangeFailsBeforeWriting() {
        SimdKernels simd = SimdKernels.preferred();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = Buffers.allocate(arena, 64);
            MemorySegment before = Buffers.allocate(arena, 64).copyFrom(a);
            assertThrows(IndexOutOfBoundsException.class, () -> simd.lstmCellBackward(a, 0, 40, 40, a, 40, 40, 40, 16));
            assertThrows(IndexOutOfBoundsException.class, () -> simd.lstmCellForward(a, 0, 40, 40, 40, 60, 16));
            assertEquals(-1, a.mismatch(before));
        }
    }
}
