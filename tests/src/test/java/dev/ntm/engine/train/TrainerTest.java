package dev.ntm.engine.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import dev.ntm.engine.NtmConfig;
import dev.ntm.engine.task.CopyTask;
import dev.ntm.engine.task.Curriculum;
import dev.ntm.engine.task.Task;
import dev.ntm.kernels.Buffers;
import dev.ntm.kernels.KernelProvider;
import dev.ntm.kernels.Kernels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/** Determinism across threads, exact resume, the non-finite guard, and options validation. */
class TrainerTest {

    private static final Kernels K = KernelProvider.get();
    private static final Task TASK = new CopyTask(4, 1, 4);
    private static final NtmConfig SMALL = NtmConfig.builder().inputSize(5).outputSize(4).memory(16, 6)
            .hiddenSize(16).build();

    private static TrainerOptions options(int batch, int threads) {
        return TrainerOptions.defaults().adamRecipe().withBatch(batch).withThreads(threads).withChunks(4)
                .withSeed(7).withMaxSequences(batch * 12L).withEvaluation(batch * 6L, 20).withStopWhenSolved(false);
    }

    private static int[] bits(float[] p) {
        int[] out = new int[p.length];
        for (int i = 0; i < p.length; i++) {
            out[i] = Float.floatToRawIntBits(p[i]);
        }
        return out;
    }

