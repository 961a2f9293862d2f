package dev.ntm.bench;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import dev.ntm.kernels.Buffers;
import dev.ntm.kernels.Kernels;
import dev.ntm.kernels.ScalarKernels;
import dev.ntm.kernels.SimdKernels;

/**
 * What the kernel benchmarks share: the fork flags, the implementation switch, test data.
 *
 * <p>Defaults: 3 forks (a kernel's speed can differ between JVM forks), 5 warm-up iterations of
 * 500 ms (on a busy 2-core machine C2 took more than a second to compile some SIMD kernels, and
 * shorter warm-ups measured them interpreted), 5 measured iterations of 500 ms.
 */
final class BenchSupport {

    /**
     * JVM flags of every benchmark fork (the same as {@code ntm.jvm.flags} in the parent pom; an
     * annotation needs them as constants). Add flags on the command line with
     * {@code -jvmArgsPrepend}: {@code -jvmArgsAppend} would replace these.
     */
    static final String ADD_VECTOR_MODULE = "--add-modules=jdk.incubator.vector";
    static final String NATIVE_ACCESS = "--enable-native-access=ALL-UNNAMED";

    private BenchSupport() {
    }

    /**
     * The kernels for a {@code @Param} value: {@code scalar}, or {@code simd} at the CPU's preferred
     * vector size. Each parameter value runs in its own forks, so only one implementation (and one
     * SIMD vector size) is ever loaded in a fork, as in production.
     */
    static Kernels kernels(String impl) {
        return switch (impl) {
            case "scalar" -> ScalarKernels.INSTANCE;
            case "simd" -> SimdKernels.preferred();
            default -> throw new IllegalArgumentException("impl must be scalar or simd, got " + impl);
        };
    }

    /** Fills n floats from off with uniform values in [lo, hi). */
    static void fill(MemorySegment s, long off, int n, SplittableRandom r, double lo, double hi) {
        for (int i = 0; i < n; i++) {
            Buffers.set(s, off + i, (float) (lo + (hi - lo) * r.nextDouble()));
        }
    }

    /** Fills n floats with a random probability vector (softmax of logits in [-3, 3]). */
    static void fillWeighting(MemorySegment s, long off, int n, SplittableRandom r) {
        double[] e = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            e[i] = Math.exp(-3 + 6 * r.nextDouble());
            sum += e[i];
        }
        for (int i = 0; i < n; i++) {
            Buffers.set(s, off + i, (float) (e[i] / sum));
        }
    }

    /** Parses a shape such as {@code 128x20} into {n, m}. */
    static int[] shape(String s) {
        String[] p = s.split("x");
        if (p.length != 2) {
            throw new IllegalArgumentException("shape must look like 128x20, got " + s);
        }
        return new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[1])};
    }
}
