package dev.ntm.engine.api;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

import dev.ntm.engine.MemoryBudget;
import dev.ntm.engine.NtmConfig;
import dev.ntm.engine.io.Checkpoint;
import dev.ntm.engine.layout.ParamLayout;
import dev.ntm.engine.model.InferenceWeights;
import dev.ntm.engine.model.Parameters;
import dev.ntm.engine.util.JitWarmUp;
import dev.ntm.engine.util.SplitMix64;
import dev.ntm.kernels.KernelProvider;
import dev.ntm.kernels.Kernels;

/**
 * A trained (or freshly initialised) Neural Turing Machine: a configuration and its parameters.
 * Immutable and thread-safe: the parameters are copied in at construction and never written;
 * every caller steps its own {@link NtmSession}.
 *
 * <pre>{@code
 * NtmModel model = NtmModel.create(NtmConfig.copyTask(), 42);
 * NtmSession session = model.newSession();
 * float[] out = new float[model.config().outputSize()];
 * session.step(input, out);   // out = sigmoid of the logits
 * }</pre>
 */
public final class NtmModel {

    private final NtmConfig config;
    private final Parameters parameters;
    private final MemorySegment readOnly;
    private final Kernels kernels;
    private final boolean compactWeights;
    /** The transposed weights every session and group stepper reads, shared by the models made by with methods. */
    private final InferenceWeights images;

    private NtmModel(NtmConfig config, Parameters parameters, Kernels kernels) {
        this.config = config;
        this.parameters = parameters;
        this.readOnly = parameters.segment().asReadOnly();
        this.kernels = kernels;
        this.compactWeights = false;
        this.images = new InferenceWeights(config, readOnly);
    }

    private NtmModel(NtmModel base, Kernels kernels, boolean compactWeights) {
        this.config = base.config;
        this.parameters = base.parameters;
        this.readOnly = base.readOnly;
        this.kernels = kernels;
        this.compactWeights = compactWeights;
        this.images = base.images;
    }

    /** A new model of {@code config} initialised as in docs/SPEC.md section 2 from {@code seed}. */
    public static NtmModel create(NtmConfig config, long seed) {
        Objects.requireNonNull(config, "config");
        return new NtmModel(config, Parameters.initialize(config, seed), KernelProvider.get());
    }

    /**
     * A model of {@code config} with a copy of {@code parameters}, laid out as
     * {@code ParamLayout.of(config)} (docs/SPEC.md section 6 order); every value must be finite.
     */
    public static NtmModel of(NtmConfig config, float[] parameters) {
        Objects.requireNonNull(config, "config");
        if (parameters == null) {
            throw new IllegalArgumentException("parameters is null");
        }
        ParamLayout layout = ParamLayout.of(config);
        if (parameters.length != layout.size()) {
            throw new IllegalArgumentException("parameters must hold " + layout.size() + " floats for " + config
                    + ", got " + parameters.length);
        }
        for (int i = 0; i < parameters.length; i++) {
            if (!Float.isFinite(parameters[i])) {
                throw new IllegalArgumentException("parameter " + layout.describe(i) + " = " + parameters[i]
                        + "; parameters must be finite");
            }
        }
        return new NtmModel(config, Parameters.of(layout, parameters), KernelProvider.get());
    }

    /**
     * Loads a model from a checkpoint file (docs/SPEC.md section 6); training state in the file is
     * ignored. The file is fully checked before a model is built (see {@link Checkpoint#load}).
     */
    public static NtmModel load(Path path) throws IOException {
        Objects.requireNonNull(path, "path");
        Checkpoint.Loaded c = Checkpoint.load(path);
        return of(c.config(), c.params());
    }

    /** Saves the configuration and parameters as a checkpoint file, atomically. */
    public void save(Path path) throws IOException {
        Objects.requireNonNull(path, "path");
        Checkpoint.save(path, config, readOnly, Map.of(), Map.of());
    }

    /** The same model computed with other kernels (for example the scalar reference); shares the parameters. */
    public NtmModel withKernels(Kernels kernels) {
        return new NtmModel(this, Objects.requireNonNull(kernels, "kernels"), compactWeights);
    }

    /**
     * The same model whose sessions keep the controller's and the heads' weight matrices in
     * bfloat16 (opt-in; float32 is the default): the gate and head products, most of the bytes a
     * step reads, stream half as many, for a faster batch-1 step. Each weight is rounded to 8
     * significant bits, so outputs differ slightly from the float32 model's (PERFORMANCE.md,
     * sections 10b and 10i, measure how much);
     * sessions of a compact model are still deterministic. Shares the parameters.
     */
    public NtmModel withCompactWeights() {
        return new NtmModel(this, kernels, true);
    }

    /** Whether sessions keep the controller's and heads' weights in bfloat16 ({@link #withCompactWeights}). */
    public boolean compactWeights() {
        return compactWeights;
    }

    /** The configuration. */
    public NtmConfig config() {
        return config;
    }

    /** The kernels the sessions use. */
    public Kernels kernels() {
        return kernels;
    }

