package dev.ntm.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;

import dev.ntm.engine.NtmConfig;
import dev.ntm.engine.api.NtmModel;
import dev.ntm.engine.task.Sequence;
import dev.ntm.engine.train.Optimizer;
import dev.ntm.kernels.KernelProvider;
import org.junit.jupiter.api.Test;

/** The workloads the benchmarks time do the work they claim, on a small copy model. */
class WorkloadsTest {

    /** Copy task widths (X = 9, Y = 8) with a small memory and controller, to keep the test fast. */
    private static final NtmConfig SMALL = NtmConfig.builder().memory(16, 8).hiddenSize(20).build();

    @Test
    void copySequencesAreSeededAndOfTheCopyLayout() {
        List<Sequence> a = Workloads.copySequences(8, 5);
        List<Sequence> b = Workloads.copySequences(8, 5);
        assertEquals(8, a.size());
        for (int i = 0; i < a.size(); i++) {
            assertEquals(9, a.get(i).inputSize());
            assertEquals(8, a.get(i).outputSize());
            assertTrue(Arrays.equals(a.get(i).inputs(), b.get(i).inputs()));
            // Copy sequences have 2L + 1 steps for L in 1..20.
            assertTrue(a.get(i).steps() % 2 == 1 && a.get(i).steps() >= 3 && a.get(i).steps() <= 41);
        }
        double mean = a.stream().mapToInt(Sequence::steps).average().orElseThrow();
        assertEquals(mean, Workloads.meanSteps(a), 1e-12);
    }

    @Test
    void recipesFollowTheTrainer() {
        assertEquals(Optimizer.Kind.RMSPROP, Workloads.recipe(1).optimizer());
        assertEquals(1, Workloads.recipe(1).batch());
        assertEquals(Optimizer.Kind.ADAM, Workloads.recipe(32).optimizer());
        assertEquals(32, Workloads.recipe(32).batch());
    }

    @Test
    void trainingLoopRunsABatchAndUpdatesTheParameters() {
        List<Sequence> pool = Workloads.copySequences(4, 7);
        for (int batch : new int[] {1, 2}) {
            try (Workloads.TrainingLoop loop = new Workloads.TrainingLoop(SMALL, KernelProvider.scalar(), 3, pool,
                    Workloads.recipe(batch))) {
                float[] before = loop.parameters().toArray();
                loop.run();
                assertEquals(batch, loop.stats().sequences);
                assertTrue(loop.stats().lossNats > 0);
                assertFalse(Arrays.equals(before, loop.parameters().toArray()), "the optimiser changed nothing");
                loop.run();
                assertEquals(2 * batch, loop.stats().sequences);
            }
        }
        assertThrows(IllegalArgumentException.class,
                () -> new Workloads.TrainingLoop(SMALL, KernelProvider.scalar(), 3, pool, Workloads.recipe(3)));
    }

    @Test
    void sessionLoopResetsAtSequenceStartsLikeAFreshSession() {
        List<Sequence> seqs = Workloads.copySequences(2, 9);
        NtmModel model = NtmModel.create(SMALL, 3).withKernels(KernelProvider.scalar());
        Workloads.SessionLoop loop = new Workloads.SessionLoop(model.newSession(), LatencyHarness.Inputs.of(seqs), 8);
        // Run through both sequences, then the first step again: it must equal a fresh session's
        // first step (the loop reset the state when the inputs wrapped around).
        int total = seqs.get(0).steps() + seqs.get(1).steps();
        for (int i = 0; i <= total; i++) {
            loop.run();
        }
        float[] in = Arrays.copyOf(seqs.get(0).inputs(), 9);
        float[] out = new float[8];
        model.newSession().step(in, out);
        assertEquals(out[0], loop.lastOutput(), 0.0f);
    }
}
