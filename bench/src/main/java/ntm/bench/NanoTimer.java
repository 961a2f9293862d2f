package ntm.bench;

/**
 * A simple warmed-up {@code System.nanoTime} loop for operations of a microsecond or more: runs
 * the operation for a warm-up time, sizes a batch of calls to last about one repetition, then
 * times several such batches. Each sample is the mean time of one call in one batch.
 *
 * <p>Not a replacement for JMH (which also forks, and guards against dead-code elimination):
 * callers make their operations write memory or feed a sink, and keep operations long enough
 * (microseconds) that the loop's own cost (an interface call) does not matter.
 *
 * @param warmupNanos     time to run the operation before measuring
 * @param repetitions     batches to time (the samples)
 * @param repetitionNanos target length of one batch
 */
public record NanoTimer(long warmupNanos, int repetitions, long repetitionNanos) {

    /** Validates the settings. */
    public NanoTimer {
        if (warmupNanos < 0 || repetitions < 1 || repetitionNanos < 1) {
            throw new IllegalArgumentException("timer needs warmupNanos >= 0, repetitions >= 1, repetitionNanos >= 1;"
                    + " got " + warmupNanos + ", " + repetitions + ", " + repetitionNanos);
        }
    }

    /** Nanoseconds per call of {@code op}, one sample per repetition. */
    public double[] time(Runnable op) {
        long end = System.nanoTime() + warmupNanos;
        long warmCalls = 0;
        do {
            op.run();
            warmCalls++;
        } while (System.nanoTime() < end);
        // Size the batch from a short timed run (at least one call).
        long calls = Math.max(1, warmCalls / 16);
        long t0 = System.nanoTime();
        for (long i = 0; i < calls; i++) {
            op.run();
        }
        double perCall = Math.max(1.0, (double) (System.nanoTime() - t0) / calls);
        long batch = Math.max(1, (long) (repetitionNanos / perCall));
        double[] samples = new double[repetitions];
        for (int r = 0; r < repetitions; r++) {
            long start = System.nanoTime();
            for (long i = 0; i < batch; i++) {
                op.run();
            }
            samples[r] = (double) (System.nanoTime() - start) / batch;
        }
        return samples;
    }
}
