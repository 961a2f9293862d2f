package dev.ntm.engine.task;

import static dev.ntm.engine.task.CopyTaskTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ntm.engine.util.SplitMix64;
import org.junit.jupiter.api.Test;

class NGramBayesPredictorTest {

    /**
     * Context of 2 bits, bits 0 1 1 0 1 1 0 1 (inputs the first 7, targets the last 7), scored from
     * step 2 (1-based). Context index = 2 * older + newer. By hand, at 0-based step t:
     * <pre>
     * t=0: no whole context                                        -> 1/2
     * t=1: context 01, nothing counted yet                          -> 1/2
     * t=2: count 01->1;       context 11, counts of 11: 0/0         -> 1/2
     * t=3: count 11->0;       context 10, counts of 10: 0/0         -> 1/2
     * t=4: count 10->1;       context 01, counts of 01: 1 one of 1  -> 1.5/2 = 3/4
     * t=5: count 01->1;       context 11, counts of 11: 0 ones of 1 -> 0.5/2 = 1/4
     * t=6: count 11->0;       context 10, counts of 10: 1 one of 1  -> 3/4
     * </pre>
     * Targets 1 1 0 1 1 0 1; scored steps 1..6 cost 1 + 1 + 1 + 3 * log2(4/3) bits.
     */
    @Test
    void handCheckedExample() {
        float[] inputs = {0, 1, 1, 0, 1, 1, 0};
        float[] targets = {1, 1, 0, 1, 1, 0, 1};
        float[] mask = {0, 1, 1, 1, 1, 1, 1};
        Sequence s = new Sequence(7, 1, 1, inputs, targets, mask);
        NGramBayesPredictor predictor = new NGramBayesPredictor(2);
        // exact binary fractions: the sums and quotients are exact in double
        assertArrayEquals(new double[] {0.5, 0.5, 0.5, 0.5, 0.75, 0.25, 0.75}, predictor.predict(s), 0.0);
        double expected = 3 + 3 * (Math.log(4.0 / 3.0) / Math.log(2));
        // a sum of 6 logarithms: double rounding ~1e-15
        assertEquals(expected, predictor.costBits(s), 1e-12);
    }

    /** The prediction at step t reads inputs 1..t only: changing later bits leaves it unchanged. */
    @Test
    void predictionsUseOnlyPastInputs() {
        DynamicNGramsTask task = new DynamicNGramsTask();
        NGramBayesPredictor predictor = new NGramBayesPredictor(task);
        Sequence s = task.generate(new SplitMix64(8));
        double[] p = predictor.predict(s);
        for (int cut : new int[] {10, 57, 150}) {
            float[] changed = s.inputs().clone();
            for (int t = cut + 1; t < changed.length; t++) {
                changed[t] = 1f - changed[t];
            }
            double[] q = predictor.predict(new Sequence(s.steps(), 1, 1, changed, s.targets(), s.mask()));
            for (int t = 0; t <= cut; t++) {
                assertEquals(p[t], q[t], 0.0, "prediction at step " + t + " changed by inputs after step " + cut);
            }
        }
    }

