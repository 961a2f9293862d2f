package dev.ntm.engine.train;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.ntm.engine.NtmConfig;
import dev.ntm.engine.io.Checkpoint;
import dev.ntm.engine.layout.ParamInit;
import dev.ntm.engine.layout.ParamLayout;
import dev.ntm.engine.model.Network;
import dev.ntm.engine.model.PassStats;
import dev.ntm.engine.task.Curriculum;
import dev.ntm.engine.task.Sequence;
import dev.ntm.engine.task.Task;
import dev.ntm.engine.task.VariableLengthTask;
import dev.ntm.engine.util.SplitMix64;
import dev.ntm.kernels.Buffers;
import dev.ntm.kernels.Kernels;

/**
 * Trains an NTM on a task (docs/SPEC.md section 4).
 *
 * <p>Determinism: a batch is cut into a fixed number of chunks ({@link TrainerOptions#effectiveChunks()}),
 * each chunk accumulates its gradient in its own buffer with its own {@link Network}, and the chunk
 * gradients and losses are summed in chunk order. Which thread ran a chunk therefore cannot change a
 * bit of the result: the same seed gives the same parameters for any thread count. All data come
 * from one generator whose state is saved in checkpoints, so a resumed run continues exactly.
 */
public final class Trainer implements AutoCloseable {

    /** Evaluation sequences run through one network call. */
    private static final int EVAL_BATCH = 32;

    private final NtmConfig config;
    private final Task task;
    private final TrainerOptions options;
    private final Kernels kernels;
    private final ParamLayout layout;
    private final int size;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment params;
    private final MemorySegment[] chunkGrads;
    private final Network[] chunkNetworks;
    private final PassStats[] chunkStats;
    private final int[] chunkFrom;
    private final int[] chunkCount;
    private final Optimizer optimizer;
    private final SplitMix64 data;
    private final Sequence[] batch;
    private final ExecutorService pool;
    private final List<Network> evalNetworks = new ArrayList<>();
    private Curriculum curriculum;

    private long sequences;
    private long batches;
    private long skippedBatches;
    private long evaluations;

    /** A fresh run: parameters initialised from {@code options.seed()}. */
    public Trainer(NtmConfig config, Task task, TrainerOptions options, Kernels kernels) {
        this(config, task, options, kernels, ParamInit.initialize(ParamLayout.of(config), options.seed()));
    }

    private Trainer(NtmConfig config, Task task, TrainerOptions options, Kernels kernels, float[] initial) {
        if (task.inputSize() != config.inputSize() || task.outputSize() != config.outputSize()) {
            throw new IllegalArgumentException("task " + task.name() + " has X=" + task.inputSize() + ", Y="
                    + task.outputSize() + " but the model has X=" + config.inputSize() + ", Y=" + config.outputSize());
        }
        this.config = config;
        this.task = task;
        this.options = options;
        this.kernels = kernels;
        this.layout = ParamLayout.of(config);
        this.size = Math.toIntExact(layout.size());
        if (initial.length != size) {
            throw new IllegalArgumentException("parameters must hold " + size + " floats, got " + initial.length);
        }
        this.params = Buffers.allocate(arena, size);
        Buffers.copy(initial, 0, params, 0, size);
        int chunks = options.effectiveChunks();
        this.chunkGrads = new MemorySegment[chunks];
        this.chunkNetworks = new Network[chunks];
        this.chunkStats = new PassStats[chunks];
        this.chunkFrom = new int[chunks];
        this.chunkCount = new int[chunks];
        int maxSteps = task.maxSteps();
        for (int c = 0; c < chunks; c++) {
            chunkFrom[c] = (int) ((long) options.batch() * c / chunks);
            chunkCount[c] = (int) ((long) options.batch() * (c + 1) / chunks) - chunkFrom[c];
            chunkGrads[c] = Buffers.allocate(arena, size);
            chunkNetworks[c] = new Network(config, kernels, chunkCount[c], maxSteps);
            chunkStats[c] = new PassStats();
        }
        this.optimizer = Optimizer.create(options.optimizer(), options.learningRate(), kernels, arena, size);
        this.data = new SplitMix64(dataSeed(options.seed()));
        this.batch = new Sequence[options.batch()];
        this.pool = options.threads() > 1 ? Executors.newFixedThreadPool(options.threads(), r -> {
            Thread t = new Thread(r, "ntm-train");
            t.setDaemon(true);
            return t;
        }) : null;
    }

