package dev.ntm.cli;

import java.io.PrintStream;
import java.util.Locale;

import dev.ntm.engine.task.Curriculum;
import dev.ntm.engine.train.Trainer;
import dev.ntm.engine.train.TrainingListener;

/**
 * What {@code ntm train} prints while it trains: on a terminal, a live line redrawn in place
 * (carriage return, at most {@link #WIDTH} columns); everywhere, one line per evaluation and per
 * curriculum step. Piped or redirected output therefore holds plain lines only, never a carriage
 * return. {@code --quiet} turns the live line off, nothing else.
 */
final class ProgressPrinter implements TrainingListener {

    /** Columns a line may fill: one less than a classic terminal's 80, so the cursor never wraps. */
    static final int WIDTH = 79;
    private static final long REDRAW_NANOS = 250_000_000L;
    private static final double SMOOTHING = 0.02;

    private final PrintStream out;
    private final boolean live;
    private final long maxSequences;
    private final long startNanos = System.nanoTime();
    private long lastPrint;
    /** The trainer's count before this run's first batch (non-zero after --resume). */
    private long startSequences = -1;
    private double emaCost = Double.NaN;
    private double emaErrors = Double.NaN;
    private boolean lineOpen;

    /**
     * @param live whether to draw the live line (a terminal, and not --quiet)
     */
    ProgressPrinter(PrintStream out, boolean live, long maxSequences) {
        this.out = out;
        this.live = live;
        this.maxSequences = maxSequences;
    }

    /** Whether standard input and output are an interactive terminal (not a pipe, not a file). */
    static boolean isTerminal() {
        java.io.Console c = System.console();
        return c != null && c.isTerminal();
    }

    /** The line that explains the columns of the others (printed once, before training). */
    static String legend() {
        return "cost: bits/sequence; errors: bit errors/sequence; eval N: on N fresh sequences";
    }

    @Override
    public void batch(Trainer trainer, Trainer.BatchResult r) {
        if (startSequences < 0) {
            startSequences = trainer.sequences() - r.sequences();
        }
        if (r.skipped()) {
            return;
        }
        emaCost = Double.isNaN(emaCost) ? r.costBits() : (1 - SMOOTHING) * emaCost + SMOOTHING * r.costBits();
        emaErrors = Double.isNaN(emaErrors) ? r.bitErrorsPerSequence()
                : (1 - SMOOTHING) * emaErrors + SMOOTHING * r.bitErrorsPerSequence();
        long now = System.nanoTime();
        if (live && now - lastPrint > REDRAW_NANOS) {
            lastPrint = now;
            double secs = (now - startNanos) / 1e9;
            double rate = (trainer.sequences() - startSequences) / Math.max(secs, 1e-9);
            double eta = (maxSequences - trainer.sequences()) / Math.max(rate, 1e-9);
            out.print("\r" + pad(liveLine(trainer.sequences(), emaCost, emaErrors, rate, secs, eta)));
            out.flush();
            lineOpen = true;
        }
    }

    /** Whether {@link #trainingOnLine} was printed. */
    private boolean saidTrainingOn;

    @Override
    public void evaluation(Trainer trainer, TrainingListener.Progress p) {
        String line = evaluationLine(p.sequences(), p.eval().sequences(), p.eval().costBits(),
                p.eval().bitErrorsPerSequence(), p.solved(), p.elapsedSeconds());
        println(line);
        if (p.longest() != null) {
            println(longestLine(trainer.longestTask().maxLength(), p.longest().sequences(),
                    p.longest().bitErrorsPerSequence(), p.solved(), trainer.options().solvedBitErrors()));
        }
        long min = trainer.options().minSequences();
        long max = trainer.options().maxSequences();
        if (p.solved() && !saidTrainingOn && trainer.options().stopWhenSolved() && p.sequences() < Math.min(min, max)) {
            println(min > max ? fit(String.format(Locale.ROOT, "  -> solved; training on to %,d sequences (--max-sequences)",
                    max)) : trainingOnLine(min));
            saidTrainingOn = true;
        }
    }

    /** Said once, at the first solved evaluation before {@code --min-sequences}: why the run goes on. */
    static String trainingOnLine(long minSequences) {
        return fit(String.format(Locale.ROOT, "  -> solved; training on to at least %,d sequences (--min-sequences)",
                minSequences));
    }

    @Override
    public void curriculum(Trainer trainer, Curriculum c) {
        println("  -> " + c);
    }

    /** A periodic checkpoint could not be written: said on standard error; training goes on. */
    @Override
    public void checkpointFailed(Trainer trainer, java.nio.file.Path file, java.io.IOException error,
                                 long previousSequences) {
        finish();
        System.err.println("ntm train: could not write checkpoint: " + dev.ntm.engine.io.IoErrors.describe(error) + "; "
                + (previousSequences >= 0 ? String.format(Locale.ROOT, "the previous one (%,d sequences) stays",
                previousSequences) : "no earlier checkpoint of this run") + "; training goes on");
    }

    /** Ends the live line, if one is open. */
    void finish() {
        if (lineOpen) {
            out.println();
            lineOpen = false;
        }
    }

    private void println(String line) {
        out.println(lineOpen ? "\r" + pad(line) : line);
        lineOpen = false;
    }

    /** The live line: sequences, smoothed cost and errors, rate, elapsed time, an upper bound on the time left. */
    static String liveLine(long sequences, double cost, double errors, double rate, double seconds, double eta) {
        return fit(String.format(Locale.ROOT, "%,10d seq  cost %7.3f  errors %6.3f  %,6.0f seq/s  %6s  ETA<=%s",
                sequences, cost, errors, rate, duration(seconds), duration(eta)));
    }

    /** One evaluation: sequences so far, the evaluation's size, cost and errors, solved, elapsed time. */
    static String evaluationLine(long sequences, int evalSize, double cost, double errors, boolean solved,
                                 double seconds) {
        return fit(String.format(Locale.ROOT, "%,10d seq  eval %,5d: cost %8.3f  errors %7.4f  %6s%s", sequences,
                evalSize, cost, errors, duration(seconds), solved ? "  SOLVED" : ""));
    }

    /**
     * The check at the task's largest length that follows an evaluation meeting the criterion on
     * the full range (docs/SPEC.md section 3): its errors and, when it fails, what it needs.
     */
    static String longestLine(int length, int evalSize, double errors, boolean solved, double threshold) {
        return fit(String.format(Locale.ROOT, "  -> at length %d: errors %7.4f over %,d sequences%s", length, errors,
                evalSize, solved ? "" : String.format(Locale.ROOT, "; solved needs <= %s", threshold)));
    }

    /** A duration in at most 6 characters: 42s, 12m05s, 3h07m, 412h, 999h+. */
    static String duration(double seconds) {
        if (!(seconds >= 0) || seconds > 999 * 3600.0) {
            return seconds > 0 ? "999h+" : "?";
        }
        long s = Math.round(seconds);
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        if (s < 100 * 3600) {
            return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
        }
        return s / 3600 + "h";
    }

    /** Cuts a line to {@link #WIDTH} (only absurd values, such as a diverged cost, make it longer). */
    private static String fit(String line) {
        return line.length() <= WIDTH ? line : line.substring(0, WIDTH);
    }

    /** Pads to the full width, so a shorter line overwrites all of a longer one in place. */
    private static String pad(String line) {
        return line + " ".repeat(WIDTH - line.length());
    }
}
