package dev.ntm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Python users' entry point: a checkpoint trained by the engine, loaded into bench/pytorch's
 * {@code NtmModule} (float32, batch-first), gives the engine's logits of a traced sequence within
 * 1e-4, and inputs of the wrong shape are refused with a ValueError ({@code ntm_torch.py
 * module-check}). Needs Debian's python3-torch; runs with {@code ./ntm test --long}, as
 * {@link TorchCrossCheckTest}.
 */
@Tag("long")
class TorchModuleTest {

    @Test
    void trainedCheckpointInTheTorchModuleGivesTheEnginesLogits(@TempDir Path dir) throws Exception {
        assumeTrue(TorchCrossCheckTest.torchAvailable(), "python3-torch is not installed (apt-get install python3-torch)");
        Path run = dir.resolve("run");
        assertEquals(0, Main.run("train", "--task", "copy", "--max-length", "4", "--memory", "16x6", "--hidden", "16",
                "--max-sequences", "200", "--eval-every", "100", "--eval-size", "10", "--out", run.toString(),
                "--quiet"), "ntm train failed");
        Path ck = run.resolve("checkpoint.safetensors");
        Path trace = dir.resolve("trace.safetensors");
        assertEquals(0, Main.run("trace", "--checkpoint", ck.toString(), "--task", "copy", "--length", "4",
                "--seed", "5", "--out", trace.toString()), "ntm trace failed");
        TorchCrossCheckTest.runTorchScript("NtmModule disagrees with the engine", "module-check",
                "--checkpoint", ck.toString(), "--trace", trace.toString());
    }
}
