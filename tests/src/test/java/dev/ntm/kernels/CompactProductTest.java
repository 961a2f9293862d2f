package dev.ntm.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The bfloat16 product of the compact-weights mode: rounding of {@link Bf16}, and
 * {@code gemmTransposedBf16} equal, bit for bit, to {@code gemmTransposed} of the widened matrix
 * and to the scalar reference (every element is the same chain of fused multiply-adds).
 */
class CompactProductTest {

    @Test
    void narrowingRoundsToNearestEven() {
        assertEquals((short) 0x3F80, Bf16.fromFloat(1f));
        assertEquals(1f, Bf16.toFloat(Bf16.fromFloat(1f)));
        // 1 + 2^-8 lies halfway between 1 and 1 + 2^-7: ties to the even mantissa, 1
        assertEquals(1f, Bf16.toFloat(Bf16.fromFloat(1f + 0x1p-8f)));
        // 1 + 3 * 2^-8 lies halfway between 1 + 2^-7 and 1 + 2^-6: ties to even, 1 + 2^-6
        assertEquals(1f + 0x1p-6f, Bf16.toFloat(Bf16.fromFloat(1f + 3 * 0x1p-8f)));
        // just above halfway rounds up
        assertEquals(1f + 0x1p-7f, Bf16.toFloat(Bf16.fromFloat(Math.nextUp(1f + 0x1p-8f))));
        assertEquals(-2.5f, Bf16.toFloat(Bf16.fromFloat(-2.5f)));
        assertEquals(Float.POSITIVE_INFINITY, Bf16.toFloat(Bf16.fromFloat(Float.POSITIVE_INFINITY)));
        assertTrue(Float.isNaN(Bf16.toFloat(Bf16.fromFloat(Float.NaN))));
        assertEquals(Float.POSITIVE_INFINITY, Bf16.toFloat(Bf16.fromFloat(Float.MAX_VALUE)),
                "the largest float rounds past bfloat16's largest finite value");
    }

    @Test
    void relativeErrorOfNarrowingIsAtMostTwoToMinusEight() {
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < 100_000; i++) {
            float f = (float) ((r.nextDouble() - 0.5) * Math.pow(2, r.nextInt(-30, 30)));
            float back = Bf16.toFloat(Bf16.fromFloat(f));
            assertTrue(Math.abs(back - f) <= Math.abs(f) * 0x1p-8f, f + " -> " + back);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {128, 256, 512})
    void equalsTheFloatProductOfTheWidenedMatrixAndTheScalarReference(int bits) {
        SimdKernels simd = SimdKernels.create(bits);
        ScalarKernels scalar = ScalarKernels.INSTANCE;
        SplittableRandom r = new SplittableRandom(bits);
        int[][] shapes = {{1, 1}, {3, 5}, {7, 16}, {9, 17}, {5, 28}, {6, 56}, {20, 64}, {33, 100}, {129, 400}, {40, 115}};
        for (int[] shape : shapes) {
            int rows = shape[0];
            int cols = shape[1];
            for (int batch : new int[] {1, 2, 5}) {
                int ldw = Bf16.pairedStride(cols) + 2 * r.nextInt(0, 3);
                int lddy = rows + 3;
                int lddx = cols + 2;
                try (Arena arena = Arena.ofConfined()) {
                    long wOff = 2 * r.nextInt(0, 2);
                    MemorySegment w16 = arena.allocate(2L * (wOff + (long) rows * ldw), 64);
                    MemorySegment wide = arena.allocate(4L * ((long) rows * ldw), 64);
                    for (int row = 0; row < rows; row++) {
                        for (int c = 0; c < ldw; c++) {
                            // paired: column c at pairedIndex(c); beyond the last group, any value
                            int e = c < Bf16.pairedStride(cols) ? Bf16.pairedIndex(c) : c;
                            short h = Bf16.fromFloat((float) r.nextGaussian());
                            w16.setAtIndex(Bf16.LAYOUT, wOff + (long) row * ldw + e, h);
                            wide.setAtIndex(Buffers.F32, (long) row * ldw + c, Bf16.toFloat(h));
                        }
                    }
                    MemorySegment dy = arena.allocate(4L * batch * lddy, 64);
                    for (long i = 0; i < (long) batch * lddy; i++) {
                        dy.setAtIndex(Buffers.F32, i, (float) r.nextGaussian());
                    }
                    MemorySegment start = arena.allocate(4L * batch * lddx, 64);
                    for (long i = 0; i < (long) batch * lddx; i++) {
                        start.setAtIndex(Buffers.F32, i, (float) r.nextGaussian());
                    }
                    MemorySegment viaCompact = arena.allocate(start.byteSize(), 64).copyFrom(start);
                    MemorySegment viaWide = arena.allocate(start.byteSize(), 64).copyFrom(start);
                    MemorySegment viaScalar = arena.allocate(start.byteSize(), 64).copyFrom(start);
                    simd.gemmTransposedBf16(w16, wOff, rows, cols, ldw, dy, 0, lddy, viaCompact, 0, lddx, batch);
                    simd.gemmTransposed(wide, 0, rows, cols, ldw, dy, 0, lddy, viaWide, 0, lddx, batch);
                    scalar.gemmTransposedBf16(w16, wOff, rows, cols, ldw, dy, 0, lddy, viaScalar, 0, lddx, batch);
                    String what = bits + "-bit " + rows + "x" + cols + " batch " + batch;
                    assertEquals(-1, viaCompact.mismatch(viaWide), what + ": compact differs from the widened product");
                    assertEquals(-1, viaCompact.mismatch(viaScalar), what + ": SIMD differs from the scalar reference");
                    assertTrue(viaCompact.mismatch(start) != -1 || rows == 0, what + ": nothing was computed");
                    for (int b = 0; b < batch; b++) {
                        for (int c = cols; c < lddx; c++) {
                            long i = (long) b * lddx + c;
                            assertEquals(start.getAtIndex(Buffers.F32, i), viaCompact.getAtIndex(Buffers.F32, i),
                                    what + ": padding written");
                        }
                    }
                }
            }
        }
    }

