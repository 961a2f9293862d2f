package dev.ntm.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * bfloat16: a float32 with the lower 16 bits of its mantissa dropped (1 sign, 8 exponent, 7
 * mantissa bits), so widening is exact ({@code bits << 16}) and narrowing rounds to nearest, ties
 * to even. The relative error of one narrowed value is at most 2^-8 (8 significant bits); the range is float32's.
 */
public final class Bf16 {

    /** The storage layout of one value (native byte order). */
    public static final ValueLayout.OfShort LAYOUT = ValueLayout.JAVA_SHORT;

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

    /** Narrows {@code count} floats of {@code src} from float index {@code srcOff} into {@code dst} from element {@code dstOff}. */
    public static void narrow(MemorySegment src, long srcOff, MemorySegment dst, long dstOff, long count) {
        for (long i = 0; i < count; i++) {
            dst.setAtIndex(LAYOUT, dstOff + i, fromFloat(src.getAtIndex(Buffers.F32, srcOff + i)));
        }
    }
}
