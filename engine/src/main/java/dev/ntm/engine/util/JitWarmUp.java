package dev.ntm.engine.util;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;

/**
 * Runs an operation until the JIT compiler has finished with it: in timed windows, until two
 * windows in a row are no faster than {@code stillImproving} times the fastest window before them
 * and the JIT compiled nothing during either (its total compilation time, where the JVM reports
 * it, did not grow), or until a deadline. Shared by {@code NtmModel.warmUp} and the benchmark
 * timer, so that "warm" means one thing.
 */
public final class JitWarmUp {

    private JitWarmUp() {
    }

    /**
     * What a warm-up did.
     *
     * @param calls          operations run
     * @param lastNsPerCall  mean time per operation in the last window
     * @param settled        whether it settled before the deadline
     */
    public record Result(long calls, double lastNsPerCall, boolean settled) {
    }

    /**
     * Runs {@code op} in windows of {@code windowNanos} (the last one cut at {@code endNanos}, a
     * {@link System#nanoTime} value) until it settles or the deadline passes; at least one window,
     * so at least one call.
     */
    public static Result untilSettled(Runnable op, long windowNanos, long endNanos, double stillImproving) {
        long calls = 0;
        double best = Double.POSITIVE_INFINITY;
        double last;
        int quiet = 0;
        boolean settled;
        do {
            long compiledBefore = compilationMillis();
            long w0 = System.nanoTime();
            long windowCalls = 0;
            long now;
            do {
                op.run();
                windowCalls++;
                now = System.nanoTime();
            } while (now - w0 < windowNanos && now - endNanos < 0);
            calls += windowCalls;
            last = (double) (now - w0) / windowCalls;
            boolean jitBusy = compilationMillis() != compiledBefore;
            quiet = last < stillImproving * best || jitBusy ? 0 : quiet + 1;
            best = Math.min(best, last);
            settled = quiet >= 2;
        } while (!settled && System.nanoTime() - endNanos < 0);
        return new Result(calls, last, settled);
    }

    /** Total JIT compilation time so far in ms, or 0 when the JVM does not report it. */
    public static long compilationMillis() {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : 0;
    }
}
