package dev.ntm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The second, independent check of the hand-derived backward pass: the engine writes a trace
 * (`ntm trace`), and the PyTorch reference in bench/pytorch recomputes loss and gradients with
 * autograd in float64 from the engine's float32 weights. Agreement: loss within 1e-4 relative,
 * every gradient tensor within 1e-3 relative in norm (bench/pytorch/README.md states the floor).
 * Needs Debian's python3-torch; runs with `./ntm test --long`.
 */
@Tag("long")
class TorchCrossCheckTest {

    static final Path PYTHON = Path.of("/usr/bin/python3");

    static Path repoRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("bench/pytorch/ntm_torch.py"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("cannot find bench/pytorch/ntm_torch.py above " + Path.of("").toAbsolutePath());
        }
        return p;
    }

    static boolean torchAvailable() throws IOException, InterruptedException {
        if (!Files.isExecutable(PYTHON)) {
            return false;
        }
        Process p = new ProcessBuilder(PYTHON.toString(), "-c", "import torch").redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0;
    }

    @ParameterizedTest(name = "{0} length {1}")
    @CsvSource({
        "copy, 20, ''",
        "copy, 24, --memory=16x6",
        "repeat-copy, 4, --controller=feedforward",
        "associative-recall, 3, --layers=2",
    })
    void engineTraceAgreesWithPyTorchAutograd(String task, int length, String extra, @TempDir Path dir) throws Exception {
        assumeTrue(torchAvailable(), "python3-torch is not installed (apt-get install python3-torch)");
        Path trace = dir.resolve("trace.safetensors");
        Path ck = dir.resolve("model.safetensors");
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("trace", "--task", task,
                "--length", Integer.toString(length), "--model-seed", "3", "--seed", "5", "--out", trace.toString(),
                "--save-checkpoint", ck.toString()));
        if (!extra.isEmpty()) {
            args.add(extra);
        }
        assertEquals(0, Main.run(args.toArray(String[]::new)), "ntm trace failed");
        runTorchScript("PyTorch cross-check disagrees", "crosscheck", "--checkpoint", ck.toString(),
                "--trace", trace.toString());
    }

    /** Runs bench/pytorch/ntm_torch.py with {@code args}, prints its output and requires exit status 0. */
    static void runTorchScript(String failure, String... args) throws IOException, InterruptedException {
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of(PYTHON.toString(),
                repoRoot().resolve("bench/pytorch/ntm_torch.py").toString()));
        command.addAll(java.util.List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(600, TimeUnit.SECONDS);
        System.out.println(out);
        assertEquals(0, p.exitValue(), failure + ":\n" + out);
    }
}
