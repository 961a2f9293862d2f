package dev.ntm.engine.model;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

import dev.ntm.engine.NtmConfig;
import dev.ntm.kernels.Buffers;
import dev.ntm.kernels.Kernels;

/**
 * The recurrent state of {@code batch} independent sequences advanced one step at a time
 * (controller h and c, reads, weightings, memory), for embedding. Only the current state is kept:
 * two row slots that alternate, and a memory written in place.
 *
 * <p>Not thread-safe: one instance per caller. The parameters are only read; the layer weights
 * are copied once, transposed, for the faster product form (see {@code ForwardWeights}; one copy
 * per model when shared through {@link InferenceWeights}), so later changes to the parameter
 * segment are not seen. A {@link GroupInference} may step a batch-1 state together with others. After construction a step allocates
 * nothing. Every input is validated before any state changes, so a rejected
 * call leaves the state as it was.
 */
public final class Inference {

    private final NtmConfig config;
    final Stepper stepper;
    final Tape tape;
    private final MemorySegment params;
    final ForwardWeights weights;
    final Kernels k;
    private final int batch;
    private final int inputFloats;
    private final int outputFloats;
    /** Whether the next step starts from the initial state. */
    boolean first = true;
    /** The row slot holding the current state. */
    int cur;
    /** The number of the last {@link GroupInference} step that took this state (to catch duplicates). */
    long groupMark = -1;

    /**
     * A state for {@code batch} sequences of the model with parameters {@code params} (laid out by
     * {@code ParamLayout.of(config)}, never written), starting at the initial state.
     */
    public Inference(NtmConfig config, Kernels kernels, MemorySegment params, int batch) {
        this(config, kernels, params, batch, false);
    }

    /**
     * As {@link #Inference(NtmConfig, Kernels, MemorySegment, int)}; with {@code compact}, the
     * controller's and heads' weight matrices are kept in bfloat16 (half the bytes per step; each weight
     * rounded to 8 significant bits, so outputs differ slightly from the float32 model's).
     */
    public Inference(NtmConfig config, Kernels kernels, MemorySegment params, int batch, boolean compact) {
        this(config, kernels, params, batch, compact, null);
    }

    /**
     * As {@link #Inference(NtmConfig, Kernels, MemorySegment, int, boolean)}, reading the weight
     * image of {@code shared} (made from {@code params}; built on first use, then shared with
     * every other state of the model) instead of a copy of its own; null makes its own copy.
     */
    public Inference(NtmConfig config, Kernels kernels, MemorySegment params, int batch, boolean compact,
                     InferenceWeights shared) {
        this.config = Objects.requireNonNull(config, "config");
        this.k = Objects.requireNonNull(kernels, "kernels");
        if (batch < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batch);
        }
        this.batch = batch;
        Arena arena = Arena.ofAuto();
        this.stepper = new Stepper(config, kernels, batch, 2, 1, false, arena);
        stepper.checkParams(params, "params");
        this.params = params;
        if (shared != null && shared.params() != params) {
            throw new IllegalArgumentException("the shared weight images were made from other parameters");
        }
        this.weights = shared != null ? shared.get(compact) : compact ? ForwardWeights.compact(stepper, params, arena)
                : ForwardWeights.transposed(stepper, params, arena);
        this.tape = stepper.tape;
        this.inputFloats = batch * config.inputSize();
        this.outputFloats = batch * config.outputSize();
        stepper.loadInitialState(params);
    }

    /** The configuration. */
    public NtmConfig config() {
        return config;
    }

    /** Number of sequences stepped together. */
    public int batch() {
        return batch;
    }

    /** Returns every sequence to the initial state of docs/SPEC.md section 2. */
    public void reset() {
        first = true;
    }

    /**
     * One step: {@code inputs} holds {@code batch * X} values (sequence b's x at {@code b * X});
     * {@code logits} receives {@code batch * Y} clipped output logits.
     */
    public void stepLogits(float[] inputs, float[] logits) {
        check(inputs, logits, "logits");
        run(inputs);
        copyOut(tape.logits, logits);
    }

    /** One step, as {@link #stepLogits}, writing the output probabilities {@code sigmoid(y)}. */
    public void step(float[] inputs, float[] probabilities) {
        check(inputs, probabilities, "probabilities");
        run(inputs);
        Tape t = tape;
        for (int b = 0; b < batch; b++) {
            long row = t.row(cur, b);
            k.sigmoid(t.seg, row + t.logits, t.seg, row + t.dlogits, t.yPadded);
        }
        copyOut(t.dlogits, probabilities);
    }

    private void check(float[] inputs, float[] out, String outName) {
        if (inputs == null) {
            throw new IllegalArgumentException("inputs is null; expected " + inputFloats + " floats");
        }
        if (inputs.length != inputFloats) {
            throw new IllegalArgumentException("inputs must hold batch*X = " + batch + "*" + config.inputSize()
                    + " = " + inputFloats + " floats, got " + inputs.length);
        }
        if (out == null) {
            throw new IllegalArgumentException(outName + " is null; expected " + outputFloats + " floats");
        }
        if (out.length != outputFloats) {
            throw new IllegalArgumentException(outName + " must hold batch*Y = " + batch + "*" + config.outputSize()
                    + " = " + outputFloats + " floats, got " + out.length);
        }
        for (int i = 0; i < inputs.length; i++) {
            if (!Float.isFinite(inputs[i])) {
                throw new IllegalArgumentException("inputs[" + i + "] = " + inputs[i] + "; inputs must be finite");
            }
        }
    }

    private void run(float[] inputs) {
        Tape t = tape;
        int next = first ? 0 : cur ^ 1;
        for (int b = 0; b < batch; b++) {
            Buffers.copy(inputs, b * t.x, t.seg, t.row(next, b) + t.xcat[0], t.x);
        }
        stepper.step(params, weights, first, next ^ 1, next, 0, 0, batch);
        cur = next;
        first = false;
    }

    private void copyOut(int field, float[] out) {
        Tape t = tape;
        for (int b = 0; b < batch; b++) {
            Buffers.copy(t.seg, t.row(cur, b) + field, out, b * t.y, t.y);
        }
    }
}
