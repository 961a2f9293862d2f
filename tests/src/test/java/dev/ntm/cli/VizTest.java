package dev.ntm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;

import javax.imageio.ImageIO;

import dev.ntm.cli.viz.Figure;
import dev.ntm.cli.viz.HeatmapPanel;
import dev.ntm.cli.viz.RowRange;
import dev.ntm.cli.viz.TraceFigures;
import dev.ntm.engine.io.TraceFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A copy model trained by {@code ntm train} (seed 5, which learns to write row after row), its run
 * folder, and the heatmaps of its trace read back as a person would read them.
 */
class VizTest {

    private static final int LENGTH = 12;

    @TempDir
    static Path run;

    private static CliRun train;

    @BeforeAll
    static void trainACopyModel() {
        train = CliRun.of("train", "--task", "copy", "--seed", "5", "--eval-size", "200", "--max-sequences", "20000",
                "--threads", "2", "--out", run.toString());
    }

    @Test
    void trainingLeavesCheckpointCurveAndReport() throws Exception {
        assertEquals(0, train.status(), train.err());
        assertTrue(train.out().contains("SOLVED"), train.out());
        for (String f : new String[] {"checkpoint.safetensors", "curve.csv", "curve.png", "report.html"}) {
            assertTrue(Files.size(run.resolve(f)) > 0, f);
        }
        BufferedImage curve = ImageIO.read(run.resolve("curve.png").toFile());
        assertTrue(curve.getWidth() > 400 && curve.getHeight() > 300, curve.getWidth() + "x" + curve.getHeight());
        String report = Files.readString(run.resolve("report.html"));
        assertTrue(report.contains("src=\"curve.png\""), report);
        for (String len : new String[] {"length-20", "length-100"}) {
            Path overview = run.resolve("viz").resolve(len).resolve("overview.png");
            assertTrue(report.contains("viz/" + len + "/overview.png"), report);
            assertTrue(ImageIO.read(overview.toFile()).getWidth() > 0, overview.toString());
        }
        assertTrue(report.contains("SOLVED after"), "the summary is in the report");
        assertTrue(train.out().matches("(?s).*over 200 sequences.*"), "the summary names the evaluation size:\n" + train.out());
    }

    @Test
    void pipedOutputHasPlainLinesOnly() {
        assertEquals(0, train.status(), train.err());
        assertTrue(train.out().indexOf('\r') < 0, "carriage return in piped output");
        assertTrue(train.out().lines().filter(l -> l.contains(" eval ")).count() >= 2, train.out());
        train.out().lines().filter(l -> l.contains(" eval ")).forEach(l -> assertTrue(l.length() <= 80, l));
    }

    @Test
    void heatmapsShowWritingRowAfterRowAndReadingTheSameRowsBack(@TempDir Path dir) throws Exception {
        assertEquals(0, train.status(), train.err());
        Path trace = dir.resolve("trace.safetensors");
        CliRun tr = CliRun.of("trace", "--checkpoint", run.resolve("checkpoint.safetensors").toString(), "--task",
                "copy", "--length", Integer.toString(LENGTH), "--out", trace.toString());
        assertEquals(0, tr.status(), tr.err());
        Path out = dir.resolve("viz");
        CliRun viz = CliRun.of("viz", trace.toString(), "--out", out.toString());
        assertEquals(0, viz.status(), viz.err());

        TraceFile.Trace t = TraceFile.read(trace);
        TraceFigures layout = new TraceFigures(t, VizCommand.describe(t.meta(), t.steps()) + " (trace.safetensors)");
        Figure figure = layout.figures(null).get(TraceFigures.WEIGHTINGS);
        BufferedImage img = ImageIO.read(out.resolve(TraceFigures.WEIGHTINGS).toFile());
        assertEquals(figure.width(), img.getWidth());
        assertEquals(figure.height(), img.getHeight());
        RowRange rows = layout.rows();
        int n = t.config().memoryRows();

        // input phase: steps 0..L-1 write the vectors; the brightest row moves by one row each step
        int[] written = new int[LENGTH];
        for (int s = 0; s < LENGTH; s++) {
            written[s] = rows.row(brightestRow(img, figure, 0, s, rows.count()));
        }
        int direction = Math.floorMod(written[1] - written[0], n) == 1 ? 1 : -1;
        for (int s = 1; s < LENGTH; s++) {
            assertEquals(Math.floorMod(written[s - 1] + direction, n), written[s],
                    "write head at step " + s + ": rows " + java.util.Arrays.toString(written));
        }
        // output phase: steps L+1..2L read the rows written at steps 0..L-1, in the same order
        for (int k = 0; k < LENGTH; k++) {
            int read = rows.row(brightestRow(img, figure, 1, LENGTH + 1 + k, rows.count()));
            assertEquals(written[k], read, "read head at output step " + k + " (written rows "
                    + java.util.Arrays.toString(written) + ")");
        }
        assertEquals(0, layout.bitErrors(), "a solved model copies a length-" + LENGTH + " sequence");
        assertTrue(Files.size(out.resolve("writes.png")) > 0 && Files.size(out.resolve("memory.png")) > 0);
    }

    /** The shown row whose cell in column {@code step} of panel {@code panel} has the brightest (largest) colour. */
    private static int brightestRow(BufferedImage img, Figure figure, int panel, int step, int rows) {
        HeatmapPanel p = (HeatmapPanel) figure.panels().get(panel);
        int best = -1;
        double bestValue = -1;
        for (int r = 0; r < rows; r++) {
            Rectangle cell = figure.cell(panel, r, step);
            double v = p.valueOf(img.getRGB(cell.x + cell.width / 2, cell.y + cell.height / 2));
            if (v > bestValue) {
                bestValue = v;
                best = r;
            }
        }
        assertTrue(bestValue > 0.5, "no clear peak in panel " + panel + " at step " + step + ": " + bestValue);
        return best;
    }
}
