package dev.ntm.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.ntm.engine.io.Checkpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Training runs are never lost or clobbered: a real SIGINT/SIGTERM or kill -9 sent to a child
 * {@code ntm train} JVM leaves a checkpoint from which a resumed run reaches the same bits (every
 * tensor) and the same curve.csv (all but the wall-time column) as a run that never stopped; a
 * curriculum and a stop point between evaluations do not change that; a full disk keeps the last
 * good checkpoint; a run folder is neither overwritten nor shared.
 */
class TrainingRunSafetyTest {

    /** A small copy model: fast enough for thousands of sequences a second. */
    static final List<String> SMALL = List.of("train", "--task", "copy", "--max-length", "3", "--memory", "16x6",
            "--hidden", "16", "--eval-every", "100", "--eval-size", "20", "--threads", "1", "--quiet");

    static CliRun run(List<String> args) {
        return CliRun.of(args.toArray(String[]::new));
    }

    static List<String> with(List<String> base, String... more) {
        List<String> all = new ArrayList<>(base);
        all.addAll(List.of(more));
        return all;
    }

    /** Starts {@code ntm <args>} in a child JVM (the test's class path, the engine's flags) in the log's folder. */
    static Process child(Path log, List<String> jvmFlags, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElseThrow());
        cmd.add("--add-modules=jdk.incubator.vector");
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.addAll(jvmFlags);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.addAll(args);
        return new ProcessBuilder(cmd).directory(log.getParent().toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** Waits (up to two minutes) until {@code file} exists with at least {@code lines} lines. */
    static void awaitLines(Process p, Path file, int lines, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (System.nanoTime() < deadline) {
            if (Files.exists(file) && Files.readAllLines(file).size() >= lines) {
                return;
            }
            assertTrue(p.isAlive(), "the child ended early:\n" + Files.readString(log));
            Thread.sleep(20);
        }
        throw new AssertionError("no " + lines + " lines in " + file + " after two minutes:\n" + Files.readString(log));
    }

    static void signal(Process p, String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).inheritIO().start();
        assertEquals(0, kill.waitFor());
    }

    static long sequencesOf(Path checkpoint) throws IOException {
        return Long.parseLong(Checkpoint.load(checkpoint).meta().get("train.sequences"));
    }

    /** Every tensor bit for bit, and every metadata entry but the wall time. */
    static void assertSameRun(Path expectedDir, Path actualDir) throws IOException {
        Checkpoint.Loaded a = Checkpoint.load(expectedDir.resolve("checkpoint.safetensors"));
        Checkpoint.Loaded b = Checkpoint.load(actualDir.resolve("checkpoint.safetensors"));
        assertArrayEquals(bits(a.params()), bits(b.params()), "parameters");
        assertEquals(a.moments().keySet(), b.moments().keySet());
        for (String m : a.moments().keySet()) {
            assertArrayEquals(bits(a.moments().get(m)), bits(b.moments().get(m)), "moment " + m);
        }
        Map<String, String> ma = new HashMap<>(a.meta());
        Map<String, String> mb = new HashMap<>(b.meta());
        ma.remove("train.elapsed_s");
        mb.remove("train.elapsed_s");
        assertEquals(ma, mb, "training state");
        assertEquals(curveWithoutTime(expectedDir), curveWithoutTime(actualDir), "curve.csv (but elapsed_s)");
    }

    /** curve.csv with the elapsed_s column (wall time, the one column a machine cannot repeat) removed. */
    static List<String> curveWithoutTime(Path dir) throws IOException {
        return Files.readAllLines(dir.resolve("curve.csv")).stream()
                .map(l -> {
                    String[] f = l.split(",", -1);
                    f[1] = "";
                    return String.join(",", f);
                }).toList();
    }

    static int[] bits(float[] p) {
        int[] out = new int[p.length];
        for (int i = 0; i < p.length; i++) {
            out[i] = Float.floatToRawIntBits(p[i]);
        }
        return out;
    }

    /** Resumes {@code dir} to {@code total} sequences and trains a fresh run to the same count in {@code fresh}. */
    static void resumeAndCompare(Path dir, Path fresh, long total, String... extra) throws IOException {
        CliRun resumed = run(with(with(SMALL, extra), "--max-sequences", Long.toString(total), "--out", dir.toString(),
                "--resume", dir.resolve("checkpoint.safetensors").toString()));
        assertEquals(0, resumed.status(), resumed.err());
        CliRun whole = run(with(with(SMALL, extra), "--max-sequences", Long.toString(total), "--out", fresh.toString()));
        assertEquals(0, whole.status(), whole.err());
        assertSameRun(fresh, dir);
    }

