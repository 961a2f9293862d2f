package dev.ntm.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** {@link LinearFit} on points whose least-squares line is known exactly. */
class LinearFitTest {

    @Test
    void pointsOnALine() {
        // Step time 5,000 ns + 0.75 ns per memory cell, at the six memory sizes of --memory-scaling.
        double[] cells = {128 * 20, 512 * 20, 2048 * 20, 128 * 64, 512 * 64, 2048 * 64};
        double[] ns = new double[cells.length];
        for (int i = 0; i < cells.length; i++) {
            ns[i] = 5_000 + 0.75 * cells[i];
        }
        LinearFit f = LinearFit.fit(cells, ns);
        // Tolerances: a few ulps of the sums involved.
        assertEquals(0.75, f.slope(), 1e-12);
        assertEquals(5_000, f.intercept(), 1e-8);
        assertEquals(1.0, f.r2(), 1e-12);
        assertEquals(5_000 + 0.75 * 1000, f.at(1000), 1e-8);
    }

    @Test
    void scatteredPointsByHand() {
        // x = 0, 1, 2, 3 and y = 1, 3, 2, 4: mean x 1.5, mean y 2.5, Sxx = 5, Sxy = 4, Syy = 5,
        // so slope 0.8, intercept 2.5 - 0.8 * 1.5 = 1.3, r2 = 16 / 25.
        LinearFit f = LinearFit.fit(new double[] {0, 1, 2, 3}, new double[] {1, 3, 2, 4});
        assertEquals(0.8, f.slope(), 1e-15);
        assertEquals(1.3, f.intercept(), 1e-15);
        assertEquals(0.64, f.r2(), 1e-15);
    }

    @Test
    void rejectsDegenerateInput() {
        assertThrows(IllegalArgumentException.class, () -> LinearFit.fit(new double[] {1}, new double[] {1}));
        assertThrows(IllegalArgumentException.class, () -> LinearFit.fit(new double[] {2, 2}, new double[] {1, 3}));
        assertThrows(IllegalArgumentException.class, () -> LinearFit.fit(new double[] {1, 2}, new double[] {1}));
        assertThrows(IllegalArgumentException.class,
                () -> LinearFit.fit(new double[] {1, Double.NaN}, new double[] {1, 2}));
    }
}
