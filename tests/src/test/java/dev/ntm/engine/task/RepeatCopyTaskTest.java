package dev.ntm.engine.task;

import static dev.ntm.engine.task.CopyTaskTest.assertMessage;
import static dev.ntm.engine.task.SequenceChecks.assertBits;
import static dev.ntm.engine.task.SequenceChecks.assertMaskExactly;
import static dev.ntm.engine.task.SequenceChecks.assertShape;
import static dev.ntm.engine.task.SequenceChecks.assertZero;
import static dev.ntm.engine.task.SequenceChecks.input;
import static dev.ntm.engine.task.SequenceChecks.inputChannels;
import static dev.ntm.engine.task.SequenceChecks.target;
import static dev.ntm.engine.task.SequenceChecks.targetChannels;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.ntm.engine.util.SplitMix64;
import org.junit.jupiter.api.Test;

class RepeatCopyTaskTest {

    @Test
    void defaultsAreTheSpecs() {
        RepeatCopyTask task = new RepeatCopyTask();
        assertEquals("repeat-copy", task.name());
        assertEquals(10, task.inputSize(), "B + 2");
        assertEquals(9, task.outputSize(), "B + 1");
        assertEquals(1, task.minLength());
        assertEquals(10, task.maxLength());
        assertEquals(1, task.minRepeats());
        assertEquals(10, task.maxRepeats());
        assertEquals(10 + 1 + 100 + 1, task.maxSteps());
    }

    /** The spec's numbers: mean 5.5 and variance ((10)^2 - 1) / 12 for K in 1..10. */
    @Test
    void countNormalisationMatchesTheSpec() {
        RepeatCopyTask task = new RepeatCopyTask();
        double std = Math.sqrt((10.0 * 10.0 - 1.0) / 12.0);
        for (int k = 1; k <= 10; k++) {
            assertEquals((float) ((k - 5.5) / std), task.normalisedCount(k), 0f, "K = " + k);
        }
    }

    /** Over its own range 1..Kn the normalised count has mean 0 and variance 1, for any Kn. */
    @Test
    void normalisedCountIsStandardisedOverItsRange() {
        for (int kn : new int[] {2, 3, 10, 17, 50}) {
            RepeatCopyTask task = new RepeatCopyTask(8, 1, 3, 1, kn, kn);
            double sum = 0;
            double squares = 0;
            for (int k = 1; k <= kn; k++) {
                sum += task.normalisedCount(k);
                squares += (double) task.normalisedCount(k) * task.normalisedCount(k);
            }
            // float rounding of each value: errors ~1e-7 per term
            assertEquals(0.0, sum / kn, 1e-6, "mean over 1.." + kn);
            assertEquals(1.0, squares / kn, 1e-6, "variance over 1.." + kn);
        }
    }

    /** L = 2, K = 3, 2 bits: the whole layout, with the random bits taken from the input rows. */
    @Test
    void goldenLengthTwoRepeatThree() {
        RepeatCopyTask task = new RepeatCopyTask(2, 2, 2, 3, 3, 10);
        Sequence s = task.generate(new SplitMix64(11));
        assertEquals(2 + 1 + 6 + 1, s.steps());
        float[] a = inputChannels(s, 0, 0, 2);
        float[] b = inputChannels(s, 1, 0, 2);
        float count = (float) ((3 - 5.5) / Math.sqrt(99.0 / 12.0));
        float[] expectedInputs = {
            a[0], a[1], 0, 0,
            b[0], b[1], 0, 0,
            0, 0, 1, count,
            0, 0, 0, 0,
            0, 0, 0, 0,
            0, 0, 0, 0,
            0, 0, 0, 0,
            0, 0, 0, 0,
            0, 0, 0, 0,
            0, 0, 0, 0,
        };
        float[] expectedTargets = {
            0, 0, 0,
            0, 0, 0,
            0, 0, 0,
            a[0], a[1], 0,
            b[0], b[1], 0,
            a[0], a[1], 0,
            b[0], b[1], 0,
            a[0], a[1], 0,
            b[0], b[1], 0,
            0, 0, 1,
        };
        assertArrayEquals(expectedInputs, s.inputs());
        assertArrayEquals(expectedTargets, s.targets());
        assertArrayEquals(new float[] {0, 0, 0, 1, 1, 1, 1, 1, 1, 1}, s.mask());
        assertBits(a, "vector a");
        assertBits(b, "vector b");
    }

