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
}
