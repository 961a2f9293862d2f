package dev.ntm.engine.train;

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

    /**
     * A learning-curve point.
     *
     * @param sequences       training sequences so far
     * @param elapsedSeconds  wall time of the training so far (this process)
     * @param trainCostBits   mean training cost (bits per sequence) since the previous point
     * @param trainBitErrors  mean training bit errors per sequence since the previous point
     * @param eval            the evaluation on fresh sequences
     * @param solved          whether the evaluation meets the solved criterion
     */
    record Progress(long sequences, double elapsedSeconds, double trainCostBits, double trainBitErrors,
                    Trainer.Evaluation eval, boolean solved) {
    }
}
