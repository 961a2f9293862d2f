package dev.ntm.engine.util;

import java.lang.foreign.MemorySegment;

import dev.ntm.kernels.Buffers;

/**
 * Zeroing of float ranges in a {@link MemorySegment} without allocation. {@link Buffers#zero}
 * hands a slice of the segment to {@code fill}, which creates an object per call; the engine's hot
 * paths use this loop, over a slice that never leaves the method (escape analysis removes it) and
 * whose accesses from 0 C2 checks once, not per float.
 */
public final class SegmentOps {

    private SegmentOps() {
    }

    /** Sets {@code n} floats from {@code off} to zero. */
    public static void zero(MemorySegment seg, long off, int n) {
        MemorySegment run = seg.asSlice(off * Float.BYTES, (long) n * Float.BYTES);
        for (int i = 0; i < n; i++) {
            run.setAtIndex(Buffers.F32, i, 0f);
        }
    }
}
