package dev.ntm.engine.train;

/**
 * When a training run writes its periodic checkpoint: every {@code checkpointSeconds} of wall
 * time, every {@code checkpointEvery} sequences, and after every evaluation that improves on the
 * best so far -- whichever comes first. Only when, never what: the checkpoints' contents do not
 * depend on it, so the wall-clock rule cannot make a run irreproducible.
 */
final class CheckpointSchedule {

    private final long everySequences;
    private final long everyNanos;
    private long nextSequences;
    private long nextNanos;

    CheckpointSchedule(TrainerOptions options, long sequences, long nowNanos) {
        this.everySequences = options.checkpointEvery();
        this.everyNanos = options.checkpointSeconds() * 1_000_000_000L;
        written(sequences, nowNanos);
    }

    /** Whether a checkpoint is due after a batch that brought the count to {@code sequences}. */
    boolean due(long sequences, long nowNanos, boolean improved) {
        return improved || sequences >= nextSequences || nowNanos - nextNanos >= 0;
    }

    /** Restarts both clocks after a checkpoint (written or failed) at {@code sequences}. */
    void written(long sequences, long nowNanos) {
        nextSequences = everySequences > 0 ? (sequences / everySequences + 1) * everySequences : Long.MAX_VALUE;
        nextNanos = everyNanos > 0 ? nowNanos + everyNanos : nowNanos + Long.MAX_VALUE / 2;
    }
}
