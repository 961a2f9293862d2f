package dev.ntm.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import dev.ntm.engine.api.NtmModel;
import dev.ntm.engine.api.NtmSession;
import dev.ntm.serve.ServeOptions;
import dev.ntm.serve.ServeRunner;
import dev.ntm.serve.ServedSession;
import org.HdrHistogram.Histogram;

/**
 * The serving harness: throughput and latency of a {@link ServeRunner} at several session counts,
 * beside today's way (each caller thread stepping its own {@link NtmSession}s back to back).
 *
 * <p>Client threads each drive a share of the sessions, every session with one request in flight
 * at most. <b>Closed loop</b> ({@code rate == 0}): a client submits a step to each of its sessions,
 * then collects the answers, and repeats; the latency is submit to answer. <b>Open loop</b>
 * ({@code rate > 0}, steps/s over all sessions): a client's requests are due at fixed intervals,
 * round robin over its sessions, and each latency runs from the request's <em>intended</em> start,
 * so a request delayed by a slow answer before it is charged for the wait (coordinated omission
 * accounted for). Sessions reset every 1,024 steps (in both ways) so their state stays typical.
 */
public final class ServeBench {

    /** Steps between resets of a session. */
    private static final int RESET_EVERY = 1024;

    /**
     * What to run.
     *
     * @param sessions      session counts, one run each
     * @param clients       client threads (0: one per session up to the core count)
     * @param rate          steps/s over all sessions, open loop; 0 for closed loop
     * @param warmupSeconds unrecorded time first, per run
     * @param seconds       recorded time per run
     * @param busySpin      runner thread busy-spins when idle (else backs off)
     * @param maxBatch      largest batch
     * @param runners       runner threads
     */
    public record Settings(int[] sessions, int clients, double rate, double warmupSeconds, double seconds,
                           boolean busySpin, int maxBatch, int runners) {
        /** Validates the settings. */
        public Settings {
            if (sessions.length == 0) {
                throw new IllegalArgumentException("--sessions needs at least one count");
            }
            for (int s : sessions) {
                if (s < 1 || s > 100_000) {
                    throw new IllegalArgumentException("session counts must be 1..100000, got " + s);
                }
            }
            if (clients < 0 || !(rate >= 0) || Double.isInfinite(rate) || !(warmupSeconds >= 0) || !(seconds > 0)
                    || maxBatch < 1 || runners < 1) {
                throw new IllegalArgumentException("serve harness needs clients >= 0, a finite rate >= 0, "
                        + "warm-up >= 0 s, seconds > 0, maxBatch >= 1 and runners >= 1; got clients=" + clients + ", rate=" + rate
                        + ", warmup=" + warmupSeconds + ", seconds=" + seconds + ", maxBatch=" + maxBatch + ", runners="
                        + runners);
            }
        }
    }

    /**
     * One measured configuration.
     *
     * @param sessions  sessions stepped
     * @param clients   client threads
     * @param steps     steps recorded
     * @param seconds   recorded wall time
     * @param meanBatch steps per batch in the runner (1 for the sessions stepped alone)
     * @param latency   per-step latency, ns
     * @param missed    open loop: requests never issued because the clients fell a whole run behind
     *                  (then the rate was not sustained)
     */
    public record Run(int sessions, int clients, long steps, double seconds, double meanBatch, Histogram latency,
                      long missed) {
        /** Steps per second. */
        public double rate() {
            return steps / seconds;
        }

        String format(String what) {
            return String.format(Locale.ROOT, "%-8s %8d %7d %12.0f %6.1f %9.2f %9.2f %9.2f %9.2f%s", what, sessions,
                    clients, rate(), meanBatch, latency.getValueAtPercentile(50) / 1e3,
                    latency.getValueAtPercentile(99) / 1e3, latency.getValueAtPercentile(99.9) / 1e3,
                    latency.getMaxValue() / 1e3, missed > 0
                            ? String.format(Locale.ROOT, "  NOT SUSTAINED: %,d requests never issued", missed) : "");
        }
    }

    private ServeBench() {
    }

