package dev.ntm.serve;

import java.time.Duration;
import java.util.Objects;

/**
 * What a submission does when the runner's request queue is full: {@link #reject()} at once, or
 * {@link #block(Duration)} until there is room or the timeout passes, then reject. Either way a
 * request that cannot be queued ends in a {@link RejectedException}; none is dropped silently.
 *
 * @param timeout how long to wait for room; {@link Duration#ZERO} rejects at once
 */
public record BackPressure(Duration timeout) {

    /** Validates the timeout. */
    public BackPressure {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("back-pressure timeout must not be negative, got " + timeout);
        }
    }

    /** Reject at once when the queue is full. */
    public static BackPressure reject() {
        return new BackPressure(Duration.ZERO);
    }

    /** Wait up to {@code timeout} for room, then reject. */
    public static BackPressure block(Duration timeout) {
        return new BackPressure(timeout);
    }

    /** Whether this policy waits at all. */
    public boolean blocks() {
        return !timeout.isZero();
    }

    @Override
    public String toString() {
        return blocks() ? "block up to " + timeout.toMillis() + " ms" : "reject";
    }
}