    @Test
    void aRangeOutsideTheWeightSegmentFailsBeforeWriting() {
        SimdKernels simd = SimdKernels.preferred();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment w16 = arena.allocate(2L * 10 * 32, 64);
            MemorySegment dy = arena.allocate(4L * 11, 64);
            MemorySegment dx = arena.allocate(4L * 16, 64);
            assertThrows(IndexOutOfBoundsException.class,
                    () -> simd.gemmTransposedBf16(w16, 0, 11, 16, 32, dy, 0, 11, dx, 0, 16, 1));
            assertEquals(-1, dx.mismatch(arena.allocate(dx.byteSize())), "dx written before the check");
        }
    }

    @Test
    void rowsShorterThanTheirGroupsOrOddOffsetsAreRefused() {
        SimdKernels simd = SimdKernels.preferred();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment w16 = arena.allocate(2L * 10 * 64, 64);
            MemorySegment dy = arena.allocate(4L * 10, 64);
            MemorySegment dx = arena.allocate(4L * 40, 64);
            // 40 columns take two groups of 32: a stride of 40 would overlap the next row's second group
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> simd.gemmTransposedBf16(w16, 0, 10, 40, 40, dy, 0, 10, dx, 0, 40, 1));
            assertTrue(e.getMessage().contains("at least 64"), e.getMessage());
            assertThrows(IllegalArgumentException.class,
                    () -> simd.gemmTransposedBf16(w16, 1, 10, 40, 64, dy, 0, 10, dx, 0, 40, 1));
            // one row too: the kernel walks the rows by their stride, and a stride of 0 would end the walk at once
            assertThrows(IllegalArgumentException.class,
                    () -> simd.gemmTransposedBf16(w16, 0, 1, 40, 0, dy, 0, 1, dx, 0, 40, 1));
            assertEquals(-1, dx.mismatch(arena.allocate(dx.byteSize())), "dx written before the check");
        }
    }

    @Test
    void thePairedLayoutPutsColumnsJAndJPlus16InOneInt() {
        boolean[] seen = new boolean[96];
        for (int c = 0; c < 96; c++) {
            int e = Bf16.pairedIndex(c);
            assertTrue(e / Bf16.GROUP == c / Bf16.GROUP, "column " + c + " left its group");
            assertTrue(!seen[e], "two columns at element " + e);
            seen[e] = true;
        }
        assertEquals(2 * 5, Bf16.pairedIndex(5));
        assertEquals(2 * 5 + 1, Bf16.pairedIndex(21));
        assertEquals(32 + 2 * 3 + 1, Bf16.pairedIndex(51));
        assertEquals(0, Bf16.pairedStride(0));
        assertEquals(32, Bf16.pairedStride(1));
        assertEquals(416, Bf16.pairedStride(400));
    }
}
