package dev.ntm.cli.viz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The colour map: viridis' published ends, lightness that rises all the way, and values read back from colours. */
class ColorMapTest {

    private final ColorMap map = ColorMap.viridis();

    @Test
    void endsAreViridisEnds() {
        assertClose(0x440154, map.rgb(0));
        assertClose(0xFDE725, map.rgb(1));
        assertClose(0x26828E, map.rgb(4.0 / 9)); // the fifth published stop lies on the path
    }

    @Test
    void lightnessRisesStrictlyFromEndToEnd() {
        for (int i = 1; i < ColorMap.SIZE; i++) {
            assertTrue(map.lightness(i) > map.lightness(i - 1), "lightness falls at entry " + i);
        }
        assertTrue(map.lightness(ColorMap.SIZE - 1) - map.lightness(0) > 0.5, "too little contrast");
    }

    @Test
    void aColourReadsBackAsItsValue() {
        for (double t = 0; t <= 1; t += 0.01) {
            // neighbouring entries can round to the same 8-bit colour: within two entries
            assertEquals(t, map.valueOf(map.rgb(t)), 2.0 / (ColorMap.SIZE - 1), "at " + t);
        }
        assertEquals(0, map.valueOf(map.rgb(-3)));
        assertEquals(1, map.valueOf(map.rgb(7)));
        assertEquals(0, map.valueOf(map.rgb(Double.NaN)));
    }

    private static void assertClose(int expected, int actual) {
        for (int shift = 0; shift <= 16; shift += 8) {
            int e = (expected >> shift) & 0xFF;
            int a = (actual >> shift) & 0xFF;
            assertTrue(Math.abs(e - a) <= 1, String.format("expected #%06X, got #%06X", expected, actual));
        }
    }
}
