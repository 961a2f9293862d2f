package dev.ntm.engine.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import dev.ntm.engine.NtmConfig;
import dev.ntm.engine.task.CopyTask;
import dev.ntm.engine.task.PrioritySortTask;
import dev.ntm.engine.task.RepeatCopyTask;
import dev.ntm.engine.task.Task;
import dev.ntm.engine.task.VariableLengthTask;
import dev.ntm.kernels.KernelProvider;
import dev.ntm.kernels.Kernels;
import org.junit.jupiter.api.Test;

/**
 * The stricter "solved" of docs/SPEC.md section 3: a model that meets the criterion over the full
 * length range but not on sequences of the largest length does not count, and both figures are
 * reported. The model is a real one, partly trained: a small NTM on copy of lengths 1..4, with a
 * loose threshold (0.3 bit errors per sequence over 100 sequences), so that its errors, which
 * grow with the length, pass on the mean over 1..4 before they pass at length 4. Training is
 * deterministic: with seed 3 the evaluation after 6,500 sequences has 0.07 over 1..4 and 0.56 at
 * length 4 (not solved; training goes on), the next 0.00 and 0.08 (solved).
 */
class StricterSolvedTest {

    private static final Kernels K = KernelProvider.get();
    private static final CopyTask TASK = new CopyTask(4, 1, 4);
    private static final NtmConfig SMALL = NtmConfig.builder().inputSize(5).outputSize(4).memory(16, 6)
            .hiddenSize(16).build();
    private static final double THRESHOLD = 0.3;
    private static final int EVAL_SIZE = 100;

    private static TrainerOptions options() {
        return TrainerOptions.defaultsFor(TASK).withSeed(3).withMaxSequences(12_000)
                .withEvaluation(500, EVAL_SIZE).withSolvedBitErrors(THRESHOLD).withMinSequences(0);
    }

    @Test
    void passingTheRangeButNotTheLargestLengthIsNotSolved() throws Exception {
        List<TrainingListener.Progress> seen = new ArrayList<>();
        Trainer.Summary s;
        try (Trainer t = new Trainer(SMALL, TASK, options(), K)) {
            assertEquals(4, t.longestTask().minLength());
            assertEquals(4, t.longestTask().maxLength());
            s = t.train(new TrainingListener() {
                @Override
                public void evaluation(Trainer trainer, Progress p) {
                    seen.add(p);
                }
            });
        }
        TrainingListener.Progress rangeOnly = seen.stream()
                .filter(p -> p.eval().sequences() == EVAL_SIZE && p.eval().bitErrorsPerSequence() <= THRESHOLD
                        && p.longest() != null && p.longest().bitErrorsPerSequence() > THRESHOLD)
                .findFirst().orElse(null);
        assertNotNull(rangeOnly, "no evaluation met the criterion on lengths 1..4 and missed it at length 4: "
                + seen.stream().map(p -> p.eval().bitErrorsPerSequence() + "/"
                        + (p.longest() == null ? "-" : p.longest().bitErrorsPerSequence())).toList());
        assertFalse(rangeOnly.solved(), "the mean over the range alone must not count as solved");
        assertEquals(EVAL_SIZE, rangeOnly.longest().sequences(), "the largest length is checked on as many sequences");
        assertTrue(seen.indexOf(rangeOnly) < seen.size() - 1, "training must go on after it");

        assertTrue(s.solved(), "the run must end solved within its budget: " + s);
        TrainingListener.Progress last = seen.get(seen.size() - 1);
        assertTrue(last.solved());
        assertTrue(s.lastEvaluation().bitErrorsPerSequence() <= THRESHOLD);
        assertTrue(s.longestEvaluation().bitErrorsPerSequence() <= THRESHOLD);
        assertEquals(last.longest(), s.longestEvaluation(), "the summary reports the check that ended the run");
        for (TrainingListener.Progress p : seen) {
            boolean range = p.eval().sequences() == EVAL_SIZE && p.eval().bitErrorsPerSequence() <= THRESHOLD;
            assertEquals(range, p.longest() != null, "the largest length is checked exactly when the range passes");
        }
    }

    @Test
    void tasksWithoutARangeHaveNoLargestLengthCheck() {
        PrioritySortTask sort = new PrioritySortTask();
        assertNull(longestOf(sort, NtmConfig.builder().inputSize(sort.inputSize()).outputSize(sort.outputSize())
                .memory(16, 6).hiddenSize(16).build()));
        assertNull(longestOf(new CopyTask(4, 3, 3), SMALL), "a single length needs no second check");
        assertEquals(new CopyTask(4, 20, 20).describe(), longestOf(new CopyTask(4, 1, 20), SMALL).describe());
    }

    private static VariableLengthTask longestOf(Task task, NtmConfig config) {
        try (Trainer t = new Trainer(config, task, options(), K)) {
            return t.longestTask();
        }
    }

    @Test
    void copyHasItsOwnLearningRateAndTheOtherTasksKeepTheirs() {
        assertEquals(TrainerOptions.COPY_LEARNING_RATE, TrainerOptions.defaultsFor(new CopyTask()).learningRate());
        assertEquals(TrainerOptions.DEFAULT_LEARNING_RATE,
                TrainerOptions.defaultsFor(new RepeatCopyTask()).learningRate());
        assertEquals(TrainerOptions.defaults().withOptimizer(Optimizer.Kind.RMSPROP, TrainerOptions.COPY_LEARNING_RATE)
                        .withMinSequences(TrainerOptions.COPY_MIN_SEQUENCES),
                TrainerOptions.defaultsFor(new CopyTask(8, 1, 5)), "only the learning rate and the minimum differ");
    }
}
