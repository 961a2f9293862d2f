package dev.ntm.engine.task;

import static dev.ntm.engine.task.CopyTaskTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ntm.engine.util.SplitMix64;
import org.junit.jupiter.api.Test;

class CurriculumTest {

    @Test
    void advancesOnlyWhenTheErrorIsAtMostTheThreshold() {
        Curriculum c = new Curriculum(new CopyTask(), 2, 5, 0.01);
        assertEquals(2, c.level());
        assertEquals(2, c.current().maxLength());
        assertEquals(1, c.current().minLength());
        assertFalse(c.report(0.5));
        assertFalse(c.report(0.0101));
        assertEquals(2, c.level());
        assertTrue(c.report(0.01), "an error equal to the threshold advances");
        assertEquals(7, c.level());
        assertTrue(c.report(0.0));
        assertTrue(c.report(0.0));
        assertEquals(17, c.level());
        assertFalse(c.isComplete());
        assertTrue(c.report(0.0));
        assertEquals(20, c.level(), "capped at the target's largest length");
        assertTrue(c.isComplete());
        assertSame(c.target(), c.current(), "at the end the task is the target itself");
        assertFalse(c.report(0.0), "no advance past the end");
        assertEquals(20, c.level());
    }

    @Test
    void currentTaskDrawsWithinTheLevel() {
        Curriculum c = new Curriculum(new CopyTask(3, 20), 4, 3, 0.01);
        SplitMix64 rng = new SplitMix64(1);
        for (int round = 0; round < 4; round++) {
            int level = c.level();
            assertEquals(2 * level + 1, c.current().maxSteps());
            boolean sawLevel = false;
            for (int i = 0; i < 200; i++) {
                int length = (c.current().generate(rng).steps() - 1) / 2;
                assertTrue(length >= 3 && length <= level, "length " + length + " outside 3.." + level);
                sawLevel |= length == level;
            }
            // each draw hits the level with probability >= 1/10: 200 misses are practically impossible
            assertTrue(sawLevel, "the level " + level + " itself should be drawn");
            c.report(0.0);
        }
    }

    @Test
    void repeatCopyCurriculumKeepsTheRepeatsAndTheirNormalisation() {
        RepeatCopyTask target = new RepeatCopyTask();
        Curriculum c = new Curriculum(target, 3, 1, 0.01);
        RepeatCopyTask current = (RepeatCopyTask) c.current();
        assertEquals(3, current.maxLength());
        assertEquals(10, current.maxRepeats());
        for (int k = 1; k <= 10; k++) {
            assertEquals(target.normalisedCount(k), current.normalisedCount(k), 0f, "count " + k);
        }
    }

    @Test
    void levelSavesAndRestores() {
        Curriculum a = new Curriculum(new AssociativeRecallTask(), 2, 1, 0.01);
        a.report(0.0);
        a.report(0.0);
        int saved = a.level();
        assertEquals(4, saved);
        Curriculum b = new Curriculum(new AssociativeRecallTask(), 2, 1, 0.01);
        b.restore(saved);
        assertEquals(4, b.level());
        assertEquals(4, b.current().maxLength());
        SplitMix64 ra = new SplitMix64(5);
        SplitMix64 rb = new SplitMix64(5);
        for (int i = 0; i < 10; i++) {
            assertEquals(a.current().generate(ra).steps(), b.current().generate(rb).steps());
        }
    }

    @Test
    void rejectsBadArguments() {
        CopyTask copy = new CopyTask(2, 20);
        assertMessage(() -> new Curriculum(null, 2, 1, 0.01), "null");
        assertMessage(() -> new Curriculum(copy, 1, 1, 0.01), "start must be a largest length in 2..20");
        assertMessage(() -> new Curriculum(copy, 21, 1, 0.01), "2..20");
        assertMessage(() -> new Curriculum(copy, 2, 0, 0.01), "step");
        assertMessage(() -> new Curriculum(copy, 2, 1, -1), "threshold");
        assertMessage(() -> new Curriculum(copy, 2, 1, Double.NaN), "threshold");
        Curriculum c = new Curriculum(copy, 2, 1, 0.01);
        assertMessage(() -> c.report(Double.NaN), "error");
        assertMessage(() -> c.report(-0.5), "error");
        assertMessage(() -> c.restore(30), "saved level");
        assertEquals(2, c.level(), "a rejected call leaves the level unchanged");
    }
}
