package dev.ntm.engine.util;

import java.lang.foreign.MemorySegment;

import dev.ntm.kernels.Buffers;

/**
 * Zeroing of float ranges in a {@link MemorySegment} without allocation. {@link Buffers#zero}
 * slices the segment, which creates an object per call; the engine's hot paths use this loop.
 */
public final class SegmentOps {

    private SegmentOps() {
    }

    /** Sets {@code n} floats from {@code off} to zero. */
    public static void zero(MemorySegment seg, long off, int n) {
        for (int i = 0; i < n; i++) {
            seg.setAtIndex(Buffers.F32, off + i, 0f);
        }
    }
}
