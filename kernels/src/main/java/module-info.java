/**
 * The numeric kernels of ntm: one {@link dev.ntm.kernels.Kernels} interface over off-heap
 * {@link java.lang.foreign.MemorySegment}s, a plain-loop scalar reference and a Vector API
 * implementation, chosen once per JVM by {@link dev.ntm.kernels.KernelProvider}.
 *
 * <p>The Vector API module is optional ({@code requires static}): a JVM started without
 * {@code --add-modules=jdk.incubator.vector} gets the scalar kernels and one warning line.
 */
module dev.ntm.kernels {
    requires static jdk.incubator.vector;
    // HotSpotDiagnosticMXBean: whether C2 is on, which decides SIMD or scalar
    requires java.management;
    requires jdk.management;

    exports dev.ntm.kernels;
}
