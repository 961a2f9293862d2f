package dev.ntm.engine.task;

import static dev.ntm.engine.task.SequenceChecks.assertBits;
import static dev.ntm.engine.task.SequenceChecks.assertMaskExactly;
import static dev.ntm.engine.task.SequenceChecks.assertShape;
import static dev.ntm.engine.task.SequenceChecks.assertZero;
import static dev.ntm.engine.task.SequenceChecks.input;
import static dev.ntm.engine.task.SequenceChecks.inputChannels;
import static dev.ntm.engine.task.SequenceChecks.target;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ntm.engine.util.SplitMix64;
import org.junit.jupiter.api.Test;

class CopyTaskTest {

    @Test
    void defaultsAreTheSpecs() {
        CopyTask task = new CopyTask();
        assertEquals("copy", task.name());
        assertEquals(8, task.bits());
        assertEquals(9, task.inputSize());
        assertEquals(8, task.outputSize());
        assertEquals(1, task.minLength());
        assertEquals(20, task.maxLength());
        assertEquals(41, task.maxSteps(), "2 * 20 + 1");
    }

    /** Length 2, 3 bits: the whole layout, with the random bits taken from the input rows. */
    @Test
    void goldenLengthTwo() {
        CopyTask task = new CopyTask(3, 2, 2);
        Sequence s = task.generate(new SplitMix64(7));
        assertEquals(5, s.steps());
        float[] v0 = inputChannels(s, 0, 0, 3);
        float[] v1 = inputChannels(s, 1, 0, 3);
        float[] expectedInputs = {
            v0[0], v0[1], v0[2], 0,
            v1[0], v1[1], v1[2], 0,
            0, 0, 0, 1,
            0, 0, 0, 0,
            0, 0, 0, 0,
        };
        float[] expectedTargets = {
            0, 0, 0,
            0, 0, 0,
            0, 0, 0,
            v0[0], v0[1], v0[2],
            v1[0], v1[1], v1[2],
        };
        assertArrayEquals(expectedInputs, s.inputs());
        assertArrayEquals(expectedTargets, s.targets());
        assertArrayEquals(new float[] {0, 0, 0, 1, 1}, s.mask());
        assertBits(s.inputs(), "inputs");
    }

    @Test
    void invariantsOverManySeeds() {
        CopyTask task = new CopyTask(4, 20);
        boolean[] seen = new boolean[21];
        double ones = 0;
        double total = 0;
        for (long seed = 0; seed < 500; seed++) {
            Sequence s = task.generate(new SplitMix64(seed));
            assertShape(task, s);
            int length = (s.steps() - 1) / 2;
            assertEquals(2 * length + 1, s.steps(), "T = 2L + 1 is odd");
            assertTrue(length >= 4 && length <= 20, "length " + length);
            seen[length] = true;
            for (int t = 0; t < length; t++) {
                float[] vector = inputChannels(s, t, 0, 8);
                assertBits(vector, "input vector");
                assertEquals(0f, s.inputs()[t * 9 + 8], "no delimiter on vector steps");
                assertArrayEquals(vector, target(s, length + 1 + t), "target " + t + " is input " + t);
                assertZero(input(s, length + 1 + t), "input of output step");
                assertZero(target(s, t), "target of input step");
                for (float v : vector) {
                    ones += v;
                    total++;
                }
            }
            assertArrayEquals(new float[] {0, 0, 0, 0, 0, 0, 0, 0, 1}, input(s, length), "delimiter step");
            assertZero(target(s, length), "target of the delimiter step");
            assertMaskExactly(s, length + 1, 2 * length + 1);
            assertEquals(length * 8, s.scoredBits());
        }
        for (int length = 4; length <= 20; length++) {
            assertTrue(seen[length], "length " + length + " never drawn in 500 sequences (expected ~29 times)");
        }
        // about 30,000 fair bits: the fraction's deviation is ~0.003, so 0.02 is over 6 deviations
        assertEquals(0.5, ones / total, 0.02, "fraction of ones");
    }

    @Test
    void withMaxLengthKeepsTheOtherOptions() {
        CopyTask task = new CopyTask(5, 2, 9).withMaxLength(4);
        assertEquals(5, task.bits());
        assertEquals(2, task.minLength());
        assertEquals(4, task.maxLength());
        assertEquals(9, task.maxSteps());
    }

    @Test
    void rejectsBadOptions() {
        assertMessage(() -> new CopyTask(0, 1, 2), "bits");
        assertMessage(() -> new CopyTask(8, 0, 2), "minLength");
        assertMessage(() -> new CopyTask(8, 5, 4), "maxLength");
        assertMessage(() -> new CopyTask(8, 1, 1 << 30), "reduce the lengths");
        assertMessage(() -> new CopyTask(2, 5).withMaxLength(1), "maxLength");
    }

    static void assertMessage(Runnable r, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        assertTrue(e.getMessage().contains(expected), "message '" + e.getMessage() + "' should mention " + expected);
    }
}
