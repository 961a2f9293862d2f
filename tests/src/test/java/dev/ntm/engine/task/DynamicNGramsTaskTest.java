package dev.ntm.engine.task;

import static dev.ntm.engine.task.CopyTaskTest.assertMessage;
import static dev.ntm.engine.task.SequenceChecks.assertBits;
import static dev.ntm.engine.task.SequenceChecks.assertMaskExactly;
import static dev.ntm.engine.task.SequenceChecks.assertShape;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ntm.engine.util.SplitMix64;
import org.junit.jupiter.api.Test;

class DynamicNGramsTaskTest {

    @Test
    void defaultsAreTheSpecs() {
        DynamicNGramsTask task = new DynamicNGramsTask();
        assertEquals("dynamic-ngrams", task.name());
        assertEquals(1, task.inputSize());
        assertEquals(1, task.outputSize());
        assertEquals(5, task.contextBits());
        assertEquals(32, task.contexts());
        assertEquals(199, task.maxSteps());
        assertEquals(195, task.scoredSteps(), "steps 5..199");
    }

    /** Context 2, 6 bits: 5 steps, inputs bits 1..5, targets bits 2..6, mask on steps 2..5 (1-based). */
    @Test
    void goldenTinySequence() {
        DynamicNGramsTask task = new DynamicNGramsTask(2, 6);
        Sequence s = task.generate(new SplitMix64(5));
        assertEquals(5, s.steps());
        float[] in = s.inputs();
        float[] expectedTargets = {in[1], in[2], in[3], in[4], s.targets()[4]};
        assertArrayEquals(expectedTargets, s.targets());
        assertArrayEquals(new float[] {0, 1, 1, 1, 1}, s.mask());
        assertBits(in, "inputs");
        assertBits(s.targets(), "targets");
    }

    /**
     * A deterministic table pins the context convention: with p = {0, 0, 1, 1} over 2-bit contexts
     * read oldest-bit-first, each bit copies the bit two steps back (the other reading order would
     * copy the previous bit instead).
     */
    @Test
    void contextIndexReadsTheOldestBitFirst() {
        DynamicNGramsTask task = new DynamicNGramsTask(2, 40);
        for (long seed = 0; seed < 20; seed++) {
            Sequence s = task.sample(new double[] {0, 0, 1, 1}, new SplitMix64(seed));
            float[] bits = allBits(s);
            for (int i = 2; i < bits.length; i++) {
                assertEquals(bits[i - 2], bits[i], "bit " + i + " copies bit " + (i - 2));
            }
        }
    }

    @Test
    void firstBitsAreFairCoinsWhateverTheTable() {
        DynamicNGramsTask task = new DynamicNGramsTask(3, 10);
        double[] ones = new double[3];
        int n = 4000;
        for (long seed = 0; seed < n; seed++) {
            Sequence s = task.sample(new double[] {1, 1, 1, 1, 1, 1, 1, 1}, new SplitMix64(seed));
            float[] bits = allBits(s);
            for (int i = 0; i < 3; i++) {
                ones[i] += bits[i];
            }
            for (int i = 3; i < bits.length; i++) {
                assertEquals(1f, bits[i], "a table of ones makes every later bit 1");
            }
        }
        for (int i = 0; i < 3; i++) {
            // 4000 fair flips: deviation of the fraction ~0.008; 0.04 is 5 deviations
            assertEquals(0.5, ones[i] / n, 0.04, "fraction of ones of coin flip " + i);
        }
    }

    /** Bits follow the table: conditional frequencies of a long sequence match p[context]. */
    @Test
    void bitsFollowTheTable() {
        DynamicNGramsTask task = new DynamicNGramsTask(1, 200_001);
        double[] p = {0.2, 0.7};
        float[] bits = allBits(task.sample(p, new SplitMix64(99)));
        double[] ones = new double[2];
        double[] total = new double[2];
        for (int i = 1; i < bits.length; i++) {
            int context = (int) bits[i - 1];
            ones[context] += bits[i];
            total[context]++;
        }
        for (int c = 0; c < 2; c++) {
            // ~100,000 draws per context: deviation of the frequency <= 0.0016; 0.01 is > 6 deviations
            assertEquals(p[c], ones[c] / total[c], 0.01, "frequency of 1 after context " + c);
        }
    }

    /** Beta(1/2, 1/2): mean 1/2, variance 1/8, CDF (2/pi) asin(sqrt(x)). */
    @Test
    void betaHalfSamplerHasTheArcsineLaw() {
        SplitMix64 rng = new SplitMix64(2024);
        int n = 200_000;
        double[] xs = {0.01, 0.1, 0.3, 0.5, 0.8, 0.97};
        double[] below = new double[xs.length];
        double sum = 0;
        double squares = 0;
        for (int i = 0; i < n; i++) {
            double p = DynamicNGramsTask.sampleBetaHalf(rng);
            assertTrue(p >= 0 && p <= 1, "sample " + p + " outside [0, 1]");
            sum += p;
            squares += (p - 0.5) * (p - 0.5);
            for (int j = 0; j < xs.length; j++) {
                below[j] += p <= xs[j] ? 1 : 0;
            }
        }
        // deviations at n = 200,000: mean 0.35/sqrt(n) ~ 0.0008, variance ~0.0003, CDF <= 0.0011;
        // tolerances are about 5 deviations
        assertEquals(0.5, sum / n, 0.004, "mean");
        assertEquals(0.125, squares / n, 0.0015, "variance");
        for (int j = 0; j < xs.length; j++) {
            double cdf = 2 / Math.PI * Math.asin(Math.sqrt(xs[j]));
            assertEquals(cdf, below[j] / n, 0.006, "CDF at " + xs[j]);
        }
    }

    @Test
    void invariantsOverManySeeds() {
        DynamicNGramsTask task = new DynamicNGramsTask();
        for (long seed = 0; seed < 500; seed++) {
            Sequence s = task.generate(new SplitMix64(seed));
            assertShape(task, s);
            assertEquals(199, s.steps());
            assertBits(s.inputs(), "inputs");
            assertBits(s.targets(), "targets");
            for (int t = 0; t + 1 < s.steps(); t++) {
                assertEquals(s.inputs()[t + 1], s.targets()[t], "target of step " + t + " is the next input bit");
            }
            assertMaskExactly(s, 4, 199);
            assertEquals(195, s.scoredBits());
        }
    }

    @Test
    void rejectsBadOptions() {
        assertMessage(() -> new DynamicNGramsTask(0, 200), "contextBits");
        assertMessage(() -> new DynamicNGramsTask(17, 200), "contextBits");
        assertMessage(() -> new DynamicNGramsTask(5, 5), "sequenceBits");
        DynamicNGramsTask task = new DynamicNGramsTask(2, 10);
        assertMessage(() -> task.sample(new double[3], new SplitMix64(1)), "4 values");
        assertMessage(() -> task.sample(new double[] {0, 0.5, 1.5, 0}, new SplitMix64(1)), "context 2");
        assertMessage(() -> task.sample(new double[] {0, Double.NaN, 1, 0}, new SplitMix64(1)), "context 1");
    }

    /** The n bits of a sequence: its inputs, then the last step's target. */
    static float[] allBits(Sequence s) {
        float[] bits = new float[s.steps() + 1];
        System.arraycopy(s.inputs(), 0, bits, 0, s.steps());
        bits[s.steps()] = s.targets()[s.steps() - 1];
        return bits;
    }
}
