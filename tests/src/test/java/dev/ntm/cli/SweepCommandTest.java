package dev.ntm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ntm sweep and ntm worker refuse bad input with one line and status 2, before any member starts. */
class SweepCommandTest {

    private static void refused(String expected, String... args) {
        CliRun r = CliRun.of(args);
        assertEquals(2, r.status(), String.join(" ", args) + ": " + r.out() + r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
        assertTrue(r.err().contains(expected), "expected '" + expected + "' in: " + r.err());
        assertFalse(r.err().contains("\tat "), r.err());
    }

    @Test
    void badGridsAreRefused(@TempDir Path dir) {
        String out = dir.resolve("s").toString();
        refused("--seeds range 5..1 runs backwards", "sweep", "--seeds", "5..1", "--out", out);
        refused("ntm train has no option --nosuch", "sweep", "--set", "nosuch=1", "--out", out);
        refused("use --seeds", "sweep", "--set", "seed=1,2", "--out", out);
        refused("the sweep sets --out itself", "sweep", "--set", "out=x", "--out", out);
        refused("--set no-early-stop takes true or false", "sweep", "--set", "no-early-stop=maybe", "--out", out);
        refused("setting task=copy lr=fast", "sweep", "--set", "lr=fast", "--out", out);
        refused("--set lr is given twice", "sweep", "--set", "lr=1", "--set", "lr=2", "--out", out);
        refused("--cluster must be", "sweep", "--cluster", "a b", "--out", out);
        refused("--bind 192.0.2.1 is not an address of this machine", "sweep", "--bind", "192.0.2.1", "--seeds", "1",
                "--out", out);
        assertFalse(Files.exists(dir.resolve("s").resolve("results")), "nothing ran");
    }

    @Test
    void badWorkersAreRefused() {
        refused("--join HOST[:PORT] is required", "worker", "--cluster", "c");
        refused("--cluster NAME is required", "worker", "--join", "127.0.0.1:5701");
        refused("--bind: give this machine's IP address", "worker", "--join", "10.0.0.5:5701", "--cluster", "c");
        refused("--join takes HOST[:PORT]", "worker", "--join", "127.0.0.1:0", "--cluster", "c");
        refused("--jobs must be at least 1", "worker", "--join", "127.0.0.1", "--cluster", "c", "--jobs", "0");
    }

    @Test
    void aJobThatNtmTrainRefusesStopsTheSweep(@TempDir Path dir) throws Exception {
        CliRun r = CliRun.of("sweep", "--set", "optimizer=adamw", "--seeds", "1", "--set", "max-sequences=10",
                "--jobs", "1", "--out", dir.resolve("s").toString());
        assertEquals(2, r.status(), r.out() + r.err());
        String last = r.err().strip().lines().reduce((a, b) -> b).orElse("");   // after any Hazelcast warning
        assertTrue(last.startsWith("ntm sweep: job task=copy_optimizer=adamw_max-sequences=10_seed1: ntm train exited "
                + "with 2: ntm train:"), r.err());
        assertTrue(last.contains("unknown optimiser 'adamw'"), r.err());
    }
}
