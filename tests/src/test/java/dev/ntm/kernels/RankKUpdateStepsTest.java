package dev.ntm.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link Kernels#rankKUpdateSteps} (the weight gradient of a whole backward pass in one call)
 * gives, bit for bit, what its per-step {@link Kernels#rankKUpdate} calls give, steps descending:
 * the trainer's results, and every figure recorded from them, depend on it. Rows laid out as the
 * trainer's tape lays them out: step s, sequence b at {@code s * stepStride + b * ld}, with fewer
 * active sequences in later steps, steps with none, and the shapes of the paper's LSTM (400 x 129)
 * and of loop tails.
 */
class RankKUpdateStepsTest {

    /** rows x cols of dW. */
    private static final int[][] SHAPES = {{1, 1}, {3, 7}, {4, 16}, {5, 33}, {29, 129}, {400, 129}, {7, 100}};
    /** Active sequences per step (the batch capacity is the first entry). */
    private static final int[][] ACTIVE = {{1}, {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
        {4, 4, 3, 3, 1, 0, 0}, {2, 0, 2}, {5, 5, 5}};

    private static MemorySegment filled(Arena arena, long floats, SplittableRandom r) {
        MemorySegment s = Buffers.allocate(arena, floats);
        for (long i = 0; i < floats; i++) {
            Buffers.set(s, i, (float) (r.nextDouble() * 2 - 1));
        }
        return s;
    }

    private static void assertBitsEqual(String what, MemorySegment expected, MemorySegment actual, long floats) {
        for (long i = 0; i < floats; i++) {
            int e = Float.floatToRawIntBits(Buffers.get(expected, i));
            int a = Float.floatToRawIntBits(Buffers.get(actual, i));
            if (e != a) {
                throw new AssertionError(what + ": float " + i + " is " + Buffers.get(actual, i) + ", per-step "
                        + Buffers.get(expected, i));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {128, 256, 512})
    void equalsThePerStepUpdatesBitForBit(int bits) {
        Kernels[] impls = {ScalarKernels.INSTANCE, SimdKernels.create(bits)};
        SplittableRandom r = new SplittableRandom(bits);
        for (int[] shape : SHAPES) {
            int rows = shape[0];
            int cols = shape[1];
            int ldw = cols + 3;
            int ld = Math.max(rows, cols) + 5;
            for (int[] active : ACTIVE) {
                int steps = active.length;
                int capacity = active[0];
                long stepStride = (long) capacity * ld;
                long span = steps * stepStride + 7;
                long dwFloats = (long) rows * ldw + 11;
                for (Kernels k : impls) {
                    try (Arena arena = Arena.ofShared()) {
                        MemorySegment dy = filled(arena, span, r);
                        MemorySegment x = filled(arena, span, r);
                        MemorySegment perStep = filled(arena, dwFloats, r);
                        MemorySegment fused = Buffers.allocate(arena, dwFloats);
                        MemorySegment.copy(perStep, 0, fused, 0, dwFloats * Float.BYTES);
                        for (int s = steps - 1; s >= 0; s--) {
                            k.rankKUpdate(perStep, 2, rows, cols, ldw, dy, 3 + s * stepStride, ld, x,
                                    5 + s * stepStride, ld, active[s]);
                        }
                        // Two groups, the later steps first, as the trainer calls it.
                        int split = steps / 2;
                        k.rankKUpdateSteps(fused, 2, rows, cols, ldw, dy, 3 + split * stepStride, x,
                                5 + split * stepStride, stepStride, ld, active, split, steps - split);
                        k.rankKUpdateSteps(fused, 2, rows, cols, ldw, dy, 3, x, 5, stepStride, ld, active, 0, split);
                        // Every float of dW, its padding and the floats around it included.
                        assertBitsEqual(KernelTestSupport.ctx(k, "rankKUpdateSteps", rows, cols, steps, capacity),
                                perStep, fused, dwFloats);
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {256, 512})
    void badActiveCountsAndShortBuffersAreRefused(int bits) {
        Kernels k = SimdKernels.create(bits);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment dw = Buffers.allocate(arena, 64);
            MemorySegment rowsSeg = Buffers.allocate(arena, 64);
            IllegalArgumentException few = assertThrows(IllegalArgumentException.class,
                    () -> k.rankKUpdateSteps(dw, 0, 4, 4, 4, rowsSeg, 0, rowsSeg, 0, 8, 4, new int[] {1, 1, 1}, 1, 3));
            assertTrue(few.getMessage().contains("steps 1 to 3 need active counts, active has 3"), few.getMessage());
            IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                    () -> k.rankKUpdateSteps(dw, 0, 4, 4, 4, rowsSeg, 0, rowsSeg, 0, 8, 4, new int[] {1, -1}, 0, 2));
            assertTrue(negative.getMessage().contains("negative"), negative.getMessage());
            // Step 9's rows lie past the end of a 64-float segment.
            int[] tenOnes = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
            assertThrows(IndexOutOfBoundsException.class,
                    () -> k.rankKUpdateSteps(dw, 0, 4, 4, 4, rowsSeg, 0, rowsSeg, 0, 8, 4, tenOnes, 0, 10));
            // No steps: nothing to do, dW untouched.
            Buffers.set(dw, 0, 3f);
            k.rankKUpdateSteps(dw, 0, 4, 4, 4, rowsSeg, 0, rowsSeg, 0, 8, 4, new int[0], 0, 0);
            assertEquals(3f, Buffers.get(dw, 0));
        }
    }
}
