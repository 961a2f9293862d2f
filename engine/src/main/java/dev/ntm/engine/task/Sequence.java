package dev.ntm.engine.task;

/**
 * One training or evaluation sequence: {@code steps} time steps of inputs (X each), targets
 * (Y each) and a target mask (1 where the step's outputs are scored, else 0), row-major by step.
 *
 * <p>The arrays are owned by the sequence; callers must not modify them after construction.
 */
public record Sequence(int steps, int inputSize, int outputSize, float[] inputs, float[] targets, float[] mask) {

    /** Validates the shapes. */
    public Sequence {
        if (steps < 1) {
            throw new IllegalArgumentException("a sequence needs at least 1 step, got " + steps);
        }
        if (inputs.length != steps * inputSize) {
            throw new IllegalArgumentException("inputs must hold steps*X = " + steps * inputSize
                    + " floats, got " + inputs.length);
        }
        if (targets.length != steps * outputSize) {
            throw new IllegalArgumentException("targets must hold steps*Y = " + steps * outputSize
                    + " floats, got " + targets.length);
        }
        if (mask.length != steps) {
            throw new IllegalArgumentException("mask must hold one value per step (" + steps + "), got "
                    + mask.length);
        }
    }

    /** Number of scored output bits: masked steps times Y. */
    public int scoredBits() {
        int n = 0;
        for (float m : mask) {
            if (m != 0f) {
                n += outputSize;
            }
        }
        return n;
    }
}