    /**
     * Seed of the training-data stream. SplitMix64 streams started from nearby states overlap
     * (state s + gamma is the stream of s shifted by one draw), so every derived stream starts from
     * a hashed state: different seeds and different evaluations get unrelated sequences.
     */
    static long dataSeed(long seed) {
        return new SplitMix64(seed ^ 0x632BE59BD9B4E019L).nextLong();
    }

    /** Seed of evaluation number {@code evaluation}: hashed, so consecutive evaluations share no sequences. */
    static long evalSeed(long seed, long evaluation) {
        long base = new SplitMix64(seed ^ 0xD1B54A32D192ED03L).nextLong();
        return new SplitMix64(base + evaluation * 0x2545F4914F6CDD1DL).nextLong();
    }

    /** The model configuration. */
    public NtmConfig config() { return config; }

    /** The task trained on. */
    public Task task() { return task; }

    /**
     * Trains on a length curriculum towards {@code c.target()}, which must be this trainer's task:
     * batches come from the curriculum's current task, each evaluation at a level below the target
     * that meets the curriculum's threshold widens the range, and the run counts as solved only on
     * the full range.
     */
    public void setCurriculum(Curriculum c) {
        if (c != null && !c.target().describe().equals(task.describe())) {
            throw new IllegalArgumentException("the curriculum must lead to the trained task (" + task.describe()
                    + "), not to " + c.target().describe());
        }
        this.curriculum = c;
    }

    /** The curriculum, or null. */
    public Curriculum curriculum() { return curriculum; }

    /** The task batches are drawn from now: the curriculum's current level, or the task. */
    public Task currentTask() {
        return curriculum != null ? curriculum.current() : task;
    }

    /** The options of this run. */
    public TrainerOptions options() { return options; }

    /** Training sequences consumed so far. */
    public long sequences() { return sequences; }

    /** Batches applied so far (skipped ones excluded). */
    public long batches() { return batches; }

    /** Batches skipped because of non-finite values. */
    public long skippedBatches() { return skippedBatches; }

    /** The optimiser (its moments are saved in checkpoints). */
    public Optimizer optimizer() { return optimizer; }

    /** The live parameter buffer ({@code layout.size()} floats). */
    public MemorySegment parameters() { return params; }

    /** A copy of the parameters. */
    public float[] parameterArray() {
        float[] out = new float[size];
        Buffers.copy(params, 0, out, 0, size);
        return out;
    }

    /** Outcome of one batch. */
    public record BatchResult(double lossNats, long bitErrors, int sequences, double gradientNorm, boolean skipped) {
        /** Mean cost in bits per sequence. */
        public double costBits() { return lossNats / sequences / Math.log(2); }
        /** Mean bit errors per sequence. */
        public double bitErrorsPerSequence() { return (double) bitErrors / sequences; }
    }

    /**
     * Draws one batch, computes its mean-loss gradient over the chunks, checks it is finite, clips
     * and applies it.
     *
     * @throws NonFiniteException when the loss or gradient is not finite and the policy is STOP
     */
    public BatchResult trainBatch() {
        Task source = currentTask();
        if (!options.lrSchedule().isConstant()) {
            optimizer.setLearningRate(options.lrSchedule().at(options.learningRate(), sequences));
        }
        for (int i = 0; i < batch.length; i++) {
            batch[i] = source.generate(data);
        }
        sequences += batch.length;
        runChunks(1f / batch.length);
        double loss = 0;
        long errors = 0;
        MemorySegment grads = chunkGrads[0];
        for (int c = 0; c < chunkGrads.length; c++) {
            loss += chunkStats[c].lossNats;
            errors += chunkStats[c].bitErrors;
            if (c > 0) {
                kernels.axpy(1f, chunkGrads[c], 0, grads, 0, size);
            }
        }
        double norm = Math.sqrt(kernels.sumOfSquares(grads, 0, size));
        if (!Double.isFinite(loss) || !Double.isFinite(norm)) {
            String report = nonFiniteReport(loss, grads);
            if (options.onNonFinite() == TrainerOptions.NonFinitePolicy.STOP) {
                throw new NonFiniteException(report);
            }
            skippedBatches++;
            return new BatchResult(loss, errors, batch.length, norm, true);
        }
        options.clipping().apply(kernels, grads, size);
        optimizer.step(params, grads);
        batches++;
        return new BatchResult(loss, errors, batch.length, norm, false);
    }

