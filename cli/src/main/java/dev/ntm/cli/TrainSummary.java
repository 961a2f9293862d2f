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
     * The summary. When the run's last evaluation was a short probe (the model was far from solved),
     * a full evaluation on {@code evalSize} fresh sequences is run for it, so the figure quoted is
     * always over the evaluation size asked for.
     */
    static List<String> lines(Trainer trainer, Trainer.Summary s, int evalSize, Path dir) {
        List<String> out = new ArrayList<>();
        out.add(String.format(Locale.ROOT, "%s after %,d sequences in %.1f s (%,.0f sequences/s)",
                s.solved() ? "SOLVED" : s.stopped() ? "stopped" : "not solved", trainer.sequences(), s.trainingSeconds(), s.sequencesPerSecond()));
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
}
