package dev.ntm.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Compares a benchmark report with a baseline, figure by figure.
 *
 * <h2>The rule</h2>
 * For a figure present in both reports, {@code worse} is the fraction by which the current value
 * is worse than the baseline: {@code current / baseline - 1} for a figure where lower is better
 * (times), {@code baseline / current - 1} where higher is better (rates); a negative value means
 * better. Its noise allowance is
 * {@code max(5%, 3 x max(current relative spread, baseline relative spread))}: the spreads are
 * robust standard deviations of the repeated runs ({@link BenchReport.Figure#relativeSpread}), so
 * the allowance is three deviations of the noisier run, and never less than 5% (a few repetitions
 * understate the run-to-run noise of a shared machine). A figure <em>regresses</em> when
 * {@code worse > allowance}, and <em>improved</em> when {@code -worse > allowance}.
 *
 * <p>Figures missing from either side, or whose unit or direction changed, are reported as
 * warnings and not compared. Fingerprints that differ in anything but the commit (CPU, cores,
 * JDK, JVM flags, kernels, configuration) give a warning, not a failure: the comparison still
 * runs, but the figures may differ for reasons other than the code.
 */
public final class Comparer {

    /** Smallest noise allowance, as a fraction. */
    public static final double MIN_ALLOWANCE = 0.05;
    /** Allowance in relative spreads (deviations) of the noisier of the two runs. */
    public static final double NOISE_FACTOR = 3.0;

    private Comparer() {
    }

    /** Outcome for one figure. */
    public enum Verdict {
        /** Within the noise allowance. */
        SAME,
        /** Better than the baseline by more than the allowance. */
        IMPROVED,
        /** Worse than the baseline by more than the allowance. */
        REGRESSED
    }

    /**
     * One compared figure.
     *
     * @param name      the figure's name
     * @param unit      its unit
     * @param baseline  the baseline value
     * @param current   the current value
     * @param worse     fraction by which the current value is worse (negative: better)
     * @param allowance the noise allowance, a fraction
     * @param verdict   the outcome
     */
    public record Row(String name, String unit, double baseline, double current, double worse, double allowance,
                      Verdict verdict) {
        /** {@code current / baseline}. */
        public double ratio() {
            return current / baseline;
        }
    }

    /** All compared figures and the warnings. */
    public record Result(List<Row> rows, List<String> warnings) {

        /** Copies the lists. */
        public Result {
            rows = List.copyOf(rows);
            warnings = List.copyOf(warnings);
        }

        /** The figures that regressed. */
        public List<Row> regressions() {
            List<Row> out = new ArrayList<>();
            for (Row r : rows) {
                if (r.verdict() == Verdict.REGRESSED) {
                    out.add(r);
                }
            }
            return out;
        }

        /** True when no figure regressed. */
        public boolean passed() {
            return regressions().isEmpty();
        }

        /** A table of every compared figure, the warnings, then one line per regression. */
        public String format() {
            int width = 6;
            for (Row r : rows) {
                width = Math.max(width, r.name().length());
            }
            StringBuilder sb = new StringBuilder();
            sb.append(String.format(Locale.ROOT, "%-" + width + "s  %14s  %14s  %-8s  %8s  %10s  %s%n", "figure",
                    "baseline", "current", "unit", "ratio", "allowance", "verdict"));
            for (Row r : rows) {
                sb.append(String.format(Locale.ROOT, "%-" + width + "s  %14s  %14s  %-8s  %8s  %9.1f%%  %s%n",
                        r.name(), BenchReport.number(r.baseline()), BenchReport.number(r.current()), r.unit(),
                        ratioText(r), 100 * r.allowance(), verdictText(r)));
            }
            for (String w : warnings) {
                sb.append("warning: ").append(w).append('\n');
            }
            for (Row r : regressions()) {
                sb.append("REGRESSION: ").append(r.name()).append(" is ").append(percent(r.worse()))
                        .append(" worse than the baseline (").append(BenchReport.number(r.current())).append(' ')
                        .append(r.unit()).append(" vs ").append(BenchReport.number(r.baseline())).append(' ')
                        .append(r.unit()).append("; allowance ")
                        .append(String.format(Locale.ROOT, "%.1f%%", 100 * r.allowance())).append(")\n");
            }
            sb.append(passed() ? "compare: no figure regressed\n"
                    : "compare: " + regressions().size() + " figure(s) regressed\n");
            return sb.toString();
        }

        private static String ratioText(Row r) {
            double ratio = r.ratio();
            return Double.isFinite(ratio) ? String.format(Locale.ROOT, "%.3f", ratio) : "inf";
        }

        private static String verdictText(Row r) {
            return switch (r.verdict()) {
                case SAME -> "same";
                case IMPROVED -> "improved by " + percent(-r.worse());
                case REGRESSED -> "REGRESSED by " + percent(r.worse());
            };
        }

        private static String percent(double fraction) {
            return Double.isFinite(fraction) ? String.format(Locale.ROOT, "%.1f%%", 100 * fraction) : "inf%";
        }
    }

    /** The noise allowance of two figures under the rule stated on the class. */
    public static double allowance(BenchReport.Figure baseline, BenchReport.Figure current) {
        return Math.max(MIN_ALLOWANCE, NOISE_FACTOR * Math.max(baseline.relativeSpread(), current.relativeSpread()));
    }

    /**
     * The fraction by which {@code current} is worse than {@code baseline} (negative when better):
     * {@code current/baseline - 1} when lower is better, {@code baseline/current - 1} otherwise.
     * A zero on the worse side is infinitely worse; two zeros are equal.
     */
    public static double worse(double baseline, double current, boolean lowerIsBetter) {
        double better = lowerIsBetter ? baseline : current;
        double worseSide = lowerIsBetter ? current : baseline;
        if (better == worseSide) {
            return 0;
        }
        if (better == 0) {
            return Double.POSITIVE_INFINITY;
        }
        return worseSide / better - 1;
    }

    /** Compares {@code current} with {@code baseline} under the rule stated on the class. */
    public static Result compare(BenchReport baseline, BenchReport current) {
        List<Row> rows = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        List<String> differences = current.fingerprint().differences(baseline.fingerprint());
        if (!differences.isEmpty()) {
            warnings.add("the fingerprints differ, so the figures may differ for reasons other than the code: "
                    + String.join("; ", differences));
        }
        for (BenchReport.Figure now : current.figures()) {
            BenchReport.Figure before = baseline.figure(now.name()).orElse(null);
            if (before == null) {
                warnings.add("figure " + now.name() + " is new (not in the baseline); not compared");
                continue;
            }
            if (!before.unit().equals(now.unit()) || before.lowerIsBetter() != now.lowerIsBetter()) {
                warnings.add("figure " + now.name() + " changed its unit or direction (" + before.unit() + ", "
                        + (before.lowerIsBetter() ? "lower" : "higher") + " is better -> " + now.unit() + ", "
                        + (now.lowerIsBetter() ? "lower" : "higher") + " is better); not compared");
                continue;
            }
            double worse = worse(before.value(), now.value(), now.lowerIsBetter());
            double allowance = allowance(before, now);
            Verdict verdict = worse > allowance ? Verdict.REGRESSED
                    : -worse > allowance ? Verdict.IMPROVED : Verdict.SAME;
            rows.add(new Row(now.name(), now.unit(), before.value(), now.value(), worse, allowance, verdict));
        }
        for (BenchReport.Figure before : baseline.figures()) {
            if (current.figure(before.name()).isEmpty()) {
                warnings.add("figure " + before.name() + " is in the baseline but was not measured now; not compared");
            }
        }
        return new Result(rows, warnings);
    }
}
