package dev.ntm.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * The provider's choice: the decision function over every branch, and {@link KernelProvider#get()}
 * end to end in child JVMs started with and without the vector module, with C2 off, and with
 * good and bad overrides.
 */
class KernelProviderTest {

    private static final KernelProvider.Environment FULL = new KernelProvider.Environment(true, null, 512);
    private static final KernelProvider.Environment NO_MODULE = new KernelProvider.Environment(false, null, 0);
    private static final KernelProvider.Environment NO_C2 =
            new KernelProvider.Environment(true, "C2 is off (-XX:TieredStopAtLevel=1)", 512);

    private final List<String> warnings = new ArrayList<>();

    private Kernels choose(String impl, String bits, KernelProvider.Environment env) {
        return KernelProvider.choose(impl, bits, env, warnings::add);
    }

    @Test
    void automaticChoiceIsSimdAtThePreferredSize() {
        Kernels k = choose(null, null, FULL);
        assertInstanceOf(SimdKernels.class, k);
        assertEquals(512, k.vectorBits());
        assertEquals(List.of(), warnings);
        Kernels narrower = choose(null, null, new KernelProvider.Environment(true, null, 256));
        assertEquals(256, narrower.vectorBits());
    }

    @Test
    void overridesSelectImplementationAndWidth() {
        assertSame(ScalarKernels.INSTANCE, choose("scalar", null, FULL));
        assertSame(ScalarKernels.INSTANCE, choose(" Scalar ", "256", FULL));
        for (int bits : new int[] {128, 256, 512}) {
            Kernels k = choose("simd", Integer.toString(bits), FULL);
            assertEquals("simd", k.name());
            assertEquals(bits, k.vectorBits());
        }
        assertEquals(128, choose(null, "128", FULL).vectorBits());
        // Forcing simd works without C2 (slowly), and says nothing.
        assertEquals("simd", choose("simd", null, NO_C2).name());
        assertEquals(List.of(), warnings);
    }

    @Test
    void fallsBackToScalarWithOneWarning() {
        assertSame(ScalarKernels.INSTANCE, choose(null, null, NO_MODULE));
        assertEquals(1, warnings.size());
        assertTrue(warnings.get(0).contains("--add-modules=jdk.incubator.vector"), warnings.get(0));

        warnings.clear();
        assertSame(ScalarKernels.INSTANCE, choose(null, null, NO_C2));
        assertEquals(1, warnings.size());
        assertTrue(warnings.get(0).contains("TieredStopAtLevel=1"), warnings.get(0));

        warnings.clear();
        assertSame(ScalarKernels.INSTANCE, choose(null, null, new KernelProvider.Environment(true, null, 64)));
        assertEquals(1, warnings.size());
    }

    @Test
    void badValuesAreRejectedWithTheirName() {
        for (String bad : new String[] {"fast", "", "SIMD2", "vector"}) {
            var e = assertThrows(IllegalArgumentException.class, () -> choose(bad, null, FULL));
            assertTrue(e.getMessage().contains("-Dntm.kernels must be 'scalar' or 'simd'"), e.getMessage());
            assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
        for (String bad : new String[] {"100", "64", "1024", "abc", "", "256 bits"}) {
            var e = assertThrows(IllegalArgumentException.class, () -> choose("simd", bad, FULL));
            assertTrue(e.getMessage().contains("-Dntm.kernels.bits must be 128, 256 or 512"), e.getMessage());
            // also rejected when it would not be used
            assertThrows(IllegalArgumentException.class, () -> choose("scalar", bad, FULL));
        }
        var wide = assertThrows(IllegalArgumentException.class,
                () -> choose(null, "512", new KernelProvider.Environment(true, null, 256)));
        assertTrue(wide.getMessage().contains("wider than this CPU's float vectors (256 bits)"), wide.getMessage());
        var noModule = assertThrows(IllegalArgumentException.class, () -> choose("simd", null, NO_MODULE));
        assertTrue(noModule.getMessage().contains("--add-modules=jdk.incubator.vector"), noModule.getMessage());
        assertEquals(List.of(), warnings);
    }

    @Test
    void thisJvmGetsWhatTheDecisionSays() {
        Kernels expected = KernelProvider.choose(System.getProperty(KernelProvider.IMPL_PROPERTY),
                System.getProperty(KernelProvider.BITS_PROPERTY), KernelProvider.Environment.detect(), w -> { });
        Kernels got = KernelProvider.get();
        assertSame(got, KernelProvider.get());
        assertEquals(expected.name(), got.name());
        assertEquals(expected.vectorBits(), got.vectorBits());
    }

    // ---------------------------------------------------------------- child JVMs

    /** Output of the probe: stdout, stderr without the JVM's incubator notice, exit status. */
    private record Probe(String out, List<String> err, int status) {
    }

    private static Probe probe(String... jvmArgs) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElseThrow();
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(List.of(jvmArgs));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(ProviderProbe.class.getName());
        Process p = new ProcessBuilder(cmd).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "probe JVM did not finish");
        List<String> errLines = err.lines().filter(l -> !l.startsWith("WARNING: Using incubator modules")).toList();
        return new Probe(out, errLines, p.exitValue());
    }

    @Test
    void childJvmWithoutTheVectorModuleRunsScalarWithOneWarning() throws Exception {
        Probe p = probe();
        assertEquals("scalar 32", p.out(), p.err().toString());
        assertEquals(1, p.err().size(), p.err().toString());
        assertTrue(p.err().get(0).contains("jdk.incubator.vector"), p.err().get(0));
        assertEquals(0, p.status());
    }

    @Test
    void childJvmWithModuleAndC2RunsSimd() throws Exception {
        Probe p = probe("--add-modules=jdk.incubator.vector");
        assertTrue(p.out().startsWith("simd "), p.out() + " " + p.err());
        assertEquals(List.of(), p.err());

        Probe narrow = probe("--add-modules=jdk.incubator.vector", "-Dntm.kernels.bits=128");
        assertEquals("simd 128", narrow.out(), narrow.err().toString());
    }

    @Test
    void childJvmWithoutC2RunsScalarUnlessForced() throws Exception {
        Probe p = probe("--add-modules=jdk.incubator.vector", "-XX:TieredStopAtLevel=1");
        assertEquals("scalar 32", p.out(), p.err().toString());
        assertEquals(1, p.err().size(), p.err().toString());
        assertTrue(p.err().get(0).contains("TieredStopAtLevel=1"), p.err().get(0));

        Probe forced = probe("--add-modules=jdk.incubator.vector", "-XX:TieredStopAtLevel=1", "-Dntm.kernels=simd");
        assertTrue(forced.out().startsWith("simd "), forced.out());
    }

    @Test
    void childJvmRejectsBadProperties() throws Exception {
        Probe p = probe("--add-modules=jdk.incubator.vector", "-Dntm.kernels=turbo");
        assertEquals(2, p.status());
        assertTrue(p.out().contains("-Dntm.kernels must be 'scalar' or 'simd'"), p.out());

        Probe bits = probe("--add-modules=jdk.incubator.vector", "-Dntm.kernels.bits=300");
        assertEquals(2, bits.status());
        assertTrue(bits.out().contains("-Dntm.kernels.bits must be 128, 256 or 512, got '300'"), bits.out());

        Probe noModule = probe("-Dntm.kernels=simd");
        assertEquals(2, noModule.status());
        assertTrue(noModule.out().contains("--add-modules=jdk.incubator.vector"), noModule.out());
    }
}
