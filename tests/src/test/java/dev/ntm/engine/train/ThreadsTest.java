package dev.ntm.engine.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

import org.junit.jupiter.api.Test;

/**
 * {@link Threads#run}: every worker runs once, worker 0 on the calling thread and the others on the
 * pool's threads - 1 helpers; a failure anywhere is rethrown, and only after every worker has
 * stopped (the trainer's chunks share the parameters, so none may still run when it returns).
 */
class ThreadsTest {

    @Test
    void everyWorkerRunsOnceAndTheCallerIsWorkerZero() {
        for (int threads : new int[] {1, 2, 3, 5}) {
            ExecutorService pool = Threads.pool(threads, "test-worker");
            try {
                AtomicIntegerArray runs = new AtomicIntegerArray(threads);
                AtomicReferenceArray<Thread> ranOn = new AtomicReferenceArray<>(threads);
                Threads.run(pool, threads, w -> {
                    runs.incrementAndGet(w);
                    ranOn.set(w, Thread.currentThread());
                });
                for (int w = 0; w < threads; w++) {
                    assertEquals(1, runs.get(w), threads + " threads: worker " + w + " runs");
                }
                assertSame(Thread.currentThread(), ranOn.get(0), threads + " threads: worker 0 on the caller");
                for (int w = 1; w < threads; w++) {
                    assertEquals("test-worker", ranOn.get(w).getName(), threads + " threads: worker " + w);
                }
            } finally {
                if (pool != null) {
                    pool.shutdownNow();
                }
            }
        }
    }

    @Test
    void aFailureIsRethrownAfterEveryWorkerHasStopped() {
        ExecutorService pool = Threads.pool(3, "test-worker");
        try {
            for (int failing = 0; failing < 3; failing++) {
                int f = failing;
                AtomicInteger finished = new AtomicInteger();
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> Threads.run(pool, 3, w -> {
                    if (w == f) {
                        throw new IllegalStateException("worker " + w + " failed");
                    }
                    sleep(50);
                    finished.incrementAndGet();
                }));
                assertEquals("worker " + f + " failed", e.getMessage());
                assertEquals(2, finished.get(), "the other workers finished before the failure came back");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void oneThreadNeedsNoPool() {
        assertTrue(Threads.pool(1, "test-worker") == null);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