    /** The parameter layout. */
    public ParamLayout layout() {
        return parameters.layout();
    }

    /** A copy of the parameters, in layout order. */
    public float[] parameters() {
        return parameters.toArray();
    }

    /** A read-only view of the parameter segment (for trainers and tools; never written). */
    public MemorySegment parameterSegment() {
        return readOnly;
    }

    /**
     * What {@link #warmUp} did.
     *
     * @param steps     inference steps run
     * @param elapsed   time spent
     * @param nsPerStep mean time per step in the last window of about 100 ms
     * @param settled   whether the step time had stopped falling with the JIT compiler idle
     *                  (otherwise the budget ran out first)
     */
    public record WarmUp(long steps, Duration elapsed, double nsPerStep, boolean settled) {
    }

    /** Longest warm-up budget accepted. */
    public static final Duration MAX_WARM_UP = Duration.ofHours(1);

    /** Most sequences one session steps together. */
    public static final int MAX_SESSION_BATCH = 1 << 16;

    /** Windows of the warm-up: each is timed, and two quiet ones in a row end it. */
    private static final long WARM_UP_WINDOW_NANOS = 100_000_000L;
    /** A window this much faster than the best so far counts as still getting faster. */
    private static final double STILL_IMPROVING = 0.97;

    /**
     * Runs this model's step path on synthetic inputs (uniform in [0, 1), a reset every 32 steps) in
     * a private session until it is compiled: until two windows of about 100 ms in a row are no
     * faster than the best before them and the JIT compiler was idle during both, or until
     * {@code budget} is spent. Call it once after loading and before the first real step: on a
     * fresh JVM the first steps run in the interpreter, hundreds of times slower, until C2 has
     * compiled the Vector API kernels (PERFORMANCE.md, section 3). The model and its other
     * sessions are not touched; any thread may call it.
     *
     * @param budget the longest to run, at least one step is always run
     * @return the number of steps, the time, the last window's step time and whether it settled
     */
    public WarmUp warmUp(Duration budget) {
        if (budget == null || budget.isNegative() || budget.compareTo(MAX_WARM_UP) > 0) {
            throw new IllegalArgumentException("warm-up budget must be in 0.." + MAX_WARM_UP + " (C2 settles in "
                    + "seconds), got " + budget);
        }
        NtmSession session = newSession();
        float[][] inputs = new float[64][config.inputSize()];
        SplitMix64 rng = new SplitMix64(0x5EED_0F_4A3DL);
        for (float[] in : inputs) {
            for (int i = 0; i < in.length; i++) {
                in[i] = (float) rng.nextDouble();
            }
        }
        float[] out = new float[config.outputSize()];
        long[] steps = {0};
        Runnable step = () -> {
            if (steps[0] % 32 == 0) {
                session.reset();
            }
            session.step(inputs[(int) (steps[0] & 63)], out);
            steps[0]++;
        };
        long start = System.nanoTime();
        JitWarmUp.Result r = JitWarmUp.untilSettled(step, WARM_UP_WINDOW_NANOS,
                start + Math.min(budget.toNanos(), Long.MAX_VALUE / 4), STILL_IMPROVING);
        return new WarmUp(r.calls(), Duration.ofNanos(System.nanoTime() - start), r.lastNsPerCall(), r.settled());
    }

    /** The weight images of the parameters, shared by the sessions (package-private). */
    InferenceWeights images() {
        return images;
    }

    /**
     * A stepper that advances up to {@code maxBatch} sessions of this model (made by
     * {@link #newSession()}) by one step each in one batched step: the weights stream once for all
     * of them, and each session's outputs are bit-identical to the same session stepped alone.
     * For a thread that serves many sessions (see {@link NtmGroupStepper}).
     *
     * @throws IllegalArgumentException when maxBatch is not in 1..{@link #MAX_SESSION_BATCH}
     */
    public NtmGroupStepper newGroupStepper(int maxBatch) {
        if (maxBatch < 1 || maxBatch > MAX_SESSION_BATCH) {
            throw new IllegalArgumentException("group batch size must be in 1.." + MAX_SESSION_BATCH + ", got "
                    + maxBatch);
        }
        MemoryBudget.session(config, maxBatch).require("a group stepper of " + maxBatch + " sessions",
                "the batch size");
        return new NtmGroupStepper(this, maxBatch);
    }

    /** A session of one sequence, at the initial state. */
    public NtmSession newSession() {
        return new NtmSession(this, 1);
    }

    /**
     * A session stepping {@code batchSize} independent sequences together.
     *
     * @throws IllegalArgumentException when batchSize is not in 1..{@link #MAX_SESSION_BATCH}, or
     *                                  its state would not fit the available memory
     */
    public NtmSession newSession(int batchSize) {
        if (batchSize < 1 || batchSize > MAX_SESSION_BATCH) {
            throw new IllegalArgumentException("session batch size must be in 1.." + MAX_SESSION_BATCH + ", got "
                    + batchSize);
        }
        MemoryBudget.session(config, batchSize).require("a session of " + batchSize + " sequences",
                "the batch size");
        return new NtmSession(this, batchSize);
    }
}
