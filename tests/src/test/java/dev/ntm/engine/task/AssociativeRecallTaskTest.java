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

import java.util.Arrays;
import dev.ntm.engine.util.SplitMix64;
import org.junit.jupiter.api.Test;

class AssociativeRecallTaskTest {

    @Test
    void defaultsAreTheSpecs() {
        AssociativeRecallTask task = new AssociativeRecallTask();
        assertEquals("associative-recall", task.name());
        assertEquals(8, task.inputSize(), "B + 2");
        assertEquals(6, task.outputSize());
        assertEquals(3, task.itemLength());
        assertEquals(2, task.minLength());
        assertEquals(6, task.maxLength());
        assertEquals(6 * 4 + 1 + 3 + 1 + 3, task.maxSteps());
    }

    /** Two items of two 2-bit vectors: the query must be item 1 and the answer item 2. */
    @Test
    void goldenTwoItems() {
        AssociativeRecallTask task = new AssociativeRecallTask(2, 2, 2, 2);
        Sequence s = task.generate(new SplitMix64(3));
        assertEquals(2 * 3 + 2 * 2 + 2, s.steps());
        float[] a1 = inputChannels(s, 1, 0, 2);
        float[] a2 = inputChannels(s, 2, 0, 2);
        float[] b1 = inputChannels(s, 4, 0, 2);
        float[] b2 = inputChannels(s, 5, 0, 2);
        float[] expectedInputs = {
            0, 0, 1, 0,
            a1[0], a1[1], 0, 0,
            a2[0], a2[1], 0, 0,
            0, 0, 1, 0,
            b1[0], b1[1], 0, 0,
            b2[0], b2[1], 0, 0,
            0, 0, 0, 1,
            a1[0], a1[1], 0, 0,
            a2[0], a2[1], 0, 0,
            0, 0, 0, 1,
            0, 0, 0, 0,
            0, 0, 0, 0,
        };
        float[] expectedTargets = {
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            b1[0], b1[1],
            b2[0], b2[1],
        };
        assertArrayEquals(expectedInputs, s.inputs());
        assertArrayEquals(expectedTargets, s.targets());
        assertArrayEquals(new float[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1}, s.mask());
    }

    @Test
    void invariantsOverManySeeds() {
        AssociativeRecallTask task = new AssociativeRecallTask();
        int[][] queryCounts = new int[7][7];
        for (long seed = 0; seed < 3000; seed++) {
            Sequence s = task.generate(new SplitMix64(seed));
            assertShape(task, s);
            int items = (s.steps() - 8) / 4;
            assertEquals(items * 4 + 8, s.steps(), "T = 4n + 8");
            assertTrue(items >= 2 && items <= 6, "items " + items);
            for (int i = 0; i < items; i++) {
                assertArrayEquals(new float[] {0, 0, 0, 0, 0, 0, 1, 0}, input(s, 4 * i), "item delimiter");
                for (int v = 1; v <= 3; v++) {
                    assertBits(inputChannels(s, 4 * i + v, 0, 6), "item vector");
                    assertArrayEquals(new float[] {0, 0}, inputChannels(s, 4 * i + v, 6, 8), "no delimiter");
                }
            }
            int q = 4 * items;
            assertArrayEquals(new float[] {0, 0, 0, 0, 0, 0, 0, 1}, input(s, q), "query delimiter");
            assertArrayEquals(new float[] {0, 0, 0, 0, 0, 0, 0, 1}, input(s, q + 4), "second query delimiter");
            float[] query = vectorsFrom(s, q + 1);
            // the query is one of the first n-1 items and the targets are the item after it; items may
            // repeat (rarely), so accept any item equal to the query whose follower matches the targets
            float[] answer = Arrays.copyOfRange(s.targets(), (q + 5) * 6, (q + 8) * 6);
            int match = -1;
            for (int i = 0; i < items - 1 && match < 0; i++) {
                if (Arrays.equals(query, vectorsFrom(s, 4 * i + 1))
                        && Arrays.equals(answer, vectorsFrom(s, 4 * i + 5))) {
                    match = i;
                }
            }
            assertTrue(match >= 0, "no item among the first n-1 equals the query with its follower as the targets");
            queryCounts[items][match]++;
            for (int v = 0; v < 3; v++) {
                assertZero(input(s, q + 5 + v), "input of output step");
            }
            for (int t = 0; t < q + 5; t++) {
                assertZero(target(s, t), "target of step " + t);
            }
            assertMaskExactly(s, q + 5, q + 8);
        }
        for (int n = 2; n <= 6; n++) {
            int total = 0;
            for (int i = 0; i < n - 1; i++) {
                total += queryCounts[n][i];
            }
            for (int i = 0; i < n - 1; i++) {
                // ~600 sequences per n, each of n-1 queries expected total/(n-1) >= 120 times: a
                // uniform draw stays within half of that except with negligible probability
                double expected = total / (double) (n - 1);
                assertEquals(expected, queryCounts[n][i], expected / 2, "query " + i + " of " + n + " items");
            }
        }
    }

    /** The bit channels of the 3 input rows from {@code step}, as one array. */
    private static float[] vectorsFrom(Sequence s, int step) {
        float[] out = new float[18];
        for (int v = 0; v < 3; v++) {
            System.arraycopy(inputChannels(s, step + v, 0, 6), 0, out, 6 * v, 6);
        }
        return out;
    }

    @Test
    void withMaxLengthChangesOnlyTheItems() {
        AssociativeRecallTask task = new AssociativeRecallTask(4, 2, 3, 9).withMaxLength(5);
        assertEquals(4, task.bits());
        assertEquals(2, task.itemLength());
        assertEquals(3, task.minLength());
        assertEquals(5, task.maxLength());
        assertEquals("items", task.lengthName());
    }

    @Test
    void rejectsBadOptions() {
        assertMessage(() -> new AssociativeRecallTask(0, 3, 2, 6), "bits");
        assertMessage(() -> new AssociativeRecallTask(6, 0, 2, 6), "itemLength");
        assertMessage(() -> new AssociativeRecallTask(1, 6), "first n-1 items");
        assertMessage(() -> new AssociativeRecallTask(5, 4), "maxItems");
    }
}
