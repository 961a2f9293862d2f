package dev.ntm.bench;

import dev.ntm.engine.util.JitWarmUp;

/**
 * A warmed-up {@code System.nanoTime} loop for operations of a microsecond or more.
 *
 * <p>Warm-up runs the operation for at least {@code warmupNanos}, then in windows of
 * {@code repetitionNanos} until it has <em>settled</em>: two windows in a row no more than 10%
 * faster than the fastest window before them, during which the JIT compiled nothing (its total
 * compilation time, where the JVM reports it, did not grow), or until {@code maxWarmupNanos} has
 * passed. On a busy machine C2 can take many seconds to compile the Vector API kernels, and a
 * figure timed before that measures the interpreter. Then a batch of calls is sized to last about
 * {@code repetitionNanos} and timed {@code repetitions} times; each sample is the mean time of one
 * call in one batch.
 *
 * <p>Not a replacement for JMH (which also forks, and guards against dead-code elimination):
 * callers make their operations write memory or feed a sink, and keep operations long enough
 * (microseconds) that the loop's own cost (an interface call) does not matter.
 *
 * @param warmupNanos     shortest warm-up
 * @param maxWarmupNanos  longest warm-up (>= warmupNanos)
 * @param repetitions     batches to time (the samples)
 * @param repetitionNanos target length of one batch, and of one warm-up window
 */
public record NanoTimer(long warmupNanos, long maxWarmupNanos, int repetitions, long repetitionNanos) {

    /** A window at least this much faster than the fastest before it means the code is still warming up. */
    static final double STILL_IMPROVING = 0.9;

    /** A timer with a fixed warm-up of {@code warmupNanos} (no settling check). */
    public NanoTimer(long warmupNanos, int repetitions, long repetitionNanos) {
        this(warmupNanos, warmupNanos, repetitions, repetitionNanos);
    }

    /** Validates the settings. */
    public NanoTimer {
        if (warmupNanos < 0 || maxWarmupNanos < warmupNanos || repetitions < 1 || repetitionNanos < 1) {
            throw new IllegalArgumentException("timer needs 0 <= warmupNanos <= maxWarmupNanos, repetitions >= 1, "
                    + "repetitionNanos >= 1; got " + warmupNanos + ", " + maxWarmupNanos + ", " + repetitions + ", "
                    + repetitionNanos);
        }
    }

    /**
     * What a warm-up did.
     *
     * @param settled false when the warm-up hit its limit while the operation was still getting
     *                faster; true when it settled, or when the warm-up is fixed
     *                ({@code maxWarmupNanos == warmupNanos}: nothing was checked)
     * @param nanos   how long it ran
     * @param calls   how many calls it made
     */
    public record WarmUp(boolean settled, long nanos, long calls) {
        /** A note for a report when the warm-up did not settle, else null. */
        public String unsettledNote(String what) {
            return settled ? null : String.format(java.util.Locale.ROOT,
                    "%s was still getting faster after %.1f s of warm-up: its figure may be pessimistic", what,
                    nanos / 1e9);
        }
    }

    /**
     * What one measurement found.
     *
     * @param nsPerCall mean nanoseconds per call, one sample per repetition
     * @param warmUp    the warm-up before the samples
     */
    public record Timing(double[] nsPerCall, WarmUp warmUp) {
    }

    /** Runs {@code op} until it is warm, as described on the class ({@link JitWarmUp} after the shortest warm-up). */
    public WarmUp warmUp(Runnable op) {
        long start = System.nanoTime();
        long minEnd = start + warmupNanos;
        long maxEnd = start + maxWarmupNanos;
        long calls = 0;
        do {
            op.run();
            calls++;
        } while (System.nanoTime() < minEnd);
        boolean settled = maxWarmupNanos == warmupNanos;
        if (!settled && System.nanoTime() < maxEnd) {
            JitWarmUp.Result r = JitWarmUp.untilSettled(op, repetitionNanos, maxEnd, STILL_IMPROVING);
            calls += r.calls();
            settled = r.settled();
        }
        return new WarmUp(settled, System.nanoTime() - start, calls);
    }

    /** Warms {@code op} up, then times it. */
    public Timing measure(Runnable op) {
        WarmUp warm = warmUp(op);
        // Size the batch from a short timed run (at least one call).
        long calls = Math.max(1, warm.calls() / 16);
        long t0 = System.nanoTime();
        for (long i = 0; i < calls; i++) {
            op.run();
        }
        double perCall = Math.max(1.0, (double) (System.nanoTime() - t0) / calls);
        long batch = Math.max(1, (long) (repetitionNanos / perCall));
        double[] samples = new double[repetitions];
        for (int r = 0; r < repetitions; r++) {
            long s = System.nanoTime();
            for (long i = 0; i < batch; i++) {
                op.run();
            }
            samples[r] = (double) (System.nanoTime() - s) / batch;
        }
        return new Timing(samples, warm);
    }
}
