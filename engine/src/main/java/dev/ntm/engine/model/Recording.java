package dev.ntm.engine.model;

/**
 * Everything one sequence did inside the model, step by step, for the trace file (docs/SPEC.md 6).
 * Arrays are row-major.
 *
 * @param steps         T
 * @param logits        [T, Y] clipped output logits
 * @param readWeights   [T, R, N] final weighting of every read head
 * @param writeWeights  [T, W, N] final weighting of every write head
 * @param memory        [T+1, N, M] memory states, M_0 first
 * @param addVectors    [T, W, M] add vector a_t of every write head
 * @param eraseVectors  [T, W, M] erase vector e_t of every write head
 * @param loss          the sequence's loss in nats (docs/SPEC.md 3)
 * @param bitErrors     masked output bits predicted wrong
 * @param gradients     gradient of the loss for every parameter, in the parameter layout
 */
public record Recording(int steps, float[] logits, float[] readWeights, float[] writeWeights, float[] memory,
                        float[] addVectors, float[] eraseVectors, double loss, long bitErrors, float[] gradients) {
}