    /**
     * The predictor is the posterior predictive of the true generating process, so in expectation
     * it beats every other predictor: the fair coin (1 bit per scored step), Laplace's rule
     * (N1 + 1) / (N + 2), and it loses only to the oracle that knows the table p.
     */
    @Test
    void beatsOtherPredictorsOnAverage() {
        DynamicNGramsTask task = new DynamicNGramsTask();
        NGramBayesPredictor predictor = new NGramBayesPredictor(task);
        SplitMix64 rng = new SplitMix64(123);
        int n = 2000;
        double bayes = 0;
        double laplace = 0;
        double oracle = 0;
        double bayesSquares = 0;
        double diffSquares = 0;
        for (int i = 0; i < n; i++) {
            double[] table = task.drawProbabilities(rng);
            Sequence s = task.sample(table, rng);
            double b = predictor.costBits(s);
            double l = laplaceCostBits(s);
            bayes += b;
            bayesSquares += b * b;
            laplace += l;
            diffSquares += (l - b) * (l - b);
            oracle += oracleCostBits(s, table);
        }
        bayes /= n;
        laplace /= n;
        oracle /= n;
        double bayesSe = Math.sqrt((bayesSquares / n - bayes * bayes) / n);
        double diffSe = Math.sqrt((diffSquares / n - (laplace - bayes) * (laplace - bayes)) / n);
        System.out.printf("dynamic-ngrams reference costs over %d sequences (bits/sequence): oracle %.2f, "
                + "Bayes %.2f (se %.2f), Laplace %.2f (paired se of the gap %.3f), fair coin 195%n",
                n, oracle, bayes, bayesSe, laplace, diffSe);
        assertTrue(bayes < 195 - 10 * bayesSe, "Bayes " + bayes + " should be far below the fair coin's 195");
        assertTrue(laplace - bayes > 3 * diffSe, "Bayes " + bayes + " should beat Laplace " + laplace);
        assertTrue(oracle < bayes, "the oracle " + oracle + " should beat Bayes " + bayes);
        assertEquals(bayes, predictor.meanCostBits(task, new SplitMix64(123), n), 1e-9,
                "meanCostBits draws the same sequences as generate()");
    }

    @Test
    void rejectsBadInput() {
        assertMessage(() -> new NGramBayesPredictor(0), "contextBits");
        NGramBayesPredictor predictor = new NGramBayesPredictor();
        Sequence wide = new Sequence(2, 2, 1, new float[4], new float[2], new float[2]);
        assertMessage(() -> predictor.predict(wide), "X = Y = 1");
        Sequence notBits = new Sequence(2, 1, 1, new float[] {0, 0.5f}, new float[2], new float[2]);
        assertMessage(() -> predictor.predict(notBits), "step 2 has 0.5");
        Sequence s = new DynamicNGramsTask().generate(new SplitMix64(1));
        assertMessage(() -> predictor.predict(s, new double[10]), "199");
        assertMessage(() -> predictor.meanCostBits(new DynamicNGramsTask(3, 50), new SplitMix64(1), 1), "3");
        assertMessage(() -> predictor.meanCostBits(new DynamicNGramsTask(), new SplitMix64(1), 0), "sequences");
    }

    /** Laplace's rule of succession per context, the same counting as the Bayesian predictor. */
    private static double laplaceCostBits(Sequence s) {
        int[] ones = new int[32];
        int[] total = new int[32];
        float[] bits = DynamicNGramsTaskTest.allBits(s);
        double nats = 0;
        for (int i = 5; i < bits.length; i++) {
            int context = contextBefore(bits, i);
            double p = (ones[context] + 1.0) / (total[context] + 2.0);
            if (s.mask()[i - 1] != 0f) {
                nats -= bits[i] == 1f ? Math.log(p) : Math.log(1 - p);
            }
            ones[context] += (int) bits[i];
            total[context]++;
        }
        return nats / Math.log(2);
    }

    /** The cost of predicting with the true table. */
    private static double oracleCostBits(Sequence s, double[] table) {
        float[] bits = DynamicNGramsTaskTest.allBits(s);
        double nats = 0;
        for (int i = 5; i < bits.length; i++) {
            double p = table[contextBefore(bits, i)];
            if (s.mask()[i - 1] != 0f) {
                nats -= bits[i] == 1f ? Math.log(p) : Math.log(1 - p);
            }
        }
        return nats / Math.log(2);
    }

    /** Index of the 5 bits before bit i, the oldest most significant. */
    private static int contextBefore(float[] bits, int i) {
        int c = 0;
        for (int j = i - 5; j < i; j++) {
            c = 2 * c + (int) bits[j];
        }
        return c;
    }
}
