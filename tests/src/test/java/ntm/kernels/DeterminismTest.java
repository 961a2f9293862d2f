package ntm.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The same seed gives the same bits whether the JVM interprets or C2-compiles the vector code:
 * {@link DeterminismProbe} runs a fixed workload in a child JVM with {@code -Xint} (the Vector API's
 * Java fallback) and in one with {@code -XX:-TieredCompilation -Xbatch} after a warm-up (C2
 * intrinsics), and every hash must agree: interpreted, first compiled-JVM run, last compiled-JVM run.
 * Tolerance: none, bit for bit.
 *
 * <p>The probe's {@code control} items use the Vector API's own transcendental operators and
 * {@code reduceLanes(ADD)}: on x86-64 at least one of them must change once compiled, which shows the
 * compiled child really ran intrinsified code (else this test would prove nothing).
 */
class DeterminismTest {

    /** Warm-up runs in the compiled child: enough for every workload method to reach C2. */
    private static final int REPS = 300;

    @ParameterizedTest
    @ValueSource(ints = {128, 256, 512})
    void interpretedAndCompiledGiveTheSameBits(int bits) throws Exception {
        Map<String, String> xint = probe(bits, 0, "-Xint");
        Map<String, String> c2 = probe(bits, REPS, "-XX:-TieredCompilation", "-Xbatch");
        assertEquals(xint.keySet(), c2.keySet());
        List<String> controlsChanged = new ArrayList<>();
        for (String key : xint.keySet()) {
            if (!key.startsWith("first ")) {
                continue;
            }
            String item = key.substring("first ".length());
            String interpreted = xint.get(key);
            String compiledFirst = c2.get(key);
            String compiledLast = c2.get("last " + item);
            if (item.startsWith("control ")) {
                if (!interpreted.equals(compiledLast)) {
                    controlsChanged.add(item);
                }
                continue;
            }
            assertEquals(interpreted, compiledFirst, bits + " bits, " + item + ": -Xint vs first run of the C2 JVM");
            assertEquals(interpreted, compiledLast, bits + " bits, " + item + ": -Xint vs C2-compiled");
        }
        if (isX86()) {
            assertFalse(controlsChanged.isEmpty(),
                    "no Vector API control changed once compiled: the C2 child did not run intrinsics");
        }
        System.out.println("DeterminismTest " + bits + " bits: Vector API operators that changed bits once "
                + "compiled (not used by the kernels): " + controlsChanged);
    }

    private static boolean isX86() {
        String arch = System.getProperty("os.arch");
        return arch.equals("amd64") || arch.equals("x86_64");
    }

    /** Runs the probe; returns "first|last item" -> hash. */
    private static Map<String, String> probe(int bits, int reps, String... jvmArgs)
            throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElseThrow();
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.add("--add-modules=jdk.incubator.vector");
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.addAll(List.of(jvmArgs));
        cmd.add("-Dntm.probe.bits=" + bits);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(DeterminismProbe.class.getName());
        cmd.add(Integer.toString(reps));
        Path err = Files.createTempFile("ntm-determinism", ".err");
        try {
            Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "probe JVM did not finish: " + cmd);
            assertEquals(0, p.exitValue(), "probe JVM failed: " + cmd + "\n" + Files.readString(err));
            Map<String, String> hashes = new LinkedHashMap<>();
            for (String line : out.lines().toList()) {
                int cut = line.lastIndexOf(' ');
                hashes.put(line.substring(0, cut), line.substring(cut + 1));
            }
            assertFalse(hashes.isEmpty(), "probe printed nothing: " + cmd);
            return hashes;
        } finally {
            Files.deleteIfExists(err);
        }
    }
}
