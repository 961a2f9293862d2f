package dev.ntm.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * bfloat16: a float32 with the lower 16 bits of its mantissa dropped (1 sign, 8 exponent, 7
 * mantissa bits), so widening is exact ({@code bits << 16}) and narrowing rounds to nearest, ties
 * to even. The relative error of one narrowed value is at most 2^-8 (8 significant bits); the range is float32's.
 *
 * <p>A matrix row of bfloat16 values is stored <em>paired</em> ({@link #pairedIndex}): in each group
 * of 32 columns, column {@code j} and column {@code j + 16} ({@code j < 16}) sit side by side, so
 * that read as little-endian 32-bit ints, int {@code j} of the group carries column {@code j} in its
 * low half and column {@code j + 16} in its high half. One int vector load then widens into two
 * float vectors with one shift ({@code << 16}) and one mask ({@code & 0xFFFF0000}), where a plain
 * row would need a half-width load and a sign extension per float vector.
 */
public final class Bf16 {

    /** The storage layout of one value (little-endian, whatever the platform: see the pairing above). */
    public static final ValueLayout.OfShort LAYOUT = ValueLayout.JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Columns per group of the paired row layout. */
    public static final int GROUP = 32;

    private Bf16() {
    }

    /** The bfloat16 nearest to {@code f} (ties to even); NaN stays a NaN. */
    public static short fromFloat(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    /** The float32 of a bfloat16 value: exact. */
    public static float toFloat(short h) {
        return Float.intBitsToFloat(h << 16);
    }

    /** The element, from the start of a paired row, that holds column {@code c}. */
    public static int pairedIndex(int c) {
        return (c & -GROUP) + 2 * (c & 15) + ((c >> 4) & 1);
    }

    /** The elements a paired row of {@code cols} columns occupies: whole groups. */
    public static int pairedStride(int cols) {
        return Math.ceilDiv(cols, GROUP) * GROUP;
    }

    /**
     * Narrows a row-major {@code rows x cols} float matrix ({@code src} from float index
     * {@code srcOff}, row stride {@code ldSrc}) into paired bfloat16 rows of stride {@code ldDst}
     * ({@code dst} from element {@code dstOff}); the group padding beyond {@code cols} is left as it is.
     */
    public static void narrowPaired(MemorySegment src, long srcOff, int ldSrc, MemorySegment dst, long dstOff, int ldDst,
                                    int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                dst.setAtIndex(LAYOUT, dstOff + (long) r * ldDst + pairedIndex(c),
                        fromFloat(src.getAtIndex(Buffers.F32, srcOff + (long) r * ldSrc + c)));
            }
        }
    }
}
