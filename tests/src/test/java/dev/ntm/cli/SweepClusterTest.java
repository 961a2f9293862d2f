package dev.ntm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import dev.ntm.sweep.ChildJvmRunner;
import dev.ntm.sweep.JobResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The acceptance test: a sweep on three member JVMs on this machine, one of them killed
 * with SIGKILL while it runs a job that has written a checkpoint, ends with every job's result,
 * bit for bit the same as the same sweep run on one member; the dead member's training child
 * does not outlive it; and the sweep run again skips every job.
 */
class SweepClusterTest {

    /** Six copy runs kept tiny (a small machine, few sequences) so that the whole test stays short on a busy box. */
    private static final List<String> GRID = List.of("--task", "copy", "--seeds", "1..6",
            "--set", "max-sequences=30", "--set", "eval-every=10", "--set", "eval-size=5", "--set", "checkpoint-every=10",
            "--set", "memory=16x4", "--set", "hidden=16", "--set", "max-length=3");

    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void stopMembers() {
        started.forEach(Process::destroyForcibly);
    }

    @Test
    void aMemberKilledMidSweepChangesNoResult(@TempDir Path dir) throws Exception {
        // the reference: one member (this JVM), two jobs at a time
        List<String> one = new ArrayList<>(List.of("sweep"));
        one.addAll(GRID);
        one.addAll(List.of("--out", dir.resolve("one").toString(), "--jobs", "2", "--port", Integer.toString(freePort())));
        CliRun reference = CliRun.of(one.toArray(String[]::new));
        assertEquals(0, reference.status(), reference.out() + reference.err());
        Map<String, String> expected = outcomes(dir.resolve("one"));
        assertEquals(6, expected.size(), reference.out());

        // three members: the sweep's own (one slot) and two workers, one of which keeps its runs apart
        String cluster = "ntm-test-" + ProcessHandle.current().pid();
        int port = freePort();
        Path out = dir.resolve("three");
        List<String> sweep = new ArrayList<>(List.of("sweep"));
        sweep.addAll(GRID);
        sweep.addAll(List.of("--out", out.toString(), "--jobs", "1", "--port", Integer.toString(port),
                "--cluster", cluster, "--wait-for", "3"));
        Process driver = start(dir.resolve("sweep.log"), sweep);
        String join = "127.0.0.1:" + port;
        Process victim = start(dir.resolve("worker1.log"), List.of("worker", "--join", join, "--cluster", cluster,
                "--jobs", "1", "--port", Integer.toString(freePort())));
        Process other = start(dir.resolve("worker2.log"), List.of("worker", "--join", join, "--cluster", cluster,
                "--jobs", "1", "--port", Integer.toString(freePort()), "--runs", dir.resolve("private").toString()));

        // kill -9 the first worker once a job of its has written a checkpoint and not yet finished
        ProcessHandle child = awaitCheckpointedJob(out.resolve("runs"), victim, driver, dir);
        victim.destroyForcibly();   // SIGKILL
        assertTrue(victim.waitFor(30, TimeUnit.SECONDS));
        assertTrue(child.onExit().completeOnTimeout(null, 30, TimeUnit.SECONDS).get() != null || !child.isAlive(),
                "the killed member's training JVM outlived it");

        assertTrue(driver.waitFor(300, TimeUnit.SECONDS), "the sweep did not end:\n" + read(dir.resolve("sweep.log")));
        String log = read(dir.resolve("sweep.log"));
        assertEquals(0, driver.exitValue(), log);
        assertTrue(log.contains("queued again"), "no job was run again:\n" + log);
        assertEquals(expected, outcomes(out), log);
        assertTrue(other.isAlive(), "the other worker should still be up");

        // started again, the sweep finds every result and runs nothing
        List<String> again = new ArrayList<>(List.of("sweep"));
        again.addAll(GRID);
        again.addAll(List.of("--out", out.toString(), "--jobs", "1", "--port", Integer.toString(freePort())));
        CliRun rerun = CliRun.of(again.toArray(String[]::new));
        assertEquals(0, rerun.status(), rerun.out() + rerun.err());
        assertTrue(rerun.out().contains("6 done before"), rerun.out());
        assertEquals(expected, outcomes(out));
    }

    /** The runs' outcomes (the fields the seed fixes: sequences, solved, bit errors, parameters' SHA-256), by job. */
    private static Map<String, String> outcomes(Path sweepDir) throws IOException {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> files = Files.list(sweepDir.resolve("results"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".json")).toList()) {
                JobResult r = JobResult.fromJson(Files.readString(f));
                assertTrue(r.finished(), r.toJson());
                assertFalse(r.parametersSha256().isEmpty(), r.toJson());
                m.put(r.id(), r.outcome());
            }
        }
        return m;
    }

    /**
     * Waits for a run folder whose training JVM is a child of {@code member} and that holds a
     * checkpoint but no summary yet; returns that training JVM.
     */
    private static ProcessHandle awaitCheckpointedJob(Path runs, Process member, Process driver, Path dir) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
        while (System.nanoTime() < deadline) {
            assertTrue(driver.isAlive(), "the sweep ended before a worker had a checkpointed job:\n" + read(dir.resolve("sweep.log")));
            if (Files.isDirectory(runs)) {
                try (Stream<Path> folders = Files.list(runs)) {
                    for (Path f : folders.toList()) {
                        Optional<ProcessHandle> trainer = lockHolder(f);
                        if (trainer.isPresent() && trainer.get().parent().map(ProcessHandle::pid).orElse(-1L) == member.pid()
                                && Files.exists(f.resolve("checkpoint.safetensors"))
                                && !Files.exists(f.resolve(ChildJvmRunner.SUMMARY))) {
                            return trainer.get();
                        }
                    }
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no checkpointed job on the worker in time:\n" + read(dir.resolve("sweep.log")));
    }

    /** The live process whose pid the run folder's lock file names. */
    private static Optional<ProcessHandle> lockHolder(Path runFolder) {
        try {
            String s = Files.readString(runFolder.resolve("run.lock")).trim();
            return s.startsWith("pid ") ? ProcessHandle.of(Long.parseLong(s.substring(4))).filter(ProcessHandle::isAlive)
                    : Optional.empty();
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private Process start(Path log, List<String> args) throws IOException {
        List<String> cmd = ChildJvmRunner.javaCommand(Main.class.getName(), args.toArray(String[]::new));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        started.add(p);
        return p;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static String read(Path f) throws IOException {
        return Files.exists(f) ? Files.readString(f, StandardCharsets.UTF_8) : "";
    }
}
