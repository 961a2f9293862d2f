package dev.ntm.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import dev.ntm.engine.train.Trainer;

/** The lines {@code ntm train} ends with, which report.html repeats. */
final class TrainSummary {

    /** Seed of the closing evaluation when the last one was a probe (that of {@code ntm eval}'s default). */
    static final long FINAL_EVAL_SEED = 12345;

    private TrainSummary() {
    }

    /**
     * The check at the task's largest length to report ({@link Trainer#longestTask()}): the last
     * evaluation's when it ran (the run met the criterion on the full range), else one on
     * {@code evalSize} fresh sequences run now. Null for tasks without a length range.
     */
    static Trainer.Evaluation longest(Trainer trainer, Trainer.Summary s, int evalSize) {
        if (s.longestEvaluation() != null) {
            return s.longestEvaluation();
        }
        return trainer.longestTask() == null ? null : trainer.evaluate(trainer.longestTask(), evalSize, FINAL_EVAL_SEED);
    }

    /**
     * The summary, with {@code longest} (from {@link #longest}, or null) on a line of its own. When the run's last evaluation was a short probe (the model was far from solved),
     * a full evaluation on {@code evalSize} fresh sequences is run for it, so the figure quoted is
     * always over the evaluation size asked for.
     */
    static List<String> lines(Trainer trainer, Trainer.Summary s, int evalSize, Trainer.Evaluation longest, Path dir) {
        List<String> out = new ArrayList<>();
        out.add(String.format(Locale.ROOT, "%s after %,d sequences in %.1f s (%,.0f sequences/s)",
                s.solved() ? "SOLVED" : s.stopped() ? "stopped" : "not solved", trainer.sequences(), s.trainingSeconds(), s.sequencesPerSecond()));
        if (s.firstSolvedSequences() >= 0 && s.firstSolvedSequences() < trainer.sequences()) {
            long min = trainer.options().minSequences();
            String why = !trainer.options().stopWhenSolved() ? " (--no-early-stop)"
                    : min > trainer.options().maxSequences() ? " to --max-sequences"
                    : min > 0 ? String.format(Locale.ROOT, " to at least %,d sequences (--min-sequences)", min) : "";
            // the seconds count every process of the run (a resumed run's earlier ones too)
            out.add(String.format(Locale.ROOT, "first solved after %,d sequences in %.1f s of training, then trained on%s",
                    s.firstSolvedSequences(), s.firstSolvedSeconds(), why));
        }
        Trainer.Evaluation e = s.lastEvaluation();
        if (e != null) {
            String which = "last evaluation";
            if (e.sequences() < evalSize) {
                e = trainer.evaluate(trainer.currentTask(), evalSize, FINAL_EVAL_SEED);
                which = "final evaluation";
            }
            out.add(String.format(Locale.ROOT, "%s: %.4f bits/sequence, %.4f bit errors/sequence over %,d sequences",
                    which, e.costBits(), e.bitErrorsPerSequence(), e.sequences()));
        }
        if (longest != null) {
            out.add(longestLine(trainer.longestTask().maxLength(), longest));
        }
        if (s.skippedBatches() > 0) {
            out.add(String.format(Locale.ROOT, "skipped %d batches with non-finite values", s.skippedBatches()));
        }
        if (s.checkpointFailure() == null) {
            out.add("checkpoint: " + dir.resolve(Trainer.CHECKPOINT_FILE));
        }
        out.add("learning curve: " + dir.resolve(RunArtifacts.CURVE_CSV) + ", " + dir.resolve(RunArtifacts.CURVE_PNG));
        out.add("report: " + dir.resolve(RunArtifacts.REPORT));
        return out;
    }

    /** The check at the largest length {@code length}, as the summary and the evaluation lines show it. */
    static String longestLine(int length, Trainer.Evaluation e) {
        return String.format(Locale.ROOT, "at length %d (the largest trained): %.4f bit errors/sequence over %,d sequences",
                length, e.bitErrorsPerSequence(), e.sequences());
    }
}
