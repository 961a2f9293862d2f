package dev.ntm.serve;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

/**
 * How a {@link ServeRunner} runs. Start from {@link #defaults()} and change what you need with the
 * {@code with} methods; every value is checked when the record is built.
 *
 * @param maxSessions   most sessions open at once over all runner threads; {@link ServeRunner#open}
 *                      beyond it is rejected
 * @param maxBatch      most sessions stepped together in one batch (B)
 * @param runners       runner threads; each owns its sessions and its request queue (one per core
 *                      that may be spent on serving)
 * @param queueRequests capacity of each runner's request queue, in step requests (rounded up so the
 *                      ring buffer's byte size is a power of two)
 * @param idleStrategy  what a runner thread does when it finds no work: busy spin for the lowest
 *                      latency (a core spent), back off to park and save the core
 * @param idleEviction  a session not stepped or reset for this long is closed by the runner;
 *                      {@link Duration#ZERO} never evicts
 * @param backPressure  what a submission does when the queue is full (the default of every session;
 *                      {@link ServeRunner#open(BackPressure)} chooses per session)
 * @param replyTimeout  how long a caller waits for the runner's answer before giving up with an error
 * @param countersFile  memory-mapped file of the live counters ({@code ntm stat FILE} reads it from
 *                      another process); null keeps them in this process only
 * @param stepper       makes each runner thread's {@link BatchStepper}
 */
public record ServeOptions(int maxSessions, int maxBatch, int runners, int queueRequests,
                           Supplier<IdleStrategy> idleStrategy, Duration idleEviction, BackPressure backPressure,
                           Duration replyTimeout, Path countersFile, BatchStepper.Factory stepper) {

    /** Validates every field. */
    public ServeOptions {
        requirePositive(maxSessions, "maxSessions");
        requirePositive(maxBatch, "maxBatch");
        requirePositive(runners, "runners");
        requirePositive(queueRequests, "queueRequests");
        if (queueRequests > 1 << 20) {
            throw new IllegalArgumentException("queueRequests must be at most " + (1 << 20) + ", got " + queueRequests);
        }
        Objects.requireNonNull(idleStrategy, "idleStrategy");
        Objects.requireNonNull(idleEviction, "idleEviction");
        if (idleEviction.isNegative()) {
            throw new IllegalArgumentException("idleEviction must not be negative (ZERO: never), got " + idleEviction);
        }
        Objects.requireNonNull(backPressure, "backPressure");
        Objects.requireNonNull(replyTimeout, "replyTimeout");
        if (replyTimeout.isNegative() || replyTimeout.isZero()) {
            throw new IllegalArgumentException("replyTimeout must be positive, got " + replyTimeout);
        }
        Objects.requireNonNull(stepper, "stepper");
    }

    private static void requirePositive(int value, String name) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be >= 1, got " + value);
        }
    }

    /**
     * 1,024 sessions, batches of up to 64, one runner thread backing off when idle, 4,096 queued
     * requests, eviction after 10 idle minutes, a full queue blocks up to 1 s, answers awaited up to
     * 30 s, no counters file, {@link GroupBatchStepper} (one engine group step per batch).
     */
    public static ServeOptions defaults() {
        return new ServeOptions(1024, 64, 1, 4096, BackoffIdleStrategy::new, Duration.ofMinutes(10),
                BackPressure.block(Duration.ofSeconds(1)), Duration.ofSeconds(30), null,
                GroupBatchStepper::new);
    }

    /** A copy with another session limit. */
    public ServeOptions withMaxSessions(int value) {
        return with(c -> c.maxSessions = value);
    }

    /** A copy with another largest batch. */
    public ServeOptions withMaxBatch(int value) {
        return with(c -> c.maxBatch = value);
    }

    /** A copy with another number of runner threads. */
    public ServeOptions withRunners(int value) {
        return with(c -> c.runners = value);
    }

    /** A copy with another queue capacity (step requests per runner). */
    public ServeOptions withQueueRequests(int value) {
        return with(c -> c.queueRequests = value);
    }

    /** A copy whose runner threads idle with strategies from {@code value}. */
    public ServeOptions withIdleStrategy(Supplier<IdleStrategy> value) {
        return with(c -> c.idleStrategy = value);
    }

    /** A copy whose runner threads busy-spin when idle: the lowest latency, a core spent per runner. */
    public ServeOptions withBusySpin() {
        return withIdleStrategy(BusySpinIdleStrategy::new);
    }

    /** A copy with another idle-eviction time (ZERO: never). */
    public ServeOptions withIdleEviction(Duration value) {
        return with(c -> c.idleEviction = value);
    }

    /** A copy with another default back-pressure policy. */
    public ServeOptions withBackPressure(BackPressure value) {
        return with(c -> c.backPressure = value);
    }

    /** A copy with another reply timeout. */
    public ServeOptions withReplyTimeout(Duration value) {
        return with(c -> c.replyTimeout = value);
    }

    /** A copy that publishes its counters in {@code value} (null: in this process only). */
    public ServeOptions withCountersFile(Path value) {
        return with(c -> c.countersFile = value);
    }

    /** A copy whose runner threads step batches with steppers made by {@code value}. */
    public ServeOptions withStepper(BatchStepper.Factory value) {
        return with(c -> c.stepper = value);
    }

    private ServeOptions with(Consumer<Copy> change) {
        Copy c = new Copy(this);
        change.accept(c);
        return c.build();
    }

    /** A mutable copy of every field, so that each {@code with} method names only what it changes. */
    private static final class Copy {
        int maxSessions;
        int maxBatch;
        int runners;
        int queueRequests;
        Supplier<IdleStrategy> idleStrategy;
        Duration idleEviction;
        BackPressure backPressure;
        Duration replyTimeout;
        Path countersFile;
        BatchStepper.Factory stepper;

        Copy(ServeOptions o) {
            maxSessions = o.maxSessions;
            maxBatch = o.maxBatch;
            runners = o.runners;
            queueRequests = o.queueRequests;
            idleStrategy = o.idleStrategy;
            idleEviction = o.idleEviction;
            backPressure = o.backPressure;
            replyTimeout = o.replyTimeout;
            countersFile = o.countersFile;
            stepper = o.stepper;
        }

        ServeOptions build() {
            return new ServeOptions(maxSessions, maxBatch, runners, queueRequests, idleStrategy, idleEviction,
                    backPressure, replyTimeout, countersFile, stepper);
        }
    }
}
