package dev.ntm.engine.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.ntm.engine.task.AssociativeRecallTask;
import dev.ntm.engine.task.CopyTask;
import dev.ntm.engine.task.Curriculum;
import dev.ntm.engine.task.DynamicNGramsTask;
import dev.ntm.engine.task.PrioritySortTask;
import dev.ntm.engine.task.RepeatCopyTask;
import dev.ntm.engine.task.Task;
import org.junit.jupiter.api.Test;

/**
 * Each task's default recipe ({@link TrainerOptions#defaultsFor(Task)} and
 * {@link TrainerOptions#defaultCurriculum(Task)}) is the one measured in PERFORMANCE.md, sections
 * 12 (copy) and 13 (associative recall, dynamic N-grams, priority sort).
 */
class TaskRecipesTest {

    private static void assertBatchedAdam(TrainerOptions o, int batch, LearningRateSchedule decay, String task) {
        assertEquals(Optimizer.Kind.ADAM, o.optimizer(), task);
        assertEquals(batch, o.batch(), task);
        assertEquals(1e-3f, o.learningRate(), task);
        assertEquals(GradientClipping.globalNorm(50f), o.clipping(), task);
        assertEquals(decay, o.lrSchedule(), task);
        TrainerOptions d = TrainerOptions.defaults();
        assertEquals(d.withBatch(batch).withOptimizer(Optimizer.Kind.ADAM, 1e-3f)
                .withClipping(GradientClipping.globalNorm(50f)).withLearningRateSchedule(decay), o,
                task + ": everything else is the common default");
    }

    @Test
    void theHarderTasksTrainWithBatchedAdamAndADecayingRate() {
        assertBatchedAdam(TrainerOptions.defaultsFor(new AssociativeRecallTask()), 8,
                new LearningRateSchedule(0.5, 150_000), "associative-recall");
        assertBatchedAdam(TrainerOptions.defaultsFor(new AssociativeRecallTask(2, 4)), 8,
                TrainerOptions.ASSOCIATIVE_RECALL_DECAY, "the recipe holds for any item range");
    }

    @Test
    void copyAndRepeatCopyKeepRmspropAtBatch1() {
        TrainerOptions copy = TrainerOptions.defaultsFor(new CopyTask());
        assertEquals(Optimizer.Kind.RMSPROP, copy.optimizer());
        assertEquals(1, copy.batch());
        assertEquals(8e-4f, copy.learningRate());
        assertEquals(GradientClipping.elementwise(10f), copy.clipping());
        assertEquals(LearningRateSchedule.NONE, copy.lrSchedule());
        assertEquals(12_000, copy.minSequences(), "copy trains on past its first solve");
        assertEquals(TrainerOptions.defaults(), TrainerOptions.defaultsFor(new RepeatCopyTask()));
        assertEquals(0, TrainerOptions.defaults().minSequences());
    }

    @Test
    void prioritySortHalvesRmspropsRateEvery100000() {
        assertEquals(TrainerOptions.defaults().withLearningRateSchedule(new LearningRateSchedule(0.5, 100_000)),
                TrainerOptions.defaultsFor(new PrioritySortTask()));
    }

    @Test
    void dynamicNGramsDecaysRmspropAtBatch1AndStopsAt60000() {
        TrainerOptions ngrams = TrainerOptions.defaultsFor(new DynamicNGramsTask());
        assertEquals(TrainerOptions.defaults().withLearningRateSchedule(new LearningRateSchedule(0.5, 20_000))
                .withMaxSequences(60_000), ngrams);
        assertEquals(3e-4f / 4, ngrams.lrSchedule().at(ngrams.learningRate(), 60_000 - 1),
                "a quarter of the starting rate by the end");
    }

    @Test
    void onlyAssociativeRecallHasACurriculum() {
        Curriculum c = TrainerOptions.defaultCurriculum(new AssociativeRecallTask());
        assertNotNull(c);
        assertEquals(3, c.start());
        assertEquals(3, c.level(), "a new curriculum, at its first level");
        assertEquals(1, c.step());
        assertEquals(0.5, c.threshold());
        assertEquals(6, c.target().maxLength());
        assertEquals(4, TrainerOptions.defaultCurriculum(new AssociativeRecallTask(4, 6)).start(),
                "never below the task's smallest item count");
        assertNull(TrainerOptions.defaultCurriculum(new AssociativeRecallTask(2, 3)), "nothing to widen");
        for (Task t : new Task[] {new CopyTask(), new RepeatCopyTask(), new DynamicNGramsTask(), new PrioritySortTask()}) {
            assertNull(TrainerOptions.defaultCurriculum(t), t.name());
        }
    }

    @Test
    void theAdamDefaultsOfAnyTaskKeepBatch1() {
        TrainerOptions adam = TrainerOptions.defaults(Optimizer.Kind.ADAM);
        assertEquals(1, adam.batch());
        assertEquals(1e-3f, adam.learningRate());
        assertEquals(GradientClipping.globalNorm(50f), adam.clipping());
        assertEquals(TrainerOptions.defaults(), TrainerOptions.defaults(Optimizer.Kind.RMSPROP));
    }
}
