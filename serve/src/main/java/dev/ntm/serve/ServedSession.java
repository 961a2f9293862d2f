package dev.ntm.serve;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

import dev.ntm.engine.api.NtmSession;

/**
 * A session served by a {@link ServeRunner}: its recurrent state lives with a runner thread, which
 * steps it in batches with other sessions; this handle submits requests and receives the answers.
 *
 * <p>One thread at a time may use a handle, and one request may be outstanding at a time:
 * {@link #step} submits and waits, {@link #submit} and {@link #poll}/{@link #await} split the two so
 * one thread can keep several sessions busy. Steps allocate nothing. A rejected call leaves the
 * session unchanged: bad input ({@link IllegalArgumentException}), a full queue
 * ({@link RejectedException}), a closed or evicted session or a closed runner
 * ({@link IllegalStateException}).
 */
public final class ServedSession implements AutoCloseable {

    /** Reply states, written by the runner thread (release) and read by the caller (acquire). */
    static final int PENDING = 0;
    static final int DONE = 1;
    /** The runner no longer knows the session (it was evicted while the request waited). */
    static final int GONE = 2;
    static final int RUNNER_CLOSED = 3;
    static final int FAILED = 4;

    /** Spins before yielding, yields before parking, while waiting for an answer. */
    private static final int SPINS = 2_000;
    private static final int YIELDS = 50;
    /** Longest park between checks of the runner's state and the deadline. */
    private static final long PARK_NANOS = 200_000L;

    private static final VarHandle STATUS;

