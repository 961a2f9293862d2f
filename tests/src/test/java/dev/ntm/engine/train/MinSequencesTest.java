package dev.ntm.engine.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.ntm.engine.NtmConfig;
import dev.ntm.engine.task.CopyTask;
import dev.ntm.kernels.KernelProvider;
import dev.ntm.kernels.Kernels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training on past the first solve ({@link TrainerOptions#minSequences()}): the run reports where
 * it was first solved, trains to at least the minimum, stops at the first solved evaluation from
 * there on, and a run interrupted between the two resumes into the same result, the first solve
 * included. The model is StricterSolvedTest's small copy NTM (lengths 1..4, seed 3, a loose 0.3
 * bit errors over 100 sequences), which is first solved after about 7,000 sequences.
 */
class MinSequencesTest {

    private static final Kernels K = KernelProvider.get();
    private static final CopyTask TASK = new CopyTask(4, 1, 4);
    private static final NtmConfig SMALL = NtmConfig.builder().inputSize(5).outputSize(4).memory(16, 6)
            .hiddenSize(16).build();
    private static final double THRESHOLD = 0.3;

    private static TrainerOptions options() {
        return TrainerOptions.defaultsFor(TASK).withSeed(3).withMaxSequences(20_000)
                .withEvaluation(500, 100).withSolvedBitErrors(THRESHOLD).withMinSequences(0);
    }

    private static Trainer.Summary train(Trainer t, List<TrainingListener.Progress> seen) throws Exception {
        return t.train(new TrainingListener() {
            @Override
            public void evaluation(Trainer trainer, Progress p) {
                seen.add(p);
            }
        });
    }

    @Test
    void trainsOnPastTheFirstSolveAndReportsIt(@TempDir Path dir) throws Exception {
        long first;
        try (Trainer t = new Trainer(SMALL, TASK, options(), K)) {
            Trainer.Summary s = train(t, new ArrayList<>());
            assertTrue(s.solved(), "the small model must be solved within its budget: " + s);
            first = s.firstSolvedSequences();
            assertEquals(t.sequences(), first, "without a minimum the run stops at its first solve");
            assertTrue(s.firstSolvedSeconds() > 0 && s.firstSolvedSeconds() <= s.trainingSeconds() + 1e-9);
        }

        long min = first + 2_000;
        TrainerOptions longer = options().withMinSequences(min);
        List<TrainingListener.Progress> seen = new ArrayList<>();
        float[] uninterrupted;
        long end;
        try (Trainer t = new Trainer(SMALL, TASK, longer, K)) {
            Trainer.Summary s = train(t, seen);
            end = t.sequences();
            uninterrupted = t.parameterArray();
            assertEquals(first, s.firstSolvedSequences(), "the same trajectory is first solved at the same point");
            assertTrue(end >= min, "the run must train to at least " + min + ", stopped at " + end);
            assertTrue(s.solved(), "the run ends at a solved evaluation: " + s);
            assertTrue(s.firstSolvedSeconds() < s.trainingSeconds());
        }
        // it stops at the first solved evaluation at or after the minimum, not later
        for (TrainingListener.Progress p : seen.subList(0, seen.size() - 1)) {
            assertFalse(p.sequences() >= min && p.solved(), "a solved evaluation at " + p.sequences()
                    + " after the minimum must end the run");
        }

        // interrupted after the first solve and before the minimum, then resumed: the same run
        Path ck = dir.resolve("ck.safetensors");
        try (Trainer t = new Trainer(SMALL, TASK, longer.withMaxSequences(first + 1_000), K)) {
            Trainer.Summary s = train(t, new ArrayList<>());
            assertEquals(first, s.firstSolvedSequences());
            t.saveCheckpoint(ck);
        }
        try (Trainer t = Trainer.resume(ck, TASK, longer, K)) {
            Trainer.Summary s = train(t, new ArrayList<>());
            assertEquals(first, s.firstSolvedSequences(), "the first solve survives the resume");
            assertEquals(end, t.sequences());
            assertArrayEquals(bits(uninterrupted), bits(t.parameterArray()), "a resumed run must continue bit for bit");
        }
    }

    @Test
    void theUnscheduledEvaluationAtTheEndRecordsNoFirstSolve(@TempDir Path dir) throws Exception {
        // no scheduled evaluation before the end: only the one at maxSequences, which must leave
        // the run's state alone (a resumed run would otherwise differ from one that never stopped)
        TrainerOptions o = options().withEvaluation(100_000, 100).withMaxSequences(12_000).withOutput(dir, 0);
        Trainer.Summary s;
        try (Trainer t = new Trainer(SMALL, TASK, o, K)) {
            s = train(t, new ArrayList<>());
        }
        assertEquals(s.solved() ? 12_000 : -1, s.firstSolvedSequences(), "the summary reports a solve at the end");
        java.util.Map<String, String> meta = dev.ntm.engine.io.Checkpoint.load(dir.resolve(Trainer.CHECKPOINT_FILE)).meta();
        assertEquals("-1", meta.get(TrainingCheckpoint.META_FIRST_SOLVED), "the checkpoint's state has none");
    }

    @Test
    void aNegativeMinimumIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> options().withMinSequences(-1));
        assertTrue(e.getMessage().contains("minSequences"), e.getMessage());
    }

    private static int[] bits(float[] a) {
        int[] b = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            b[i] = Float.floatToIntBits(a[i]);
        }
        return b;
    }
}
