package dev.ntm.bench;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import dev.ntm.engine.NtmConfig;
import dev.ntm.engine.api.NtmModel;
import dev.ntm.kernels.KernelProvider;
import dev.ntm.kernels.Kernels;

/**
 * Time of one inference step against memory size: the copy configuration with N rows and M
 * columns for every N in {@link #ROWS} and M in {@link #WIDTHS}, then the least-squares line of
 * time against N*M. Its slope is the cost of one memory cell per step (every head's cosine
 * similarity, the reads and the writes touch each cell), its intercept the cost of everything
 * else (controller, heads, output).
 */
public final class MemoryScaling {

    /** Memory rows measured. */
    public static final int[] ROWS = {128, 512, 2048};
    /** Memory widths measured. */
    public static final int[] WIDTHS = {20, 64};

    private MemoryScaling() {
    }

    /** One measured size. */
    public record Point(int rows, int width, BenchReport.Figure time) {
        /** N * M. */
        public long cells() {
            return (long) rows * width;
        }
    }

    /**
     * The least-squares fit of step time (ns) against N*M over {@code points}.
     */
    public static LinearFit fit(List<Point> points) {
        double[] x = new double[points.size()];
        double[] y = new double[points.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = points.get(i).cells();
            y[i] = points.get(i).time().value();
        }
        return LinearFit.fit(x, y);
    }

    /**
     * Measures every size with {@code timer}, prints the table and the fit to {@code log}, and
     * returns a report with figures {@code memory.N<rows>.M<width>} (ns per step) and
     * {@code memory.nsPerCell}.
     */
    public static BenchReport run(NanoTimer timer, long seed, PrintWriter log) {
        Kernels kernels = KernelProvider.get();
        NtmConfig base = NtmConfig.copyTask();
        LatencyHarness.Inputs inputs = LatencyHarness.Inputs.of(Workloads.copySequences(32, seed));
        List<Point> points = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        log.println(String.format(Locale.ROOT, "%6s  %4s  %8s  %12s  %7s", "N", "M", "N*M", "ns/step", "noise"));
        log.flush();
        for (int m : WIDTHS) {
            for (int n : ROWS) {
                NtmConfig config = base.toBuilder().memory(n, m).build();
                Workloads.SessionLoop loop = new Workloads.SessionLoop(NtmModel.create(config, seed).newSession(),
                        inputs, config.outputSize());
                NanoTimer.Timing t = timer.measure(loop);
                String note = t.warmUp().unsettledNote("N=" + n + ", M=" + m);
                if (note != null) {
                    notes.add(note);
                }
                BenchReport.Figure f = BenchReport.Figure.fromSamples("memory.N" + n + ".M" + m, "ns", true,
                        t.nsPerCall());
                Point p = new Point(n, m, f);
                points.add(p);
                log.println(String.format(Locale.ROOT, "%6d  %4d  %8d  %12.0f  %6.1f%%", n, m, p.cells(), f.value(),
                        100 * f.relativeSpread()));
                log.flush();
            }
        }
        LinearFit fit = fit(points);
        log.println(String.format(Locale.ROOT, "fit: %.3f ns per memory cell + %.0f ns per step (r^2 = %.4f)",
                fit.slope(), fit.intercept(), fit.r2()));
        log.flush();
        List<BenchReport.Figure> figures = new ArrayList<>();
        // The slope inherits the noise of the points: take the largest point spread (conservative).
        double spread = 0;
        for (Point p : points) {
            figures.add(p.time());
            spread = Math.max(spread, p.time().relativeSpread());
        }
        figures.add(new BenchReport.Figure("memory.nsPerCell", "ns", Math.max(0, fit.slope()), true, spread,
                timer.repetitions()));
        notes.add(String.format(Locale.ROOT,
                "least-squares fit of ns per step against N*M: slope %.4f ns per cell, intercept %.0f ns, r^2 %.4f",
                fit.slope(), fit.intercept(), fit.r2()));
        return new BenchReport("memory-scaling", Fingerprint.capture(kernels, base), figures, notes);
    }
}
