package dev.ntm.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * No kernel allocates once compiled ({@link Kernels}: "No method allocates on the heap").
 *
 * <p>Runs {@link AllocationProbe} in a child JVM started as production JVMs are (vector module,
 * C2, one SIMD species loaded: this test JVM has all three loaded, which keeps the JIT from
 * intrinsifying anything). The probe warms every kernel up, then reads the thread's allocation
 * counter around 2,000 calls of each. Bound: under 1 byte per call on average, i.e. nothing
 * allocated per call (a one-off allocation, say during a recompilation, averages below that).
 * Shapes: the paper's memory (128 x 20), one where every loop has a tail (37 x 7), and a large
 * memory (1024 x 64), where C2's escape analysis has given up on slices that it removes at
 * 128 x 20 (a kernel's slices then allocate). Each with the JDK's per-access vector checks on (a
 * library's default) and off (as {@code ./ntm} runs).
 */
class KernelAllocationTest {

    @ParameterizedTest
    @CsvSource({"128, 20, on", "37, 7, on", "1024, 64, on", "128, 20, off", "37, 7, off", "1024, 64, off"})
    void compiledKernelsDoNotAllocate(int n, int m, String jdkChecks) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElseThrow();
        // "off": as ./ntm runs, without the JDK's per-access vector checks (C2 then compiles the
        // loops differently, and escape analysis may decide differently about slices)
        List<String> cmd = List.of(java, "--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-Djdk.incubator.vector.VECTOR_ACCESS_OOB_CHECK=" + (jdkChecks.equals("off") ? "0" : "2"),
                "-cp", System.getProperty("java.class.path"), AllocationProbe.class.getName(),
                Integer.toString(n), Integer.toString(m));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "probe JVM did not finish");
        assertEquals(0, p.exitValue(), out);
        List<String> allocating = new ArrayList<>();
        Set<String> probed = new TreeSet<>();
        for (String line : out.lines().toList()) {
            String[] f = line.split(" ");
            if (f.length != 2 || line.startsWith("WARNING") || line.startsWith("kernels")) {
                continue;
            }
            probed.add(f[0].replaceFirst("/.*", "")); // "gemv/padded": a second shape of gemv
            if (!(Double.parseDouble(f[1]) < 1.0)) {
                allocating.add(line + " bytes/call");
            }
        }
        assertTrue(out.contains("kernels simd "), "the probe should run the SIMD kernels:\n" + out);
        Set<String> all = new TreeSet<>();
        for (Method k : Kernels.class.getMethods()) { // with those of the interfaces it extends
            if (!Modifier.isStatic(k.getModifiers()) && k.getParameterCount() > 0) {
                all.add(k.getName());
            }
        }
        assertEquals(all, probed, "every Kernels method is probed:\n" + out);
        if (!allocating.isEmpty()) {
            fail("kernels allocating at " + n + " x " + m + ", JDK checks " + jdkChecks + ": " + allocating);
        }
    }
}
