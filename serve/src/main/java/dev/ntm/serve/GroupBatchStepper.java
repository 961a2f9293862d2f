package dev.ntm.serve;

import dev.ntm.engine.api.NtmGroupStepper;
import dev.ntm.engine.api.NtmModel;
import dev.ntm.engine.api.NtmSession;

/**
 * Steps a batch as one engine group step ({@link NtmGroupStepper}): the weights stream once for
 * the whole batch, each session's addressing and memory run in place. Batch-invariant: the
 * engine's group step gives every session the outputs it would have alone. The runner's default.
 */
public final class GroupBatchStepper implements BatchStepper {

    private final NtmGroupStepper group;

    /** A stepper for batches of up to {@code maxBatch} sessions of {@code model}. */
    public GroupBatchStepper(NtmModel model, int maxBatch) {
        this.group = model.newGroupStepper(maxBatch);
    }

    @Override
    public void step(NtmSession[] sessions, int count, float[][] inputs, float[][] outputs) {
        group.step(sessions, count, inputs, outputs);
    }
}
