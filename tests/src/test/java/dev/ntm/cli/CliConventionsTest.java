package dev.ntm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Help, versions, shell completion and exit statuses, as a user meets them. */
class CliConventionsTest {

    @Test
    void helpCommandDescribesACommand() {
        CliRun r = CliRun.of("help", "train");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("Usage: ntm train"), r.out());
        assertTrue(r.out().contains("--max-sequences"), r.out());
    }

    @Test
    void everyCommandPrintsTheVersion() {
        for (String command : new String[] {"train", "eval", "trace", "viz", "sweep", "worker", "bench", "info", "tasks", "completion"}) {
            CliRun r = CliRun.of(command, "--version");
            assertEquals(0, r.status(), command + ": " + r.err());
            assertTrue(r.out().startsWith("ntm " + VersionProvider.version()), command + ": '" + r.out() + "'");
            assertFalse(VersionProvider.version().equals("unknown"), "the version resource was not filtered");
        }
        assertTrue(CliRun.of("--version").out().startsWith("ntm 0."), "expected the pom's version");
    }

    @Test
    void helpListsTheExitStatuses() {
        CliRun r = CliRun.of("--help");
        assertEquals(0, r.status());
        for (String s : new String[] {"0 success", "1 a benchmark figure regressed", "2 bad usage",
                "3 an input file is missing", "4 the work failed"}) {
            assertTrue(r.out().contains(s), "missing '" + s + "' in\n" + r.out());
        }
    }

    @Test
    void exitStatusesTellUsageFromMissingFiles(@TempDir Path dir) throws Exception {
        assertEquals(2, CliRun.of("train", "--no-such-option").status());
        assertEquals(2, CliRun.of("eval", "--checkpoint", "x", "--count", "many").status());
        assertEquals(2, CliRun.of("viz").status(), "viz needs a source");

        CliRun missing = CliRun.of("eval", "--checkpoint", dir.resolve("missing.safetensors").toString());
        assertEquals(3, missing.status(), missing.err());
        assertTrue(missing.err().contains("missing.safetensors"), missing.err());
        assertEquals(3, CliRun.of("viz", dir.resolve("nope.safetensors").toString()).status());
        assertEquals(3, CliRun.of("viz", "--curve", dir.toString()).status(), "a folder without curve.csv");

        Path garbage = dir.resolve("garbage.safetensors");
        Files.writeString(garbage, "not a safetensors file");
        CliRun bad = CliRun.of("viz", garbage.toString(), "--out", dir.resolve("v").toString());
        assertEquals(3, bad.status(), bad.err());
        assertFalse(bad.err().contains("\tat "), "no stack trace: " + bad.err());
    }

    @Test
    void bashCompletionCompletesCommandsOptionsAndTasks(@TempDir Path dir) throws Exception {
        CliRun r = CliRun.of("completion");
        assertEquals(0, r.status(), r.err());
        Path script = dir.resolve("ntm-completion.bash");
        Files.writeString(script, r.out());
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/bin/bash")), "needs bash");
        assertEquals("viz", complete(script, "ntm vi"));
        String options = complete(script, "ntm train --max-s");
        assertEquals("--max-sequences", options);
        String tasks = complete(script, "ntm train --task associative");
        assertEquals("associative-recall", tasks);
    }

    /** What bash completes the last word of {@code line} to, through the script's completion function. */
    private static String complete(Path script, String line) throws Exception {
        String words = line.replace("'", "");
        String program = "source '" + script + "'\n"
                + "COMP_LINE='" + words + "'; COMP_POINT=${#COMP_LINE}\n"
                + "read -ra COMP_WORDS <<< \"$COMP_LINE\"; COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))\n"
                + "_complete_ntm ntm \"${COMP_WORDS[COMP_CWORD]}\" \"${COMP_WORDS[COMP_CWORD-1]}\"\n"
                + "printf '%s\\n' \"${COMPREPLY[@]}\"\n";
        // stderr discarded: outside an interactive completion, bash complains about compopt
        Process p = new ProcessBuilder("/bin/bash", "--norc", "-c", program)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        return out;
    }
}
