package dev.ntm.engine.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Locale;

import dev.ntm.engine.task.Curriculum;
import dev.ntm.engine.task.DynamicNGramsTask;
import dev.ntm.engine.task.NGramBayesPredictor;
import dev.ntm.engine.task.Task;
import dev.ntm.engine.task.Tasks;
import dev.ntm.engine.task.VariableLengthTask;
import dev.ntm.engine.util.SplitMix64;
import dev.ntm.kernels.KernelProvider;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Long convergence runs of the paper's tasks, run by {@code ./ntm test --long}: the default recipe
 * (RMSProp, batch 1, lr 3e-4) for all but associative recall, which needs Adam and a curriculum. Training is deterministic, so each budget below reproduces the
 * run recorded in PERFORMANCE.md ("Other tasks").
 */
@Tag("long")
class LongTaskConvergenceTest {

    /** Seed of the held-out sequences the time-boxed tasks are scored on (as {@code ntm eval}'s default). */
    private static final long EVAL_SEED = 12345;

    private static Trainer.Summary train(String taskName, long seed, long budget) throws Exception {
        Task task = Tasks.byName(taskName);
        TrainerOptions options = TrainerOptions.defaults().withSeed(seed).withThreads(2).withMaxSequences(budget);
        try (Trainer t = new Trainer(Tasks.paperConfig(task), task, options, KernelProvider.get())) {
            return t.train(new TrainingListener() { });
        }
    }

    /** Trains {@code taskName} for exactly {@code budget} sequences and returns the trainer, for scoring. */
    private static Trainer trainFor(String taskName, long seed, long budget) throws Exception {
        Task task = Tasks.byName(taskName);
        TrainerOptions options = TrainerOptions.defaults().withSeed(seed).withThreads(2).withMaxSequences(budget)
                .withEvaluation(5_000, 200);
        Trainer t = new Trainer(Tasks.paperConfig(task), task, options, KernelProvider.get());
        try {
            t.train(new TrainingListener() { });
            return t;
        } catch (Exception | Error e) {
            t.close();
            throw e;
        }
    }

    @Test
    void repeatCopyIsSolved() throws Exception {
        // seed 1 solved after 138,000 sequences (about 6 minutes here)
        Trainer.Summary s = train("repeat-copy", 1, 150_000);
        assertTrue(s.solved(), "repeat-copy not solved within 150,000 sequences: " + s.lastEvaluation());
    }

    @Test
    void dynamicNGramsComesWithinFivePercentOfTheBayesOptimum() throws Exception {
        // seed 1 after 25,000 sequences (about 5 minutes here): 133.8 bits/seq against 129.1
        DynamicNGramsTask task = (DynamicNGramsTask) Tasks.byName("dynamic-ngrams");
        try (Trainer t = trainFor("dynamic-ngrams", 1, 25_000)) {
            double model = t.evaluate(task, 300, EVAL_SEED).costBits();
            double bayes = new NGramBayesPredictor(task).meanCostBits(task, new SplitMix64(EVAL_SEED), 300);
            assertTrue(model <= 1.05 * bayes, String.format(Locale.ROOT,
                    "dynamic-ngrams after 25,000 sequences: %.2f bits/seq, Bayes optimum %.2f", model, bayes));
        }
    }

    @Test
    void prioritySortCostFalls() throws Exception {
        // seed 1: 124.8 bits/seq after 2,000 sequences, 58.6 after 74,000 (about 8 minutes here)
        Task task = Tasks.byName("priority-sort");
        try (Trainer t = trainFor("priority-sort", 1, 74_000)) {
            double cost = t.evaluate(task, 200, EVAL_SEED).costBits();
            assertTrue(cost < 65, String.format(Locale.ROOT,
                    "priority-sort after 74,000 sequences: %.2f bits/seq, expected below 65", cost));
        }
    }

    @Test
    void associativeRecallMeetsTheCriterion() throws Exception {
        // Adam at batch 32, lr 1e-3 halved every 500,000 sequences, a 3:1:0.5 item curriculum: seed 1
        // met the criterion of docs/SPEC.md section 3 (0.004 bit errors/seq over 1,000) after 1,016,000 sequences (about
        // 12 minutes on one thread here). That evaluation was a lucky draw: on 5,000 other fresh
        // sequences the same model makes about 0.025 bit errors per sequence, mostly with 5 or 6 items.
        Task task = Tasks.byName("associative-recall");
        TrainerOptions options = TrainerOptions.defaults().adamRecipe().withSeed(1).withThreads(2)
                .withMaxSequences(1_100_000).withLearningRateSchedule(new LearningRateSchedule(0.5, 500_000));
        try (Trainer t = new Trainer(Tasks.paperConfig(task), task, options, KernelProvider.get())) {
            Curriculum plan = new Curriculum((VariableLengthTask) task, 3, 1, 0.5);
            t.setCurriculum(plan);
            Trainer.Summary s = t.train(new TrainingListener() { });
            assertTrue(s.solved(), "associative-recall not solved within 1,100,000 sequences: " + s.lastEvaluation());
            double errors = t.evaluate(task, 5_000, EVAL_SEED).bitErrorsPerSequence();
            assertTrue(errors < 0.04, String.format(Locale.ROOT,
                    "associative-recall: %.4f bit errors/seq on 5,000 held-out sequences, expected below 0.04", errors));
        }
    }
}
