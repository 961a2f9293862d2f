package ntm.engine.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ntm.engine.NtmConfig;
import ntm.engine.task.CopyTask;
import ntm.kernels.KernelProvider;
import org.junit.jupiter.api.Test;

/**
 * One real convergence run in the default suite: the copy task with lengths 1..5 must reach the
 * spec's "solved" criterion (mean bit errors per sequence <= 0.01 over 1000 fresh sequences)
 * within the sequence budget. It can fail: a broken gradient, optimiser or task makes it miss.
 */
class CopyConvergenceTest {

    @Test
    void copyWithShortSequencesIsSolved() throws Exception {
        CopyTask task = new CopyTask(8, 1, 5);
        NtmConfig config = NtmConfig.builder().build();
        TrainerOptions options = TrainerOptions.defaults().withSeed(1).withMaxSequences(60_000)
                .withEvaluation(1_000, 1_000);
        try (Trainer t = new Trainer(config, task, options, KernelProvider.get())) {
            Trainer.Summary s = t.train(new TrainingListener() { });
            assertTrue(s.solved(), "copy 1..5 not solved after " + s.sequences() + " sequences; last evaluation "
                    + s.lastEvaluation());
        }
    }
}
