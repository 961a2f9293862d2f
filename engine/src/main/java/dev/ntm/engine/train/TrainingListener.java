package dev.ntm.engine.train;

import java.io.IOException;
import java.nio.file.Path;

/** Observes a training run; every method has an empty default. */
public interface TrainingListener {

    /** After every applied (or skipped) batch. */
    default void batch(Trainer trainer, Trainer.BatchResult result) {
    }

    /** After every evaluation, with the training statistics since the previous one. */
    default void evaluation(Trainer trainer, Progress progress) {
    }

    /** After an evaluation widened the curriculum's length range. */
    default void curriculum(Trainer trainer, dev.ntm.engine.task.Curriculum curriculum) {
    }

    /** After a periodic checkpoint was written to {@code file}. */
    default void checkpoint(Trainer trainer, Path file) {
    }

    /**
     * After a periodic checkpoint could not be written to {@code file}; the run goes on and the
     * previous checkpoint stays as it was.
     *
     * @param previousSequences the sequence count of the checkpoint still in place, or -1 for none
     */
    default void checkpointFailed(Trainer trainer, Path file, IOException error, long previousSequences) {
    }

    /**
     * A learning-curve point.
     *
     * @param sequences       training sequences so far
     * @param elapsedSeconds  wall time of the training so far (all processes of a resumed run)
     * @param trainCostBits   mean training cost (bits per sequence) since the previous point
     * @param trainBitErrors  mean training bit errors per sequence since the previous point
     * @param eval            the evaluation on fresh sequences
     * @param longest         the check on as many fresh sequences of the task's largest length
     *                        ({@link Trainer#longestTask()}), run only when {@code eval} met the
     *                        criterion on the full range; null otherwise
     * @param solved          whether both meet the solved criterion (docs/SPEC.md section 3)
     */
    record Progress(long sequences, double elapsedSeconds, double trainCostBits, double trainBitErrors,
                    Trainer.Evaluation eval, Trainer.Evaluation longest, boolean solved) {
    }
}
