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

    /** A pool of {@code threads} daemon workers named {@code name}, or null for one thread. */
    static ExecutorService pool(int threads, String name) {
        check(threads);
        return threads > 1 ? Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        }) : null;
    }

    /** Runs {@code work} for workers 0..workers-1: on {@code pool}, or on this thread when it is null. */
    static void run(ExecutorService pool, int workers, IntConsumer work) {
        if (pool == null) {
            for (int w = 0; w < workers; w++) {
                work.accept(w);
            }
            return;
        }
        List<Future<?>> futures = new ArrayList<>(workers);
        for (int w = 0; w < workers; w++) {
            final int worker = w;
            futures.add(pool.submit(() -> work.accept(worker)));
        }
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("training interrupted", e);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof RuntimeException re) {
                    throw re;
                }
                if (cause instanceof Error err) {
                    throw err;
                }
                throw new IllegalStateException(cause);
            }
        }
    }
}
