package dev.ntm.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link AddressingKernels#addressLocation}, a head's whole forward chain in one call, against the
 * chain it fuses (cosine, content softmax, interpolation, shift, sharpening called in turn on the
 * same implementation): the same bits in every tensor it writes, on memories of whole vectors (the
 * fused path) and of other sizes (the fallback), for shift ranges 0 to 3, on weightings that are
 * smooth, one-hot and exactly zero.
 */
class FusedAddressingTest {

    private static final int[] ROWS = {16, 20, 32, 48, 128, 130, 256};
    private static final int[] COLUMNS = {1, 8, 20};

    /** Where the tensors sit in the one segment the kernel takes (floats). */
    private record Layout(int n, int m, int shiftRange) {
        long key() { return 3; }
        long mem() { return key() + m + 5; }
        long norms() { return mem() + (long) m * n + 7; }
        long shift() { return norms() + n + 1; }
        long wPrev() { return shift() + 2L * shiftRange + 1 + 2; }
        long sim() { return wPrev() + n + 3; }
        long wc() { return sim() + n; }
        long wg() { return wc() + n + 1; }
        long ws() { return wg() + n; }
        long w() { return ws() + n + 5; }
        long floats() { return w() + n + 64; }
    }

    private static MemorySegment filled(Arena arena, Layout l, SplittableRandom r, int kind) {
        MemorySegment a = Buffers.allocate(arena, l.floats());
        for (long i = 0; i < l.floats(); i++) {
            Buffers.set(a, i, Float.NaN);   // anything the kernel reads but should not turns results NaN
        }
        for (int j = 0; j < l.m(); j++) {
            Buffers.set(a, l.key() + j, (float) r.nextDouble(-1, 1));
        }
        for (long i = 0; i < (long) l.m() * l.n(); i++) {
            Buffers.set(a, l.mem() + i, (float) r.nextDouble(-1, 1));
        }
        for (int i = 0; i < l.n(); i++) {
            double s = 0;
            for (int j = 0; j < l.m(); j++) {
                double x = Buffers.get(a, l.mem() + (long) j * l.n() + i);
                s += x * x;
            }
            Buffers.set(a, l.norms() + i, (float) Math.sqrt(s));
        }
        int shifts = 2 * l.shiftRange() + 1;
        double total = 0;
        double[] s = new double[shifts];
        for (int j = 0; j < shifts; j++) {
            s[j] = r.nextDouble(0.01, 1);
            total += s[j];
        }
        for (int j = 0; j < shifts; j++) {
            Buffers.set(a, l.shift() + j, (float) (s[j] / total));
        }
        for (int i = 0; i < l.n(); i++) {
            float p = switch (kind) {
                case 0 -> (float) r.nextDouble(0, 2.0 / l.n());      // smooth
                case 1 -> i == l.n() / 3 ? 1f : 0f;                   // one-hot
                default -> 0f;                                        // all zero
            };
            Buffers.set(a, l.wPrev() + i, p);
        }
        return a;
    }

    private static float fused(Kernels k, MemorySegment a, Layout l, float beta, float g, float gamma,
                               MemorySegment ring) {
        return k.addressLocation(a, l.key(), l.mem(), l.n(), l.m(), l.n(), l.norms(), beta, g, l.shift(),
                l.shiftRange(), gamma, l.wPrev(), l.sim(), l.wc(), l.wg(), l.ws(), l.w(), ring, 1);
    }

    private static float chain(Kernels k, MemorySegment a, Layout l, float beta, float g, float gamma) {
        float keyNorm = k.cosineSimilarity(a, l.key(), a, l.mem(), l.n(), l.m(), l.n(), a, l.norms(), a, l.sim());
        k.contentWeighting(a, l.sim(), beta, a, l.wc(), l.n());
        k.interpolate(a, l.wc(), a, l.wPrev(), g, a, l.wg(), l.n());
        k.shift(a, l.wg(), a, l.shift(), l.shiftRange(), a, l.ws(), l.n());
        k.sharpen(a, l.ws(), gamma, a, l.w(), l.n());
        return keyNorm;
    }

    @ParameterizedTest
    @ValueSource(ints = {128, 256, 512})
    void simdFusedChainGivesTheBitsOfTheChain(int bits) {
        assertFusedEqualsChain(SimdKernels.create(bits), bits);
    }

    @ParameterizedTest
    @ValueSource(ints = {0})
    void scalarDefaultIsTheChain(int unused) {
        assertFusedEqualsChain(ScalarKernels.INSTANCE, 7);
    }

    private static void assertFusedEqualsChain(Kernels k, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[][] settings = {{1f, 0.9f, 1f}, {20f, 0.3f, 2.5f}, {0.01f, 0f, 1f}, {300f, 1f, 30f}, {5f, 0.5f, 1.0001f}};
        int cases = 0;
        for (int n : ROWS) {
            for (int m : COLUMNS) {
                for (int shiftRange = 0; shiftRange <= 3; shiftRange++) {
                    for (int kind = 0; kind < 3; kind++) {
                        float[] p = settings[cases % settings.length];
                        Layout l = new Layout(n, m, shiftRange);
                        try (Arena arena = Arena.ofConfined()) {
                            MemorySegment a = filled(arena, l, r, kind);
                            MemorySegment b = Buffers.allocate(arena, l.floats()).copyFrom(a);
                            MemorySegment ring = Buffers.allocate(arena,
                                    AddressingKernels.locationScratchFloats(n, shiftRange) + 2L);
                            float kf = fused(k, a, l, p[0], p[1], p[2], ring);
                            float kc = chain(k, b, l, p[0], p[1], p[2]);
                            String what = k.name() + " n=" + n + " m=" + m + " S=" + shiftRange + " kind=" + kind;
                            assertEquals(Float.floatToRawIntBits(kc), Float.floatToRawIntBits(kf), what + ": |k|");
                            assertEquals(-1, a.mismatch(b), what + ": tensors differ at byte " + a.mismatch(b));
                            for (int i = 0; i < n; i++) {
                                float w = Buffers.get(a, l.w() + i);
                                if (!(w >= 0f && w <= 1f)) {
                                    throw new AssertionError(what + ": w[" + i + "] = " + w);
                                }
                            }
                        }
                        cases++;
                    }
                }
            }
        }
        assertEquals(ROWS.length * COLUMNS.length * 4 * 3, cases);
    }

    @ParameterizedTest
    @ValueSource(ints = {256, 512})
    void aShortRingIsRefusedBeforeAnythingIsWritten(int bits) {
        Kernels k = SimdKernels.create(bits);
        Layout l = new Layout(128, 20, 1);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = filled(arena, l, new SplittableRandom(1), 0);
            MemorySegment before = Buffers.allocate(arena, l.floats()).copyFrom(a);
            MemorySegment ring = Buffers.allocate(arena, 128);
            assertThrows(IndexOutOfBoundsException.class, () -> fused(k, a, l, 1f, 0.5f, 1f, ring));
            assertEquals(-1, a.mismatch(before), "nothing written");
        }
    }
}
