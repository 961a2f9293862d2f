package dev.ntm.engine.api;

import dev.ntm.engine.model.Inference;

/**
 * One caller's recurrent state of an {@link NtmModel}: controller state, reads, weightings and
 * memory of {@link #batchSize()} independent sequences, advanced one step per call.
 *
 * <p>Sessions of one sequence may also be stepped together by an {@link NtmGroupStepper}, with the
 * same outputs.
 *
 * <p>Not thread-safe: use one session per thread (sessions of one model are independent). A step
 * allocates nothing. Every call validates its arguments before touching the state, so a rejected
 * call (an {@link IllegalArgumentException} saying what was wrong) leaves the session unchanged.
 */
public final class NtmSession {

    private final NtmModel model;
    private final Inference inference;

    NtmSession(NtmModel model, int batchSize) {
        this.model = model;
        this.inference = new Inference(model.config(), model.kernels(), model.parameterSegment(), batchSize,
                model.compactWeights(), model.images());
    }

    /** The model. */
    public NtmModel model() {
        return model;
    }

    /** Number of sequences stepped together (1 for {@link NtmModel#newSession()}). */
    public int batchSize() {
        return inference.batch();
    }

    /**
     * One step: {@code input} holds {@code batchSize * X} values (sequence b's input at
     * {@code b * X}); {@code outputProbabilities} receives {@code batchSize * Y} values, the sigmoid
     * of the output logits.
     */
    public void step(float[] input, float[] outputProbabilities) {
        inference.step(input, outputProbabilities);
    }

    /** One step, as {@link #step}, writing the clipped output logits instead of probabilities. */
    public void stepLogits(float[] input, float[] logits) {
        inference.stepLogits(input, logits);
    }

    /** The state, for {@link NtmGroupStepper}. */
    Inference inference() {
        return inference;
    }

    /** Returns every sequence of the session to the model's initial state. */
    public void reset() {
        inference.reset();
    }
}
