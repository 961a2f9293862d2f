package dev.ntm.engine.train;

import java.nio.file.Path;

import dev.ntm.engine.NtmConfig;
import dev.ntm.engine.task.AssociativeRecallTask;
import dev.ntm.engine.task.CopyTask;
import dev.ntm.engine.task.Curriculum;
import dev.ntm.engine.task.DynamicNGramsTask;
import dev.ntm.engine.task.PrioritySortTask;
import dev.ntm.engine.task.Task;

/**
 * Everything a training run needs beyond the model configuration and the task.
 *
 * @param batch          sequences per batch (the gradient is their mean)
 * @param threads        worker threads; results do not depend on it
 * @param chunks         fixed number of gradient chunks a batch is cut into (capped at the batch);
 *                       this, not the thread count, fixes the summation order
 * @param seed           seeds the model initialisation and the training data
 * @param optimizer      Adam or RMSProp
 * @param learningRate   the optimiser's learning rate (where lrSchedule starts)
 * @param clipping       gradient clipping
 * @param maxSequences   stop after this many training sequences
 * @param evalEvery      evaluate on fresh sequences every this many training sequences
 * @param evalSize       sequences per evaluation (the spec's "solved" test uses 1000)
 * @param solvedBitErrors a task is solved when an evaluation's mean bit errors per sequence is at most this,
 *                       over the full length range and at the largest length ({@link Trainer#longestTask()})
 * @param stopWhenSolved stop at the first evaluation that finds the task solved (once at least
 *                       {@code minSequences} sequences are trained)
 * @param minSequences   with {@code stopWhenSolved}, train at least this many sequences even when an
 *                       earlier evaluation found the task solved (a model trained past its first
 *                       solve generalises further; 0: stop at the first solve)
 * @param onNonFinite    what to do with a batch whose loss or gradient is not finite
 * @param outDir         where checkpoints and the learning curve go (null: nowhere)
 * @param checkpointEvery write a training checkpoint every this many sequences (0: not by sequences)
 * @param checkpointSeconds write a training checkpoint every this many seconds of wall time (0: not
 *                       by time); checkpoints also follow every improving evaluation and the end
 * @param lrSchedule     how the learning rate decays with the sequence count ({@link LearningRateSchedule#NONE}: constant)
 */
