package dev.ntm.engine.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import dev.ntm.engine.NtmConfig;
import dev.ntm.engine.model.EngineFixtures;
import dev.ntm.engine.model.Network;
import dev.ntm.engine.model.Recording;
import dev.ntm.engine.task.Sequence;
import dev.ntm.engine.util.SplitMix64;
import dev.ntm.kernels.KernelProvider;

/**
 * The embedding API: validation, state after a rejected call, reset, independence across threads,
 * batch sessions, and agreement with the training engine.
 */
class NtmSessionTest {

    private static final NtmConfig CONFIG = NtmConfig.copyTask();
    private static final NtmModel MODEL = NtmModel.create(CONFIG, 21);
    private static final int X = CONFIG.inputSize();
    private static final int Y = CONFIG.outputSize();

    /** Input of step t of a fixed, seeded stream of random bit vectors. */
    private static float[][] inputs(int steps, long seed, int batch) {
        SplitMix64 rng = new SplitMix64(seed);
        float[][] in = new float[steps][batch * X];
        for (float[] row : in) {
            for (int i = 0; i < row.length; i++) {
                row[i] = rng.nextBoolean() ? 1f : 0f;
            }
        }
        return in;
    }

    /** Outputs of {@code session} over the inputs, one array per step. */
    private static float[][] run(NtmSession session, float[][] in) {
        float[][] out = new float[in.length][session.batchSize() * Y];
        for (int t = 0; t < in.length; t++) {
            session.step(in[t], out[t]);
        }
        return out;
    }

