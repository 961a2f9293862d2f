package dev.ntm.engine.api;

import dev.ntm.engine.model.GroupInference;
import dev.ntm.engine.model.Inference;

/**
 * Steps several independent sessions of one {@link NtmModel} together, for a thread that serves
 * many of them: the controller, head and output products run once over the group, streaming the
 * weights once instead of once per session, while each session's addressing and memory are
 * computed in place in the session. Each session's outputs are bit-identical to what
 * {@link NtmSession#step} would give it alone, whatever else is in the group and however many.
 *
 * <pre>{@code
 * NtmGroupStepper group = model.newGroupStepper(64);
 * group.step(sessions, count, inputs, outputs);   // sessions[i] takes inputs[i], answers in outputs[i]
 * }</pre>
 *
 * <p>Not thread-safe: one group stepper per thread, and a session in one thread's hands at a time.
 * A step allocates nothing. Every argument is checked before any session changes: a rejected call
 * ({@link IllegalArgumentException}) leaves all of them as they were.
 */
public final class NtmGroupStepper {

    private final NtmModel model;
    private final GroupInference group;
    private final Inference[] states;

    NtmGroupStepper(NtmModel model, int maxBatch) {
        this.model = model;
        this.group = new GroupInference(model.config(), model.kernels(), model.images(), maxBatch,
                model.compactWeights());
        this.states = new Inference[maxBatch];
    }

    /** The model. */
    public NtmModel model() {
        return model;
    }

    /** Most sessions stepped together. */
    public int maxBatch() {
        return group.maxBatch();
    }

    /**
     * One step of each of {@code sessions[0 .. count)}, distinct sessions of one sequence each of
     * this model (same kernels and weight precision): {@code inputs[i]} holds session i's input (X
     * floats), {@code outputProbabilities[i]} receives its output probabilities (Y floats).
     */
    public void step(NtmSession[] sessions, int count, float[][] inputs, float[][] outputProbabilities) {
        try {
            group.step(states(sessions, count), count, inputs, outputProbabilities);
        } finally {
            clear(count);
        }
    }

    /** One step, as {@link #step}, writing the clipped output logits instead of probabilities. */
    public void stepLogits(NtmSession[] sessions, int count, float[][] inputs, float[][] logits) {
        try {
            group.stepLogits(states(sessions, count), count, inputs, logits);
        } finally {
            clear(count);
        }
    }

    private Inference[] states(NtmSession[] sessions, int count) {
        if (sessions == null) {
            throw new IllegalArgumentException("sessions is null");
        }
        if (count < 1 || count > states.length || count > sessions.length) {
            throw new IllegalArgumentException("count must be in 1.." + states.length + " (the group's largest batch)"
                    + " and at most sessions.length = " + sessions.length + ", got " + count);
        }
        for (int i = 0; i < count; i++) {
            NtmSession s = sessions[i];
            if (s == null) {
                throw new IllegalArgumentException("sessions[" + i + "] is null");
            }
            states[i] = s.inference();
        }
        return states;
    }

    /** Drops the references to the sessions, so the group does not keep closed sessions alive. */
    private void clear(int count) {
        for (int i = 0; i < Math.min(count, states.length); i++) {
            states[i] = null;
        }
    }
}