    static {
        try {
            STATUS = MethodHandles.lookup().findVarHandle(ServedSession.class, "status", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final long id;
    private final Runner runner;
    private final ServeRunner owner;
    private final BackPressure backPressure;
    private final int inputSize;
    private final int outputSize;

    /** The state; touched by the runner thread only once the session is registered. */
    final NtmSession session;
    /** The answer of the last step, written by the runner thread before {@link #status}. */
    final float[] output;
    @SuppressWarnings("unused") // through STATUS
    private int status;
    /** The caller, when parked waiting; the runner wakes it after publishing an answer. */
    private volatile Thread waiter;
    /** Set by the runner when it evicts the session. */
    private volatile boolean evicted;

    // Runner thread only.
    long lastUsedNanos;
    boolean inBatch;

    // Caller only.
    private boolean outstanding;
    private boolean closed;

    ServedSession(long id, Runner runner, ServeRunner owner, NtmSession session, BackPressure backPressure) {
        this.id = id;
        this.runner = runner;
        this.owner = owner;
        this.session = session;
        this.backPressure = backPressure;
        this.inputSize = session.model().config().inputSize();
        this.outputSize = session.model().config().outputSize();
        this.output = new float[outputSize];
    }

    /** The session's id, unique within its runner for the runner's life. */
    public long id() {
        return id;
    }

    /** Whether the session can still be stepped: not closed by this handle, not evicted by the runner. */
    public boolean isOpen() {
        return !closed && !evicted;
    }

    /** Input width X of the model. */
    public int inputSize() {
        return inputSize;
    }

    /** Output width Y of the model. */
    public int outputSize() {
        return outputSize;
    }

    /**
     * One step: submits {@code input} (X finite floats) and waits for the output probabilities
     * (Y floats written to {@code output}).
     */
    public void step(float[] input, float[] output) {
        checkOutput(output);
        submit(input);
        await(output);
    }

    /**
     * Submits one step and returns without waiting; collect the answer with {@link #poll} or
     * {@link #await} before the next request. {@code input} may be reused as soon as this returns.
     */
    public void submit(float[] input) {
        checkUsable();
        checkInput(input);
        STATUS.setOpaque(this, PENDING);
        runner.send(Messages.STEP, this, input, backPressure);
        outstanding = true;
    }

    /**
     * Collects the answer of the outstanding step if it has arrived: writes it to {@code output}
     * and returns true; returns false at once otherwise.
     */
    public boolean poll(float[] output) {
        checkOutput(output);
        if (!outstanding) {
            throw new IllegalStateException("session " + id + " has no step outstanding; submit one first");
        }
        int s = (int) STATUS.getAcquire(this);
        if (s == PENDING && !evicted && !owner.isClosed()) {
            return false;
        }
        finish(s == PENDING ? awaitStatus() : s, output);
        return true;
    }

    /** Waits for the answer of the outstanding step and writes it to {@code output}. */
    public void await(float[] output) {
        checkOutput(output);
        if (!outstanding) {
            throw new IllegalStateException("session " + id + " has no step outstanding; submit one first");
        }
        finish(awaitStatus(), output);
    }

    /** Returns the session to the model's initial state (after any step submitted before). */
    public void reset() {
        checkUsable();
        control(Messages.RESET);
    }

    /**
     * Closes the session: the runner forgets it and its state is recycled. Closing a closed or
     * evicted session does nothing.
     */
    @Override
    public void close() {
        if (closed || evicted) {
            closed = true;
            return;
        }
        if (outstanding) {
            throw new IllegalStateException("session " + id + " has a step outstanding; await it before closing");
        }
        if (owner.isClosed()) {
            closed = true;
            return;
        }
        control(Messages.CLOSE);
        closed = true;
    }

    /** Waits for the runner to register the session (caller of {@link ServeRunner#open}). */
    void awaitOpened() {
        outstanding = true;
        finish(awaitStatus(), null);
    }

    private void control(int type) {
        STATUS.setOpaque(this, PENDING);
        runner.send(type, this, null, backPressure);
        outstanding = true;
        finish(awaitStatus(), null);
    }

    private void finish(int s, float[] out) {
        outstanding = false;
        switch (s) {
            case DONE -> {
                if (out != null) {
                    System.arraycopy(output, 0, out, 0, outputSize);
                }
            }
            case GONE -> throw evictedError();
            case RUNNER_CLOSED -> throw new IllegalStateException("the runner was closed before it answered session "
                    + id);
            default -> throw new IllegalStateException("the runner failed to step session " + id + ": "
                    + runner.lastFailure() + "; its state is undefined, reset it");
        }
    }

    /** Waits for an answer: spins, then yields, then parks (the runner unparks it). */
    private int awaitStatus() {
        for (int i = 0; i < SPINS; i++) {
            int s = (int) STATUS.getAcquire(this);
            if (s != PENDING) {
                return s;
            }
            Thread.onSpinWait();
        }
        for (int i = 0; i < YIELDS; i++) {
            int s = (int) STATUS.getAcquire(this);
            if (s != PENDING) {
                return s;
            }
            Thread.yield();
        }
        long deadline = System.nanoTime() + owner.options().replyTimeout().toNanos();
        while (true) {
            waiter = Thread.currentThread();
            int s = (int) STATUS.getVolatile(this);
            if (s != PENDING) {
                waiter = null;
                return s;
            }
            if (evicted) {
                waiter = null;
                return GONE;
            }
            if (owner.isClosed() && runner.isStopped()) {
                waiter = null;
                s = (int) STATUS.getVolatile(this);
                return s != PENDING ? s : RUNNER_CLOSED;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                waiter = null;
                throw new IllegalStateException("no answer from the runner for session " + id + " within "
                        + owner.options().replyTimeout().toMillis() + " ms (the request stays outstanding)");
            }
            LockSupport.parkNanos(this, Math.min(left, PARK_NANOS));
        }
    }

    /** Publishes an answer (runner thread): release, then wake the caller if it parked. */
    void reply(int s) {
        STATUS.setVolatile(this, s);
        Thread w = waiter;
        if (w != null) {
            LockSupport.unpark(w);
        }
    }

    /** Marks the session evicted (runner thread) and wakes a caller waiting on it. */
    void markEvicted() {
        evicted = true;
        Thread w = waiter;
        if (w != null) {
            LockSupport.unpark(w);
        }
    }

    private IllegalStateException evictedError() {
        return new IllegalStateException("session " + id + " was closed by the runner after "
                + owner.options().idleEviction().toMillis() + " ms idle (idle eviction); open a new one");
    }

    private void checkUsable() {
        if (owner.isClosed()) {
            throw new IllegalStateException("the runner is closed; session " + id + " cannot be used");
        }
        if (closed) {
            throw new IllegalStateException("session " + id + " is closed");
        }
        if (evicted) {
            throw evictedError();
        }
        if (outstanding) {
            throw new IllegalStateException("session " + id + " has a step outstanding; poll or await it first");
        }
    }

    private void checkInput(float[] input) {
        if (input == null) {
            throw new IllegalArgumentException("input is null; expected " + inputSize + " floats");
        }
        if (input.length != inputSize) {
            throw new IllegalArgumentException("input must hold X = " + inputSize + " floats, got " + input.length);
        }
        for (int i = 0; i < input.length; i++) {
            if (!Float.isFinite(input[i])) {
                throw new IllegalArgumentException("input[" + i + "] = " + input[i] + "; inputs must be finite");
            }
        }
    }

    private void checkOutput(float[] out) {
        if (out == null) {
            throw new IllegalArgumentException("output is null; expected " + outputSize + " floats");
        }
        if (out.length != outputSize) {
            throw new IllegalArgumentException("output must hold Y = " + outputSize + " floats, got " + out.length);
        }
    }
}
