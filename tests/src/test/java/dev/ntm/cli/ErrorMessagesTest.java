package dev.ntm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input ends in one line that says what was wrong, and a non-zero exit: input/output errors
 * name the path and the reason (missing, a directory, a pipe, unwritable), and the options of the
 * issue that once exhausted the machine are refused from an estimate, in a child JVM with a small
 * heap, before anything large is allocated.
 */
class ErrorMessagesTest {

    @TempDir
    static Path shared;
    static Path checkpoint;

    @BeforeAll
    static void trainASmallModel() {
        Path dir = shared.resolve("run");
        CliRun r = CliRun.of("train", "--task", "copy", "--max-length", "3", "--memory", "16x6", "--hidden", "16",
                "--threads", "1", "--max-sequences", "20", "--eval-every", "20", "--eval-size", "5", "--quiet",
                "--out", dir.toString());
        assertEquals(0, r.status(), r.err());
        checkpoint = dir.resolve("checkpoint.safetensors");
    }

    private static void assertOneLine(CliRun r, String... parts) {
        assertNotEquals(0, r.status(), r.out());
        assertEquals(1, r.err().lines().count(), "one line: " + r.err());
        for (String p : parts) {
            assertTrue(r.err().contains(p), "'" + p + "' missing in: " + r.err());
        }
    }

    @Test
    void missingFile(@TempDir Path tmp) {
        Path missing = tmp.resolve("nonexistent.safetensors");
        assertOneLine(CliRun.of("eval", "--checkpoint", missing.toString()), missing.toString(), "no such file");
        assertOneLine(CliRun.of("train", "--resume", missing.toString(), "--out", tmp.resolve("o").toString()),
                missing.toString(), "no such file");
    }

    @Test
    void directory(@TempDir Path tmp) {
        assertOneLine(CliRun.of("eval", "--checkpoint", tmp.toString()), tmp.toString(), "is a directory");
        assertOneLine(CliRun.of("trace", "--checkpoint", checkpoint.toString(), "--task", "copy", "--out",
                tmp.toString()), tmp.toString(), "is a directory");
    }

    @Test
    void namedPipeIsRefusedInsteadOfHanging(@TempDir Path tmp) throws Exception {
        Path fifo = tmp.resolve("pipe.safetensors");
        Process mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assumeTrue(mk.waitFor() == 0, "mkfifo is needed");
        assertOneLine(CliRun.of("eval", "--checkpoint", fifo.toString()), fifo.toString(), "not a regular file");
    }

    @Test
    void unwritableFolder(@TempDir Path tmp) throws Exception {
        Path locked = tmp.resolve("locked");
        Files.createDirectories(locked);
        boolean root = "root".equals(System.getProperty("user.name"));
        // root writes through permissions: the immutable attribute stops it
        Process p = new ProcessBuilder(root ? List.of("chattr", "+i", locked.toString())
                : List.of("chmod", "500", locked.toString())).redirectErrorStream(true).start();
        assumeTrue(p.waitFor() == 0, "cannot make a folder unwritable here");
        try {
            assumeTrue(!canWrite(locked), "the folder is still writable");
            Path out = locked.resolve("trace.safetensors");
            assertOneLine(CliRun.of("trace", "--checkpoint", checkpoint.toString(), "--task", "copy", "--length", "2",
                    "--out", out.toString()), locked.toString(), root ? "operation not permitted" : "permission denied");
            assertOneLine(CliRun.of("train", "--task", "copy", "--max-length", "3", "--memory", "16x6", "--hidden", "16",
                    "--max-sequences", "4", "--out", locked.resolve("run").toString()), locked.toString(),
                    root ? "operation not permitted" : "permission denied");
        } finally {
            new ProcessBuilder(root ? List.of("chattr", "-i", locked.toString())
                    : List.of("chmod", "700", locked.toString())).start().waitFor();
        }
    }

    private static boolean canWrite(Path dir) {
        try {
            Files.delete(Files.createTempFile(dir, "probe", ""));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The commands, each refused in one line from its estimate, in a JVM with a 64 MB heap. */
    @Test
    void optionsThatWouldExhaustTheMachineAreRefused(@TempDir Path tmp) throws Exception {
        String ck = checkpoint.toString();
        List<List<String>> commands = List.of(
                List.of("train", "--hidden", "16384", "--max-sequences", "10"),
                List.of("eval", "--checkpoint", ck, "--lengths", "5", "--count", "10", "--threads", "100000"),
                List.of("eval", "--checkpoint", ck, "--lengths", "100000"),
                List.of("train", "--max-length", "2000000"),
                List.of("train", "--memory", "1048576x20"),
                List.of("eval", "--checkpoint", ck, "--count", "2000000000"),
                List.of("eval", "--checkpoint", ck, "--threads", "0"),
                List.of("trace", "--checkpoint", ck, "--length", "1000000", "--out", tmp.resolve("t").toString()));
        List<String> expected = List.of("of Java heap", "threads must be in 1..256", "of Java heap", "of Java heap",
                "of Java heap", "of Java heap", "threads must be in 1..256", "of Java heap");
        for (int i = 0; i < commands.size(); i++) {
            List<String> cmd = new ArrayList<>(commands.get(i));
            if (cmd.getFirst().equals("train")) {
                cmd.addAll(List.of("--out", tmp.resolve("run" + i).toString()));
            }
            Path log = tmp.resolve("log" + i);
            Process p = TrainingRunSafetyTest.child(log, List.of("-Xmx64m"), cmd);
            assertTrue(p.waitFor(2, TimeUnit.MINUTES), "still running: " + cmd);
            List<String> lines = Files.readAllLines(log).stream()
                    .filter(l -> !l.startsWith("WARNING: Using incubator modules")).toList();
            assertEquals(2, p.exitValue(), cmd + ": " + lines);
            assertEquals(1, lines.size(), cmd + ": one line, got " + lines);
            assertTrue(lines.getFirst().contains(expected.get(i)), cmd + ": " + lines);
            assertFalse(lines.getFirst().contains("Exception"), cmd + ": " + lines);
        }
    }
}
