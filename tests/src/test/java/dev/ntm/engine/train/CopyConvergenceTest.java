package dev.ntm.engine.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ntm.engine.NtmConfig;
import dev.ntm.engine.task.CopyTask;
import dev.ntm.kernels.KernelProvider;
import org.junit.jupiter.api.Test;

/**
 * One real convergence run in the default suite: the paper's copy task (lengths 1..20, the
 * default recipe) must reach the spec's "solved" criterion (mean bit errors per sequence <= 0.01
 * over 1000 fresh sequences) within 20,000 sequences. Training is deterministic, so the seed fixes
 * the outcome (seed 3 solves after 5,000 sequences, PERFORMANCE.md); a broken gradient, optimiser,
 * kernel or task makes it miss.
 */
class CopyConvergenceTest {

    @Test
    void copyWithShortSequencesIsSolved() throws Exception {
        CopyTask task = new CopyTask();
        NtmConfig config = NtmConfig.builder().build();
        TrainerOptions options = TrainerOptions.defaultsFor(task).withSeed(3).withMaxSequences(20_000)
                .withEvaluation(1_000, 1_000);
        try (Trainer t = new Trainer(config, task, options, KernelProvider.get())) {
            Trainer.Summary s = t.train(new TrainingListener() { });
            assertTrue(s.solved(), "copy not solved after " + s.sequences() + " sequences; last evaluation "
                    + s.lastEvaluation());
        }
    }
}