    @ParameterizedTest
    @CsvSource({"INT, 130", "TERM, 143"})
    void signalMidRunLeavesAResumableCheckpointAndASummary(String signal, int status, @TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("run");
        Path log = tmp.resolve("log");
        Process p = child(log, List.of(), with(SMALL, "--max-sequences", "100000000", "--checkpoint-seconds", "0",
                "--out", dir.toString()));
        awaitLines(p, dir.resolve("curve.csv"), 3, log);
        signal(p, signal);
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), "the child did not stop");
        String out = Files.readString(log);
        assertEquals(status, p.exitValue(), out);
        assertTrue(out.contains("SIG" + signal + ": stopping after this batch"), out);
        assertTrue(out.contains("stopped after"), "the summary: " + out);
        assertTrue(out.contains("resume with: ntm train --resume"), out);
        long stoppedAt = sequencesOf(dir.resolve("checkpoint.safetensors"));
        assertTrue(stoppedAt >= 200, "stopped at " + stoppedAt);
        resumeAndCompare(dir, tmp.resolve("whole"), stoppedAt + 250);
    }

    @Test
    void killMinus9KeepsTheLastPeriodicCheckpoint(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("run");
        Path log = tmp.resolve("log");
        Process p = child(log, List.of(), with(SMALL, "--max-sequences", "100000000", "--checkpoint-every", "150",
                "--checkpoint-seconds", "0", "--out", dir.toString()));
        awaitLines(p, dir.resolve("curve.csv"), 6, log);
        p.destroyForcibly();
        assertTrue(p.waitFor(1, TimeUnit.MINUTES));
        long at = sequencesOf(dir.resolve("checkpoint.safetensors"));
        assertTrue(at >= 150, "checkpoint at " + at);
        resumeAndCompare(dir, tmp.resolve("whole"), at + 250);
    }

    @Test
    void curriculumAndAStopBetweenEvaluationsResumeExactly(@TempDir Path tmp) throws Exception {
        // the repro, scaled down: stop at 250 (evaluations every 100), resume to 800
        String[] plan = {"--curriculum", "1:1:8"};
        Path dir = tmp.resolve("c");
        CliRun first = run(with(with(SMALL, plan), "--max-sequences", "250", "--out", dir.toString()));
        assertEquals(0, first.status(), first.err());
        assertEquals(4, Files.readAllLines(dir.resolve("curve.csv")).size(), "header, 100, 200 and the stop at 250");
        resumeAndCompare(dir, tmp.resolve("a"), 800, plan);
        List<String> curve = Files.readAllLines(dir.resolve("curve.csv"));
        assertEquals(9, curve.size(), "header and 100..800: the row of the stop at 250 is gone");
        int maxLength = List.of(curve.get(0).split(",")).indexOf("max_length");
        assertTrue(curve.get(1).split(",")[maxLength].equals("1") && curve.get(8).split(",")[maxLength].equals("3"),
                "the curriculum widened: " + curve);
    }

    @Test
    void aRunFolderIsNeitherOverwrittenNorShared(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("run");
        assertEquals(0, run(with(SMALL, "--max-sequences", "100", "--out", dir.toString())).status());
        byte[] checkpoint = Files.readAllBytes(dir.resolve("checkpoint.safetensors"));
        CliRun again = run(with(SMALL, "--max-sequences", "100", "--seed", "2", "--out", dir.toString()));
        assertEquals(2, again.status());
        assertTrue(again.err().contains("already holds a run") && again.err().contains("--overwrite"), again.err());
        assertArrayEquals(checkpoint, Files.readAllBytes(dir.resolve("checkpoint.safetensors")), "left as it was");
        assertTrue(Files.readString(dir.resolve("run.json")).contains("\"--max-sequences\""), "run.json has the command");

        Path log = tmp.resolve("log");
        Process p = child(log, List.of(), with(SMALL, "--max-sequences", "100000000", "--out", dir.toString(),
                "--overwrite"));
        try {
            // the old curve.csv has two lines already: wait for the child's lock, then for its first new row
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            while (!Files.readString(dir.resolve(RunFolder.LOCK)).equals("pid " + p.pid())) {
                assertTrue(p.isAlive() && System.nanoTime() < deadline, Files.readString(log));
                Thread.sleep(20);
            }
            awaitLines(p, dir.resolve("curve.csv"), 3, log);
            CliRun second = run(with(SMALL, "--max-sequences", "100", "--out", dir.toString(), "--overwrite"));
            assertEquals(2, second.status());
            assertTrue(second.err().contains("is in use by another training run (pid " + p.pid() + ")"), second.err());
            assertEquals(1, second.err().lines().count(), second.err());
        } finally {
            p.destroyForcibly();
            p.waitFor();
        }
        List<String> curve = Files.readAllLines(dir.resolve("curve.csv"));
        assertEquals(1, curve.stream().filter(l -> l.startsWith("sequences,")).count(), "one header: " + curve);
    }

    @Test
    void theDefaultFolderNamesOptimiserAndBatch(@TempDir Path tmp) throws Exception {
        Path log = tmp.resolve("log");
        List<String> args = List.of("train", "--task", "copy", "--max-length", "3", "--memory", "16x6", "--hidden", "16",
                "--batch", "2", "--seed", "3", "--threads", "1", "--max-sequences", "4", "--eval-every", "4",
                "--eval-size", "4", "--quiet");
        for (String optimizer : List.of("adam", "rmsprop")) {
            List<String> cmd = with(args, "--optimizer", optimizer);
            Process p = child(log, List.of(), cmd);
            assertEquals(0, p.waitFor(), Files.readString(log));
        }
        for (String name : List.of("copy-adam-b2-seed3", "copy-rmsprop-b2-seed3")) {
            assertTrue(Files.exists(tmp.resolve("runs").resolve(name).resolve("checkpoint.safetensors")), name);
        }
    }

    @Test
    void traceNeverReplacesACheckpoint(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("run");
        assertEquals(0, run(with(SMALL, "--max-sequences", "20", "--out", dir.toString())).status());
        Path ck = dir.resolve("checkpoint.safetensors");
        byte[] before = Files.readAllBytes(ck);
        for (List<String> extra : List.of(List.<String>of(), List.of("--overwrite"))) {
            CliRun r = run(with(with(List.of("trace", "--checkpoint", ck.toString(), "--task", "copy", "--length", "2",
                    "--out", ck.toString()), extra.toArray(String[]::new))));
            assertEquals(2, r.status());
            assertTrue(r.err().contains("is a checkpoint, which this command never replaces"), r.err());
        }
        assertArrayEquals(before, Files.readAllBytes(ck));
        Path other = tmp.resolve("notes.txt");
        Files.writeString(other, "mine");
        CliRun r = run(List.of("trace", "--checkpoint", ck.toString(), "--task", "copy", "--length", "2", "--out",
                other.toString()));
        assertEquals(2, r.status());
        assertTrue(r.err().contains("already exists; pass --overwrite"), r.err());
        assertEquals("mine", Files.readString(other));
    }

    @Test
    void aFullDiskKeepsTheLastGoodCheckpoint(@TempDir Path tmp) throws Exception {
        // a checkpoint of this model takes 53 KB: 96 KB hold one and the small files, not two
        Path mnt = tmp.resolve("disk");
        Files.createDirectories(mnt);
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=96k", "tmpfs", mnt.toString())
                .redirectErrorStream(true).start();
        assumeTrue(mount.waitFor() == 0, "needs a small tmpfs (mount as root)");
        try {
            Path dir = mnt.resolve("run");
            CliRun r = run(with(SMALL, "--max-sequences", "400", "--checkpoint-every", "100", "--checkpoint-seconds", "0",
                    "--out", dir.toString()));
            long size = Files.size(dir.resolve("checkpoint.safetensors"));
            assumeTrue(size > 45_000, "the checkpoint is too small (" + size + " B) to fill the disk");
            assertEquals(4, r.status(), r.out() + r.err());
            assertTrue(r.err().contains("could not write checkpoint") && r.err().contains("o space left on device")
                    && r.err().contains("the previous one (100 sequences) stays"), r.err());
            assertTrue(r.err().contains("could not write the final checkpoint") && r.err().contains("holds the run at 100 sequences"),
                    r.err());
            assertEquals(100, sequencesOf(dir.resolve("checkpoint.safetensors")), "the last good checkpoint loads");
            assertFalse(Files.exists(dir.resolve("checkpoint.safetensors.tmp")), "no temporary file left");
        } finally {
            new ProcessBuilder("umount", mnt.toString()).inheritIO().start().waitFor();
        }
    }
}