    @Test
    void rejectsBadInputsWithClearMessages() {
        NtmSession s = MODEL.newSession();
        float[] out = new float[Y];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.step(new float[8], out));
        assertTrue(e.getMessage().contains("inputs must hold batch*X = 1*9 = 9 floats, got 8"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> s.step(null, out));
        assertTrue(e.getMessage().contains("inputs is null"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> s.step(new float[X], new float[Y + 1]));
        assertTrue(e.getMessage().contains("probabilities must hold batch*Y = 1*8 = 8 floats, got 9"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> s.stepLogits(new float[X], null));
        assertTrue(e.getMessage().contains("logits is null"), e.getMessage());
        float[] nan = new float[X];
        nan[3] = Float.NaN;
        e = assertThrows(IllegalArgumentException.class, () -> s.step(nan, out));
        assertTrue(e.getMessage().contains("inputs[3] = NaN"), e.getMessage());
        float[] inf = new float[X];
        inf[8] = Float.NEGATIVE_INFINITY;
        e = assertThrows(IllegalArgumentException.class, () -> s.step(inf, out));
        assertTrue(e.getMessage().contains("inputs[8] = -Infinity"), e.getMessage());
        NtmSession batch = MODEL.newSession(3);
        e = assertThrows(IllegalArgumentException.class, () -> batch.step(new float[X], new float[3 * Y]));
        assertTrue(e.getMessage().contains("batch*X = 3*9 = 27 floats, got 9"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> MODEL.newSession(0));
        assertTrue(e.getMessage().contains("batch size must be in 1..65536, got 0"), e.getMessage());
    }

    @Test
    void rejectsBadParameters() {
        float[] p = MODEL.parameters();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NtmModel.of(CONFIG, new float[p.length - 1]));
        assertTrue(e.getMessage().contains("parameters must hold " + p.length + " floats"), e.getMessage());
        long at = MODEL.layout().offset("write_heads.0.weight") + 3 * CONFIG.hiddenSize() + 17;
        p[(int) at] = Float.POSITIVE_INFINITY;
        e = assertThrows(IllegalArgumentException.class, () -> NtmModel.of(CONFIG, p));
        assertTrue(e.getMessage().contains("write_heads.0.weight[3][17] = Infinity"), e.getMessage());
    }

    @Test
    void rejectedCallLeavesTheSessionUnchanged() {
        float[][] in = inputs(12, 1, 1);
        float[][] expected = run(MODEL.newSession(), in);
        NtmSession s = MODEL.newSession();
        float[] out = new float[Y];
        float[] bad = in[6].clone();
        bad[0] = Float.NaN;
        for (int t = 0; t < in.length; t++) {
            if (t == 6) {
                float[] before = out.clone();
                assertThrows(IllegalArgumentException.class, () -> s.step(bad, out));
                assertThrows(IllegalArgumentException.class, () -> s.step(new float[X + 1], out));
                assertArrayEquals(before, out, "a rejected call must not write the output");
            }
            s.step(in[t], out);
            assertArrayEquals(expected[t], out, "step " + t);
        }
    }

    @Test
    void resetReturnsToTheInitialState() {
        float[][] in = inputs(10, 2, 1);
        NtmSession s = MODEL.newSession();
        float[][] first = run(s, in);
        float[][] second = run(s, in);
        // the memory carries over, so without reset the second pass differs
        assertTrue(differs(first, second), "state should carry over between calls");
        s.reset();
        float[][] third = run(s, in);
        for (int t = 0; t < in.length; t++) {
            assertArrayEquals(first[t], third[t], "step " + t + " after reset");
        }
    }

    private static boolean differs(float[][] a, float[][] b) {
        for (int t = 0; t < a.length; t++) {
            for (int j = 0; j < a[t].length; j++) {
                if (a[t][j] != b[t][j]) {
                    return true;
                }
            }
        }
        return false;
    }

    @Test
    void sessionsOnDifferentThreadsAreIndependent() throws Exception {
        float[][] inA = inputs(200, 3, 1);
        float[][] inB = inputs(200, 4, 1);
        float[][] aloneA = run(MODEL.newSession(), inA);
        float[][] aloneB = run(MODEL.newSession(), inB);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Callable<float[][]> a = () -> run(MODEL.newSession(), inA);
            Callable<float[][]> b = () -> run(MODEL.newSession(), inB);
            for (int repeat = 0; repeat < 3; repeat++) {
                Future<float[][]> fa = pool.submit(a);
                Future<float[][]> fb = pool.submit(b);
                float[][] ra = fa.get();
                float[][] rb = fb.get();
                for (int t = 0; t < inA.length; t++) {
                    assertArrayEquals(aloneA[t], ra[t], "thread A step " + t);
                    assertArrayEquals(aloneB[t], rb[t], "thread B step " + t);
                }
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void batchSessionEqualsSingleSessions() {
        int batch = 3;
        float[][] in = inputs(15, 5, batch);
        float[][] together = run(MODEL.newSession(batch), in);
        for (int b = 0; b < batch; b++) {
            NtmSession single = MODEL.newSession();
            float[] out = new float[Y];
            float[] x = new float[X];
            for (int t = 0; t < in.length; t++) {
                System.arraycopy(in[t], b * X, x, 0, X);
                single.step(x, out);
                for (int j = 0; j < Y; j++) {
                    // batch-invariant kernels: bit-identical (MultiSessionBatchInvarianceTest covers more)
                    assertEquals(out[j], together[t][b * Y + j], "sequence " + b + " step " + t + " bit " + j);
                }
            }
        }
    }

    @Test
    void sessionLogitsEqualTheTrainingEngine() {
        Sequence seq = EngineFixtures.randomSequence(CONFIG, 30, new SplitMix64(6), false);
        Recording rec;
        try (Arena arena = Arena.ofConfined(); Network net = new Network(CONFIG, MODEL.kernels(), 1, 30)) {
            rec = net.record(EngineFixtures.segment(arena, MODEL.parameters()), seq);
        }
        NtmSession s = MODEL.newSession();
        float[] x = new float[X];
        float[] logits = new float[Y];
        float[] probs = new float[Y];
        NtmSession p = MODEL.newSession();
        for (int t = 0; t < seq.steps(); t++) {
            System.arraycopy(seq.inputs(), t * X, x, 0, X);
            s.stepLogits(x, logits);
            p.step(x, probs);
            for (int j = 0; j < Y; j++) {
                // sessions use transposed weights (another summation order): float rounding only
                assertEquals(rec.logits()[t * Y + j], logits[j], 1e-4f, "logit " + j + " at step " + t);
                assertEquals(1 / (1 + Math.exp(-logits[j])), probs[j], 1e-6, "probability " + j + " at step " + t);
            }
        }
    }

    @Test
    void scalarKernelsAgreeWithTheProvidersChoice() {
        NtmModel scalar = MODEL.withKernels(KernelProvider.scalar());
        float[][] in = inputs(40, 7, 2);
        float[][] a = run(scalar.newSession(2), in);
        float[][] b = run(MODEL.newSession(2), in);
        for (int t = 0; t < in.length; t++) {
            // float rounding of different summation orders, through 40 recurrent steps
            assertArrayEquals(a[t], b[t], 1e-4f, "step " + t);
        }
    }
    @Test
    void compactWeightsStayCloseToFloat32AndAreBatchInvariant() {
        NtmModel compact = MODEL.withCompactWeights();
        assertTrue(compact.compactWeights());
        assertTrue(!MODEL.compactWeights());
        float[][] in = inputs(60, 8, 1);
        float[][] full = run(MODEL.newSession(), in);
        float[][] small = run(compact.newSession(), in);
        double worst = 0;
        boolean anyDifferent = false;
        for (int t = 0; t < in.length; t++) {
            for (int j = 0; j < Y; j++) {
                worst = Math.max(worst, Math.abs(full[t][j] - small[t][j]));
                anyDifferent |= full[t][j] != small[t][j];
            }
        }
        // weights rounded to 8 significant bits: the outputs move, but only a little
        assertTrue(anyDifferent, "the compact session computed exactly the float32 outputs: weights not narrowed?");
        assertTrue(worst < 5e-3, "compact outputs differ from float32 by up to " + worst);
        // deterministic and batch-invariant like the float32 mode
        assertArrayEquals(small, run(compact.newSession(), in));
        float[][] pair = inputs(60, 9, 2);
        float[][] both = run(compact.newSession(2), pair);
        float[][] second = new float[pair.length][X];
        for (int t = 0; t < pair.length; t++) {
            System.arraycopy(pair[t], X, second[t], 0, X);
        }
        float[][] alone = run(compact.newSession(), second);
        for (int t = 0; t < pair.length; t++) {
            for (int j = 0; j < Y; j++) {
                assertEquals(Float.floatToRawIntBits(alone[t][j]), Float.floatToRawIntBits(both[t][Y + j]),
                        "sequence 1 of a compact batch at step " + t);
            }
        }
        // the scalar reference of the compact product agrees within float rounding
        float[][] scalar = run(compact.withKernels(KernelProvider.scalar()).newSession(), in);
        for (int t = 0; t < in.length; t++) {
            assertArrayEquals(small[t], scalar[t], 1e-4f, "scalar compact at step " + t);
        }
    }
}
