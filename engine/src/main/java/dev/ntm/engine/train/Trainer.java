package dev.ntm.engine.train;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;

import dev.ntm.engine.NtmConfig;
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
 * Trains an NTM on a task (docs/SPEC.md section 4): the batch step and the training loop. Evaluation
 * is {@link Evaluator}'s job, checkpoints {@link TrainingCheckpoint}'s.
 *
 * <p>Determinism: a batch is cut into a fixed number of chunks ({@link TrainerOptions#effectiveChunks()}),
 * each chunk accumulates its gradient in its own buffer with its own {@link Network}, and the chunk
 * gradients and losses are summed in chunk order. Which thread ran a chunk therefore cannot change a
 * bit of the result: the same seed gives the same parameters for any thread count. All data come
 * from one generator, and every counter that decides what follows is in {@link RunState}; both
 * are saved in checkpoints, so a resumed run continues exactly, learning curve included.
 */
public final class Trainer implements AutoCloseable {

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
    /** Scratch of {@link #balanceChunks}: batch positions by length, chunk loads and fills, the dealt batch. */
    private final int[] byLength;
    private final long[] chunkLoad;
    private final int[] chunkFill;
    private final Sequence[] dealt;
    private final ExecutorService pool;
    private final Evaluator evaluator;
    final RunState state = new RunState();
    private Curriculum curriculum;
    /** The task at exactly its largest length, for the stricter half of "solved"; null when it has no range. */
    private final VariableLengthTask longestTask;
    /** The curve.csv a resumed run continues (next to its checkpoint), or null for the output folder's. */
    Path curveSource;
    private volatile boolean stopRequested;

    /**
     * A fresh run: parameters initialised from {@code options.seed()}.
     *
     * @throws IllegalArgumentException when the task does not fit the model, or the run would need
     *                                  more memory than this JVM and machine have ({@link dev.ntm.engine.MemoryBudget})
     */
    public Trainer(NtmConfig config, Task task, TrainerOptions options, Kernels kernels) {
        TrainingBudget.require(config, task, options);
        this(config, task, options, kernels, ParamInit.initialize(ParamLayout.of(config), options.seed()));
    }

    Trainer(NtmConfig config, Task task, TrainerOptions options, Kernels kernels, float[] initial) {
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
        this.byLength = new int[options.batch()];
        this.chunkLoad = new long[chunks];
        this.chunkFill = new int[chunks];
        this.dealt = new Sequence[options.batch()];
        this.pool = Threads.pool(options.threads(), "ntm-train");
        this.evaluator = new Evaluator(config, kernels, options.threads(), pool, false);
        this.longestTask = task instanceof VariableLengthTask v && v.minLength() < v.maxLength()
                ? v.atLength(v.maxLength()) : null;
    }

    /**
     * Seed of the training-data stream. SplitMix64 streams started from nearby states overlap
     * (state s + gamma is the stream of s shifted by one draw), so every derived stream starts from
     * a hashed state: different seeds and different evaluations get unrelated sequences.
     */
    static long dataSeed(long seed) {
        return new SplitMix64(seed ^ 0x632BE59BD9B4E019L).nextLong();
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

    /**
     * The trained task with every sequence of its largest length (length 20 for the paper's
     * copy): a run counts as solved only when the model also meets the criterion on it, since a
     * mean over lengths 1..20 can hide a model that fails one long sequence in a hundred
     * (docs/SPEC.md section 3). Null for tasks without a length range.
     */
    public VariableLengthTask longestTask() { return longestTask; }

    /** The curriculum, or null. */
    public Curriculum curriculum() { return curriculum; }

    /** The task batches are drawn from now: the curriculum's current level, or the task. */
    public Task currentTask() {
        return curriculum != null ? curriculum.current() : task;
    }

    /** The options of this run. */
    public TrainerOptions options() { return options; }

    /** Training sequences consumed so far. */
    public long sequences() { return state.sequences; }

    /** Batches applied so far (skipped ones excluded). */
    public long batches() { return state.batches; }

    /** Batches skipped because of non-finite values. */
    public long skippedBatches() { return state.skippedBatches; }

    /** Scheduled evaluations run so far (the next one's seed is derived from this count). */
    public long evaluations() { return state.evaluations; }

    /** The optimiser (its moments are saved in checkpoints). */
    public Optimizer optimizer() { return optimizer; }

    /** The training-data generator (its state is saved in checkpoints). */
    SplitMix64 dataGenerator() { return data; }

    /** The live parameter buffer ({@code layout.size()} floats). */
    public MemorySegment parameters() { return params; }

    /** A copy of the parameters. */
    public float[] parameterArray() {
        float[] out = new float[size];
        Buffers.copy(params, 0, out, 0, size);
        return out;
    }

    /**
     * Asks {@link #train} to stop at the next batch boundary: the batch running now is finished,
     * no further batch or evaluation starts, and the final checkpoint is written as at any other
     * end. Safe to call from any thread (a signal handler, for example).
     */
    public void requestStop() {
        stopRequested = true;
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
            optimizer.setLearningRate(options.lrSchedule().at(options.learningRate(), state.sequences));
        }
        for (int i = 0; i < batch.length; i++) {
            batch[i] = source.generate(data);
        }
        balanceChunks();
        state.sequences += batch.length;
        runChunks(1f / batch.length);
        double loss = 0;
        long errors = 0;
        MemorySegment grads = chunkGrads[0];
        for (int c = 0; c < chunkGrads.length; c++) {
            loss += chunkStats[c].lossNats;
            errors += chunkStats[c].bitErrors;
        }
        sumChunkGradients(grads);
        double norm = Math.sqrt(kernels.sumOfSquares(grads, 0, size));
        if (!Double.isFinite(loss) || !Double.isFinite(norm)) {
            String report = nonFiniteReport(loss, grads);
            if (options.onNonFinite() == TrainerOptions.NonFinitePolicy.STOP) {
                throw new NonFiniteException(report);
            }
            state.skippedBatches++;
            return new BatchResult(loss, errors, batch.length, norm, true);
        }
        // Clipping without a second pass for the norm, and element-wise clipping inside the step.
        GradientClipping clipping = options.clipping().at(curriculum != null ? curriculum.level() : Integer.MAX_VALUE);
        clipping.applyNorm(kernels, grads, size, norm);
        applyStep(grads, clipping.elementBound());
        state.batches++;
        return new BatchResult(loss, errors, batch.length, norm, false);
    }

    /**
     * Deals the batch's sequences to the chunks so that each chunk's total length is about the
     * same: longest first, each to the chunk with room and the least work so far (ties to the
     * lower chunk). Two threads then finish their chunks at about the same time. The deal depends
     * only on the batch, never on the thread count, so results stay the same for any thread count.
     */
    private void balanceChunks() {
        int n = batch.length;
        int chunks = chunkFrom.length;
        if (chunks < 2) {
            return;
        }
        for (int i = 0; i < n; i++) {
            int len = batch[i].steps();
            int j = i;
            while (j > 0 && batch[byLength[j - 1]].steps() < len) {
                byLength[j] = byLength[j - 1];
                j--;
            }
            byLength[j] = i;
        }
        java.util.Arrays.fill(chunkLoad, 0);
        java.util.Arrays.fill(chunkFill, 0);
        for (int i = 0; i < n; i++) {
            Sequence seq = batch[byLength[i]];
            int best = -1;
            for (int c = 0; c < chunks; c++) {
                if (chunkFill[c] < chunkCount[c] && (best < 0 || chunkLoad[c] < chunkLoad[best])) {
                    best = c;
                }
            }
            dealt[chunkFrom[best] + chunkFill[best]++] = seq;
            chunkLoad[best] += seq.steps();
        }
        System.arraycopy(dealt, 0, batch, 0, n);
    }

    /**
     * Adds chunks 1.. into chunk 0's gradient, in chunk order for every float, split over the
     * workers as {@link #applyStep} splits the step.
     */
    private void sumChunkGradients(MemorySegment grads) {
        if (chunkGrads.length < 2) {
            return;
        }
        overParameterRanges((from, n) -> {
            for (int c = 1; c < chunkGrads.length; c++) {
                kernels.axpy(1f, chunkGrads[c], from, grads, from, n);
            }
        });
    }

    /** The optimiser's step, split over the workers (an element-wise update: the same result for any split). */
    private void applyStep(MemorySegment grads, float bound) {
        optimizer.begin();
        overParameterRanges((from, n) -> optimizer.update(params, grads, bound, from, n));
    }

    /** Element-wise work over floats {@code from .. from + n - 1} of the parameters. */
    private interface RangeWork {
        void run(long from, int n);
    }

    /**
     * Runs {@code work} over all the parameters: in one call on one thread, else one range per
     * worker, each but the last a whole number of 16-float vectors.
     */
    private void overParameterRanges(RangeWork work) {
        if (pool == null) {
            work.run(0, size);
            return;
        }
        int workers = options.threads();
        Threads.run(pool, workers, w -> {
            long from = splitAt(w, workers);
            work.run(from, (int) (splitAt(w + 1, workers) - from));
        });
    }

    /** Where worker w's share of the parameters starts: a multiple of 16, and size for w = workers. */
    private long splitAt(int w, int workers) {
        return w == workers ? size : ((long) size * w / workers) & -16L;
    }

    private void runChunks(float gradScale) {
        if (pool == null) {
            for (int c = 0; c < chunkGrads.length; c++) {
                runChunk(c, gradScale);
            }
            return;
        }
        int workers = options.threads();
        Threads.run(pool, workers, first -> {
            for (int c = first; c < chunkGrads.length; c += workers) {
                runChunk(c, gradScale);
            }
        });
    }

    private void runChunk(int c, float gradScale) {
        Buffers.zero(chunkGrads[c], 0, size);
        chunkStats[c].reset();
        chunkNetworks[c].forwardBackward(params, chunkGrads[c], batch, chunkFrom[c], chunkCount[c], gradScale,
                chunkStats[c]);
    }

    /** Names the first non-finite gradients by tensor and index, and counts them. */
    private String nonFiniteReport(double loss, MemorySegment grads) {
        StringBuilder sb = new StringBuilder();
        sb.append("non-finite values in batch ").append(state.batches + state.skippedBatches + 1)
                .append(" (after ").append(state.sequences).append(" sequences): loss = ").append(loss);
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

    /**
     * Outcome of {@link #train}.
     *
     * @param solved              whether the last evaluation met the solved criterion on the full range
     * @param sequences           training sequences of this call
     * @param batches             batches applied in the whole run
     * @param skippedBatches      batches skipped in the whole run
     * @param trainingSeconds     wall time of this call
     * @param lastEvaluation      the last evaluation, or null
     * @param longestEvaluation   the last evaluation's check at the task's largest length (see
     *                            {@link #longestTask()}), or null when it did not run: the task has
     *                            no length range, or the last evaluation did not meet the criterion
     *                            on the full range
     * @param stopped             whether {@link #requestStop()} ended the run early
     * @param checkpointSequences the sequence count of the last checkpoint written to the output
     *                            folder, or -1 when none was
     * @param checkpointFailure   why the final checkpoint could not be written (the one of
     *                            {@code checkpointSequences} is then the one to resume from), or null
     * @param firstSolvedSequences the run's sequence count at the first evaluation that found the task
     *                            solved (in this call or an earlier process of the run), or -1 if none did;
     *                            below {@code sequences} when the run trained on past it
     *                            ({@link TrainerOptions#minSequences()}, or without stopping when solved)
     * @param firstSolvedSeconds  the run's training wall time at that evaluation, in seconds, counting
     *                            the run's earlier processes when it was resumed (0 if none), where
     *                            {@code trainingSeconds} counts this call only
     */
    public record Summary(boolean solved, long sequences, long batches, long skippedBatches,
                          double trainingSeconds, Evaluation lastEvaluation, Evaluation longestEvaluation,
                          boolean stopped,
                          long checkpointSequences, IOException checkpointFailure,
                          long firstSolvedSequences, double firstSolvedSeconds) {
        /** Training sequences per second of wall time. */
        public double sequencesPerSecond() { return trainingSeconds > 0 ? sequences / trainingSeconds : 0; }
    }

    /**
     * Trains until {@code maxSequences}, a {@link #requestStop()}, or, when asked, until an
     * evaluation finds the task solved: at most {@code solvedBitErrors} bit errors per sequence
     * over {@code evalSize} fresh sequences of the full range and, for a task with a length range,
     * as few again over as many sequences of its largest length ({@link #longestTask()}). Evaluates every {@code evalEvery} sequences and, with an
     * output folder, appends each evaluation to {@code curve.csv} and writes training checkpoints:
     * periodically (by time and by sequences), after each evaluation that improves on the best so
     * far, and at the end. A periodic checkpoint that cannot be written is reported to the
     * listener and the previous one stays; a final one that cannot be written is reported in the
     * summary.
     *
     * <p>When the run ends between two scheduled evaluations (at {@code maxSequences}), a last
     * evaluation reports the final parameters without touching the run's state (evaluation count,
     * curriculum, window statistics), and the curve row it adds is dropped when the run is
     * resumed: the resumed run then equals one that never stopped.
     */
    public Summary train(TrainingListener listener) throws IOException {
        long startNanos = System.nanoTime();
        long startSequences = state.sequences;
        Path out = options.outDir();
        CheckpointSchedule checkpoints = out == null ? null
                : new CheckpointSchedule(options, state.sequences, startNanos);
        LearningCurve curve = out == null ? null : LearningCurve.open(out.resolve(LearningCurve.FILE),
                curveSource != null ? curveSource : out.resolve(LearningCurve.FILE), state.curveRows);
        long nextEval = (state.sequences / options.evalEvery() + 1) * options.evalEvery();
        Evaluation last = null;
        Evaluation lastLongest = null;
        boolean solved = false;
        long checkpointSequences = -1;
        try {
            while (state.sequences < options.maxSequences() && !stopRequested) {
                BatchResult r = trainBatch();
                if (!r.skipped()) {
                    state.windowLoss += r.lossNats();
                    state.windowErrors += r.bitErrors();
                    state.windowSequences += r.sequences();
                }
                listener.batch(this, r);
                boolean scheduled = state.sequences >= nextEval;
                boolean improved = false;
                if (scheduled || state.sequences >= options.maxSequences()) {
                    boolean fullRange = curriculum == null || curriculum.isComplete();
                    int evaluatedLength = currentTask() instanceof VariableLengthTask v ? v.maxLength() : 0;
                    long evaluation = state.evaluations;
                    last = evaluateNow(scheduled);
                    boolean rangeSolved = fullRange && last.sequences() >= options.evalSize()
                            && last.bitErrorsPerSequence() <= options.solvedBitErrors();
                    lastLongest = rangeSolved && longestTask != null
                            ? evaluate(longestTask, options.evalSize(), Evaluator.longestSeed(options.seed(), evaluation))
                            : null;
                    solved = rangeSolved && (lastLongest == null
                            || lastLongest.bitErrorsPerSequence() <= options.solvedBitErrors());
                    double elapsed = state.elapsedBefore + (System.nanoTime() - startNanos) / 1e9;
                    double n = Math.max(1, state.windowSequences);
                    TrainingListener.Progress p = new TrainingListener.Progress(state.sequences, elapsed,
                            state.windowLoss / n / Math.log(2), state.windowErrors / n, last, lastLongest, solved);
                    if (scheduled) {
                        if (!fullRange && curriculum.report(last.bitErrorsPerSequence())) {
                            listener.curriculum(this, curriculum);
                        }
                        improved = last.bitErrorsPerSequence() < state.bestBitErrors;
                        state.bestBitErrors = Math.min(state.bestBitErrors, last.bitErrorsPerSequence());
                        state.clearWindow();
                        while (nextEval <= state.sequences) {
                            nextEval += options.evalEvery();
                        }
                    }
                    // On disk before the listener hears of it: a listener may redraw the curve from the file.
                    if (curve != null) {
                        curve.append(p, evaluatedLength);
                        if (scheduled) {
                            state.curveRows++;
                        }
                    }
                    listener.evaluation(this, p);
                    if (solved && scheduled && state.firstSolvedSequences < 0) {
                        // only a scheduled evaluation is part of the run's state (see evaluateNow)
                        state.firstSolvedSequences = state.sequences;
                        state.firstSolvedSeconds = elapsed;
                    }
                    if (solved && options.stopWhenSolved() && state.sequences >= options.minSequences()) {
                        break;
                    }
                }
                if (checkpoints != null && checkpoints.due(state.sequences, System.nanoTime(), improved)
                        && state.sequences < options.maxSequences() && !stopRequested) {
                    Path file = out.resolve(CHECKPOINT_FILE);
                    try {
                        saveCheckpoint(file, startNanos);
                        checkpointSequences = state.sequences;
                        listener.checkpoint(this, file);
                    } catch (IOException e) {
                        listener.checkpointFailed(this, file, e, checkpointSequences);
                    }
                    checkpoints.written(state.sequences, System.nanoTime());
                }
            }
        } finally {
            if (curve != null) {
                curve.close();
            }
        }
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        IOException failure = null;
        if (out != null) {
            try {
                saveCheckpoint(out.resolve(CHECKPOINT_FILE), startNanos);
                checkpointSequences = state.sequences;
            } catch (IOException e) {
                failure = e;
            }
        }
        // a run first solved by the unscheduled evaluation at its end reports that one
        boolean endSolve = state.firstSolvedSequences < 0 && solved;
        return new Summary(solved, state.sequences - startSequences, state.batches, state.skippedBatches, seconds,
                last, lastLongest, stopRequested, checkpointSequences, failure,
                endSolve ? state.sequences : state.firstSolvedSequences,
                endSolve ? state.elapsedBefore + seconds : state.firstSolvedSeconds);
    }

    /**
     * A scheduled evaluation: the full one when the training batches since the last one averaged
     * at most {@link #FULL_EVALUATION_GATE} bit errors per sequence, else a probe. An unscheduled
     * one (the end of the run between two scheduled ones) uses the seed of the next scheduled
     * evaluation without counting it, so the run's future does not depend on where it stopped.
     */
    private Evaluation evaluateNow(boolean scheduled) {
        double windowErrorRate = state.windowErrors / Math.max(1.0, state.windowSequences);
        boolean promising = state.windowSequences == 0 || windowErrorRate <= FULL_EVALUATION_GATE;
        int count = promising ? options.evalSize() : Math.min(PROBE_EVALUATION_SIZE, options.evalSize());
        long seed = Evaluator.evalSeed(options.seed(), state.evaluations);
        if (scheduled) {
            state.evaluations++;
        }
        return evaluate(currentTask(), count, seed);
    }

    /** File name of the training checkpoint inside the output folder. */
    public static final String CHECKPOINT_FILE = "checkpoint.safetensors";

    /**
     * Writes a training checkpoint (docs/SPEC.md section 6): parameters, optimiser moments, the
     * generator state, every counter of the run and the options, atomically (temporary file,
     * sync, rename).
     */
    public void saveCheckpoint(Path file) throws IOException {
        TrainingCheckpoint.save(file, this, state.elapsedBefore);
    }

    private void saveCheckpoint(Path file, long startNanos) throws IOException {
        TrainingCheckpoint.save(file, this, state.elapsedBefore + (System.nanoTime() - startNanos) / 1e9);
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
        return TrainingCheckpoint.resume(file, task, curriculum, options, kernels);
    }

    /** Outcome of an evaluation on fresh sequences. */
    public record Evaluation(int sequences, double lossNats, long bitErrors) {
        /** Mean cost in bits per sequence. */
        public double costBits() { return lossNats / sequences / Math.log(2); }
        /** Mean bit errors per sequence. */
        public double bitErrorsPerSequence() { return (double) bitErrors / sequences; }
    }

    /**
     * Evaluates on {@code options.evalSize()} fresh sequences of the current training task, with
     * the seed of the next scheduled evaluation; does not touch the run's state.
     */
    public Evaluation evaluate() {
        return evaluate(currentTask(), options.evalSize(), Evaluator.evalSeed(options.seed(), state.evaluations));
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
        return evaluator.evaluate(params, evalTask, count, seed);
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
        evaluator.close();
        arena.close();
    }
}
