package dev.ntm.serve;

import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

/**
 * The counters of one runner thread, labelled {@code "runner R: ..."}. The runner thread is the only
 * writer of all but {@link #rejectedFull}, which the submitting threads bump atomically.
 */
final class RunnerCounters {

    /** Counters per runner besides the batch-size buckets. */
    static final int FIXED = 9;

    final AtomicCounter steps;
    final AtomicCounter batches;
    /** {@code batchSizes[b]}: batches of size 1, 2, 3-4, 5-8, ... (bucket {@link #bucket}). */
    final AtomicCounter[] batchSizes;
    final AtomicCounter queueDepth;
    final AtomicCounter sessionsOpen;
    final AtomicCounter rejectedFull;
    final AtomicCounter unknownSession;
    final AtomicCounter evicted;
    final AtomicCounter failedBatches;
    final AtomicCounter heartbeat;

    RunnerCounters(CountersManager m, int runner, int maxBatch) {
        String p = "runner " + runner + ": ";
        steps = m.newCounter(p + "steps", CountersFile.TYPE_COUNT);
        batches = m.newCounter(p + "batches", CountersFile.TYPE_COUNT);
        batchSizes = new AtomicCounter[buckets(maxBatch)];
        for (int b = 0; b < batchSizes.length; b++) {
            int lo = b == 0 ? 1 : (1 << (b - 1)) + 1;
            int hi = Math.min(1 << b, maxBatch);
            batchSizes[b] = m.newCounter(p + "batches of size " + (lo == hi ? Integer.toString(lo) : lo + "-" + hi),
                    CountersFile.TYPE_COUNT);
        }
        queueDepth = m.newCounter(p + "queue depth (step requests waiting)", CountersFile.TYPE_GAUGE);
        sessionsOpen = m.newCounter(p + "sessions open", CountersFile.TYPE_GAUGE);
        rejectedFull = m.newCounter(p + "requests rejected, queue full", CountersFile.TYPE_COUNT);
        unknownSession = m.newCounter(p + "requests for closed or unknown sessions", CountersFile.TYPE_COUNT);
        evicted = m.newCounter(p + "sessions evicted, idle", CountersFile.TYPE_COUNT);
        failedBatches = m.newCounter(p + "batches failed", CountersFile.TYPE_COUNT);
        heartbeat = m.newCounter(p + "heartbeat", CountersFile.TYPE_HEARTBEAT);
    }

    /** Bucket of a batch of {@code size}: 0 for 1, then one per power of two (2, 3-4, 5-8, ...). */
    static int bucket(int size) {
        return size <= 1 ? 0 : 32 - Integer.numberOfLeadingZeros(size - 1);
    }

    /** Number of buckets up to {@code maxBatch}. */
    static int buckets(int maxBatch) {
        return bucket(maxBatch) + 1;
    }

    /** Counters one runner needs. */
    static int count(int maxBatch) {
        return FIXED + buckets(maxBatch);
    }

    /** Records one batch of {@code size} steps (runner thread only). */
    void batch(int size) {
        steps.getAndAddRelease(size);
        batches.incrementRelease();
        batchSizes[bucket(size)].incrementRelease();
    }
}
