package dev.ntm.kernels;

import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Buffers with guard floats for kernel tests, and the tolerance they are compared with.
 *
 * <p>Every buffer sits {@code shift} floats into a 64-byte-aligned segment, between runs of
 * {@link #GUARD_FLOATS} guard floats holding a NaN with a recognisable payload: a kernel that
 * writes outside its range changes a guard, and one that reads outside it turns its result NaN.
 */
final class KernelTestSupport {

    /** Guard floats before and after each buffer: more than one 512-bit vector. */
    static final int GUARD_FLOATS = 32;
    /** A quiet NaN with a payload no arithmetic produces. */
    static final int GUARD_BITS = 0x7fc5a5a5;
    /** Unit roundoff of float32. */
    static final double U = 0x1p-24;

    private KernelTestSupport() {
    }

    /**
     * The comparison bound for a result built from {@code k} rounded terms:
     * {@code |simd - scalar| <= tol(k) * S + Float.MIN_NORMAL}, where S is the sum of the absolute
     * values of the terms. A float sum of k terms in any order is within {@code (k - 1) u S} of the
     * exact sum (u = 2^-24), so two implementations that sum in different orders (and one with
     * fused multiply-adds) differ by at most about {@code 2 k u S}; the extra 8 units cover the
     * Vector API's transcendental functions, which may differ from {@code Math} by an ulp or two.
     * The absolute floor absorbs results in the subnormal range, where float exp underflows
     * before the double-precision reference does. An indexing or formula error is off by O(S).
     */
    static double tol(int k) {
        return 2.0 * (k + 8) * U;
    }

    /** A float buffer in its own guarded, aligned segment. */
    static final class Buf {
        final MemorySegment seg;
        final long off;
        final int len;

        Buf(Arena arena, float[] data, int shift) {
            this.len = data.length;
            this.off = GUARD_FLOATS + shift;
            this.seg = Buffers.allocate(arena, off + len + GUARD_FLOATS);
            float guard = Float.intBitsToFloat(GUARD_BITS);
            for (long i = 0; i < off; i++) {
                Buffers.set(seg, i, guard);
            }
            for (long i = off + len; i < off + len + GUARD_FLOATS; i++) {
                Buffers.set(seg, i, guard);
            }
            Buffers.copy(data, 0, seg, off, len);
        }

        float[] read() {
            float[] out = new float[len];
            Buffers.copy(seg, off, out, 0, len);
            return out;
        }

        float get(int i) {
            return Buffers.get(seg, off + i);
        }

        void assertGuards(String what) {
            for (long i = 0; i < off; i++) {
                checkGuard(what, i - off);
            }
            for (long i = off + len; i < off + len + GUARD_FLOATS; i++) {
                checkGuard(what, i - off);
            }
        }

        private void checkGuard(String what, long rel) {
            int bits = Float.floatToRawIntBits(Buffers.get(seg, off + rel));
            if (bits != GUARD_BITS) {
                fail(what + ": wrote outside its range at relative index " + rel
                        + " (buffer of " + len + " floats)");
            }
        }
    }

    /** A set of guarded buffers sharing one shift and one arena. */
    static final class Bufs implements AutoCloseable {
        private final Arena arena = Arena.ofConfined();
        private final int shift;
        private final Buf[] bufs;

        Bufs(int shift, float[]... init) {
            this.shift = shift;
            this.bufs = new Buf[init.length];
            for (int i = 0; i < init.length; i++) {
                bufs[i] = new Buf(arena, init[i], shift);
            }
        }

        Buf get(int i) {
            return bufs[i];
        }

        MemorySegment seg(int i) {
            return bufs[i].seg;
        }

        long off(int i) {
            return bufs[i].off;
        }

        float[] read(int i) {
            return bufs[i].read();
        }

        int shift() {
            return shift;
        }

        void assertGuards(String what) {
            for (int i = 0; i < bufs.length; i++) {
                bufs[i].assertGuards(what + " buffer " + i);
            }
        }

        @Override
        public void close() {
            arena.close();
        }
    }

    /**
     * Checks {@code actual} against {@code expected} element-wise with bound
     * {@code tol(k) * scale[i] + Float.MIN_NORMAL}.
     */
    static void assertClose(String what, float[] expected, float[] actual, double[] scale, int k) {
        double t = tol(k);
        for (int i = 0; i < expected.length; i++) {
            double err = Math.abs((double) actual[i] - expected[i]);
            double bound = t * scale[i] + Float.MIN_NORMAL;
            if (!(err <= bound)) {
                fail(String.format("%s[%d]: simd %s, scalar %s, |diff| %.3e > bound %.3e (scale %.3e, k %d)",
                        what, i, actual[i], expected[i], err, bound, scale[i], k));
            }
        }
    }

    /** Checks one scalar result. */
    static void assertClose(String what, double expected, double actual, double scale, int k) {
        double err = Math.abs(actual - expected);
        double bound = tol(k) * scale + Float.MIN_NORMAL;
        if (!(err <= bound)) {
            fail(String.format("%s: simd %s, scalar %s, |diff| %.3e > bound %.3e (scale %.3e, k %d)",
                    what, actual, expected, err, bound, scale, k));
        }
    }

    /** Fails unless the two arrays are bit-for-bit equal (inputs a kernel must not modify). */
    static void assertUnchanged(String what, float[] before, float[] after) {
        for (int i = 0; i < before.length; i++) {
            if (Float.floatToRawIntBits(before[i]) != Float.floatToRawIntBits(after[i])) {
                fail(what + "[" + i + "] changed from " + before[i] + " to " + after[i]);
            }
        }
    }

    /**
     * Fails unless every element whose index modulo {@code ld} is at least {@code used} is bit-for-bit
     * unchanged: the padding of a matrix with leading dimension ld is not the kernel's to write.
     */
    static void assertPaddingUnchanged(String what, float[] before, float[] after, int ld, int used) {
        for (int i = 0; i < before.length; i++) {
            if (i % ld >= used && Float.floatToRawIntBits(before[i]) != Float.floatToRawIntBits(after[i])) {
                fail(what + ": padding element " + i + " (ld " + ld + ", used " + used + ") was written");
            }
        }
    }

    static float[] uniform(SplittableRandom rnd, int n, double lo, double hi) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (lo + (hi - lo) * rnd.nextDouble());
        }
        return a;
    }

    /** A random probability vector (a softmax of uniform logits in [-3, 3]). */
    static float[] weighting(SplittableRandom rnd, int n) {
        return weighting(rnd, n, 3);
    }

    /** A random probability vector, the softmax of uniform logits in [-spread, spread]. */
    static float[] weighting(SplittableRandom rnd, int n, double spread) {
        double[] e = new double[n];
        double s = 0;
        for (int i = 0; i < n; i++) {
            e[i] = Math.exp(spread * (2 * rnd.nextDouble() - 1));
            s += e[i];
        }
        float[] w = new float[n];
        for (int i = 0; i < n; i++) {
            w[i] = (float) (e[i] / s);
        }
        return w;
    }

    static double[] abs(float[] a) {
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = Math.abs(a[i]);
        }
        return r;
    }

    static float[] absf(float[] a) {
        float[] r = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = Math.abs(a[i]);
        }
        return r;
    }

    static double[] toDouble(float[] a) {
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = a[i];
        }
        return r;
    }

    static double sumAbs(float[] a) {
        double s = 0;
        for (float x : a) {
            s += Math.abs(x);
        }
        return s;
    }

    static String ctx(Kernels k, String kernel, Object... dims) {
        return kernel + " " + k.vectorBits() + "-bit " + Arrays.toString(dims);
    }
}
