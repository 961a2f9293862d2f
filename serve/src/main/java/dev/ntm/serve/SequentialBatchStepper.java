package dev.ntm.serve;

import dev.ntm.engine.api.NtmSession;

/**
 * Steps the sessions of a batch one after another with {@link NtmSession#step}: batch-invariant by
 * construction (each session computes exactly what it would alone). What batching gains here is
 * only the shared hand-off, not a shared pass over the weights ({@link GroupBatchStepper}, the
 * default, shares that too); kept as the plain reference the batched stepper is compared with.
 */
public final class SequentialBatchStepper implements BatchStepper {

    @Override
    public void step(NtmSession[] sessions, int count, float[][] inputs, float[][] outputs) {
        for (int i = 0; i < count; i++) {
            sessions[i].step(inputs[i], outputs[i]);
        }
    }
}
