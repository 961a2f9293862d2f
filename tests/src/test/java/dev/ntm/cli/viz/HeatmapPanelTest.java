package dev.ntm.cli.viz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Heatmaps as PNG files: decoded, the cells carry the right colours in the right places, the colour bar runs one way. */
class HeatmapPanelTest {

    private static final int ROWS = 7;
    private static final int COLS = 5;

    /** A one-hot weighting per column: row (2 c + 1) mod 7 at column c. */
    private static float[] oneHot() {
        float[] v = new float[ROWS * COLS];
        for (int c = 0; c < COLS; c++) {
            v[((2 * c + 1) % ROWS) * COLS + c] = 1;
        }
        return v;
    }

    @Test
    void oneHotWeightingLandsInItsCells(@TempDir Path dir) throws Exception {
        HeatmapPanel panel = new HeatmapPanel("w", "time", "row", oneHot(), ROWS, COLS, 0, 1, Integer::toString,
                Integer::toString, 9, 6);
        Figure figure = new Figure("one-hot", List.of(panel));
        Path file = dir.resolve("h.png");
        figure.writePng(file);
        BufferedImage img = ImageIO.read(file.toFile());
        assertEquals(figure.width(), img.getWidth());
        assertEquals(figure.height(), img.getHeight());
        int hot = ColorMap.viridis().rgb(1);
        int cold = ColorMap.viridis().rgb(0);
        for (int r = 0; r < ROWS; r++) {
            for (int c = 0; c < COLS; c++) {
                Rectangle cell = figure.cell(0, r, c);
                int expected = r == (2 * c + 1) % ROWS ? hot : cold;
                // every pixel of the cell, not just its centre: cells neither overlap nor leave gaps
                for (int y = cell.y; y < cell.y + cell.height; y++) {
                    for (int x = cell.x; x < cell.x + cell.width; x++) {
                        assertEquals(expected, img.getRGB(x, y) & 0xFFFFFF, "cell " + r + "," + c + " at " + x + "," + y);
                    }
                }
                assertEquals(r == (2 * c + 1) % ROWS ? 1.0 : 0.0, panel.valueOf(img.getRGB(cell.x, cell.y)), 1e-9);
            }
        }
    }

    @Test
    void colourBarRunsFromMaxAtTheTopToMinAtTheBottom(@TempDir Path dir) throws Exception {
        HeatmapPanel panel = new HeatmapPanel("m", "col", "row", new float[] {-2, 0, 1, 3}, 2, 2, -2, 3,
                Integer::toString, Integer::toString, 20, 40);
        Figure figure = new Figure("bar", List.of(panel));
        Path file = dir.resolve("bar.png");
        figure.writePng(file);
        BufferedImage img = ImageIO.read(file.toFile());
        Rectangle bar = panel.colourBar();
        bar.translate(figure.origin(0).x, figure.origin(0).y);
        int x = bar.x + bar.width / 2;
        double previous = Double.POSITIVE_INFINITY;
        for (int y = bar.y; y < bar.y + bar.height; y++) {
            double v = panel.valueOf(img.getRGB(x, y));
            assertTrue(v <= previous, "colour bar rises at y=" + y);
            previous = v;
        }
        assertEquals(3, panel.valueOf(img.getRGB(x, bar.y)), 1e-9);
        assertEquals(-2, panel.valueOf(img.getRGB(x, bar.y + bar.height - 1)), 1e-9);
        // a cell's colour read against the bar gives its value back, to the table's resolution
        Rectangle cell = figure.cell(0, 1, 0);
        assertEquals(1, panel.valueOf(img.getRGB(cell.x + 1, cell.y + 1)), 5.0 / 255);
    }

    @Test
    void rowRangeKeepsTheRowsInUseAcrossTheWrap() {
        float[] w = new float[16];
        w[14] = 0.9f;
        w[1] = 0.5f;
        w[7] = 0.01f; // below the threshold: not in use
        RowRange r = RowRange.inUse(16, w);
        assertEquals(12, r.first(), r.describe()); // 14 - margin 2
        assertEquals(8, r.count(), r.describe());  // 12..3 wrapping
        assertEquals(3, r.row(r.count() - 1));
        assertTrue(r.describe().contains("wrapping"), r.describe());
        assertTrue(RowRange.inUse(16, new float[16]).all());
    }
}
