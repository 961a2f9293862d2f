package dev.ntm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The live line and the evaluation lines fit an 80-column terminal, whatever the figures. */
class ProgressPrinterTest {

    @Test
    void liveLineFitsEightyColumnsAtTheExtremes() {
        String typical = ProgressPrinter.liveLine(12_345, 12.345, 1.234, 1_013, 95, 4_000);
        assertTrue(typical.contains("12,345 seq") && typical.contains("1,013 seq/s") && typical.contains("1m35s")
                && typical.contains("1h06m"), typical);
        assertTrue(typical.length() <= ProgressPrinter.WIDTH, typical.length() + ": " + typical);
        // the widest a normal run gets: ten million sequences, a 3-digit cost, a 5-digit rate, days of ETA
        String wide = ProgressPrinter.liveLine(10_000_000, 999.999, 99.999, 99_999, 998 * 3600.0, 998 * 3600.0);
        assertTrue(wide.length() <= ProgressPrinter.WIDTH, wide.length() + ": " + wide);
        assertTrue(wide.contains("998h") && wide.contains("99,999 seq/s"), "nothing cut from a wide but normal line: " + wide);
        String absurd = ProgressPrinter.liveLine(Long.MAX_VALUE, 1e30, 1e30, 1e12, 1e12, Double.POSITIVE_INFINITY);
        assertEquals(ProgressPrinter.WIDTH, absurd.length(), absurd);
    }

    @Test
    void evaluationLineFitsAndSaysSolved() {
        String line = ProgressPrinter.evaluationLine(10_000_000, 10_000, 999.999, 99.9999, true, 998 * 3600.0);
        assertTrue(line.length() <= 80, line.length() + ": " + line);
        assertTrue(line.endsWith("SOLVED") && line.contains("eval 10,000"), line);
    }

    @Test
    void aRunTrainingOnPastItsFirstSolveSaysSo() {
        String line = ProgressPrinter.trainingOnLine(Long.MAX_VALUE);
        assertTrue(line.length() <= 80, line.length() + ": " + line);
        assertTrue(ProgressPrinter.trainingOnLine(12_000).contains("training on to at least 12,000 sequences"),
                ProgressPrinter.trainingOnLine(12_000));
    }

    @Test
    void durationsAreCompact() {
        assertEquals("0s", ProgressPrinter.duration(0.2));
        assertEquals("59s", ProgressPrinter.duration(59.4));
        assertEquals("1m00s", ProgressPrinter.duration(60));
        assertEquals("59m59s", ProgressPrinter.duration(3599));
        assertEquals("2h03m", ProgressPrinter.duration(2 * 3600 + 3 * 60 + 9));
        assertEquals("99h59m", ProgressPrinter.duration(100 * 3600 - 1));
        assertEquals("412h", ProgressPrinter.duration(412 * 3600 + 59));
        assertEquals("999h+", ProgressPrinter.duration(1e9));
        assertEquals("?", ProgressPrinter.duration(Double.NaN));
    }
}
