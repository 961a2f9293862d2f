package dev.ntm.engine.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LearningRateScheduleTest {

    @Test
    void stepsDownEveryInterval() {
        LearningRateSchedule s = new LearningRateSchedule(0.5, 100);
        assertEquals(1e-3f, s.at(1e-3f, 0));
        assertEquals(1e-3f, s.at(1e-3f, 99));
        assertEquals(5e-4f, s.at(1e-3f, 100));
        assertEquals(5e-4f, s.at(1e-3f, 199));
        assertEquals((float) (1e-3 * 0.125), s.at(1e-3f, 350));
        assertFalse(s.isConstant());
    }

    @Test
    void noneAndFactorOneAreConstant() {
        assertTrue(LearningRateSchedule.NONE.isConstant());
        assertEquals(3e-4f, LearningRateSchedule.NONE.at(3e-4f, 5_000_000));
        assertTrue(new LearningRateSchedule(1.0, 10).isConstant());
        assertEquals("none", new LearningRateSchedule(1.0, 10).toString());
    }

    @Test
    void parsesWhatItPrints() {
        LearningRateSchedule s = LearningRateSchedule.parse("0.5:200000");
        assertEquals(new LearningRateSchedule(0.5, 200_000), s);
        assertEquals("0.5:200000", s.toString());
        assertEquals(s, LearningRateSchedule.parse(s.toString()));
        assertEquals(LearningRateSchedule.NONE, LearningRateSchedule.parse("none"));
        assertEquals(new LearningRateSchedule(0.25, 1_000), LearningRateSchedule.parse("0.25:1_000"));
    }

    @Test
    void badInputNamesTheExpectedForm() {
        for (String bad : new String[] {"0.5", "0.5:", "half:100", "0.5:100:3", ""}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> LearningRateSchedule.parse(bad), bad);
            assertTrue(e.getMessage().contains("FACTOR:EVERY"), e.getMessage());
        }
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.parse("1.5:100"))
                .getMessage().contains("(0, 1]"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.parse("0.5:-1"))
                .getMessage().contains(">= 0"));
        assertThrows(IllegalArgumentException.class, () -> new LearningRateSchedule(0, 10));
        assertThrows(IllegalArgumentException.class, () -> new LearningRateSchedule(Double.NaN, 10));
    }

    @Test
    void warmUpRisesLinearlyThenFollowsTheDecay() {
        LearningRateSchedule s = LearningRateSchedule.parse("0.5:100,warmup:10");
        assertEquals(new LearningRateSchedule(0.5, 100, 10), s);
        assertEquals("0.5:100,warmup:10", s.toString());
        assertEquals(s, LearningRateSchedule.parse(s.toString()));
        assertFalse(s.isConstant());
        assertEquals(0.1f, s.at(1f, 0), 1e-7);
        assertEquals(0.5f, s.at(1f, 4), 1e-7);
        assertEquals(1f, s.at(1f, 9), 0);
        assertEquals(1f, s.at(1f, 50), 0);
        assertEquals(0.5f, s.at(1f, 100), 0);
        LearningRateSchedule w = LearningRateSchedule.parse("warmup:4");
        assertEquals("warmup:4", w.toString());
        assertEquals(LearningRateSchedule.NONE.withWarmup(4), w);
        assertFalse(w.isConstant());
        assertEquals(0.25f, w.at(1f, 0), 1e-7);
        assertEquals(1f, w.at(1f, 1_000_000), 0);
        assertEquals("warmup:4", LearningRateSchedule.parse("none,warmup:4").toString());
        for (String bad : new String[] {"0.5:100,warmup:0", "0.5:100,warmup:x", "0.5:100,cool:5", "a,b,warmup:3"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> LearningRateSchedule.parse(bad), bad);
            assertTrue(e.getMessage().contains("warmup:SEQUENCES"), bad + ": " + e.getMessage());
        }
    }
}