    @Test
    void invariantsOverManySeeds() {
        RepeatCopyTask task = new RepeatCopyTask();
        boolean[][] seen = new boolean[11][11];
        for (long seed = 0; seed < 2000; seed++) {
            Sequence s = task.generate(new SplitMix64(seed));
            assertShape(task, s);
            int length = delimiterStep(s);
            int repeats = repeatsFromCount(task, input(s, length)[9]);
            assertTrue(length >= 1 && length <= 10, "length " + length);
            seen[length][repeats] = true;
            assertEquals(length + 1 + length * repeats + 1, s.steps(), "T = L + 1 + L*K + 1");
            for (int t = 0; t < length; t++) {
                assertBits(inputChannels(s, t, 0, 8), "input vector");
                assertArrayEquals(new float[] {0, 0}, inputChannels(s, t, 8, 10), "no delimiter or count");
                assertZero(target(s, t), "target of input step");
            }
            for (int k = 0; k < repeats; k++) {
                for (int t = 0; t < length; t++) {
                    int step = length + 1 + k * length + t;
                    assertArrayEquals(inputChannels(s, t, 0, 8), targetChannels(s, step, 0, 8),
                            "repeat " + k + " of vector " + t);
                    assertEquals(0f, s.targets()[step * 9 + 8], "no end marker before the end");
                }
            }
            for (int t = length + 1; t < s.steps(); t++) {
                assertZero(input(s, t), "input of output step " + t);
            }
            assertArrayEquals(new float[] {0, 0, 0, 0, 0, 0, 0, 0, 1}, target(s, s.steps() - 1), "end marker");
            assertMaskExactly(s, length + 1, s.steps());
        }
        for (int l = 1; l <= 10; l++) {
            for (int k = 1; k <= 10; k++) {
                // each pair has probability 1/100: expected 20 times in 2000 sequences
                assertTrue(seen[l][k], "length " + l + " with " + k + " repeats never drawn");
            }
        }
    }

    @Test
    void generalisationKeepsTheTrainingNormalisation() {
        RepeatCopyTask eval = new RepeatCopyTask(8, 1, 10, 11, 20, 10);
        RepeatCopyTask train = new RepeatCopyTask();
        assertEquals(train.normalisedCount(10), eval.normalisedCount(10), 0f);
        for (long seed = 0; seed < 50; seed++) {
            Sequence s = eval.generate(new SplitMix64(seed));
            int length = delimiterStep(s);
            int repeats = repeatsFromCount(eval, input(s, length)[9]);
            assertTrue(repeats >= 11 && repeats <= 20, "repeats " + repeats);
        }
        assertEquals(10 + 1 + 200 + 1, eval.maxSteps());
    }

    @Test
    void rejectsBadOptions() {
        assertMessage(() -> new RepeatCopyTask(0, 1, 2, 1, 2, 2), "bits");
        assertMessage(() -> new RepeatCopyTask(0, 2, 1, 2), "minLength");
        assertMessage(() -> new RepeatCopyTask(3, 2, 1, 2), "maxLength");
        assertMessage(() -> new RepeatCopyTask(1, 2, 0, 2), "minRepeats");
        assertMessage(() -> new RepeatCopyTask(1, 2, 3, 2), "maxRepeats");
        assertMessage(() -> new RepeatCopyTask(1, 2, 1, 1), "Kn >= 2");
        assertMessage(() -> new RepeatCopyTask(8, 1, 100_000, 1, 100_000, 10), "reduce the lengths");
    }

    private static int delimiterStep(Sequence s) {
        for (int t = 0; t < s.steps(); t++) {
            if (s.inputs()[t * s.inputSize() + s.inputSize() - 2] == 1f) {
                return t;
            }
        }
        return fail("no delimiter step");
    }

    private static int repeatsFromCount(RepeatCopyTask task, float count) {
        for (int k = 1; k <= 100; k++) {
            if (task.normalisedCount(k) == count) {
                return k;
            }
        }
        return fail("count channel " + count + " is no normalised K");
    }
}