    /** Runs every session count served and alone; prints a table; returns the figures. */
    public static List<BenchReport.Figure> run(NtmModel model, Settings settings, PrintWriter o) {
        int cores = Runtime.getRuntime().availableProcessors();
        o.println(String.format(Locale.ROOT, "serve: copy configuration, %s, %.1f s warm-up and %.1f s per run, "
                        + "%d runner thread(s) %s, batches up to %d", settings.rate() > 0
                        ? String.format(Locale.ROOT, "open loop at %,.0f steps/s (latency from the intended start)",
                        settings.rate()) : "closed loop", settings.warmupSeconds(), settings.seconds(),
                settings.runners(), settings.busySpin() ? "busy-spinning" : "backing off when idle",
                settings.maxBatch()));
        o.println("way      sessions clients      steps/s  batch   p50 us    p99 us  p99.9 us    max us");
        o.flush();
        // Compile the step path once (NtmModel.warmUp, up to 4 warm-up periods); each run then warms its
        // own client and runner code.
        NtmModel.WarmUp w = model.warmUp(java.time.Duration.ofNanos((long) (4e9 * settings.warmupSeconds())));
        o.println(String.format(Locale.ROOT, "model warm-up: %.1f s, %.2f us per step, %s", w.elapsed().toNanos() / 1e9,
                w.nsPerStep() / 1e3, w.settled() ? "settled" : "not settled"));
        List<BenchReport.Figure> figures = new ArrayList<>();
        for (int s : settings.sessions()) {
            int clients = settings.clients() > 0 ? Math.min(settings.clients(), s) : Math.min(s, cores);
            Run alone = alone(model, s, clients, settings);
            o.println(alone.format("alone"));
            o.flush();
            Run served = served(model, s, clients, settings);
            o.println(served.format("served"));
            o.flush();
            String p = "serve.s" + s + (settings.rate() > 0 ? ".rate" + Math.round(settings.rate()) : "");
            figures.add(new BenchReport.Figure(p + ".alone.steps_per_s", "steps/s", alone.rate(), false, 0, 1));
            figures.add(new BenchReport.Figure(p + ".steps_per_s", "steps/s", served.rate(), false, 0, 1));
            figures.add(new BenchReport.Figure(p + ".mean_batch", "steps", served.meanBatch(), false, 0, 1));
            figures.add(new BenchReport.Figure(p + ".p50", "ns", served.latency().getValueAtPercentile(50), true, 0, 1));
            figures.add(new BenchReport.Figure(p + ".p99", "ns", served.latency().getValueAtPercentile(99), true, 0, 1));
            figures.add(new BenchReport.Figure(p + ".p99.9", "ns", served.latency().getValueAtPercentile(99.9), true, 0,
                    1));
        }
        return figures;
    }

    /** Today's way: each client thread steps its share of sessions itself, one after another. */
    static Run alone(NtmModel model, int sessions, int clients, Settings settings) {
        Loop[] loops = new Loop[clients];
        for (int c = 0; c < clients; c++) {
            NtmSession[] own = new NtmSession[share(sessions, clients, c)];
            for (int i = 0; i < own.length; i++) {
                own[i] = model.newSession();
            }
            loops[c] = new AloneLoop(own, model);
        }
        return measure(loops, sessions, settings, null);
    }

