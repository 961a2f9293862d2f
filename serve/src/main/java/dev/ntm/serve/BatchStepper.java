package dev.ntm.serve;

import dev.ntm.engine.api.NtmModel;
import dev.ntm.engine.api.NtmSession;

/**
 * Advances several independent sessions by one step each: the one seam between the runner and the
 * engine. The runner gathers the pending steps of up to {@code maxBatch} sessions and hands them
 * here together; an implementation may step them one by one ({@link SequentialBatchStepper}) or as
 * one batched step ({@link GroupBatchStepper}, the default), but must be <b>batch-invariant</b>: each session's output must be
 * bit-identical to the same session stepped alone with {@link NtmSession#step}, whatever else is in
 * the batch and whatever {@code count} is.
 *
 * <p>Called by one runner thread at a time; must not allocate. The inputs have been validated
 * (length {@code X}, finite), the sessions are distinct.
 */
public interface BatchStepper {

    /**
     * One step of each of {@code sessions[0 .. count)}.
     *
     * @param sessions the sessions (batch size 1 each), distinct
     * @param count    how many entries of the arrays are used, {@code 1 <= count <= sessions.length}
     * @param inputs   {@code inputs[i]}: session i's input, X floats (read)
     * @param outputs  {@code outputs[i]}: session i's output probabilities, Y floats (overwritten)
     */
    void step(NtmSession[] sessions, int count, float[][] inputs, float[][] outputs);

    /** Makes each runner thread's stepper ({@link ServeOptions#stepper()}). */
    @FunctionalInterface
    interface Factory {
        /** A stepper for batches of up to {@code maxBatch} sessions of {@code model}. */
        BatchStepper create(NtmModel model, int maxBatch);
    }
}
