package dev.ntm.engine.train;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntConsumer;

/**
 * Worker threads of training and evaluation: the documented bound on their number, the pool, and
 * running one task per worker and waiting for all of them.
 */
public final class Threads {

    /**
     * Most worker threads accepted. Results never depend on the count, and each worker holds its
     * own network (tape and scratch), so threads beyond the cores only cost memory.
     */
    public static final int MAX = 256;

    private Threads() {
    }

    /** Throws unless {@code threads} is in 1..{@link #MAX}. */
    public static void check(int threads) {
        if (threads < 1 || threads > MAX) {
            throw new IllegalArgumentException("threads must be in 1.." + MAX + " (this machine has "
                    + Runtime.getRuntime().availableProcessors() + " cores), got " + threads);
        }
    }

    /**
     * The helpers of {@code threads} workers: {@code threads - 1} daemon threads named {@code name}
     * (the calling thread is the first worker, see {@link #run}), or null for one thread.
     */
    static ExecutorService pool(int threads, String name) {
        check(threads);
        return threads > 1 ? Executors.newFixedThreadPool(threads - 1, r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        }) : null;
    }

    /**
     * Runs {@code work} for workers 0..workers-1 and returns when all have finished: worker 0 on
     * this thread, the others on {@code pool} (all on this thread when it is null). The caller
     * keeps working instead of waiting for a woken thread, and what it does next (the sum of the
     * chunks' gradients, the optimiser's step) starts with worker 0's results in its own core's
     * caches. The first failure is rethrown after every worker has stopped.
     */
    static void run(ExecutorService pool, int workers, IntConsumer work) {
        if (pool == null) {
            for (int w = 0; w < workers; w++) {
                work.accept(w);
            }
            return;
        }
        List<Future<?>> futures = new ArrayList<>(workers - 1);
        for (int w = 1; w < workers; w++) {
            final int worker = w;
            futures.add(pool.submit(() -> work.accept(worker)));
        }
        Throwable failure = null;
        try {
            work.accept(0);
        } catch (RuntimeException | Error e) {
            failure = e;
        }
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("training interrupted", e);
            } catch (ExecutionException e) {
                if (failure == null) {
                    failure = e.getCause();
                }
            }
        }
        if (failure instanceof RuntimeException re) {
            throw re;
        }
        if (failure instanceof Error err) {
            throw err;
        }
        if (failure != null) {
            throw new IllegalStateException(failure);
        }
    }
}
