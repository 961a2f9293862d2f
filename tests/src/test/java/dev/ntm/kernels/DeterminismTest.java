package dev.ntm.kernels;

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
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The same inputs give the same bits whether the JVM interprets or C2-compiles the kernels, so a
 * seed fixes a run and a resumed run continues bit for bit. {@link DeterminismProbe} runs every
 * {@link SimdKernels} method and every {@link VectorMath} function on fixed inputs in a child JVM
 * with {@code -Xint} (the Vector API's Java fallback) and in one with {@code -Xbatch} after
 * {@value #REPS} warm-up runs (C2 and its intrinsics); every hash must agree: interpreted, first
 * run of the compiled JVM (interpreter and C1), and its last run. Tolerance: none, bit for bit.
 *
 * <p>Two checks that the compiled child did run C2 code: its {@code -XX:+PrintCompilation} log
 * shows every kernel call site (one probe lambda each) compiled at level 4, and on x86-64 at least
 * one of the probe's {@code control} items, which use the Vector API's own transcendental
 * operators and {@code reduceLanes(ADD)}, changed bits once compiled (else this test would prove
 * nothing).
 */
class DeterminismTest {

    /** Warm-up runs in the compiled child: enough for every probe lambda to reach C2 (about 5 s). */
    private static final int REPS = 8000;
    private static final Pattern C2_LAMBDA =
            Pattern.compile("\\s4\\s+dev\\.ntm\\.kernels\\.DeterminismProbe\\$Workload\\$\\$Lambda(/0x[0-9a-f]+)?::run");

    @ParameterizedTest
    @ValueSource(ints = {128, 256, 512})
    void interpretedAndCompiledKernelsGiveTheSameBits(int bits) throws Exception {
        List<String> xintOut = probe(bits, 0, "-Xint");
        List<String> c2Out = probe(bits, REPS, "-Xbatch", "-XX:+PrintCompilation");
        LinkedHashMap<String, String> xint = hashes(xintOut);
        LinkedHashMap<String, String> c2 = hashes(c2Out);
        assertEquals(xint.keySet(), c2.keySet());

        int calls = Integer.parseInt(c2Out.stream().filter(l -> l.startsWith("calls ")).findFirst()
                .orElseThrow().substring("calls ".length()));
        Set<String> compiledLambdas = new TreeSet<>();
        for (String line : c2Out) {
            Matcher m = C2_LAMBDA.matcher(line);
            if (m.find() && !line.contains("made not entrant")) {
                compiledLambdas.add(m.group());
            }
        }
        assertTrue(compiledLambdas.size() >= calls, "only " + compiledLambdas.size() + " of " + calls
                + " kernel calls reached C2 in the compiled child: more warm-up runs needed");

        List<String> controlsChanged = new ArrayList<>();
        int checked = 0;
        for (String key : xint.keySet()) {
            if (!key.startsWith("first ")) {
                continue;
            }
            String item = key.substring("first ".length());
            String interpreted = xint.get(key);
            String compiledLast = c2.get("last " + item);
            if (item.startsWith("control ")) {
                if (!interpreted.equals(compiledLast)) {
                    controlsChanged.add(item);
                }
                continue;
            }
            assertEquals(interpreted, c2.get(key), bits + " bits, " + item + ": -Xint vs first run of the C2 JVM");
            assertEquals(interpreted, compiledLast, bits + " bits, " + item + ": -Xint vs C2-compiled");
            checked++;
        }
        assertTrue(checked >= calls + 6, "items checked: " + checked);
        if (isX86()) {
            assertFalse(controlsChanged.isEmpty(),
                    "no Vector API control changed once compiled: the C2 child did not run intrinsics");
        }
        System.out.println("DeterminismTest " + bits + " bits: " + checked + " items equal; Vector API operators "
                + "that changed bits once compiled (the kernels do not use them): " + controlsChanged);
    }

    private static boolean isX86() {
        String arch = System.getProperty("os.arch");
        return arch.equals("amd64") || arch.equals("x86_64");
    }

    /** "first|last item" -> hash, from the probe's output. */
    private static LinkedHashMap<String, String> hashes(List<String> out) {
        LinkedHashMap<String, String> hashes = new LinkedHashMap<>();
        for (String line : out) {
            if (line.startsWith("first ") || line.startsWith("last ")) {
                int cut = line.lastIndexOf(' ');
                hashes.put(line.substring(0, cut), line.substring(cut + 1));
            }
        }
        assertFalse(hashes.isEmpty(), "the probe printed no hashes");
        return hashes;
    }

    /** Runs the probe; returns its stdout lines. */
    private static List<String> probe(int bits, int reps, String... jvmArgs) throws IOException, InterruptedException {
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
            assertTrue(p.waitFor(5, TimeUnit.MINUTES), "probe JVM did not finish: " + cmd);
            assertEquals(0, p.exitValue(), "probe JVM failed: " + cmd + "\n" + Files.readString(err));
            return out.lines().toList();
        } finally {
            Files.deleteIfExists(err);
        }
    }
}
