package dev.ntm.engine.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;

/** Helpers shared by the task tests: rows of a sequence and common structural checks. */
final class SequenceChecks {

    private SequenceChecks() {
    }

    /** Input row of step t (0-based). */
    static float[] input(Sequence s, int t) {
        return Arrays.copyOfRange(s.inputs(), t * s.inputSize(), (t + 1) * s.inputSize());
    }

    /** Target row of step t (0-based). */
    static float[] target(Sequence s, int t) {
        return Arrays.copyOfRange(s.targets(), t * s.outputSize(), (t + 1) * s.outputSize());
    }

    /** Channels from..to-1 of input row t. */
    static float[] inputChannels(Sequence s, int t, int from, int to) {
        return Arrays.copyOfRange(s.inputs(), t * s.inputSize() + from, t * s.inputSize() + to);
    }

    /** Channels from..to-1 of target row t. */
    static float[] targetChannels(Sequence s, int t, int from, int to) {
        return Arrays.copyOfRange(s.targets(), t * s.outputSize() + from, t * s.outputSize() + to);
    }

    /** Number of steps whose mask is 1. */
    static int maskedSteps(Sequence s) {
        int n = 0;
        for (float m : s.mask()) {
            n += m == 1f ? 1 : 0;
        }
        return n;
    }

    /** The mask is 1 exactly on steps from..to-1 (0-based) and 0 elsewhere. */
    static void assertMaskExactly(Sequence s, int from, int to) {
        for (int t = 0; t < s.steps(); t++) {
            float expected = t >= from && t < to ? 1f : 0f;
            if (s.mask()[t] != expected) {
                fail("mask of step " + t + " should be " + expected + " (output steps " + from + ".." + (to - 1)
                        + " of " + s.steps() + "), got " + s.mask()[t]);
            }
        }
    }

    /** Every value is 0 or 1. */
    static void assertBits(float[] values, String what) {
        for (int i = 0; i < values.length; i++) {
            if (values[i] != 0f && values[i] != 1f) {
                fail(what + "[" + i + "] should be a bit, got " + values[i]);
            }
        }
    }

    /** Every value is 0. */
    static void assertZero(float[] values, String what) {
        for (int i = 0; i < values.length; i++) {
            if (values[i] != 0f) {
                fail(what + "[" + i + "] should be 0, got " + values[i]);
            }
        }
    }

    /** Shape checks common to every task's sequence. */
    static void assertShape(Task task, Sequence s) {
        assertEquals(task.inputSize(), s.inputSize(), "X");
        assertEquals(task.outputSize(), s.outputSize(), "Y");
        assertTrue(s.steps() >= 1 && s.steps() <= task.maxSteps(),
                "steps " + s.steps() + " must be in 1.." + task.maxSteps());
        assertBits(s.mask(), "mask");
    }
}
