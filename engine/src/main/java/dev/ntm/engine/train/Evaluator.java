package dev.ntm.engine.train;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import dev.ntm.engine.NtmConfig;
import dev.ntm.engine.model.Network;
import dev.ntm.engine.model.PassStats;
import dev.ntm.engine.task.Sequence;
import dev.ntm.engine.task.Task;
import dev.ntm.engine.util.SplitMix64;
import dev.ntm.kernels.Kernels;

/**
 * Forward-only evaluation of a model on fresh sequences: the sequences are drawn first from one
 * seeded generator, then run in blocks of {@value #BLOCK} whose statistics are summed in block
 * order, so the result does not depend on the thread count.
 *
 * <p>The networks (one per worker) are kept between calls and grown when a longer sequence
 * comes; {@link #close()} frees them. One evaluation at a time.
 */
public final class Evaluator implements AutoCloseable {

    /** Evaluation sequences run through one network call. */
    static final int BLOCK = 32;

    private final NtmConfig config;
    private final Kernels kernels;
    private final int threads;
    private final ExecutorService pool;
    private final boolean ownsPool;
    private final List<Network> networks = new ArrayList<>();

    /** An evaluator with its own pool of {@code threads} workers (none for 1). */
    public Evaluator(NtmConfig config, Kernels kernels, int threads) {
        this(config, kernels, threads, Threads.pool(threads, "ntm-eval"), true);
    }

    /** An evaluator sharing {@code pool} (null for the calling thread only) with its owner. */
    Evaluator(NtmConfig config, Kernels kernels, int threads, ExecutorService pool, boolean ownsPool) {
        Threads.check(threads);
        this.config = config;
        this.kernels = kernels;
        this.threads = threads;
        this.pool = pool;
        this.ownsPool = ownsPool;
    }

    /**
     * Seed of evaluation number {@code evaluation} of a run seeded with {@code seed}: hashed, so
     * consecutive evaluations share no sequences.
     */
    static long evalSeed(long seed, long evaluation) {
        long base = new SplitMix64(seed ^ 0xD1B54A32D192ED03L).nextLong();
        return new SplitMix64(base + evaluation * 0x2545F4914F6CDD1DL).nextLong();
    }

    /**
     * Seed of the check at the task's largest length that follows evaluation number
     * {@code evaluation} of a run seeded with {@code seed}: a stream of its own, unrelated to the
     * evaluation's and to the training data.
     */
    static long longestSeed(long seed, long evaluation) {
        return evalSeed(seed ^ 0x9E3779B97F4A7C15L, evaluation);
    }

    /**
     * Evaluates {@code params} on {@code count} sequences of {@code task} drawn from a generator
     * seeded with {@code seed}.
     */
    public Trainer.Evaluation evaluate(MemorySegment params, Task task, int count, long seed) {
        if (count < 1) {
            throw new IllegalArgumentException("evaluation needs >= 1 sequence, got " + count);
        }
        SplitMix64 rng = new SplitMix64(seed);
        Sequence[] seqs = new Sequence[count];
        int maxSteps = 1;
        for (int i = 0; i < count; i++) {
            seqs[i] = task.generate(rng);
            maxSteps = Math.max(maxSteps, seqs[i].steps());
        }
        int blocks = (count + BLOCK - 1) / BLOCK;
        PassStats[] stats = new PassStats[blocks];
        for (int b = 0; b < blocks; b++) {
            stats[b] = new PassStats();
        }
        int workers = pool == null ? 1 : threads;
        for (int w = 0; w < workers; w++) {
            if (networks.size() <= w || networks.get(w).maxSteps() < maxSteps) {
                Network n = new Network(config, kernels, BLOCK, maxSteps);
                if (networks.size() <= w) {
                    networks.add(n);
                } else {
                    networks.set(w, n).close();
                }
            }
        }
        Threads.run(pool, workers, w -> {
            Network net = networks.get(w);
            for (int b = w; b < blocks; b += workers) {
                int from = b * BLOCK;
                net.forward(params, seqs, from, Math.min(BLOCK, count - from), stats[b]);
            }
        });
        double loss = 0;
        long errors = 0;
        for (PassStats s : stats) {
            loss += s.lossNats;
            errors += s.bitErrors;
        }
        return new Trainer.Evaluation(count, loss, errors);
    }

    @Override
    public void close() {
        if (ownsPool && pool != null) {
            pool.shutdownNow();
        }
        for (Network n : networks) {
            n.close();
        }
        networks.clear();
    }
}
