package dev.ntm.serve;

import java.io.IOException;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import dev.ntm.engine.api.NtmModel;
import dev.ntm.engine.api.NtmSession;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.ManyToManyConcurrentArrayQueue;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersReader;

/**
 * Serves many sessions of one model from a few runner threads: callers {@link #open} sessions and
 * step them from any number of threads; each runner thread gathers the pending steps of its
 * sessions into batches of up to {@link ServeOptions#maxBatch()} and steps them together. A
 * session's outputs are bit-identical to the same session stepped alone, whatever shares its
 * batches (see {@link BatchStepper}).
 *
 * <pre>{@code
 * try (ServeRunner runner = ServeRunner.start(model, ServeOptions.defaults().withCountersFile(Path.of("ntm.counters")))) {
 *     ServedSession s = runner.open();         // one per user, device or stream
 *     s.step(input, output);                   // from any thread, one at a time per session
 *     s.close();
 * }
 * }</pre>
 *
 * <p>Sessions are recycled: a closed or evicted session's state is reset and reused by the next
 * {@link #open}, so a service that opens and closes sessions allocates nothing in the steady state.
 */
public final class ServeRunner implements AutoCloseable {

    private final NtmModel model;
    private final ServeOptions options;
    private final CountersFile counters;
    private final AtomicCounter rejectedLimit;
    private final Runner[] runners;
    private final RunnerCounters[] runnerCounters;
    private final AgentRunner[] agentRunners;
    private final ManyToManyConcurrentArrayQueue<NtmSession> pool;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong nextId = new AtomicLong(1);
    private final AtomicBoolean closed = new AtomicBoolean();

    private ServeRunner(NtmModel model, ServeOptions options, CountersFile counters) {
        this.model = model;
        this.options = options;
        this.counters = counters;
        this.rejectedLimit = counters.manager().newCounter("sessions refused, limit of " + options.maxSessions()
                + " reached", CountersFile.TYPE_COUNT);
        this.pool = new ManyToManyConcurrentArrayQueue<>(Math.max(2, options.maxSessions()));
        this.runners = new Runner[options.runners()];
        this.agentRunners = new AgentRunner[options.runners()];
        this.runnerCounters = new RunnerCounters[options.runners()];
        for (int r = 0; r < runners.length; r++) {
            RunnerCounters rc = new RunnerCounters(counters.manager(), r, options.maxBatch());
            runnerCounters[r] = rc;
            runners[r] = new Runner(r, model, options, rc, pool, this);
            agentRunners[r] = new AgentRunner(options.idleStrategy().get(), this::runnerError, null, runners[r]);
        }
    }

    /**
     * Starts the runner threads of {@code model} with {@code options} (and creates the counters
     * file, if one is named).
     *
     * @throws IOException when the counters file cannot be created
     */
    public static ServeRunner start(NtmModel model, ServeOptions options) throws IOException {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(options, "options");
        int counterCount = 1 + options.runners() * RunnerCounters.count(options.maxBatch());
        ServeRunner r = new ServeRunner(model, options, CountersFile.create(options.countersFile(), counterCount));
        for (AgentRunner a : r.agentRunners) {
            AgentRunner.startOnThread(a, task -> {
                Thread t = new Thread(task);
                t.setDaemon(true);
                return t;
            });
        }
        return r;
    }

    /** Opens a session at the model's initial state, with the default back-pressure policy. */
    public ServedSession open() {
        return open(options.backPressure());
    }

    /**
     * Opens a session at the model's initial state; its submissions meet a full queue with
     * {@code backPressure}.
     *
     * @throws RejectedException when {@link ServeOptions#maxSessions()} sessions are open
     */
    public ServedSession open(BackPressure backPressure) {
        Objects.requireNonNull(backPressure, "backPressure");
        if (closed.get()) {
            throw new IllegalStateException("the runner is closed; no session can be opened");
        }
        if (open.incrementAndGet() > options.maxSessions()) {
            open.decrementAndGet();
            rejectedLimit.increment();
            throw new RejectedException("too many sessions: " + options.maxSessions()
                    + " are open, the limit; close one first or raise maxSessions");
        }
        NtmSession state = pool.poll();
        if (state == null) {
            state = model.newSession();
        }
        long id = nextId.getAndIncrement();
        Runner runner = runners[(int) (id % runners.length)];
        ServedSession s = new ServedSession(id, runner, this, state, backPressure);
        runner.open(s);
        s.awaitOpened();
        return s;
    }

    /** Sessions open now (over all runners). */
    public int sessionsOpen() {
        return open.get();
    }

    /** The model served. */
    public NtmModel model() {
        return model;
    }

    /** The options. */
    public ServeOptions options() {
        return options;
    }

    /**
     * Totals over all runner threads so far.
     *
     * @param steps    session steps taken
     * @param batches  batches stepped (steps / batches is the mean batch size)
     * @param rejected requests refused because a queue was full
     */
    public record Totals(long steps, long batches, long rejected) {
    }

    /** Totals over all runner threads, read from the live counters. */
    public Totals totals() {
        long steps = 0;
        long batches = 0;
        long rejected = 0;
        for (RunnerCounters rc : runnerCounters) {
            steps += rc.steps.getAcquire();
            batches += rc.batches.getAcquire();
            rejected += rc.rejectedFull.getAcquire();
        }
        return new Totals(steps, batches, rejected);
    }

    /** The live counters (the same the counters file holds). */
    public CountersReader counters() {
        return counters.reader();
    }

    /** The counters file, or null when the counters live in this process only. */
    public java.nio.file.Path countersFile() {
        return counters.path();
    }

    /** Whether {@link #close} has been called. */
    public boolean isClosed() {
        return closed.get();
    }

    /** The runner threads (for tests: allocation); an entry is null until its thread has started. */
    Thread[] threads() {
        Thread[] t = new Thread[agentRunners.length];
        for (int i = 0; i < t.length; i++) {
            t[i] = agentRunners[i].thread();
        }
        return t;
    }

    /** A session left a runner (closed or evicted; runner thread). */
    void sessionGone() {
        open.decrementAndGet();
    }

    /**
     * Stops the runner threads after they have stepped the batch in hand; requests still queued are
     * answered with an error, never dropped. The counters file stays, marked closed, with its final
     * values.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (AgentRunner a : agentRunners) {
            a.close();
        }
        counters.markClosed();
        counters.close();
    }

    private void runnerError(Throwable t) {
        System.err.println("ntm serve: runner error: " + t);
    }
}
