package dev.ntm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import dev.ntm.engine.io.Checkpoint;
import dev.ntm.engine.io.TraceFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line: real runs of train/eval/trace/tasks, and clear errors with non-zero exits. */
class CliTest {

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @Test
    void trainHelpPointsAtTheSpecInTheRepository() {
        CliRun r = run("train", "--help");
        assertEquals(0, r.status());
        assertTrue(r.out().contains("docs/SPEC.md"), r.out());
        assertTrue(Files.isRegularFile(dev.ntm.RepoFiles.root().resolve("docs/SPEC.md")), "docs/SPEC.md is missing");
    }

    @Test
    void tasksListsEveryTaskWithItsShape() {
        CliRun r = run("tasks");
        assertEquals(0, r.status());
        for (String t : new String[] {"copy", "repeat-copy", "associative-recall", "dynamic-ngrams", "priority-sort"}) {
            assertTrue(r.out().contains(t), "missing " + t + " in\n" + r.out());
        }
    }

    @Test
    void trainEvalAndTraceWorkTogether(@TempDir Path dir) throws Exception {
        CliRun train = run("train", "--task", "copy", "--max-length", "3", "--memory", "16x6", "--hidden", "16",
                "--max-sequences", "40", "--eval-every", "20", "--eval-size", "10", "--out", dir.toString(), "--quiet",
                "--summary-json", dir.resolve("summary.json").toString());
        assertEquals(0, train.status(), train.err());
        assertTrue(train.out().contains("not solved after 40 sequences") || train.out().contains("SOLVED"), train.out());
        assertTrue(train.out().contains("bit errors/sequence over 10 sequences\nat length 3 (the largest trained): "),
                "both halves of solved are reported, the range and the largest length:\n" + train.out());
        String json = Files.readString(dir.resolve("summary.json"));
        assertTrue(json.contains("\"longest_length\": 3") && json.contains("\"longest_bit_errors_per_sequence\"")
                && json.contains("\"longest_eval_sequences\": 10"), json);
        Path ck = dir.resolve("checkpoint.safetensors");
        assertEquals(16, Checkpoint.load(ck).config().memoryRows());
        assertEquals(3, Files.readAllLines(dir.resolve("curve.csv")).size(), "header + 2 evaluations");

        CliRun eval = run("eval", "--checkpoint", ck.toString(), "--task", "copy", "--lengths", "2,5", "--count", "5");
        assertEquals(0, eval.status(), eval.err());
        assertTrue(eval.out().lines().anyMatch(l -> l.trim().startsWith("5 ")), eval.out());

        Path trace = dir.resolve("t.safetensors");
        CliRun tr = run("trace", "--checkpoint", ck.toString(), "--task", "copy", "--length", "3", "--out", trace.toString());
        assertEquals(0, tr.status(), tr.err());
        TraceFile.Trace t = TraceFile.read(trace);
        assertEquals(7, t.steps());
        assertEquals(7 * 16, t.readWeights().length);
        assertEquals(8 * 16 * 6, t.memory().length);
    }

    @Test
    void resumeContinuesFromTheCheckpoint(@TempDir Path dir) {
        String[] common = {"train", "--task", "copy", "--max-length", "3", "--memory", "16x6", "--hidden", "16",
                "--eval-every", "10", "--eval-size", "5", "--out", dir.toString(), "--quiet"};
        assertEquals(0, run(concat(common, "--max-sequences", "10")).status());
        CliRun resumed = run(concat(common, "--max-sequences", "20", "--resume", dir.resolve("checkpoint.safetensors").toString()));
        assertEquals(0, resumed.status(), resumed.err());
        assertTrue(resumed.out().contains("resumed from"), resumed.out());
        assertTrue(resumed.out().contains("after 20 sequences"), resumed.out());
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void badOptionsGetAClearMessageAndANonZeroExit(@TempDir Path dir) {
        CliRun r = run("train", "--batch", "0", "--out", dir.toString());
        assertNotEquals(0, r.status());
        assertTrue(r.err().contains("batch must be in 1..4096"), r.err());

        r = run("train", "--optimizer", "sgd", "--out", dir.toString());
        assertNotEquals(0, r.status());
        assertTrue(r.err().contains("expected adam or rmsprop"), r.err());

        r = run("train", "--task", "sorting", "--out", dir.toString());
        assertNotEquals(0, r.status());
        assertTrue(r.err().contains("copy"), "should list the known tasks: " + r.err());

        r = run("train", "--memory", "12by3", "--out", dir.toString());
        assertNotEquals(0, r.status());
        assertTrue(r.err().contains("ROWSxWIDTH"), r.err());

        r = run("train", "--lr-decay", "half", "--out", dir.toString());
        assertNotEquals(0, r.status());
        assertTrue(r.err().contains("FACTOR:EVERY"), r.err());

        r = run("eval", "--checkpoint", dir.resolve("missing.safetensors").toString());
        assertNotEquals(0, r.status());
        assertTrue(r.err().contains("missing.safetensors"), r.err());

        r = run("train", "--no-such-option");
        assertNotEquals(0, r.status());
        assertTrue(r.err().contains("--no-such-option"), r.err());
    }
}
