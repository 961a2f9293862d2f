package dev.ntm.engine.addressing;

/**
 * Where one head's gradients sit in a row of gradients, as float offsets from the row's start:
 * that of its activated parameters (accumulated) and that of its final weighting, which the
 * backward pass replaces by the gradient of the previous step's weighting.
 *
 * @param dAct gradient of the activated head parameters
 * @param dW   gradient of the final weighting, then of the previous one
 */
public record HeadGradientSlots(long dAct, long dW) {
}