    private void runChunks(float gradScale) {
        if (pool == null) {
            for (int c = 0; c < chunkGrads.length; c++) {
                runChunk(c, gradScale);
            }
            return;
        }
        List<Future<?>> futures = new ArrayList<>(options.threads());
        for (int t = 0; t < options.threads(); t++) {
            final int first = t;
            futures.add(pool.submit(() -> {
                for (int c = first; c < chunkGrads.length; c += options.threads()) {
                    runChunk(c, gradScale);
                }
            }));
        }
        await(futures);
    }

    private void runChunk(int c, float gradScale) {
        Buffers.zero(chunkGrads[c], 0, size);
        chunkStats[c].reset();
        chunkNetworks[c].forwardBackward(params, chunkGrads[c], batch, chunkFrom[c], chunkCount[c], gradScale,
                chunkStats[c]);
    }

    private static void await(List<Future<?>> futures) {
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

    /** Names the first non-finite gradients by tensor and index, and counts them. */
    private String nonFiniteReport(double loss, MemorySegment grads) {
        StringBuilder sb = new StringBuilder();
        sb.append("non-finite values in batch ").append(batches + skippedBatches + 1)
                .append(" (after ").append(sequences).append(" sequences): loss = ").append(loss);
        long bad = 0;
        List<String> first = new ArrayList<>();
        for (long i = 0; i < size; i++) {
            float g = Buffers.get(grads, i);
            if (!Float.isFinite(g)) {
                if (first.size() < 5) {
                    first.add(layout.describe(i) + " = " + g);
                }
                bad++;
            }
        }
        sb.append("; ").append(bad).append(" non-finite gradient values");
        if (!first.isEmpty()) {
            sb.append(", first: ").append(String.join(", ", first));
        }
        long badParams = 0;
        List<String> firstParams = new ArrayList<>();
        for (long i = 0; i < size; i++) {
            float p = Buffers.get(params, i);
            if (!Float.isFinite(p)) {
                if (firstParams.size() < 5) {
                    firstParams.add(layout.describe(i) + " = " + p);
                }
                badParams++;
            }
        }
        if (badParams > 0) {
            sb.append("; ").append(badParams).append(" non-finite parameters (the likely source): ")
                    .append(String.join(", ", firstParams));
        }
        return sb.toString();
    }

    /** Outcome of {@link #train}. */
    public record Summary(boolean solved, long sequences, long batches, long skippedBatches,
                          double trainingSeconds, Evaluation lastEvaluation) {
        /** Training sequences per second of wall time. */
        public double sequencesPerSecond() { return trainingSeconds > 0 ? sequences / trainingSeconds : 0; }
    }

    /**
     * Trains until {@code maxSequences} or, when asked, until an evaluation finds the task solved.
     * Evaluates every {@code evalEvery} sequences, appends each point to {@code curve.csv} (before
     * telling the listener) and writes training checkpoints to the output folder when one is set.
     */
    public Summary train(TrainingListener listener) throws IOException {
        long startNanos = System.nanoTime();
        long startSequences = sequences;
        LearningCurve curve = options.outDir() == null ? null : LearningCurve.open(options.outDir().resolve("curve.csv"));
        double windowLoss = 0;
        long windowErrors = 0;
        long windowSequences = 0;
        long nextEval = (sequences / options.evalEvery() + 1) * options.evalEvery();
        long nextCheckpoint = options.checkpointEvery() > 0
                ? (sequences / options.checkpointEvery() + 1) * options.checkpointEvery() : Long.MAX_VALUE;
        Evaluation last = null;
        boolean solved = false;
        try {
            while (sequences < options.maxSequences()) {
                BatchResult r = trainBatch();
                if (!r.skipped()) {
                    windowLoss += r.lossNats();
                    windowErrors += r.bitErrors();
                    windowSequences += r.sequences();
                }
                listener.batch(this, r);
                boolean end = sequences >= options.maxSequences();
                if (sequences >= nextEval || end) {
                    boolean fullRange = curriculum == null || curriculum.isComplete();
                    double windowErrorRate = windowErrors / Math.max(1.0, windowSequences);
                    boolean promising = windowSequences == 0 || windowErrorRate <= FULL_EVALUATION_GATE;
                    int evaluatedLength = currentTask() instanceof VariableLengthTask v ? v.maxLength() : 0;
                    last = promising ? evaluate() : evaluate(PROBE_EVALUATION_SIZE);
                    solved = fullRange && last.sequences() >= options.evalSize()
                            && last.bitErrorsPerSequence() <= options.solvedBitErrors();
                    if (!fullRange && curriculum.report(last.bitErrorsPerSequence())) {
                        listener.curriculum(this, curriculum);
                    }
                    double elapsed = (System.nanoTime() - startNanos) / 1e9;
                    double n = Math.max(1, windowSequences);
                    TrainingListener.Progress p = new TrainingListener.Progress(sequences, elapsed,
                            windowLoss / n / Math.log(2), windowErrors / n, last, solved);
                    // On disk before the listener hears of it: a listener may redraw the curve from the file.
                    if (curve != null) {
                        curve.append(p, evaluatedLength);
                    }
                    listener.evaluation(this, p);
                    windowLoss = 0;
                    windowErrors = 0;
                    windowSequences = 0;
                    while (nextEval <= sequences) {
                        nextEval += options.evalEvery();
                    }
                    if (solved && options.stopWhenSolved()) {
                        break;
                    }
                }
                if (sequences >= nextCheckpoint && options.outDir() != null) {
                    saveCheckpoint(options.outDir().resolve(CHECKPOINT_FILE));
                    while (nextCheckpoint <= sequences) {
                        nextCheckpoint += options.checkpointEvery();
                    }
                }
            }
        } finally {
            if (curve != null) {
                curve.close();
            }
        }
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        if (options.outDir() != null) {
            saveCheckpoint(options.outDir().resolve(CHECKPOINT_FILE));
        }
        return new Summary(solved, sequences - startSequences, batches, skippedBatches, seconds, last);
    }

    /** File name of the training checkpoint inside the output folder. */
    public static final String CHECKPOINT_FILE = "checkpoint.safetensors";

    /** Metadata keys of a training checkpoint. */
    static final String META_KIND = "kind";
    static final String META_TASK = "task";
    static final String META_TASK_DESCRIPTION = "task.description";
    static final String META_SEQUENCES = "train.sequences";
    static final String META_BATCHES = "train.batches";
    static final String META_SKIPPED = "train.skipped_batches";
    static final String META_EVALUATIONS = "train.evaluations";
    static final String META_RNG = "train.rng_state";
    static final String META_SEED = "train.seed";
    static final String META_BATCH = "train.batch";
    static final String META_CHUNKS = "train.chunks";
    static final String META_OPTIMIZER = "optim.kind";
    static final String META_LR = "optim.lr";
    static final String META_LR_SCHEDULE = "optim.lr_schedule";
    static final String META_OPT_STEPS = "optim.steps";
    static final String META_CLIP = "optim.clip";
    static final String META_CURRICULUM = "train.curriculum";
    static final String META_CURRICULUM_LEVEL = "train.curriculum_level";

    private static String curriculumKey(Curriculum c) {
        return c.start() + ":" + c.step() + ":" + c.threshold();
    }

    /**
     * Writes a training checkpoint (docs/SPEC.md section 6): parameters, optimiser moments, counts,
     * generator state and options, atomically (temporary file, sync, rename).
     */
    public void saveCheckpoint(Path file) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(META_KIND, "training");
        meta.put(META_TASK, task.name());
        meta.put(META_TASK_DESCRIPTION, task.describe());
        meta.put(META_SEQUENCES, Long.toString(sequences));
        meta.put(META_BATCHES, Long.toString(batches));
        meta.put(META_SKIPPED, Long.toString(skippedBatches));
        meta.put(META_EVALUATIONS, Long.toString(evaluations));
        meta.put(META_RNG, Long.toString(data.state()));
        meta.put(META_SEED, Long.toString(options.seed()));
        meta.put(META_BATCH, Integer.toString(options.batch()));
        meta.put(META_CHUNKS, Integer.toString(options.effectiveChunks()));
        meta.put(META_OPTIMIZER, optimizer.kind().id());
        meta.put(META_LR, Float.toString(options.learningRate()));
        meta.put(META_LR_SCHEDULE, options.lrSchedule().toString());
        meta.put(META_OPT_STEPS, Long.toString(optimizer.steps()));
        meta.put(META_CLIP, options.clipping().toString());
        if (curriculum != null) {
            meta.put(META_CURRICULUM, curriculumKey(curriculum));
            meta.put(META_CURRICULUM_LEVEL, Integer.toString(curriculum.level()));
        }
        Map<String, MemorySegment> moments = new LinkedHashMap<>();
        for (String name : optimizer.momentNames()) {
            moments.put(name, optimizer.moment(name));
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        Checkpoint.save(file, config, params, meta, moments);
    }

    /**
     * Continues a run from a training checkpoint written by {@link #saveCheckpoint}. The task, batch
     * size, chunk count, seed, optimiser and learning rate must match the checkpoint (they decide
     * every bit of what follows); the thread count, limits and output may differ.
     */
    public static Trainer resume(Path file, Task task, TrainerOptions options, Kernels kernels) throws IOException {
        return resume(file, task, null, options, kernels);
    }

    /**
     * As {@link #resume(Path, Task, TrainerOptions, Kernels)}, with the curriculum the run was
     * started with (null for none); its level is restored from the checkpoint.
     */
    public static Trainer resume(Path file, Task task, Curriculum curriculum, TrainerOptions options, Kernels kernels)
            throws IOException {
        Checkpoint.Loaded ck = Checkpoint.load(file);
        Map<String, String> meta = ck.meta();
        if (!"training".equals(meta.get(META_KIND))) {
            throw new IllegalArgumentException(file + " is a model checkpoint, not a training checkpoint: it has no "
                    + "optimiser state to resume from");
        }
        requireSame(file, "task", meta.get(META_TASK), task.name());
        requireSame(file, "task options", meta.get(META_TASK_DESCRIPTION), task.describe());
        requireSame(file, "batch", meta.get(META_BATCH), Integer.toString(options.batch()));
        requireSame(file, "chunks", meta.get(META_CHUNKS), Integer.toString(options.effectiveChunks()));
        requireSame(file, "seed", meta.get(META_SEED), Long.toString(options.seed()));
        requireSame(file, "optimizer", meta.get(META_OPTIMIZER), options.optimizer().id());
        requireSame(file, "learning rate", meta.get(META_LR), Float.toString(options.learningRate()));
        requireSame(file, "clipping", meta.get(META_CLIP), options.clipping().toString());
        requireSame(file, "learning-rate decay", meta.getOrDefault(META_LR_SCHEDULE, "none"),
                options.lrSchedule().toString());
        requireSame(file, "curriculum", meta.getOrDefault(META_CURRICULUM, "none"),
                curriculum == null ? "none" : curriculumKey(curriculum));
        Trainer t = new Trainer(ck.config(), task, options, kernels, ck.params());
        try {
            if (curriculum != null) {
                curriculum.restore((int) parseLong(meta, META_CURRICULUM_LEVEL, file));
                t.setCurriculum(curriculum);
            }
            t.sequences = parseLong(meta, META_SEQUENCES, file);
            t.batches = parseLong(meta, META_BATCHES, file);
            t.skippedBatches = parseLong(meta, META_SKIPPED, file);
            t.evaluations = parseLong(meta, META_EVALUATIONS, file);
            t.data.setState(parseLong(meta, META_RNG, file));
            t.optimizer.setSteps(parseLong(meta, META_OPT_STEPS, file));
            for (String name : t.optimizer.momentNames()) {
                float[] m = ck.moments().get(name);
                if (m == null || m.length != t.size) {
                    throw new IllegalArgumentException(file + ": optimiser moment '" + name + "' is missing or has the "
                            + "wrong size");
                }
                Buffers.copy(m, 0, t.optimizer.moment(name), 0, t.size);
            }
            return t;
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
    }

    private static void requireSame(Path file, String what, String saved, String now) {
        if (!now.equals(saved)) {
            throw new IllegalArgumentException("cannot resume from " + file + ": it was trained with " + what + " "
                    + saved + " but this run asks for " + now + " (resuming must use the same " + what + ")");
        }
    }

    private static long parseLong(Map<String, String> meta, String key, Path file) {
        String v = meta.get(key);
        if (v == null) {
            throw new IllegalArgumentException(file + ": training checkpoint lacks metadata '" + key + "'");
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(file + ": metadata '" + key + "' is not an integer: '" + v + "'");
        }
    }

    /** Outcome of an evaluation on fresh sequences. */
    public record Evaluation(int sequences, double lossNats, long bitErrors) {
        /** Mean cost in bits per sequence. */
        public double costBits() { return lossNats / sequences / Math.log(2); }
        /** Mean bit errors per sequence. */
        public double bitErrorsPerSequence() { return (double) bitErrors / sequences; }
    }

    /** Evaluates on {@code options.evalSize()} fresh sequences of the current training task. */
    public Evaluation evaluate() {
        return evaluate(options.evalSize());
    }

    private Evaluation evaluate(int count) {
        return evaluate(currentTask(), Math.min(count, options.evalSize()), evalSeed(options.seed(), evaluations++));
    }

    /**
     * The full evaluation (and so the "solved" test) runs only when the training batches since the
     * last evaluation averaged at most this many bit errors per sequence; otherwise a probe of
     * {@link #PROBE_EVALUATION_SIZE} sequences keeps the learning curve at a fraction of the cost.
     * A model averaging more than half a bit error per training sequence is very unlikely to meet
     * 0.01 on fresh data; at worst the solved test is delayed by one evaluation interval.
     */
    static final double FULL_EVALUATION_GATE = 0.5;
    /** Sequences of the cheap evaluation used while the model is clearly not solved. */
    static final int PROBE_EVALUATION_SIZE = 100;

    /**
     * Evaluates the current parameters on {@code count} sequences of {@code evalTask} drawn from a
     * generator seeded with {@code seed}; does not touch the training state.
     */
    public Evaluation evaluate(Task evalTask, int count, long seed) {
        return evaluate(config, kernels, params, evalTask, count, seed, options.threads(), pool, evalNetworks);
    }

    /**
     * Forward-only evaluation of {@code params} on {@code count} sequences of {@code evalTask}; the
     * sequences are drawn first, then run in blocks of 32 whose statistics are summed in block order.
     */
    public static Evaluation evaluate(NtmConfig config, Kernels kernels, MemorySegment params, Task evalTask,
                                      int count, long seed, int threads) {
        ExecutorService pool = threads > 1 ? Executors.newFixedThreadPool(threads) : null;
        try {
            return evaluate(config, kernels, params, evalTask, count, seed, threads, pool, new ArrayList<>());
        } finally {
            if (pool != null) {
                pool.shutdownNow();
            }
        }
    }

    private static Evaluation evaluate(NtmConfig config, Kernels kernels, MemorySegment params, Task evalTask,
                                       int count, long seed, int threads, ExecutorService pool,
                                       List<Network> networks) {
        if (count < 1) {
            throw new IllegalArgumentException("evaluation needs >= 1 sequence, got " + count);
        }
        SplitMix64 rng = new SplitMix64(seed);
        Sequence[] seqs = new Sequence[count];
        int maxSteps = 1;
        for (int i = 0; i < count; i++) {
            seqs[i] = evalTask.generate(rng);
            maxSteps = Math.max(maxSteps, seqs[i].steps());
        }
        int blocks = (count + EVAL_BATCH - 1) / EVAL_BATCH;
        PassStats[] stats = new PassStats[blocks];
        for (int b = 0; b < blocks; b++) {
            stats[b] = new PassStats();
        }
        int workers = pool == null ? 1 : threads;
        synchronized (networks) {
            for (int w = 0; w < workers; w++) {
                if (networks.size() <= w || networks.get(w).maxSteps() < maxSteps) {
                    Network n = new Network(config, kernels, EVAL_BATCH, maxSteps);
                    if (networks.size() <= w) {
                        networks.add(n);
                    } else {
                        networks.set(w, n).close();
                    }
                }
            }
            if (pool == null) {
                for (int b = 0; b < blocks; b++) {
                    int from = b * EVAL_BATCH;
                    networks.get(0).forward(params, seqs, from, Math.min(EVAL_BATCH, count - from), stats[b]);
                }
            } else {
                List<Future<?>> futures = new ArrayList<>(workers);
                for (int w = 0; w < workers; w++) {
                    final int first = w;
                    final Network net = networks.get(w);
                    futures.add(pool.submit(() -> {
                        for (int b = first; b < blocks; b += workers) {
                            int from = b * EVAL_BATCH;
                            net.forward(params, seqs, from, Math.min(EVAL_BATCH, count - from), stats[b]);
                        }
                    }));
                }
                await(futures);
            }
        }
        double loss = 0;
        long errors = 0;
        for (PassStats s : stats) {
            loss += s.lossNats;
            errors += s.bitErrors;
        }
        return new Evaluation(count, loss, errors);
    }

    /** Raised when a batch's loss or gradient is not finite under {@link TrainerOptions.NonFinitePolicy#STOP}. */
    public static final class NonFiniteException extends RuntimeException {
        /** Version of the serial form. */
        private static final long serialVersionUID = 1L;

        NonFiniteException(String message) {
            super(message);
        }
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
        for (Network n : chunkNetworks) {
            n.close();
        }
        for (Network n : evalNetworks) {
            n.close();
        }
        arena.close();
    }
}
