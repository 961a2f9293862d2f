package dev.ntm.engine.task;

import static dev.ntm.engine.task.CopyTaskTest.assertMessage;
import static dev.ntm.engine.task.SequenceChecks.assertBits;
import static dev.ntm.engine.task.SequenceChecks.assertMaskExactly;
import static dev.ntm.engine.task.SequenceChecks.assertShape;
import static dev.ntm.engine.task.SequenceChecks.assertZero;
import static dev.ntm.engine.task.SequenceChecks.input;
import static dev.ntm.engine.task.SequenceChecks.inputChannels;
import static dev.ntm.engine.task.SequenceChecks.target;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import dev.ntm.engine.util.SplitMix64;
import org.junit.jupiter.api.Test;

class PrioritySortTaskTest {

    @Test
    void defaultsAreTheSpecs() {
        PrioritySortTask task = new PrioritySortTask();
        assertEquals("priority-sort", task.name());
        assertEquals(10, task.inputSize(), "B + 2");
        assertEquals(8, task.outputSize());
        assertEquals(20, task.inputCount());
        assertEquals(16, task.outputCount());
        assertEquals(37, task.maxSteps(), "20 + 1 + 16");
    }

    /** Three 2-bit vectors in, the two highest out: the whole layout, built from the drawn rows. */
    @Test
    void goldenThreeInTwoOut() {
        PrioritySortTask task = new PrioritySortTask(2, 3, 2);
        Sequence s = task.generate(new SplitMix64(17));
        assertEquals(3 + 1 + 2, s.steps());
        float[][] rows = {input(s, 0), input(s, 1), input(s, 2)};
        // the two highest priorities (channel 2), highest first, found by hand-rolled comparisons
        int first = 0;
        for (int i = 1; i < 3; i++) {
            first = rows[i][2] > rows[first][2] ? i : first;
        }
        int second = first == 0 ? 1 : 0;
        for (int i = 0; i < 3; i++) {
            second = i != first && rows[i][2] > rows[second][2] ? i : second;
        }
        float[] expectedInputs = {
            rows[0][0], rows[0][1], rows[0][2], 0,
            rows[1][0], rows[1][1], rows[1][2], 0,
            rows[2][0], rows[2][1], rows[2][2], 0,
            0, 0, 0, 1,
            0, 0, 0, 0,
            0, 0, 0, 0,
        };
        float[] expectedTargets = {
            0, 0,
            0, 0,
            0, 0,
            0, 0,
            rows[first][0], rows[first][1],
            rows[second][0], rows[second][1],
        };
        assertArrayEquals(expectedInputs, s.inputs());
        assertArrayEquals(expectedTargets, s.targets());
        assertArrayEquals(new float[] {0, 0, 0, 0, 1, 1}, s.mask());
    }

    @Test
    void invariantsOverManySeeds() {
        PrioritySortTask task = new PrioritySortTask();
        double prioritySum = 0;
        float lowest = 1;
        float highest = -1;
        for (long seed = 0; seed < 500; seed++) {
            Sequence s = task.generate(new SplitMix64(seed));
            assertShape(task, s);
            assertEquals(37, s.steps());
            List<float[]> rows = new ArrayList<>();
            for (int t = 0; t < 20; t++) {
                float[] row = input(s, t);
                assertBits(inputChannels(s, t, 0, 8), "vector");
                assertTrue(row[8] >= -1f && row[8] <= 1f, "priority " + row[8] + " outside [-1, 1]");
                assertEquals(0f, row[9], "no delimiter on input steps");
                assertZero(target(s, t), "target of input step");
                rows.add(row);
                prioritySum += row[8];
                lowest = Math.min(lowest, row[8]);
                highest = Math.max(highest, row[8]);
            }
            assertArrayEquals(new float[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, input(s, 20), "delimiter step");
            assertZero(target(s, 20), "target of the delimiter step");
            // reference order: a stable sort by descending priority of the input rows
            List<float[]> sorted = new ArrayList<>(rows);
            sorted.sort(Comparator.comparingDouble((float[] r) -> r[8]).reversed());
            for (int k = 0; k < 16; k++) {
                assertArrayEquals(inputChannels(s, indexOf(rows, sorted.get(k)), 0, 8), target(s, 21 + k),
                        "output " + k + " is the vector of rank " + k);
                assertZero(input(s, 21 + k), "input of output step");
            }
            assertMaskExactly(s, 21, 37);
        }
        // 10,000 uniform priorities in [-1, 1]: deviation of the mean ~0.006; 0.03 is 5 deviations
        assertEquals(0.0, prioritySum / 10_000, 0.03, "mean priority");
        assertTrue(lowest < -0.99f && highest > 0.99f, "priorities span [-1, 1]: " + lowest + ".." + highest);
    }

    @Test
    void rejectsBadOptions() {
        assertMessage(() -> new PrioritySortTask(0, 20, 16), "bits");
        assertMessage(() -> new PrioritySortTask(0, 0), "inputs");
        assertMessage(() -> new PrioritySortTask(20, 21), "outputs");
        assertMessage(() -> new PrioritySortTask(20, 0), "outputs");
    }

    private static int indexOf(List<float[]> rows, float[] row) {
        for (int i = 0; i < rows.size(); i++) {
            if (rows.get(i) == row) {
                return i;
            }
        }
        throw new AssertionError("row not found");
    }

    /** The index sort is stable (ties keep input order) and descending, as a library stable sort. */
    @Test
    void indexSortIsStableAndDescending() {
        SplitMix64 rng = new SplitMix64(5);
        for (int n = 0; n <= 20; n++) {
            float[] priority = new float[n];
            for (int i = 0; i < n; i++) {
                priority[i] = (float) Math.floor(rng.uniform(-2.0, 2.0)); // few values: many ties
            }
            int[] order = new int[n];
            List<Integer> expected = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                order[i] = i;
                expected.add(i);
            }
            expected.sort(Comparator.comparingDouble((Integer i) -> priority[i]).reversed());
            PrioritySortTask.sortByDescendingPriority(order, priority);
            assertArrayEquals(expected.stream().mapToInt(Integer::intValue).toArray(), order, "n=" + n);
        }
    }
}
