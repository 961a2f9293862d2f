package dev.ntm.serve;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.ntm.engine.api.NtmSession;

/**
 * A {@link SequentialBatchStepper} that, once armed, holds its next batch until released: it lets a
 * test fill the runner's queue deterministically while the runner thread is busy.
 */
final class GatedStepper implements BatchStepper {

    private final BatchStepper inner = new SequentialBatchStepper();
    private final CountDownLatch entered = new CountDownLatch(1);
    private final CountDownLatch released = new CountDownLatch(1);
    private volatile boolean armed;

    @Override
    public void step(NtmSession[] sessions, int count, float[][] inputs, float[][] outputs) {
        if (armed) {
            armed = false;
            entered.countDown();
            try {
                if (!released.await(60, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the test never released the gate");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted at the gate", e);
            }
        }
        inner.step(sessions, count, inputs, outputs);
    }

    /** The next batch will wait for {@link #release}. */
    void arm() {
        armed = true;
    }

    /** Waits until the runner thread is held at the gate. */
    void awaitHeld() throws InterruptedException {
        if (!entered.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the runner never reached the gate");
        }
    }

    void release() {
        released.countDown();
    }
}