public record TrainerOptions(int batch, int threads, int chunks, long seed, Optimizer.Kind optimizer,
                             float learningRate, GradientClipping clipping, long maxSequences,
                             long evalEvery, int evalSize, double solvedBitErrors, boolean stopWhenSolved,
                             long minSequences, NonFinitePolicy onNonFinite, Path outDir, long checkpointEvery,
                             long checkpointSeconds, LearningRateSchedule lrSchedule) {

    /** What to do when a batch's loss or gradient is NaN or infinite. */
    public enum NonFinitePolicy {
        /** Stop the run with a report naming the non-finite tensors. */
        STOP,
        /** Skip the batch (nothing is applied) and go on. */
        SKIP
    }

    /** Validates every field with a message naming it. */
    public TrainerOptions {
        require(batch >= 1 && batch <= 4096, "batch must be in 1..4096", batch);
        Threads.check(threads);
        require(chunks >= 1 && chunks <= 4096, "chunks must be in 1..4096", chunks);
        require(maxSequences >= 1, "maxSequences must be >= 1", maxSequences);
        require(evalEvery >= 1, "evalEvery must be >= 1", evalEvery);
        require(evalSize >= 1, "evalSize must be >= 1", evalSize);
        require(minSequences >= 0, "minSequences must be >= 0", minSequences);
        require(checkpointEvery >= 0, "checkpointEvery must be >= 0", checkpointEvery);
        require(checkpointSeconds >= 0 && checkpointSeconds <= MAX_CHECKPOINT_SECONDS,
                "checkpointSeconds must be in 0.." + MAX_CHECKPOINT_SECONDS, checkpointSeconds);
        if (!(learningRate > 0) || Float.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learning rate must be finite and > 0, got " + learningRate);
        }
        if (!(solvedBitErrors >= 0)) {
            throw new IllegalArgumentException("solvedBitErrors must be >= 0, got " + solvedBitErrors);
        }
        if (optimizer == null || clipping == null || onNonFinite == null || lrSchedule == null) {
            throw new IllegalArgumentException("optimizer, clipping, onNonFinite and lrSchedule must be given");
        }
    }

    /** Longest checkpoint interval accepted: a week. */
    public static final long MAX_CHECKPOINT_SECONDS = 7 * 24 * 3600;

    /** Default checkpoint interval: a minute of training is the most an interruption may lose. */
    public static final long DEFAULT_CHECKPOINT_SECONDS = 60;

    private static void require(boolean ok, String what, long got) {
        if (!ok) {
            throw new IllegalArgumentException(what + ", got " + got);
        }
    }

    /**
     * RMSProp's learning rate for every task but copy: 3e-4. The papers' 1e-4 (docs/SPEC.md
     * section 4) also trains, several times more slowly.
     */
    public static final float DEFAULT_LEARNING_RATE = 3e-4f;

    /**
     * RMSProp's learning rate for copy: 8e-4, which solved seeds 1..10 in 3,000 to 5,000 sequences
     * each under the stricter "solved" of docs/SPEC.md section 3 (at 3e-4 seed 1 needed 8,000 and
     * others far more: the run oscillated near one bit error per sequence; PERFORMANCE.md, section 12).
     */
    public static final float COPY_LEARNING_RATE = 8e-4f;

    /**
     * Copy's recipe trains at least this many sequences, on past its first solve (3,000 to 6,000):
     * with the learned memory initialisation of {@link #recipeConfig}, the models of seeds 1..20
     * copied sequences of length 120 (6 times the longest trained) with at most 0.1 bit errors on
     * 13 seeds where the earlier recipe's did on 8, and length 50 on 17 as before
     * (PERFORMANCE.md, section 12f).
     */
    public static final long COPY_MIN_SEQUENCES = 12_000;

    /**
     * Defaults: RMSProp (Graves' form) at batch 1 with element-wise clip 10 and lr
     * {@value #DEFAULT_LEARNING_RATE}, 1 thread, 2 chunks (at batch 32, two 16-wide products, one
     * per core), seed 1, at most 1 M sequences, evaluation of 1000 sequences every 1000, stop when
     * solved, constant learning rate, and (with an output folder) a checkpoint every minute. A
     * task's own recipe is {@link #defaultsFor(Task)}.
     */
    public static TrainerOptions defaults() {
        return new TrainerOptions(1, 1, 2, 1, Optimizer.Kind.RMSPROP, DEFAULT_LEARNING_RATE,
                GradientClipping.elementwise(10f), 1_000_000, 1_000, 1_000, 0.01, true, 0, NonFinitePolicy.STOP, null, 0,
                DEFAULT_CHECKPOINT_SECONDS, LearningRateSchedule.NONE);
    }

    /**
     * The plain defaults of optimiser {@code kind}, the recipe {@code ntm train --optimizer KIND}
     * starts from when the task's own recipe uses the other optimiser: {@link #defaults()} for
     * RMSProp; for Adam the same at lr 1e-3 with global-norm clip 50 (batch 1 unless asked).
     */
    public static TrainerOptions defaults(Optimizer.Kind kind) {
        TrainerOptions d = defaults();
        return kind == Optimizer.Kind.ADAM
                ? d.withOptimizer(kind, Optimizer.defaultLearningRate(kind)).withClipping(GradientClipping.globalNorm(50f))
                : d;
    }

    /**
     * Batch of associative recall's recipe: 8. At batch 32 (four times fewer steps per sequence)
     * seed 1 needed 226,000 sequences to pass the curriculum's first level; at 8 it was solved after
     * 242,000 (PERFORMANCE.md section 13).
     */
    public static final int ASSOCIATIVE_RECALL_BATCH = 8;

    /** Learning-rate decay of associative recall's recipe: halved every 150,000 sequences. */
    public static final LearningRateSchedule ASSOCIATIVE_RECALL_DECAY = new LearningRateSchedule(0.5, 150_000);

    /**
     * Learning-rate decay of dynamic N-grams' recipe: halved every 20,000 sequences. With it seed 1
     * came within 0.4% of the Bayesian optimum after {@value #NGRAMS_SEQUENCES} sequences, where the
     * constant rate was 3.7% above it after 25,000 (PERFORMANCE.md sections 7 and 13).
     */
    public static final LearningRateSchedule NGRAMS_DECAY = new LearningRateSchedule(0.5, 20_000);

    /**
     * Learning-rate decay of priority sort's recipe: halved every 100,000 sequences. With it seed 1
     * reached 30.3 bits per sequence on 1,000 fresh sequences after about 233,000 sequences, where
     * the constant rate's best was 41.3 (after 230,000) and it did no better by 1 M
     * (PERFORMANCE.md section 13).
     */
    public static final LearningRateSchedule PRIORITY_SORT_DECAY = new LearningRateSchedule(0.5, 100_000);

    /**
     * Training sequences of dynamic N-grams' recipe: 60,000. The task is never "solved" (its
     * predictions cannot all be right), so this is where the run stops; by then the decayed rate is
     * a quarter of where it started.
     */
    public static final long NGRAMS_SEQUENCES = 60_000;

    /**
     * The defaults of {@code ntm train --task} for {@code task}, each measured (PERFORMANCE.md):
     * copy: {@link #defaults()} with lr {@value #COPY_LEARNING_RATE}, which solved seeds 1..10
     * (section 12), trained on to at least {@value #COPY_MIN_SEQUENCES} sequences (with
     * {@link #recipeConfig}'s learned memory, section 12f); associative recall:
     * {@link #adamRecipe()} (Adam, lr 1e-3, global-norm clip 50) at batch {@value #ASSOCIATIVE_RECALL_BATCH} with the rate halved every 150,000 sequences and
     * the curriculum {@link #defaultCurriculum(Task)}; dynamic N-grams: {@link #defaults()} with the
     * rate halved every 20,000 sequences, for {@value #NGRAMS_SEQUENCES} sequences (section 13);
     * priority sort: {@link #defaults()} with the rate halved every 100,000 sequences (section 13);
     * the other tasks: {@link #defaults()}. Batched Adam was measured and left out where it learned
     * less per sequence than RMSProp at batch 1 (N-grams, priority sort; section 13).
     */
    public static TrainerOptions defaultsFor(Task task) {
        TrainerOptions d = defaults();
        return switch (task) {
            case CopyTask c -> d.withOptimizer(Optimizer.Kind.RMSPROP, COPY_LEARNING_RATE)
                    .withMinSequences(COPY_MIN_SEQUENCES);
            case AssociativeRecallTask a -> d.adamRecipe().withBatch(ASSOCIATIVE_RECALL_BATCH)
                    .withLearningRateSchedule(ASSOCIATIVE_RECALL_DECAY);
            case DynamicNGramsTask n -> d.withLearningRateSchedule(NGRAMS_DECAY).withMaxSequences(NGRAMS_SEQUENCES);
            case PrioritySortTask p -> d.withLearningRateSchedule(PRIORITY_SORT_DECAY);
            default -> d;
        };
    }

    /**
     * The model configuration {@code task}'s recipe trains, from the paper's {@code paper}: for copy
     * the learned memory initialisation ({@link NtmConfig.MemoryInit#LEARNED}), which with
     * {@link #COPY_MIN_SEQUENCES} made more seeds' models copy sequences six times the longest
     * trained (PERFORMANCE.md, section 12f); the paper's configuration for the other tasks.
     */
    public static NtmConfig recipeConfig(Task task, NtmConfig paper) {
        return task instanceof CopyTask ? paper.toBuilder().memoryInit(NtmConfig.MemoryInit.LEARNED).build() : paper;
    }

    /** Where associative recall's default curriculum starts: at most 3 items. */
    public static final int ASSOCIATIVE_RECALL_CURRICULUM_START = 3;

    /** Bit errors per sequence at or under which associative recall's curriculum adds an item. */
    public static final double ASSOCIATIVE_RECALL_CURRICULUM_THRESHOLD = 0.5;

    /**
     * The curriculum of {@code task}'s default recipe (a new one, at its first level), or null for
     * none: for associative recall, training starts with at most
     * {@value #ASSOCIATIVE_RECALL_CURRICULUM_START} items and adds one whenever an evaluation
     * averages at most {@value #ASSOCIATIVE_RECALL_CURRICULUM_THRESHOLD} bit errors per sequence
     * (without it every recipe measured stalled with 5 or 6 items, PERFORMANCE.md section 7). None
     * when the task's item range is too narrow for one, and none for the other tasks.
     */
    public static Curriculum defaultCurriculum(Task task) {
        if (task instanceof AssociativeRecallTask a) {
            int start = Math.max(a.minLength(), ASSOCIATIVE_RECALL_CURRICULUM_START);
            if (start < a.maxLength()) {
                return new Curriculum(a, start, 1, ASSOCIATIVE_RECALL_CURRICULUM_THRESHOLD);
            }
        }
        return null;
    }

    /** The Adam recipe of Collier and Beel: batch 32, lr 1e-3, global-norm clip 50. */
    public TrainerOptions adamRecipe() {
        return withBatch(32).withOptimizer(Optimizer.Kind.ADAM, 1e-3f).withClipping(GradientClipping.globalNorm(50f));
    }

    /** The RMSProp recipe of docs/SPEC.md section 4 (Graves / pytorch-ntm): batch 1, lr 1e-4, element-wise clip 10. */
    public TrainerOptions rmspropRecipe() {
        return withBatch(1).withOptimizer(Optimizer.Kind.RMSPROP, 1e-4f).withClipping(GradientClipping.elementwise(10f));
    }

    /** These options with {@code b} sequences per batch. */
    public TrainerOptions withBatch(int b) {
        Copy c = new Copy(this);
        c.batch = b;
        return c.build();
    }

    /** These options with {@code t} worker threads (the result does not depend on it). */
    public TrainerOptions withThreads(int t) {
        Copy c = new Copy(this);
        c.threads = t;
        return c.build();
    }

    /** These options with a batch cut into {@code n} gradient chunks (this fixes the summation order). */
    public TrainerOptions withChunks(int n) {
        Copy c = new Copy(this);
        c.chunks = n;
        return c.build();
    }

    /** These options with seed {@code s} for the initialisation and the training data. */
    public TrainerOptions withSeed(long s) {
        Copy c = new Copy(this);
        c.seed = s;
        return c.build();
    }

    /** These options with optimiser {@code kind} at learning rate {@code lr}. */
    public TrainerOptions withOptimizer(Optimizer.Kind kind, float lr) {
        Copy c = new Copy(this);
        c.optimizer = kind;
        c.learningRate = lr;
        return c.build();
    }

    /** These options with gradient clipping {@code clip}. */
    public TrainerOptions withClipping(GradientClipping clip) {
        Copy c = new Copy(this);
        c.clipping = clip;
        return c.build();
    }

    /** These options, stopping after {@code n} training sequences. */
    public TrainerOptions withMaxSequences(long n) {
        Copy c = new Copy(this);
        c.maxSequences = n;
        return c.build();
    }

    /** These options, evaluating on {@code size} fresh sequences every {@code every} training sequences. */
    public TrainerOptions withEvaluation(long every, int size) {
        Copy c = new Copy(this);
        c.evalEvery = every;
        c.evalSize = size;
        return c.build();
    }

    /**
     * These options, counting the task solved at most {@code bitErrors} bit errors per sequence
     * (over the full range and at the largest length, docs/SPEC.md section 3).
     */
    public TrainerOptions withSolvedBitErrors(double bitErrors) {
        Copy c = new Copy(this);
        c.solvedBitErrors = bitErrors;
        return c.build();
    }

    /** These options, stopping at the first evaluation that finds the task solved when {@code stop}. */
    public TrainerOptions withStopWhenSolved(boolean stop) {
        Copy c = new Copy(this);
        c.stopWhenSolved = stop;
        return c.build();
    }

    /**
     * These options, training at least {@code n} sequences before stopping at a solved evaluation
     * (0: stop at the first one).
     */
    public TrainerOptions withMinSequences(long n) {
        Copy c = new Copy(this);
        c.minSequences = n;
        return c.build();
    }

    /** These options with policy {@code p} for non-finite losses or gradients. */
    public TrainerOptions withOnNonFinite(NonFinitePolicy p) {
        Copy c = new Copy(this);
        c.onNonFinite = p;
        return c.build();
    }

    /**
     * These options, writing the learning curve and training checkpoints to {@code dir} (null: nowhere),
     * a checkpoint every {@code everySequences} sequences (0: only at the end).
     */
    public TrainerOptions withOutput(Path dir, long everySequences) {
        Copy c = new Copy(this);
        c.outDir = dir;
        c.checkpointEvery = everySequences;
        return c.build();
    }

    public TrainerOptions withCheckpointSeconds(long seconds) {
        Copy c = new Copy(this);
        c.checkpointSeconds = seconds;
        return c.build();
    }

    /** These options with learning-rate schedule {@code schedule}. */
    public TrainerOptions withLearningRateSchedule(LearningRateSchedule schedule) {
        Copy c = new Copy(this);
        c.lrSchedule = schedule;
        return c.build();
    }

    /** A mutable copy of every field, so that each {@code with} method names only what it changes. */
    private static final class Copy {
        int batch;
        int threads;
        int chunks;
        long seed;
        Optimizer.Kind optimizer;
        float learningRate;
        GradientClipping clipping;
        long maxSequences;
        long evalEvery;
        int evalSize;
        double solvedBitErrors;
        boolean stopWhenSolved;
        long minSequences;
        NonFinitePolicy onNonFinite;
        Path outDir;
        long checkpointEvery;
        long checkpointSeconds;
        LearningRateSchedule lrSchedule;

        Copy(TrainerOptions o) {
            batch = o.batch;
            threads = o.threads;
            chunks = o.chunks;
            seed = o.seed;
            optimizer = o.optimizer;
            learningRate = o.learningRate;
            clipping = o.clipping;
            maxSequences = o.maxSequences;
            evalEvery = o.evalEvery;
            evalSize = o.evalSize;
            solvedBitErrors = o.solvedBitErrors;
            stopWhenSolved = o.stopWhenSolved;
            minSequences = o.minSequences;
            onNonFinite = o.onNonFinite;
            outDir = o.outDir;
            checkpointEvery = o.checkpointEvery;
            checkpointSeconds = o.checkpointSeconds;
            lrSchedule = o.lrSchedule;
        }

        TrainerOptions build() {
            return new TrainerOptions(batch, threads, chunks, seed, optimizer, learningRate, clipping, maxSequences,
                    evalEvery, evalSize, solvedBitErrors, stopWhenSolved, minSequences, onNonFinite, outDir, checkpointEvery,
                    checkpointSeconds, lrSchedule);
        }
    }

    /** Chunks actually used: at most one per sequence. */
    public int effectiveChunks() {
        return Math.min(chunks, batch);
    }
}
