package dev.ntm.cli.viz;

import java.util.ArrayList;
import java.util.List;

/**
 * Learning curves as a figure: cost and bit errors per sequence against training sequences, both
 * on logarithmic axes (they fall by decades), every evaluation marked (filled: a full evaluation;
 * hollow: a short probe), and the solved criterion drawn as a level. Several runs overlay in
 * distinct colours.
 */
public final class CurvePlot {

    /** Bit errors per sequence are drawn down to this; lower values (and 0) sit on the floor. */
    static final double ERROR_FLOOR = 1e-3;
    private static final int SOLVED_COLOUR = 0xC0392B;
    private static final int PLOT_WIDTH = 560;
    private static final int PLOT_HEIGHT = 220;

    private CurvePlot() {
    }

    /**
     * The figure of {@code curves} (at least one, each with at least one point).
     *
     * @param solvedBitErrors the solved criterion, bit errors per sequence
     */
    public static Figure of(List<Curve> curves, double solvedBitErrors) {
        if (curves.isEmpty()) {
            throw new IllegalArgumentException("no learning curve to draw");
        }
        List<ChartPanel.Series> cost = new ArrayList<>();
        List<ChartPanel.Series> errors = new ArrayList<>();
        double costFloor = Double.POSITIVE_INFINITY;
        for (int k = 0; k < curves.size(); k++) {
            Curve c = curves.get(k);
            if (c.points().isEmpty()) {
                throw new IllegalArgumentException("learning curve " + c.name() + " has no evaluations yet");
            }
            int n = c.points().size();
            double[] x = new double[n];
            double[] evalCost = new double[n];
            double[] trainCost = new double[n];
            double[] evalErrors = new double[n];
            double[] trainErrors = new double[n];
            int[] markers = new int[n];
            int full = 0;
            for (Curve.Point p : c.points()) {
                full = Math.max(full, p.evalSequences());
            }
            for (int i = 0; i < n; i++) {
                Curve.Point p = c.points().get(i);
                x[i] = p.sequences();
                evalCost[i] = p.evalCost();
                trainCost[i] = p.trainCost();
                evalErrors[i] = p.evalErrors();
                trainErrors[i] = p.trainErrors();
                markers[i] = p.evalSequences() > 0 && p.evalSequences() < full ? 2 : 1;
                for (double v : new double[] {p.evalCost(), p.trainCost()}) {
                    if (v > 0) {
                        costFloor = Math.min(costFloor, v);
                    }
                }
            }
            String prefix = curves.size() == 1 ? "" : c.name() + ": ";
            int evalColour = curves.size() == 1 ? ColorMap.viridis().rgb(0.2) : colour(k, curves.size());
            int trainColour = curves.size() == 1 ? ColorMap.viridis().rgb(0.62) : evalColour;
            cost.add(new ChartPanel.Series(prefix + "evaluation", evalColour, false, x, evalCost, markers));
            cost.add(new ChartPanel.Series(prefix + "training", trainColour, true, x, trainCost, null));
            errors.add(new ChartPanel.Series(prefix + "evaluation", evalColour, false, x, evalErrors, markers));
            errors.add(new ChartPanel.Series(prefix + "training", trainColour, true, x, trainErrors, null));
        }
        List<String> notes = List.of("filled dot: full evaluation", "hollow dot: short probe");
        String title = curves.size() == 1 ? "learning curve: " + curves.getFirst().name()
                : "learning curves: " + String.join(", ", curves.stream().map(Curve::name).toList());
        ChartPanel costPanel = new ChartPanel("cost", "training sequences", "bits per sequence (log)", cost,
                List.of(), notes, Double.isFinite(costFloor) ? costFloor : 1e-2, PLOT_WIDTH, PLOT_HEIGHT);
        ChartPanel errorPanel = new ChartPanel("bit errors", "training sequences",
                "per sequence (log; 0 on the floor)", errors,
                List.of(new ChartPanel.Level("solved: " + Style.number(solvedBitErrors), solvedBitErrors,
                        SOLVED_COLOUR)), notes, ERROR_FLOOR, PLOT_WIDTH, PLOT_HEIGHT);
        return new Figure(title, List.of(costPanel, errorPanel));
    }

    /** Colour of run {@code k} of {@code n}: spread over the map, short of its pale yellow end. */
    private static int colour(int k, int n) {
        return ColorMap.viridis().rgb(n == 1 ? 0.2 : 0.85 * k / (n - 1));
    }
}
