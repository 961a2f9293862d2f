package dev.ntm.kernels;

import java.lang.management.ManagementFactory;
import java.lang.reflect.InvocationTargetException;
import java.util.Locale;
import java.util.function.Consumer;

import com.sun.management.HotSpotDiagnosticMXBean;

/**
 * Chooses the {@link Kernels} implementation once per JVM.
 *
 * <p>SIMD ({@link SimdKernels} at the CPU's preferred vector size) when the
 * {@code jdk.incubator.vector} module is readable and the C2 compiler is on (the Vector API is only
 * fast once C2 intrinsifies it; interpreted or C1-compiled it is slower than plain loops). Otherwise
 * the scalar reference, with one warning line on stderr. The SIMD class is loaded only after these
 * checks pass, so a JVM started without the module never touches the Vector API.
 *
 * <p>Overrides: {@code -Dntm.kernels=scalar|simd} forces an implementation ({@code simd} still
 * needs the module, but not C2), and {@code -Dntm.kernels.bits=128|256|512} picks the SIMD vector
 * size (at most the CPU's preferred size). Any other value is an {@link IllegalArgumentException}
 * from {@link #get()}.
 */
public final class KernelProvider {

    /** System property forcing the implementation: {@code scalar} or {@code simd}. */
    public static final String IMPL_PROPERTY = "ntm.kernels";
    /** System property choosing the SIMD vector size in bits: 128, 256 or 512. */
    public static final String BITS_PROPERTY = "ntm.kernels.bits";

    private static final String VECTOR_MODULE = "jdk.incubator.vector";
    private static final String SIMD_CLASS = "dev.ntm.kernels.SimdKernels";

    private static volatile Kernels chosen;

    private KernelProvider() {
    }

    /**
     * The kernels chosen for this JVM (decided on the first call, then cached).
     *
     * @throws IllegalArgumentException if {@value #IMPL_PROPERTY} or {@value #BITS_PROPERTY} has a
     *         bad value, or {@code simd} is forced without the vector module
     */
    public static Kernels get() {
        Kernels k = chosen;
        if (k == null) {
            synchronized (KernelProvider.class) {
                k = chosen;
                if (k == null) {
                    k = choose(System.getProperty(IMPL_PROPERTY), System.getProperty(BITS_PROPERTY),
                            Environment.detect(), System.err::println);
                    chosen = k;
                }
            }
        }
        return k;
    }

    /** The plain-loop scalar reference. */
    public static Kernels scalar() {
        return ScalarKernels.INSTANCE;
    }

    /**
     * What the choice depends on.
     *
     * @param vectorModule whether {@code jdk.incubator.vector} is in the boot layer and readable
     * @param compilerProblem why C2 will not compile the kernels, or null when it will
     * @param preferredBits the CPU's preferred float vector size (0 when the module is missing)
     */
    record Environment(boolean vectorModule, String compilerProblem, int preferredBits) {

        static Environment detect() {
            boolean module = ModuleLayer.boot().findModule(VECTOR_MODULE)
                    .map(KernelProvider.class.getModule()::canRead)
                    .orElse(false);
            return new Environment(module, detectCompilerProblem(), module ? simdPreferredBits() : 0);
        }
    }

