package dev.ntm.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.junit.jupiter.api.Test;

/**
 * The range check at every SIMD kernel's entry ({@code SimdSupport.at}): written out by hand to
 * stay small enough for C2 to inline, so its edges are tested here rather than trusted to
 * {@code Objects.checkFromIndexSize}.
 */
class EntryCheckTest {

    @Test
    void aRangeThatFitsGivesItsByteOffset() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(4L * 10 + 3);   // 10 whole floats and 3 stray bytes
            assertEquals(0, SimdSupport.at(s, 0, 10));
            assertEquals(36, SimdSupport.at(s, 9, 1));
            assertEquals(40, SimdSupport.at(s, 10, 0));
        }
    }

    @Test
    void aRangeOutsideOrNegativeOrOverflowingIsRefused() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(4L * 10 + 3);
            long[][] bad = {{0, 11}, {10, 1}, {-1, 1}, {1, -1}, {11, 0}, {Long.MAX_VALUE / 2, 1},
                    {1, Long.MAX_VALUE}, {Long.MIN_VALUE, 0}};
            for (long[] b : bad) {
                IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                        () -> SimdSupport.at(s, b[0], b[1]), "floats " + b[0] + " + " + b[1]);
                assertTrue(e.getMessage().contains("43 bytes"), e.getMessage());
            }
        }
    }

    @Test
    void aKernelCalledOutsideItsSegmentFailsBeforeWriting() {
        SimdKernels simd = SimdKernels.preferred();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment x = arena.allocate(4L * 40, 64);
            MemorySegment y = arena.allocate(4L * 40, 64);
            x.fill((byte) 1);
            assertThrows(IndexOutOfBoundsException.class, () -> simd.sigmoid(x, 0, y, 8, 33));
            assertEquals(-1, y.mismatch(arena.allocate(y.byteSize())), "y written before the check");
        }
    }
}
