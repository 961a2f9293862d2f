package dev.ntm.engine.train;

/**
 * The counters of a training run that decide its future, beyond the parameters, the optimiser
 * and the generators: all of them go into a training checkpoint, so that a resumed run takes the
 * same decisions (which evaluation seed, probe or full evaluation, which curve rows) as one that
 * never stopped.
 */
final class RunState {
    /** Training sequences consumed. */
    long sequences;
    /** Batches applied (skipped ones excluded). */
    long batches;
    /** Batches skipped because of non-finite values. */
    long skippedBatches;
    /** Scheduled evaluations run: the index of the next evaluation's seed. */
    long evaluations;
    /** Summed loss (nats) of the applied batches since the last scheduled evaluation. */
    double windowLoss;
    /** Summed bit errors of the applied batches since the last scheduled evaluation. */
    long windowErrors;
    /** Sequences of the applied batches since the last scheduled evaluation. */
    long windowSequences;
    /** Rows of curve.csv written by scheduled evaluations. */
    long curveRows;
    /** Lowest bit errors per sequence of a scheduled evaluation so far (checkpoints follow improvements). */
    double bestBitErrors = Double.POSITIVE_INFINITY;
    /** Training wall time of earlier processes of this run, in seconds (curve.csv's elapsed_s continues it). */
    double elapsedBefore;
    /** Sequences at the first evaluation that found the task solved, -1 until one did. */
    long firstSolvedSequences = -1;
    /** Training wall time (all processes of the run) at that evaluation, in seconds. */
    double firstSolvedSeconds;

    void clearWindow() {
        windowLoss = 0;
        windowErrors = 0;
        windowSequences = 0;
    }
}
