package dev.ntm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;


import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ntm stat} reads the counters of a service running in another process (a child JVM running
 * {@link ServeProbe}): the writer's pid, "running", a step count that grows between two reads, and
 * after the service closes its runner, "closed" with the final values. Bad files get a clear error.
 */
class StatCommandTest {

    private static final Pattern STEPS = Pattern.compile("^\\s*([\\d,]+)  runner 0: steps$", Pattern.MULTILINE);

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    private static long steps(CliRun r) {
        Matcher m = STEPS.matcher(r.out());
        assertTrue(m.find(), "no step counter in\n" + r.out());
        return Long.parseLong(m.group(1).replace(",", ""));
    }

    @Test
    void readsTheCountersOfAServiceInAnotherProcess(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("serve.counters");
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElseThrow());
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(ServeProbe.class.getName());
        cmd.add(file.toString());
        Path err = dir.resolve("probe.err");
        Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
        try {
            BufferedReader lines = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("ready", lines.readLine(), () -> "probe failed: " + readQuietly(err));

            CliRun first = run("stat", file.toString());
            assertEquals(0, first.status(), first.err());
            assertTrue(first.out().contains(": pid " + p.pid() + ", started "), first.out());
            assertTrue(first.out().lines().findFirst().orElseThrow().endsWith(", running"), first.out());
            for (String label : new String[] {"runner 0: batches", "runner 0: batches of size 1",
                    "runner 0: queue depth (step requests waiting)", "runner 0: requests rejected, queue full",
                    "runner 0: sessions evicted, idle", "sessions refused, limit of 1024 reached"}) {
                assertTrue(first.out().contains("  " + label + "\n"), "missing " + label + " in\n" + first.out());
            }
            assertTrue(first.out().contains("      4  runner 0: sessions open"), first.out());
            assertTrue(first.out().contains(" ms ago  runner 0: heartbeat"), first.out());
            long before = steps(first);
            assertTrue(before >= 4, first.out());

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            long after = before;
            while (after == before && System.nanoTime() < deadline) {
                Thread.sleep(50);
                after = steps(run("stat", file.toString()));
            }
            assertTrue(after > before, "the step count should grow while the service runs: " + before);

            p.getOutputStream().close();     // the probe closes its runner and exits
            assertEquals("closed", lines.readLine(), () -> "probe failed: " + readQuietly(err));
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the probe did not exit");
            assertEquals(0, p.exitValue(), () -> readQuietly(err));
            CliRun last = run("stat", file.toString());
            assertEquals(0, last.status(), last.err());
            assertTrue(last.out().lines().findFirst().orElseThrow().endsWith(", closed (final values)"), last.out());
            assertTrue(steps(last) >= after, last.out());
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void missingOrForeignFilesAreRefusedClearly(@TempDir Path dir) throws Exception {
        CliRun missing = run("stat", dir.resolve("nothing.counters").toString());
        assertEquals(3, missing.status(), "a missing input file exits 3");
        assertEquals("ntm stat: " + dir.resolve("nothing.counters") + ": no such counters file\n", missing.err());

        Path foreign = dir.resolve("foreign.counters");
        Files.write(foreign, new byte[4096]);
        CliRun notOurs = run("stat", foreign.toString());
        assertEquals(3, notOurs.status(), "a file that is not a counters file exits 3");
        assertEquals("ntm stat: " + foreign + " is not an ntm counters file (magic 0x0, expected 0x4e544d43)\n",
                notOurs.err());

        CliRun badWatch = run("stat", foreign.toString(), "--count", "2");
        assertEquals(2, badWatch.status());
        assertEquals("ntm stat: --count needs --watch and N >= 1, got 2\n", badWatch.err());
    }

    private static String readQuietly(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            return "(no stderr: " + e.getMessage() + ")";
        }
    }
}