    /** Through a runner: each client thread drives its share of served sessions. */
    static Run served(NtmModel model, int sessions, int clients, Settings settings) {
        ServeOptions options = ServeOptions.defaults().withMaxSessions(sessions).withMaxBatch(settings.maxBatch())
                .withQueueRequests(sessions).withRunners(settings.runners());
        if (settings.busySpin()) {
            options = options.withBusySpin();
        }
        try (ServeRunner runner = ServeRunner.start(model, options)) {
            Loop[] loops = new Loop[clients];
            for (int c = 0; c < clients; c++) {
                ServedSession[] own = new ServedSession[share(sessions, clients, c)];
                for (int i = 0; i < own.length; i++) {
                    own[i] = runner.open();
                }
                loops[c] = new ServedLoop(own, model);
            }
            return measure(loops, sessions, settings, runner);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int share(int sessions, int clients, int c) {
        return sessions / clients + (c < sessions % clients ? 1 : 0);
    }

    private static Run measure(Loop[] loops, int sessions, Settings settings, ServeRunner runner) {
        long now = System.nanoTime();
        long warmEnd = now + (long) (settings.warmupSeconds() * 1e9);
        long end = warmEnd + (long) (settings.seconds() * 1e9);
        double interval = settings.rate() > 0 ? 1e9 * loops.length / settings.rate() : 0;
        Thread[] threads = new Thread[loops.length];
        ServeRunner.Totals[] before = new ServeRunner.Totals[1];
        for (int c = 0; c < loops.length; c++) {
            Loop loop = loops[c];
            threads[c] = new Thread(() -> loop.run(warmEnd, end, interval), "serve-client-" + c);
            threads[c].start();
        }
        if (runner != null) {
            sleepUntil(warmEnd);
            before[0] = runner.totals();
        }
        Histogram all = new Histogram(LatencyHarness.HIGHEST_NS, LatencyHarness.DIGITS);
        long steps = 0;
        long missed = 0;
        for (int c = 0; c < loops.length; c++) {
            try {
                threads[c].join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
            if (loops[c].failure != null) {
                throw new IllegalStateException("client " + c + " failed: " + loops[c].failure, loops[c].failure);
            }
            all.add(loops[c].latency);
            steps += loops[c].latency.getTotalCount();
            missed += loops[c].missed;
        }
        double seconds = (System.nanoTime() - warmEnd) / 1e9;
        double meanBatch = 1;
        if (runner != null) {
            ServeRunner.Totals after = runner.totals();
            meanBatch = (double) (after.steps() - before[0].steps()) / Math.max(1, after.batches() - before[0].batches());
        }
        return new Run(sessions, loops.length, steps, seconds, meanBatch, all, missed);
    }

    private static void sleepUntil(long deadline) {
        long left;
        while ((left = deadline - System.nanoTime()) > 0) {
            try {
                Thread.sleep(Math.max(1, left / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** One client thread's loop over its sessions. */
    private abstract static class Loop {
        final Histogram latency = new Histogram(LatencyHarness.HIGHEST_NS, LatencyHarness.DIGITS);
        final float[] in;
        final float[] out;
        final long[] due;
        final boolean[] busy;
        final int[] stepsSinceReset;
        /** Sessions this client drives. */
        final int sessions;
        /** Whether {@link #send} finishes the step itself. */
        final boolean synchronous;
        long missed;
        volatile Throwable failure;

        Loop(int sessions, NtmModel model, boolean synchronous) {
            this.sessions = sessions;
            this.synchronous = synchronous;
            in = new float[model.config().inputSize()];
            out = new float[model.config().outputSize()];
            due = new long[sessions];
            busy = new boolean[sessions];
            stepsSinceReset = new int[sessions];
            in[0] = 1f;
        }

        /** Resets session i (to keep its state typical). */
        abstract void reset(int i);

        /** Starts a step of session i; returns at once, or when done if {@link #synchronous}. */
        abstract void send(int i);

        /** Whether session i's step has finished (collecting it). */
        abstract boolean poll(int i);

        /** Waits for session i's step. */
        abstract void await(int i);

        final void run(long warmEnd, long end, double interval) {
            try {
                if (interval > 0) {
                    // the warm-up runs the open loop itself, so that its code is compiled when recording starts
                    openLoop(System.nanoTime(), warmEnd, interval, false);
                    openLoop(warmEnd, end, interval, true);
                } else {
                    closedLoop(warmEnd, false);
                    closedLoop(end, true);
                }
            } catch (Throwable t) {
                failure = t;
            }
        }

        private void closedLoop(long until, boolean record) {
            int n = sessions;
            while (System.nanoTime() < until) {
                for (int i = 0; i < n; i++) {
                    due[i] = System.nanoTime();
                    begin(i, record);
                }
                for (int i = 0; i < n; i++) {
                    if (busy[i]) {
                        await(i);
                        finish(i, System.nanoTime(), record);
                    }
                }
            }
        }

        private void openLoop(long start, long end, double interval, boolean record) {
            int n = sessions;
            long total = (long) Math.ceil((end - start) / interval);
            // A client a whole run behind stops issuing: the rest count as missed, not as silent omissions.
            // The warm-up stops at its end, behind or not, so the recorded run starts on time.
            long giveUp = record ? end + (end - start) : end;
            for (long k = 0; k < total; k++) {
                long intended = start + (long) (k * interval);
                if (System.nanoTime() >= giveUp) {
                    missed += record ? total - k : 0;
                    break;
                }
                long now;
                while ((now = System.nanoTime()) < intended) {
                    for (int i = 0; i < n; i++) {
                        if (busy[i] && poll(i)) {
                            finish(i, System.nanoTime(), record);
                        }
                    }
                    Thread.onSpinWait();
                }
                int i = (int) (k % n);
                if (busy[i]) {
                    await(i);
                    finish(i, System.nanoTime(), record);
                }
                due[i] = intended;
                begin(i, record);
            }
            for (int i = 0; i < n; i++) {
                if (busy[i]) {
                    await(i);
                    finish(i, System.nanoTime(), record);
                }
            }
        }

        /** Starts session i's step; a step done at once (stepped alone) is finished here. */
        private void begin(int i, boolean record) {
            busy[i] = true;
            in[stepsSinceReset[i] % in.length] = 1f - in[stepsSinceReset[i] % in.length];
            if (++stepsSinceReset[i] == RESET_EVERY) {
                stepsSinceReset[i] = 0;
                reset(i);
            }
            send(i);
            if (synchronous) {
                finish(i, System.nanoTime(), record);
            }
        }

        private void finish(int i, long now, boolean record) {
            busy[i] = false;
            if (record) {
                latency.recordValue(Math.min(now - due[i], LatencyHarness.HIGHEST_NS));
            }
        }
    }

    /** Today's way: the client steps its own sessions (the step is done when send returns). */
    private static final class AloneLoop extends Loop {
        private final NtmSession[] own;

        AloneLoop(NtmSession[] own, NtmModel model) {
            super(own.length, model, true);
            this.own = own;
        }

        @Override
        void reset(int i) {
            own[i].reset();
        }

        @Override
        void send(int i) {
            own[i].step(in, out);
        }

        @Override
        boolean poll(int i) {
            return true;
        }

        @Override
        void await(int i) {
        }
    }

    /** Through the runner: submit, then poll or await. */
    private static final class ServedLoop extends Loop {
        private final ServedSession[] own;

        ServedLoop(ServedSession[] own, NtmModel model) {
            super(own.length, model, false);
            this.own = own;
        }

        @Override
        void reset(int i) {
            own[i].reset();
        }

        @Override
        void send(int i) {
            own[i].submit(in);
        }

        @Override
        boolean poll(int i) {
            return own[i].poll(out);
        }

        @Override
        void await(int i) {
            own[i].await(out);
        }
    }
}