    @Test
    void sameSeedGivesBitIdenticalParametersWithOneAndTwoThreads() throws Exception {
        float[] one;
        float[] two;
        try (Trainer t = new Trainer(SMALL, TASK, options(8, 1), K)) {
            t.train(new TrainingListener() { });
            one = t.parameterArray();
        }
        try (Trainer t = new Trainer(SMALL, TASK, options(8, 2), K)) {
            t.train(new TrainingListener() { });
            two = t.parameterArray();
        }
        assertArrayEquals(bits(one), bits(two), "parameters after training must not depend on the thread count");
        float[] init = dev.ntm.engine.layout.ParamInit.initialize(dev.ntm.engine.layout.ParamLayout.of(SMALL), 7);
        assertFalse(java.util.Arrays.equals(init, one), "training must have changed the parameters");
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "0.5:12", "0.5:12,warmup:20"})
    void killedAndResumedRunEqualsUninterruptedRun(String decay, @TempDir Path dir) throws Exception {
        TrainerOptions full = options(4, 1).withMaxSequences(40)
                .withLearningRateSchedule(LearningRateSchedule.parse(decay));
        float[] uninterrupted;
        try (Trainer t = new Trainer(SMALL, TASK, full, K)) {
            t.train(new TrainingListener() { });
            uninterrupted = t.parameterArray();
        }
        Path ck = dir.resolve("ck.safetensors");
        try (Trainer t = new Trainer(SMALL, TASK, full.withMaxSequences(16), K)) {
            t.train(new TrainingListener() { });
            t.saveCheckpoint(ck);
        }
        float[] resumed;
        try (Trainer t = Trainer.resume(ck, TASK, full.withThreads(2), K)) {
            assertEquals(16, t.sequences());
            t.train(new TrainingListener() { });
            assertEquals(40, t.sequences());
            resumed = t.parameterArray();
        }
        assertArrayEquals(bits(uninterrupted), bits(resumed), "a resumed run must continue bit for bit");
    }

    @Test
    void learningRateDecaysWithTheSequenceCount(@TempDir Path dir) throws Exception {
        TrainerOptions constant = options(4, 1).withMaxSequences(40);
        TrainerOptions decaying = constant.withLearningRateSchedule(new LearningRateSchedule(0.5, 12));
        float[] a;
        float[] b;
        try (Trainer t = new Trainer(SMALL, TASK, constant, K)) {
            t.train(new TrainingListener() { });
            assertEquals(constant.learningRate(), t.optimizer().learningRate());
            a = t.parameterArray();
        }
        Path ck = dir.resolve("ck.safetensors");
        try (Trainer t = new Trainer(SMALL, TASK, decaying, K)) {
            t.train(new TrainingListener() { });
            // the last batch started after 36 sequences: three halvings
            assertEquals(constant.learningRate() / 8, t.optimizer().learningRate());
            b = t.parameterArray();
            t.saveCheckpoint(ck);
        }
        assertFalse(java.util.Arrays.equals(a, b), "the decay must change the run");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Trainer.resume(ck, TASK, constant.withMaxSequences(80), K));
        assertTrue(e.getMessage().contains("learning-rate decay"), e.getMessage());
    }

    @Test
    void resumeRejectsDifferentRecipe(@TempDir Path dir) throws Exception {
        Path ck = dir.resolve("ck.safetensors");
        try (Trainer t = new Trainer(SMALL, TASK, options(4, 1).withMaxSequences(4), K)) {
            t.train(new TrainingListener() { });
            t.saveCheckpoint(ck);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Trainer.resume(ck, TASK, options(8, 1), K));
        assertTrue(e.getMessage().contains("batch"), e.getMessage());
    }

    @Test
    void injectedNonFiniteGradientIsCaughtAndReported() {
        try (Trainer t = new Trainer(SMALL, TASK, options(4, 1), K)) {
            long idx = dev.ntm.engine.layout.ParamLayout.of(SMALL).offset("output.weight") + 3;
            Buffers.set(t.parameters(), idx, Float.NaN);
            Trainer.NonFiniteException e = assertThrows(Trainer.NonFiniteException.class, t::trainBatch);
            assertTrue(e.getMessage().contains("non-finite"), e.getMessage());
            assertTrue(e.getMessage().contains("output.weight[0][3] = NaN"), "the report must name the bad parameter: " + e.getMessage());
            assertEquals(0, t.batches(), "no update may be applied");
        }
    }

    @Test
    void skipPolicySkipsTheBatchWithoutTouchingParameters() {
        try (Trainer t = new Trainer(SMALL, TASK, options(4, 1).withOnNonFinite(TrainerOptions.NonFinitePolicy.SKIP), K)) {
            long idx = dev.ntm.engine.layout.ParamLayout.of(SMALL).offset("output.bias");
            Buffers.set(t.parameters(), idx, Float.NaN);
            float[] before = t.parameterArray();
            Trainer.BatchResult r = t.trainBatch();
            assertTrue(r.skipped());
            assertEquals(1, t.skippedBatches());
            assertArrayEquals(bits(before), bits(t.parameterArray()));
        }
    }

    @Test
    void learningCurveAndCheckpointAreWritten(@TempDir Path dir) throws Exception {
        try (Trainer t = new Trainer(SMALL, TASK, options(4, 1).withMaxSequences(24).withOutput(dir, 0), K)) {
            Trainer.Summary s = t.train(new TrainingListener() { });
            assertEquals(24, s.sequences());
        }
        java.util.List<String> lines = Files.readAllLines(dir.resolve("curve.csv"));
        assertEquals(LearningCurve.HEADER, lines.get(0));
        assertEquals(1 + 1, lines.size(), "one evaluation at 24 sequences (every 24)");
        assertTrue(lines.get(1).startsWith("24,"), lines.get(1));
        assertTrue(lines.get(1).endsWith(",false,4,20"), "not solved, lengths up to 4, evaluated on the options' "
                + "20 sequences: " + lines.get(1));
        assertTrue(Files.size(dir.resolve(Trainer.CHECKPOINT_FILE)) > 0);
    }

    @Test
    void anOlderCurveGetsTheNewColumnsBeforeAResumedRunAppends(@TempDir Path dir) throws Exception {
        // a resumed run keeps the rows its checkpoint counted (LearningCurve.open with keepRows)
        Path csv = dir.resolve("curve.csv");
        String old = "sequences,elapsed_s,train_cost_bits,train_bit_errors,eval_cost_bits,eval_bit_errors,solved";
        Files.write(csv, java.util.List.of(old, "12,0.5,9.0,4.0,9.5,4.5,false", "24,0.9,8.0,3.0,8.5,3.5,false"));
        LearningCurve.open(csv, csv, 1).close();
        java.util.List<String> lines = Files.readAllLines(csv);
        assertEquals(java.util.List.of(LearningCurve.HEADER, "12,0.5,9.0,4.0,9.5,4.5,false,,"), lines,
                "the kept old row gets the new columns, empty; rows after the checkpoint are dropped");

        Files.write(csv, java.util.List.of("a,b,c", "1,2,3"));
        java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> LearningCurve.open(csv, csv, 1));
        assertTrue(e.getMessage().contains("not those of a learning curve"), e.getMessage());
        assertEquals(java.util.List.of("a,b,c", "1,2,3"), Files.readAllLines(csv), "a foreign file is left alone");

        // a fresh run starts its curve anew (the command line refuses such a folder without --overwrite)
        try (Trainer t = new Trainer(SMALL, TASK, options(4, 1).withMaxSequences(24).withOutput(dir, 0), K)) {
            t.train(new TrainingListener() { });
        }
        lines = Files.readAllLines(csv);
        assertEquals(LearningCurve.HEADER, lines.get(0));
        assertEquals(LearningCurve.HEADER.split(",").length, lines.get(1).split(",", -1).length, lines.get(1));
    }

    @Test
    void curriculumWidensTheRangeAndTheCurveRecordsIt(@TempDir Path dir) throws Exception {
        // a threshold no untrained model misses: every evaluation below the target widens the range
        Curriculum plan = new Curriculum((CopyTask) TASK, 2, 1, 1e9);
        TrainerOptions o = options(4, 1).withMaxSequences(20).withEvaluation(4, 8).withOutput(dir, 0);
        try (Trainer t = new Trainer(SMALL, TASK, o, K)) {
            t.setCurriculum(plan);
            assertEquals(2, plan.current().maxLength());
            java.util.List<Integer> seen = new java.util.ArrayList<>();
            t.train(new TrainingListener() {
                @Override
                public void curriculum(Trainer trainer, Curriculum c) {
                    seen.add(c.current().maxLength());
                }
            });
            assertEquals(java.util.List.of(3, 4), seen, "one step per evaluation, up to the task's range");
            assertEquals(4, plan.current().maxLength());
        }
        java.util.List<String> lines = Files.readAllLines(dir.resolve("curve.csv"));
        int column = java.util.Arrays.asList(lines.get(0).split(",")).indexOf("max_length");
        java.util.List<String> lengths = lines.subList(1, lines.size()).stream().map(l -> l.split(",")[column]).toList();
        assertEquals(java.util.List.of("2", "3", "4", "4", "4"), lengths, "the range each evaluation used");
    }

    @Test
    void differentSeedsGiveDifferentRuns() throws Exception {
        float[] a;
        float[] b;
        try (Trainer t = new Trainer(SMALL, TASK, options(4, 1).withMaxSequences(8), K)) {
            t.train(new TrainingListener() { });
            a = t.parameterArray();
        }
        try (Trainer t = new Trainer(SMALL, TASK, options(4, 1).withMaxSequences(8).withSeed(8), K)) {
            t.train(new TrainingListener() { });
            b = t.parameterArray();
        }
        assertNotEquals(java.util.Arrays.hashCode(a), java.util.Arrays.hashCode(b));
    }

    /** Sequences drawn from a stream, as text keys (copy sequences of 1..4 random 4-bit vectors). */
    private static java.util.Set<String> draws(long state, int n) {
        dev.ntm.engine.util.SplitMix64 rng = new dev.ntm.engine.util.SplitMix64(state);
        java.util.Set<String> out = new java.util.HashSet<>();
        CopyTask copy = new CopyTask(8, 20, 20);
        for (int i = 0; i < n; i++) {
            out.add(java.util.Arrays.toString(copy.generate(rng).inputs()));
        }
        return out;
    }

    @Test
    void derivedStreamsShareNoSequences() {
        // SplitMix64 states one gamma apart give the same stream shifted by one draw; the derived
        // seeds are hashed so that neighbouring seeds and evaluations are unrelated.
        java.util.Set<String> eval0 = draws(Evaluator.evalSeed(5, 0), 200);
        java.util.Set<String> eval1 = draws(Evaluator.evalSeed(5, 1), 200);
        eval1.retainAll(eval0);
        assertTrue(eval1.isEmpty(), "consecutive evaluations must not reuse sequences");
        java.util.Set<String> data1 = draws(Trainer.dataSeed(1), 200);
        java.util.Set<String> data2 = draws(Trainer.dataSeed(2), 200);
        data2.retainAll(data1);
        assertTrue(data2.isEmpty(), "seeds 1 and 2 must not train on the same sequences");
    }

    @Test
    void badOptionsAreRejectedWithTheirName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrainerOptions.defaults().withBatch(0));
        assertTrue(e.getMessage().contains("batch"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> GradientClipping.parse("norm:abc"));
        assertTrue(e.getMessage().contains("norm:abc"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Optimizer.Kind.parse("sgd"));
        assertTrue(e.getMessage().contains("adam or rmsprop"), e.getMessage());
    }
}