    /**
     * The decision itself, for given property values (null when unset).
     *
     * @param warn receives the single warning line when SIMD is unavailable
     */
    static Kernels choose(String impl, String bits, Environment env, Consumer<String> warn) {
        String mode = impl == null ? "auto" : impl.trim().toLowerCase(Locale.ROOT);
        if (!mode.equals("auto") && !mode.equals("scalar") && !mode.equals("simd")) {
            throw new IllegalArgumentException("-D" + IMPL_PROPERTY + " must be 'scalar' or 'simd' "
                    + "(or unset to choose automatically), got '" + impl + "'");
        }
        int requestedBits = parseBits(bits);
        if (mode.equals("scalar")) {
            return ScalarKernels.INSTANCE;
        }
        if (!env.vectorModule()) {
            String why = "module " + VECTOR_MODULE + " is not available; start the JVM with "
                    + "--add-modules=" + VECTOR_MODULE + " for the SIMD kernels";
            if (mode.equals("simd")) {
                throw new IllegalArgumentException("-D" + IMPL_PROPERTY + "=simd, but " + why);
            }
            warn.accept("ntm: using the scalar kernels: " + why);
            return ScalarKernels.INSTANCE;
        }
        if (env.preferredBits() < 128) {
            String why = "this CPU's float vectors are " + env.preferredBits() + " bits (the SIMD kernels need 128 or more)";
            if (mode.equals("simd")) {
                throw new IllegalArgumentException("-D" + IMPL_PROPERTY + "=simd, but " + why);
            }
            warn.accept("ntm: using the scalar kernels: " + why);
            return ScalarKernels.INSTANCE;
        }
        if (mode.equals("auto") && env.compilerProblem() != null) {
            warn.accept("ntm: using the scalar kernels: " + env.compilerProblem()
                    + " (the Vector API is slow without C2; -D" + IMPL_PROPERTY + "=simd forces it)");
            return ScalarKernels.INSTANCE;
        }
        if (requestedBits > env.preferredBits()) {
            throw new IllegalArgumentException("-D" + BITS_PROPERTY + "=" + requestedBits
                    + " is wider than this CPU's float vectors (" + env.preferredBits() + " bits)");
        }
        return loadSimd(requestedBits > 0 ? requestedBits : env.preferredBits());
    }

    /** 0 when unset, else 128, 256 or 512. */
    private static int parseBits(String bits) {
        if (bits == null) {
            return 0;
        }
        String b = bits.trim();
        if (!b.equals("128") && !b.equals("256") && !b.equals("512")) {
            throw new IllegalArgumentException("-D" + BITS_PROPERTY + " must be 128, 256 or 512, got '" + bits + "'");
        }
        return Integer.parseInt(b);
    }

    /**
     * Why C2 will not compile the kernels, or null when it will (or when it cannot be told). As
     * Lucene does: an interpreter-only or client VM, {@code -XX:-UseCompiler}, or tiered compilation
     * stopped below level 4.
     */
    private static String detectCompilerProblem() {
        String info = System.getProperty("java.vm.info", "");
        if (info.contains("interpreted mode")) {
            return "the JVM runs interpreted (-Xint)";
        }
        String option = compilerOptionProblem();
        if (option != null) {
            return option;
        }
        if (info.contains("emulated-client")) {
            return "the JVM has no C2 compiler (client VM)";
        }
        return null;
    }

    /** The HotSpot options that turn C2 off, read through the diagnostic bean when there is one. */
    private static String compilerOptionProblem() {
        if (ModuleLayer.boot().findModule("jdk.management").isEmpty()) {
            return null;
        }
        try {
            HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            if (vm == null) {
                return null;
            }
            if ("false".equals(vm.getVMOption("UseCompiler").getValue())) {
                return "the JIT compiler is off (-XX:-UseCompiler)";
            }
            if ("true".equals(vm.getVMOption("TieredCompilation").getValue())) {
                int level = Integer.parseInt(vm.getVMOption("TieredStopAtLevel").getValue());
                if (level < 4) {
                    return "C2 is off (-XX:TieredStopAtLevel=" + level + ")";
                }
            }
        } catch (RuntimeException | LinkageError e) {
            // Not HotSpot, or no such option: nothing here says C2 is off.
        }
        return null;
    }

    private static int simdPreferredBits() {
        return (Integer) callSimd("preferredBits", new Class<?>[0]);
    }

    private static Kernels loadSimd(int bits) {
        return (Kernels) callSimd("create", new Class<?>[] {int.class}, bits);
    }

    /** Calls a static method of the SIMD class by reflection, so nothing links it before the checks. */
    private static Object callSimd(String method, Class<?>[] types, Object... args) {
        try {
            return Class.forName(SIMD_CLASS).getMethod(method, types).invoke(null, args);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException("cannot start the SIMD kernels", e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot load the SIMD kernels (" + SIMD_CLASS + ")", e);
        }
    }
}
